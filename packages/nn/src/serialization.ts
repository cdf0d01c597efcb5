/**
 * Saving and loading a model's parameters and state as a .npz archive (numpy.savez's format,
 * through @theano-ts/tensor's writeNpz/readNpz), one array per shared variable, named by the
 * variable's name (`dense_0.W`, `batch_norm_0.runningMean`…). Bytes in, bytes out: write them
 * with `fs.writeFileSync` in Node, or offer them as a download in a browser; NumPy reads them
 * with `numpy.load`.
 */
import { type NDArray, readNpz, writeNpz } from '@theano-ts/tensor';
import { type SharedVariable, TheanoTypeError } from '@theano-ts/symbolic';
import type { Layer } from './layers';

const fail = (msg: string): never => {
  throw new TheanoTypeError(msg);
};

/** The model's parameters, then its state, by name. @throws TheanoTypeError for unnamed or duplicate names. */
function namedVariables(what: string, model: Layer): Map<string, SharedVariable> {
  const out = new Map<string, SharedVariable>();
  for (const v of [...model.params, ...(model.state ?? [])]) {
    if (!v.name) fail(`${what}: ${model.name} has a parameter without a name`);
    const prev = out.get(v.name!);
    if (prev && prev !== v)
      fail(
        `${what}: two parameters of ${model.name} are named '${v.name}'; give the layers distinct names`,
      );
    out.set(v.name!, v);
  }
  return out;
}

/**
 * The parameters and state of `model` as the bytes of a .npz archive (numpy.savez; with
 * `compressed`, numpy.savez_compressed), one member per variable named after it.
 */
export function saveWeights(model: Layer, opts: { compressed?: boolean } = {}): Uint8Array {
  const arrays: Record<string, NDArray> = {};
  for (const [name, v] of namedVariables('saveWeights', model))
    arrays[name] = v.getValue({ borrow: true });
  return writeNpz(arrays, opts);
}

/**
 * Set the parameters and state of `model` from .npz bytes (from saveWeights or numpy.savez),
 * matching members to variables by name. Every variable must be found with the same shape;
 * values are cast to the variable's dtype. Members that match no variable are an error unless
 * `strict: false`. Nothing is set when a check fails.
 * @returns the names loaded.
 */
export function loadWeights(
  model: Layer,
  bytes: Uint8Array | ArrayBuffer,
  opts: { strict?: boolean } = {},
): string[] {
  const vars = namedVariables('loadWeights', model);
  const arrays = readNpz(bytes);
  const missing = [...vars.keys()].filter((k) => !(k in arrays));
  if (missing.length)
    fail(`loadWeights: the archive has no ${missing.map((m) => `'${m}'`).join(', ')}`);
  const extra = Object.keys(arrays).filter((k) => !vars.has(k));
  if (extra.length && opts.strict !== false)
    fail(
      `loadWeights: the archive has ${extra.map((m) => `'${m}'`).join(', ')}, which ${model.name} does not (pass strict: false to ignore)`,
    );
  const values: [SharedVariable, NDArray][] = [];
  for (const [name, v] of vars) {
    const a = arrays[name];
    const want = v.getValue({ borrow: true }).shape;
    if (a.shape.length !== want.length || a.shape.some((d, i) => d !== want[i]))
      fail(
        `loadWeights: '${name}' has shape (${a.shape.join(', ')}) in the archive, (${want.join(', ')}) in the model`,
      );
    values.push([v, a.dtype === v.dtype ? a : a.astype(v.dtype)]);
  }
  for (const [v, a] of values) v.setValue(a, { borrow: true });
  return [...vars.keys()];
}

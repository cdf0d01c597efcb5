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
 * `strict: false`. When the names differ only by layer name (two same-topology models built
 * with automatic names, `dense_0` and `dense_1`), members are matched by order, as Keras's
 * `load_weights` does: the archive must then hold exactly the model's variables, in its order,
 * with the same shapes and the same names after the layer name (`.W`, `.b`…). Nothing is set
 * when a check fails.
 * @returns the names loaded (the model's).
 * @throws TheanoTypeError for a missing member (with the hint to give the layers the same
 * `name`), an extra member (when strict), or a shape that differs.
 */
export function loadWeights(
  model: Layer,
  bytes: Uint8Array | ArrayBuffer,
  opts: { strict?: boolean } = {},
): string[] {
  const vars = namedVariables('loadWeights', model);
  let arrays = readNpz(bytes);
  const missing = [...vars.keys()].filter((k) => !(k in arrays));
  if (missing.length) {
    arrays =
      matchByOrder(vars, arrays) ??
      fail(
        `loadWeights: the archive has no ${missing.map((m) => `'${m}'`).join(', ')} (archive members: ${Object.keys(arrays).join(', ')}); to load weights saved from another model of the same layers, give the layers the same \`name\` in both`,
      );
  }
  const extra = Object.keys(arrays).filter((k) => !vars.has(k));
  if (extra.length && opts.strict !== false)
    fail(
      `loadWeights: the archive has ${extra.map((m) => `'${m}'`).join(', ')}, which ${model.name} does not (pass strict: false to ignore)`,
    );
  const values: [SharedVariable, NDArray][] = [];
  for (const [name, v] of vars) {
    const a = arrays[name];
    const want = v.getValue({ borrow: true }).shape;
    if (!sameShape(a.shape, want))
      fail(
        `loadWeights: '${name}' has shape (${a.shape.join(', ')}) in the archive, (${want.join(', ')}) in the model`,
      );
    values.push([v, a.dtype === v.dtype ? a : a.astype(v.dtype)]);
  }
  for (const [v, a] of values) v.setValue(a, { borrow: true });
  return [...vars.keys()];
}

/** The archive's members renamed to the model's variables by order, or null when they do not match one to one. */
function matchByOrder(
  vars: Map<string, SharedVariable>,
  arrays: Record<string, NDArray>,
): Record<string, NDArray> | null {
  const members = Object.entries(arrays);
  const names = [...vars.keys()];
  if (members.length !== names.length) return null;
  const suffix = (n: string) => n.slice(n.lastIndexOf('.'));
  const out: Record<string, NDArray> = {};
  for (const [i, [member, a]] of members.entries()) {
    const name = names[i];
    const want = vars.get(name)!.getValue({ borrow: true }).shape;
    if (suffix(member) !== suffix(name) || !sameShape(a.shape, want)) return null;
    out[name] = a;
  }
  return out;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

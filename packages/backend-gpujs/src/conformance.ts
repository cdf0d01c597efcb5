/**
 * A backend conformance run (test-only; bundled for the browser test too): every op case of
 * autodiff's op tables (one finite-difference case per differentiable op, kept complete by
 * autodiff's coverage test) plus this package's cases for op parameters the GPU kernels
 * specialise on, each run forward AND through its gradient — outputs and d(Σ out·u)/d(inputs)
 * for a fixed random u — on the backend under test and on the CPU backend, in float32, with
 * the default rewrites. Framework-free: returns results for the caller to assert.
 */
import { Generator, NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { Mode, theanoFunction } from '@theano-ts/compile';
import { createCpuBackend } from '@theano-ts/backend-cpu';
import { FAMILIES } from '../../autodiff/src/op-cases';

/** One case: a graph builder and float values for its inputs. */
export interface ConformanceCase {
  name: string;
  fn: (...xs: T.Variable[]) => T.Variable;
  pt: NDArray[];
  /** Relative / absolute tolerance (default 2e-4 / 2e-5: float32 on the GPU vs float32 on the CPU). */
  rtol?: number;
  atol?: number;
}

/** What a case did on the backend under test. */
export interface ConformanceResult {
  name: string;
  /** Error message, or '' when every output and gradient matched. */
  error: string;
  /** Op kinds of the compiled function (forward and gradient). */
  kinds: string[];
  /** Labels of the nodes that ran on the CPU (as the backend's describeNode says). */
  cpuNodes: string[];
  /** Largest |got - want| / (atol + rtol |want|) seen (≤ 1 passes). */
  worst: number;
}

const rng = new Generator(20260704);
const u = (shape: number[], lo = -2, hi = 2) => rng.uniform(lo, hi, shape, 'float32');
const ints = (vals: number[]) => array(vals, { dtype: 'int32' });

/** Cases for what the kernels specialise on: axes, strides, long reductions, indexing forms. */
export const EXTRA_CASES: ConformanceCase[] = [
  {
    name: 'sum over axes [0, 2] of a 3-d tensor',
    fn: (a) => T.sum(a, { axis: [0, 2] }),
    pt: [u([3, 4, 5])],
  },
  { name: 'prod over axis 1', fn: (a) => T.prod(a, { axis: 1 }), pt: [u([3, 4], 0.5, 1.5)] },
  {
    name: 'min over axis 0 of a transposed view',
    fn: (a) => T.min(a.T, { axis: 0 }),
    pt: [u([4, 3])],
  },
  {
    name: 'long sum (multi-pass) of 20 000 values',
    fn: (a) => T.sum(a),
    pt: [u([20000], 0, 1)],
    rtol: 1e-3,
  },
  {
    name: 'argmax axis 0 (times the sum)',
    fn: (a) => T.mul(T.cast(T.argmax(a, { axis: 0 }), 'float32'), T.sum(a)),
    pt: [u([5, 3])],
  },
  { name: 'softmax along axis 0', fn: (a) => T.softmax(a, { axis: 0 }), pt: [u([4, 3])] },
  {
    name: 'logSoftmax of a 3-d tensor along axis 1',
    fn: (a) => T.logSoftmax(a, { axis: 1 }),
    pt: [u([2, 3, 4])],
  },
  {
    name: 'crossentropySoftmax1Hot with a bias (Dx, Gemm)',
    fn: (x, w, b) =>
      T.mean(T.crossentropySoftmax1Hot(T.add(T.dot(x, w), b), T.constant(ints([0, 2, 1, 2, 0])))),
    pt: [u([5, 4]), u([4, 3]), u([3])],
  },
  { name: 'dot of transposed operands', fn: (a, b) => T.dot(a.T, b.T), pt: [u([4, 3]), u([5, 4])] },
  { name: 'reshape of a transposed view', fn: (a) => T.reshape(a.T, [2, -1]), pt: [u([3, 4])] },
  {
    name: 'basic indexing with a negative step',
    fn: (a) => T.mul(a.get(T.slice(null, null, -1), 1), 3),
    pt: [u([4, 3])],
  },
  {
    name: 'setSubtensor of a strided region',
    fn: (a, b) => T.setSubtensor(a.get(T.slice(0, 4, 2), T.slice(1, 3)), b),
    pt: [u([4, 3]), u([2, 2])],
  },
  {
    name: 'take rows with repeats (and its gradient)',
    fn: (a) => a.get(T.constant(ints([2, 0, 2, -1]))),
    pt: [u([3, 4])],
  },
  {
    name: 'take columns',
    fn: (a) => a.get(T.slice(), T.constant(ints([1, 1, 0]))),
    pt: [u([3, 4])],
  },
];

/**
 * Cases whose GPU math is looser than float32 rounding: GLSL's sin / cos / tan are
 * approximations (SwiftShader's reach ~3e-4 relative error).
 */
const TRIG = /\b(sin|cos|tan|sinh|cosh|tanh|arcsin|arccos|arctan|arcsinh|arccosh|arctanh)\b/;

/** autodiff's op cases (one per differentiable op), converted to float32. */
export function opTableCases(): ConformanceCase[] {
  return FAMILIES.flatMap((fam) =>
    fam.verify.map((c) => ({
      name: `${fam.family}: ${c.name}`,
      fn: c.fn,
      pt: c.pt.map((a) => (a.dtype === 'float64' ? a.astype('float32') : a)),
      ...(TRIG.test(c.name) ? { rtol: 2e-3 } : {}),
    })),
  );
}

/** Every case of the run. */
export const conformanceCases = (): ConformanceCase[] => [...opTableCases(), ...EXTRA_CASES];

/** Run one case on `backend` and on the CPU backend and compare outputs and gradients. */
export function runCase(
  backend: T.Backend,
  c: ConformanceCase,
  cpu: T.Backend = createCpuBackend(),
): ConformanceResult {
  const rtol = c.rtol ?? 2e-4;
  const atol = c.atol ?? 2e-5;
  const res: ConformanceResult = { name: c.name, error: '', kinds: [], cpuNodes: [], worst: 0 };
  try {
    const inputs = c.pt.map((a, i) => T.tensor(`x${i}`, { dtype: a.dtype, ndim: a.ndim }));
    const out = c.fn(...inputs);
    const floats = inputs.filter((v) => v.dtype === 'float32' || v.dtype === 'float64');
    // the output's shape, for the random weights of the cost
    const outVal = T.evaluate([out], new Map(inputs.map((v, i) => [v, c.pt[i]])))[0];
    const isFloat = out.dtype === 'float32' || out.dtype === 'float64';
    const outputs = [out];
    if (isFloat && floats.length) {
      const w = T.constant(rng.uniform(0.5, 1.5, outVal.shape, out.dtype));
      outputs.push(...grad(T.sum(T.mul(out, w)), floats));
    }
    const run = (b: T.Backend) => {
      const f = theanoFunction(inputs, outputs, { mode: new Mode({ backend: b }) });
      return { f, vals: f(...c.pt) as NDArray[] };
    };
    const want = run(cpu).vals;
    const got = run(backend);
    const nodes = got.f.maker.fgraph.toposort();
    res.kinds = [...new Set(nodes.map((n) => n.op.kind))];
    res.cpuNodes = nodes
      .filter((n) => (backend.describeNode?.(n) ?? '').startsWith('cpu'))
      .map((n) => T.opLabel(n.op));
    const bad: string[] = [];
    got.vals.forEach((g, i) => {
      const what = i === 0 ? 'output' : `gradient ${i - 1}`;
      const e = want[i];
      if (g.dtype !== e.dtype || g.shape.join() !== e.shape.join()) {
        bad.push(`${what}: ${g.dtype}(${g.shape}) vs ${e.dtype}(${e.shape})`);
        return;
      }
      const a = g.toFlat();
      const b = e.toFlat();
      for (let k = 0; k < b.length; k++) {
        if (Number.isNaN(a[k]) && Number.isNaN(b[k])) continue;
        const r = Math.abs(a[k] - b[k]) / (atol + rtol * Math.abs(b[k]));
        if (r > res.worst) res.worst = r;
        if (r > 1 && bad.length < 3) bad.push(`${what}[${k}]: got ${a[k]}, want ${b[k]}`);
      }
    });
    res.error = bad.join('; ');
  } catch (e) {
    res.error = String((e as Error)?.stack ?? e);
  }
  return res;
}

/** Run every case. */
export function runConformance(
  backend: T.Backend,
  cases = conformanceCases(),
): ConformanceResult[] {
  const cpu = createCpuBackend();
  return cases.map((c) => runCase(backend, c, cpu));
}

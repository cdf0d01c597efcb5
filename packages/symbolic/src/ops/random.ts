/**
 * Random variables (Theano's RandomStreams ops; PyTensor's RandomVariable): each op takes an RNG
 * state and returns `[next state, sample]`, so that a draw is a pure function of its inputs and
 * graphs stay referentially transparent. The state is a 4-word int32 vector holding a Philox
 * key and block counter (@theano-ts/tensor's `Generator`); RandomStreams keeps it in a shared
 * variable whose `defaultUpdate` is the op's next state.
 */
import {
  type DType,
  Generator,
  NDArray,
  array,
  broadcastArrays,
  castScalar,
  formatShape,
  isFloat,
  isInteger,
  shapeSize,
  typedArrayFor,
} from '@theano-ts/tensor';
import { Constant, type Variable } from '../graph';
import { type OpSpec, describeVar, fail } from '../op-spec';
import { type Dim, TensorType } from '../type';

/** Parameters of the random ops: one key per op (see OpParams). Inputs are listed per op. */
export interface RandomOpParams {
  /** Inputs (rng, size, low, high) → (rng', samples of U[low, high)) of rank `ndim`. */
  RandomUniform: {
    /** dtype of the samples. */ dtype: DType;
    /** Number of dimensions of the samples. */ ndim: number;
  };
  /** Inputs (rng, size, avg, std) → (rng', samples of N(avg, std²)) (Box–Muller). */
  RandomNormal: {
    /** dtype of the samples. */ dtype: DType;
    /** Number of dimensions of the samples. */ ndim: number;
  };
  /** Inputs (rng, size, avg, std) → (rng', N(avg, std²) samples redrawn until within 2 std). */
  RandomTruncatedNormal: {
    /** dtype of the samples. */ dtype: DType;
    /** Number of dimensions of the samples. */ ndim: number;
  };
  /** Inputs (rng, size, n, p) → (rng', number of successes in n Bernoulli(p) trials). */
  RandomBinomial: {
    /** dtype of the samples. */ dtype: DType;
    /** Number of dimensions of the samples. */ ndim: number;
  };
  /** Inputs (rng, size, low, high) → (rng', integers uniform in [low, high)). */
  RandomRandint: {
    /** dtype of the samples. */ dtype: DType;
    /** Number of dimensions of the samples. */ ndim: number;
  };
  /**
   * Inputs (rng, size, a[, p]) → (rng', draws from a population): `a` is an int scalar n
   * (draws from 0..n-1, int32) or a tensor whose entries along axis 0 are drawn.
   */
  RandomChoice: {
    /** Draw with replacement. */ replace: boolean;
    /** The inputs include the probabilities p. */ hasP: boolean;
    /** Number of dimensions of the size (the draws' leading dimensions). */ ndim: number;
  };
  /** Inputs (rng, x) → (rng', a permutation of 0..x-1 (x an int scalar) or of x's rows). */
  RandomPermutation: Record<string, never>;
}

type RandomOpName = keyof RandomOpParams;

// ---------------------------------------------------------------- the RNG state

/** The type of an RNG state: 4 int32 words (key low/high, block counter low/high). */
export const RNG_STATE_TYPE = new TensorType('int32', [4]);

/**
 * The RNG state of a Philox generator: int32 [key0, key1, counter low, counter high] (the uint32
 * words stored bit for bit). See {@link generatorFromState}.
 */
export function rngStateOf(g: Generator): NDArray {
  const { key, counter } = g.getState();
  const words = [key[0], key[1], counter % 2 ** 32, Math.floor(counter / 2 ** 32)];
  return new NDArray(
    Int32Array.from(words, (w) => w | 0),
    [4],
    { dtype: 'int32' },
  );
}

/** A fresh RNG state for `seed` (the stream of `new Generator(seed)`). */
export const rngStateFromSeed = (seed: number): NDArray => rngStateOf(new Generator(seed));

/**
 * The generator an RNG state describes. @throws RangeError (naming `op`) for a value that is
 * not 4 int32 words or whose counter is beyond 2^53.
 */
export function generatorFromState(op: string, s: NDArray): Generator {
  if (s.dtype !== 'int32' || s.ndim !== 1 || s.size !== 4)
    throw new RangeError(
      `${op}: the RNG state must be an int32 vector of 4 words, got ${s.dtype} ${formatShape(s.shape)}`,
    );
  const w = Array.from(s.toFlat(), (x) => x >>> 0);
  if (w[3] >= 2 ** 21) throw new RangeError(`${op}: the RNG state's block counter is beyond 2^53`);
  return Generator.fromState([w[0], w[1]], w[2] + w[3] * 2 ** 32);
}

// ---------------------------------------------------------------- checks shared by infer and perform

/** A parameter check on the (broadcast) flat values: the message, or null when they are valid. */
type Check = (a: ArrayLike<number>, b: ArrayLike<number>) => string | null;

function firstBad(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  bad: (x: number, y: number) => boolean,
): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++)
    if (bad(a[a.length === 1 ? 0 : i], b[b.length === 1 ? 0 : i])) return i;
  return -1;
}
const at = (a: ArrayLike<number>, i: number) => a[a.length === 1 ? 0 : i];

/** How each two-parameter distribution checks and samples. */
interface Dist {
  params: [string, string];
  /** Output dtypes allowed (by kind), for the message too. */
  floatOnly?: boolean;
  intOnly?: boolean;
  /** Valid stand-ins for an unknown parameter, when each parameter is checked alone. */
  neutral?: [number, number];
  check: Check;
  /** n samples with parameters (broadcast, flat) a and b. */
  sample(g: Generator, a: ArrayLike<number>, b: ArrayLike<number>, n: number): number[];
}

/** Standard normals by Box–Muller, in pairs (the cos value, then the sin value). */
function standardNormals(g: Generator): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - g.nextDouble();
    const v = g.nextDouble();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** avg + std · z for standard normals z, those beyond `bound` redrawn. */
const normalDist = (bound: number): Dist => ({
  params: ['avg', 'std'],
  floatOnly: true,
  neutral: [0, 1],
  check(_avg, std) {
    const i = firstBad(std, std, (s) => !(s >= 0));
    return i < 0 ? null : `std must be non-negative, got std = ${at(std, i)}`;
  },
  sample(g, avg, std, n) {
    const z = standardNormals(g);
    return Array.from({ length: n }, (_, i) => {
      let v = z();
      while (Math.abs(v) > bound) v = z();
      return at(avg, i) + at(std, i) * v;
    });
  },
});

const DISTS: Record<Exclude<RandomOpName, 'RandomChoice' | 'RandomPermutation'>, Dist> = {
  RandomUniform: {
    params: ['low', 'high'],
    floatOnly: true,
    check(lo, hi) {
      const i = firstBad(lo, hi, (l, h) => !(l <= h) || !Number.isFinite(h - l));
      return i < 0
        ? null
        : `low must be <= high (both finite), got low = ${at(lo, i)} > high = ${at(hi, i)}`;
    },
    sample: (g, lo, hi, n) =>
      Array.from({ length: n }, (_, i) => at(lo, i) + (at(hi, i) - at(lo, i)) * g.nextDouble()),
  },
  RandomNormal: normalDist(Infinity),
  RandomTruncatedNormal: normalDist(2),
  RandomBinomial: {
    params: ['n', 'p'],
    neutral: [0, 0],
    check(n, p) {
      let i = firstBad(n, n, (k) => !(Number.isInteger(k) && k >= 0));
      if (i >= 0) return `n must be a non-negative integer, got n = ${at(n, i)}`;
      i = firstBad(p, p, (q) => !(q >= 0 && q <= 1));
      return i < 0 ? null : `p must be in [0, 1], got p = ${at(p, i)}`;
    },
    sample: (g, nt, p, n) =>
      Array.from({ length: n }, (_, i) => {
        const trials = at(nt, i);
        const q = at(p, i);
        let k = 0;
        for (let t = 0; t < trials; t++) if (g.nextDouble() < q) k++;
        return k;
      }),
  },
  RandomRandint: {
    params: ['low', 'high'],
    intOnly: true,
    check(lo, hi) {
      let i = firstBad(lo, hi, (l, h) => !Number.isInteger(l) || !Number.isInteger(h));
      if (i >= 0)
        return `low and high must be integers, got low = ${at(lo, i)}, high = ${at(hi, i)}`;
      i = firstBad(lo, hi, (l, h) => !(l < h));
      return i < 0 ? null : `low must be < high, got low = ${at(lo, i)} >= high = ${at(hi, i)}`;
    },
    sample: (g, lo, hi, n) =>
      Array.from(
        { length: n },
        (_, i) => at(lo, i) + Math.floor(g.nextDouble() * (at(hi, i) - at(lo, i))),
      ),
  },
};

// ---------------------------------------------------------------- infer helpers

function checkRng(op: string, rng: Variable): void {
  if (rng.dtype !== 'int32' || rng.ndim !== 1 || (rng.type.shape[0] ?? 4) !== 4)
    fail(
      op,
      `${describeVar(rng, 0)} must be an RNG state (int32 vector of 4 words, e.g. a RandomStreams state), got ${rng.type}`,
    );
}

/** Static output shape from the size input (a Constant or a MakeVector of scalars). */
function sizeShape(op: string, size: Variable, ndim: number): Dim[] {
  if (!Number.isInteger(ndim) || ndim < 0)
    fail(op, `ndim must be a non-negative integer, got ${ndim}`);
  if (!isInteger(size.dtype) || size.ndim !== 1)
    fail(op, `${describeVar(size, 1)} (size) must be an integer vector, got ${size.type}`);
  const len = size.type.shape[0];
  if (len !== null && len !== ndim)
    fail(op, `${describeVar(size, 1)} (size) has length ${len}, but ndim is ${ndim}`);
  if (size instanceof Constant) {
    const dims = Array.from(size.data.toFlat());
    const bad = dims.find((d) => d < 0);
    if (bad !== undefined) fail(op, `size must be non-negative integers, got [${dims.join(', ')}]`);
    return dims;
  }
  const mv = size.owner?.op.kind === 'MakeVector' ? size.owner.inputs : null;
  return Array.from({ length: ndim }, (_, i) => {
    const x = mv?.[i];
    if (x instanceof Constant) {
      const d = x.data.item();
      if (d < 0) fail(op, `size[${i}] must be a non-negative integer, got ${d}`);
      return d;
    }
    return null;
  });
}

/** Check that each parameter broadcasts to the output shape (NumPy's rule for `size`). */
function checkParamShapes(
  op: string,
  outShape: readonly Dim[],
  params: readonly Variable[],
  names: readonly string[],
): void {
  params.forEach((p, k) => {
    if (p.ndim > outShape.length)
      fail(
        op,
        `${describeVar(p, k + 2)} (${names[k]}) has ${p.ndim} dimensions, more than the ${outShape.length} of size`,
      );
    p.type.shape.forEach((d, j) => {
      const o = outShape[outShape.length - p.ndim + j];
      if (d !== null && d !== 1 && o !== null && d !== o)
        fail(
          op,
          `${describeVar(p, k + 2)} (${names[k]}) does not broadcast to size (${outShape.map((x) => x ?? '?').join(', ')})`,
        );
    });
  });
}

/** Flat values of `a` broadcast to `shape`, or a RangeError naming the op. */
function broadcastFlat(
  op: string,
  a: NDArray,
  shape: readonly number[],
  what: string,
): ArrayLike<number> {
  if (a.size === 1) return a.toFlat();
  try {
    return a.broadcastTo(shape).toFlat();
  } catch {
    throw new RangeError(
      `${op}: ${what} of shape ${formatShape(a.shape)} does not broadcast to size ${formatShape(shape)}`,
    );
  }
}

/** The runtime size vector as a shape. */
function sizeValue(op: string, size: NDArray): number[] {
  const dims = Array.from(size.toFlat());
  if (dims.some((d) => d < 0))
    throw new RangeError(`${op}: size must be non-negative integers, got [${dims.join(', ')}]`);
  return dims;
}

function distSpec<K extends keyof typeof DISTS>(op: K): OpSpec<K> {
  const dist = DISTS[op];
  return {
    label: (p) => `${op}{${p.dtype}}`,
    infer(p, inputs) {
      if (inputs.length !== 4)
        fail(op, `expected 4 inputs (rng, size, ${dist.params.join(', ')}), got ${inputs.length}`);
      const [rng, size, a, b] = inputs;
      checkRng(op, rng);
      if (dist.floatOnly && !isFloat(p.dtype))
        fail(op, `dtype must be a float dtype, got ${p.dtype}`);
      if (dist.intOnly && !isInteger(p.dtype))
        fail(op, `dtype must be an integer dtype, got ${p.dtype}`);
      const shape = sizeShape(op, size, p.ndim);
      [a, b].forEach((v, k) => {
        if (v.dtype === 'bool')
          fail(op, `${describeVar(v, k + 2)} (${dist.params[k]}) must be numeric`);
      });
      checkParamShapes(op, shape, [a, b], dist.params);
      // parameters known at build time are checked now (one known side where the check allows)
      const known = (v: Variable, k: number): NDArray | null =>
        v instanceof Constant ? v.data : dist.neutral ? array(dist.neutral[k]) : null;
      const [ka, kb] = [known(a, 0), known(b, 1)];
      if ((a instanceof Constant || b instanceof Constant) && ka && kb) {
        let flat: ArrayLike<number>[] | null = null;
        try {
          flat = broadcastArrays(ka, kb).map((x) => x.toFlat());
        } catch {
          fail(op, `${dist.params.join(' and ')} do not broadcast together`);
        }
        const msg = dist.check(flat![0], flat![1]);
        if (msg) fail(op, msg);
      }
      return [RNG_STATE_TYPE, new TensorType(p.dtype, shape)];
    },
    perform(node, [state, size, a, b]) {
      const shape = sizeValue(op, size);
      const n = shapeSize(shape);
      const af = broadcastFlat(op, a, shape, dist.params[0]);
      const bf = broadcastFlat(op, b, shape, dist.params[1]);
      const msg = dist.check(af, bf);
      if (msg) throw new RangeError(`${op}: ${msg}`);
      const g = generatorFromState(op, state);
      const dtype = node.op.params.dtype;
      const vals = dist.sample(g, af, bf, n);
      const out = new (typedArrayFor(dtype))(n);
      for (let i = 0; i < n; i++) out[i] = castScalar(vals[i], dtype);
      return [rngStateOf(g), new NDArray(out, shape, { dtype })];
    },
  };
}

/** Rethrow a tensor-level RangeError ('Generator.choice: …') under the op's name. */
function asOp<T>(op: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError)
      throw new RangeError(`${op}: ${e.message.replace(/^[A-Za-z.]+: /, '')}`);
    throw e;
  }
}

/** Type inference and reference implementations of the random ops. */
export const RANDOM_SPECS: { readonly [K in RandomOpName]: OpSpec<K> } = {
  RandomUniform: distSpec('RandomUniform'),
  RandomNormal: distSpec('RandomNormal'),
  RandomTruncatedNormal: distSpec('RandomTruncatedNormal'),
  RandomBinomial: distSpec('RandomBinomial'),
  RandomRandint: distSpec('RandomRandint'),
  RandomChoice: {
    label: (p) => `RandomChoice{replace=${p.replace}${p.hasP ? ', p' : ''}}`,
    infer(p, inputs) {
      const op = 'RandomChoice';
      const want = p.hasP ? 4 : 3;
      if (inputs.length !== want)
        fail(
          op,
          `expected ${want} inputs (rng, size, a${p.hasP ? ', p' : ''}), got ${inputs.length}`,
        );
      const [rng, size, a, pv] = inputs;
      checkRng(op, rng);
      const shape = sizeShape(op, size, p.ndim);
      const scalarPop = a.ndim === 0;
      if (scalarPop && !isInteger(a.dtype))
        fail(
          op,
          `${describeVar(a, 2)} (a) must be an integer (population size) or a tensor of at least 1 dimension`,
        );
      const n: Dim = scalarPop ? (a instanceof Constant ? a.data.item() : null) : a.type.shape[0];
      if (scalarPop && n !== null && n < 0) fail(op, `a must be a non-negative integer, got ${n}`);
      const k = shape.every((d) => d !== null) ? shapeSize(shape as number[]) : null;
      if (n === 0 && k !== null && k > 0)
        fail(
          op,
          `a cannot be empty unless no samples are taken (expected a non-empty population for ${k} draws)`,
        );
      if (!p.replace && n !== null && k !== null && k > n)
        fail(
          op,
          `cannot take a larger sample than the population when replace is false: expected at most ${n} draws, got ${k}`,
        );
      if (pv) {
        if (!isFloat(pv.dtype) || pv.ndim !== 1)
          fail(
            op,
            `${describeVar(pv, 3)} (p) must be a float vector of probabilities, got ${pv.type}`,
          );
        const m = pv.type.shape[0];
        if (m !== null && n !== null && m !== n)
          fail(op, `a and p must have the same size: expected ${n} probabilities, got ${m}`);
        if (pv instanceof Constant) {
          const ps = Array.from(pv.data.toFlat());
          const bad = ps.findIndex((x) => !(x >= 0) || !Number.isFinite(x));
          if (bad >= 0)
            fail(op, `probabilities must be finite and non-negative, got p[${bad}] = ${ps[bad]}`);
          const total = ps.reduce((s, x) => s + x, 0);
          if (Math.abs(total - 1) > Math.sqrt(Number.EPSILON))
            fail(op, `probabilities do not sum to 1: expected a sum of 1, got ${total}`);
        }
      }
      return [
        RNG_STATE_TYPE,
        new TensorType(scalarPop ? 'int32' : a.dtype, [...shape, ...a.type.shape.slice(1)]),
      ];
    },
    perform(node, [state, size, a, pv]) {
      const op = 'RandomChoice';
      const shape = sizeValue(op, size);
      const g = generatorFromState(op, state);
      const out = asOp(op, () =>
        g.choice(a.ndim === 0 ? a.item() : a, {
          size: shape,
          replace: node.op.params.replace,
          ...(pv ? { p: pv } : {}),
        }),
      );
      return [rngStateOf(g), out];
    },
  },
  RandomPermutation: {
    label: () => 'RandomPermutation',
    infer(_p, inputs) {
      const op = 'RandomPermutation';
      if (inputs.length !== 2) fail(op, `expected 2 inputs (rng, x), got ${inputs.length}`);
      const [rng, x] = inputs;
      checkRng(op, rng);
      if (x.ndim === 0) {
        if (!isInteger(x.dtype))
          fail(
            op,
            `${describeVar(x, 1)} must be an integer n (a permutation of 0..n-1) or a tensor of at least 1 dimension`,
          );
        const n = x instanceof Constant ? x.data.item() : null;
        if (n !== null && n < 0) fail(op, `n must be a non-negative integer, got ${n}`);
        return [RNG_STATE_TYPE, new TensorType('int32', [n])];
      }
      return [RNG_STATE_TYPE, x.type];
    },
    perform(_node, [state, x]) {
      const op = 'RandomPermutation';
      const g = generatorFromState(op, state);
      if (x.ndim === 0) {
        const perm = asOp(op, () => g.permutation(x.item()));
        return [rngStateOf(g), perm];
      }
      const n = x.shape[0];
      const perm = g.permutation(n).toFlat();
      const rows = x.reshape([n, -1]).contiguous();
      const m = rows.shape[1];
      const out = new (typedArrayFor(x.dtype))(n * m);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) out[i * m + j] = rows.data[rows.offset + perm[i] * m + j];
      return [rngStateOf(g), new NDArray(out, x.shape, { dtype: x.dtype })];
    },
  },
};

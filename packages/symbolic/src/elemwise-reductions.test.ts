import { describe, expect, it } from 'vitest';
import { type DType, type NDArray, array } from '@theano-ts/tensor';
import * as T from './index';

const f64 = (x: number[] | number[][]) => array(x, { dtype: 'float64' });
const arr = (x: number[] | number[][], dtype: DType) => array(x, { dtype });
/** Evaluate `out` with its free inputs bound in order. */
function run(out: T.Variable, ...pairs: [T.Variable, NDArray][]): NDArray {
  return T.evaluate([out], new Map(pairs))[0];
}

describe('integer division and remainder by zero (NumPy semantics)', () => {
  const a = T.ivector('a');
  const b = T.ivector('b');
  const va = arr([7, -7, 0, 5, -128], 'int32');
  const vb = arr([0, 0, 0, -2, 0], 'int32');
  it('int // 0 and int % 0 are 0 (NumPy warns, theano-ts does not)', () => {
    expect(run(T.intDiv(a, b), [a, va], [b, vb]).toArray()).toEqual([0, 0, 0, -3, 0]);
    expect(run(T.mod(a, b), [a, va], [b, vb]).toArray()).toEqual([0, 0, 0, -1, 0]);
    expect(run(a.intDiv(b), [a, va], [b, vb]).dtype).toBe('int32');
  });
  it('float // 0 is ±inf (nan for 0 // 0); float % 0 is nan; true division gives ±inf', () => {
    const x = T.dvector('x');
    const z = T.dvector('z');
    const vx = f64([1, -1, 0]);
    const vz = f64([0, 0, 0]);
    expect(run(T.intDiv(x, z), [x, vx], [z, vz]).toArray()).toEqual([Infinity, -Infinity, NaN]);
    expect(run(T.mod(x, z), [x, vx], [z, vz]).toArray()).toEqual([NaN, NaN, NaN]);
    expect(run(T.trueDiv(x, z), [x, vx], [z, vz]).toArray()).toEqual([Infinity, -Infinity, NaN]);
    // an int true division by zero is a float one
    expect((run(T.trueDiv(a, b), [a, va], [b, vb]).toArray() as number[]).slice(0, 3)).toEqual([
      Infinity,
      -Infinity,
      NaN,
    ]);
  });
  it('floor division wraps like NumPy for the most negative int: -128 // -1 in int8 is -128', () => {
    const c = T.bvector('c');
    const d = T.bvector('d');
    expect(
      run(T.intDiv(c, d), [c, arr([-128, -7], 'int8')], [d, arr([-1, 2], 'int8')]).toArray(),
    ).toEqual([-128, -4]);
  });
});

describe('output dtypes follow NumPy', () => {
  const cases: [string, () => T.Variable, DType][] = [
    [
      'bool // bool',
      () =>
        T.intDiv(
          T.tensor('p', { dtype: 'bool', ndim: 1 }),
          T.tensor('q', { dtype: 'bool', ndim: 1 }),
        ),
      'int8',
    ],
    [
      'uint8 % uint8',
      () =>
        T.mod(
          T.tensor('p', { dtype: 'uint8', ndim: 1 }),
          T.tensor('q', { dtype: 'uint8', ndim: 1 }),
        ),
      'uint8',
    ],
    ['sin(int32)', () => T.sin(T.ivector('i')), 'float64'],
    ['sin(int8)', () => T.sin(T.bvector('b')), 'float32'],
    ['erf(float32)', () => T.erf(T.fvector('f')), 'float32'],
    ['ceil(int32)', () => T.ceil(T.ivector('i')), 'float64'],
    ['round(int32)', () => T.round(T.ivector('i')), 'int32'],
    ['round(float32)', () => T.round(T.fvector('f')), 'float32'],
    ['isnan(float64)', () => T.isnan(T.dvector('d')), 'bool'],
    ['isclose(int32, float32)', () => T.isclose(T.ivector('i'), T.fvector('f')), 'bool'],
    [
      'bitwiseAnd(int8, uint8)',
      () => T.bitwiseAnd(T.bvector('b'), T.tensor('u', { dtype: 'uint8', ndim: 1 })),
      'int16',
    ],
    [
      'bitwiseXor(bool, bool)',
      () =>
        T.bitwiseXor(
          T.tensor('p', { dtype: 'bool', ndim: 1 }),
          T.tensor('q', { dtype: 'bool', ndim: 1 }),
        ),
      'bool',
    ],
    ['clip(int32, 0, 5)', () => T.clip(T.ivector('i'), 0, 5), 'int32'],
    ['clip(int32, 0.5, 2)', () => T.clip(T.ivector('i'), 0.5, 2), 'float64'],
    ['polygamma(1, int32)', () => T.polygamma(1, T.ivector('i')), 'float64'],
    ['logsumexp(int32)', () => T.logsumexp(T.ivector('i')), 'float64'],
    ['cumsum(int8)', () => T.cumsum(T.bvector('b')), 'int32'],
    ['cumprod(float32)', () => T.cumprod(T.fvector('f')), 'float32'],
    ['var(int32)', () => T.var_(T.ivector('i')), 'float64'],
    ['std(float32)', () => T.std(T.fmatrix('f'), { axis: 0 }), 'float32'],
    ['argmin', () => T.argmin(T.fmatrix('f'), { axis: 0 }), 'int32'],
    ['any(float64)', () => T.any(T.dmatrix('d')), 'bool'],
  ];
  for (const [name, build, dtype] of cases) it(name, () => expect(build().dtype).toBe(dtype));
});

describe('predicates, logical and bitwise ops', () => {
  const x = T.dvector('x');
  const specials = f64([NaN, Infinity, -Infinity, 0, -0, 1.5]);
  it('isnan, isinf, isfinite on nan and infinities', () => {
    expect(run(T.isnan(x), [x, specials]).toArray()).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(run(T.isinf(x), [x, specials]).toArray()).toEqual([
      false,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(run(T.isfinite(x), [x, specials]).toArray()).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
  });
  it('isclose: infinities equal only to themselves, nan only with equalNan (numpy.isclose)', () => {
    const y = T.dvector('y');
    const va = f64([Infinity, Infinity, -Infinity, NaN, 1e10, 1, 0]);
    const vb = f64([Infinity, -Infinity, 5, NaN, 1.00001e10, 1 + 1e-6, 1e-9]);
    expect(run(T.isclose(x, y), [x, va], [y, vb]).toArray()).toEqual([
      true,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    expect(run(T.isclose(x, y, { equalNan: true }), [x, va], [y, vb]).get(3)).toBe(1);
    expect(run(T.isclose(x, y, { atol: 0 }), [x, va], [y, vb]).get(6)).toBe(0);
    expect(run(T.allclose(x, x), [x, f64([1, 2])]).item()).toBe(1);
    expect(run(T.allclose(x, y), [x, f64([1, 2])], [y, f64([1, 2.1])]).item()).toBe(0);
  });
  it('logical ops treat every nonzero value (nan included) as true', () => {
    const y = T.dvector('y');
    const va = f64([NaN, 0, 2, 0]);
    const vb = f64([1, 0, 0, -3]);
    expect(run(T.logicalAnd(x, y), [x, va], [y, vb]).toArray()).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(run(T.logicalOr(x, y), [x, va], [y, vb]).toArray()).toEqual([true, false, true, true]);
    expect(run(T.logicalXor(x, y), [x, va], [y, vb]).toArray()).toEqual([false, false, true, true]);
    expect(run(T.logicalNot(x), [x, va]).toArray()).toEqual([false, true, false, true]);
  });
  it('bitwise ops and invert: two’s complement on ints, logical on bools', () => {
    const i = T.ivector('i');
    const j = T.ivector('j');
    const vi = arr([12, -1, 5], 'int32');
    const vj = arr([10, 7, -6], 'int32');
    expect(run(i.and(j), [i, vi], [j, vj]).toArray()).toEqual([8, 7, 0]);
    expect(run(i.or(j), [i, vi], [j, vj]).toArray()).toEqual([14, -1, -1]);
    expect(run(i.xor(j), [i, vi], [j, vj]).toArray()).toEqual([6, -8, -1]);
    expect(run(i.invert(), [i, vi]).toArray()).toEqual([-13, 0, -6]);
    const u = T.tensor('u', { dtype: 'uint8', ndim: 1 });
    expect(run(T.invert(u), [u, arr([5, 0, 255], 'uint8')]).toArray()).toEqual([250, 255, 0]);
    const p = T.tensor('p', { dtype: 'bool', ndim: 1 });
    const out = T.invert(p);
    expect(out.dtype).toBe('bool');
    expect(run(out, [p, arr([1, 0], 'bool')]).toArray()).toEqual([false, true]);
  });
  it('bitwise ops refuse floats at build time, naming the function and the input', () => {
    expect(() => T.bitwiseOr(T.dvector('d'), T.ivector('i'))).toThrow(
      /bitwiseOr: input 0 'd' \(float64 vector.*\) must be an integer or bool tensor/,
    );
    expect(() => T.invert(T.fvector('f'))).toThrow(T.TheanoTypeError);
  });
});

describe('rounding, clip and activations', () => {
  const x = T.dvector('x');
  it('round is half to even by default, half away from zero on request', () => {
    const v = f64([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]);
    expect(run(T.round(x), [x, v]).toArray()).toEqual([-2, -2, -0, 0, 2, 2]);
    expect(run(x.round({ mode: 'half_away_from_zero' }), [x, v]).toArray()).toEqual([
      -3, -2, -1, 1, 2, 3,
    ]);
    expect(run(x.trunc(), [x, v]).toArray()).toEqual([-2, -1, -0, 0, 1, 2]);
  });
  it('clip keeps nan, and min > max gives max (numpy.clip)', () => {
    expect(run(x.clip(0, 1), [x, f64([NaN, -1, 0.5, 3])]).toArray()).toEqual([NaN, 0, 0.5, 1]);
    expect(run(T.clip(x, 3, 2), [x, f64([1, 5])]).toArray()).toEqual([2, 2]);
  });
  it('relu with alpha, elu, selu, softsign, hardSigmoid', () => {
    const v = f64([-2, -0.5, 0, 1.5]);
    expect(run(T.relu(x, 0.1), [x, v]).toArray()).toEqual([-0.2, -0.05, 0, 1.5]);
    expect(run(T.relu(x), [x, v]).toArray()).toEqual([0, 0, 0, 1.5]);
    const a = T.dscalar('a');
    expect(run(T.relu(x, a), [x, v], [a, f64(0.5 as never)]).toArray()).toEqual([
      -1, -0.25, 0, 1.5,
    ]);
    expect(run(T.elu(x), [x, v]).toArray()).toEqual([Math.expm1(-2), Math.expm1(-0.5), 0, 1.5]);
    const selu = run(T.selu(x), [x, v]).toArray() as number[];
    expect(selu[0]).toBeCloseTo(1.0507009873554805 * 1.6732632423543772 * Math.expm1(-2), 14);
    expect(selu[3]).toBeCloseTo(1.0507009873554805 * 1.5, 14);
    expect(run(T.softsign(x), [x, v]).toArray()).toEqual([-2 / 3, -0.5 / 1.5, 0, 1.5 / 2.5]);
    expect(run(T.hardSigmoid(x), [x, f64([-3, 0, 1, 3])]).toArray()).toEqual([0, 0.5, 0.7, 1]);
  });
  it('sigmoidBinaryCrossentropy is finite for huge logits', () => {
    const t = T.dvector('t');
    const out = run(
      T.sigmoidBinaryCrossentropy(x, t),
      [x, f64([1000, -1000, 800])],
      [t, f64([1, 0, 0])],
    );
    expect(out.toArray()).toEqual([0, 0, 800]);
  });
});

describe('reductions', () => {
  const m = T.dmatrix('m');
  it('logsumexp: stable, -inf for all -inf or an empty axis, inf and nan propagate', () => {
    const v = f64([
      [1000, 1000],
      [-Infinity, -Infinity],
      [Infinity, 0],
      [NaN, 1],
    ]);
    const out = run(T.logsumexp(m, { axis: 1 }), [m, v]).toArray() as number[];
    expect(out[0]).toBeCloseTo(1000 + Math.LN2, 12);
    expect(out.slice(1)).toEqual([-Infinity, Infinity, NaN]);
    const e = T.dmatrix('e');
    expect(
      run(T.logsumexp(e, { axis: 1 }), [e, array([[], []], { dtype: 'float64' })]).toArray(),
    ).toEqual([-Infinity, -Infinity]);
  });
  it('all / any: nan is true; empty reductions give true / false; keepdims', () => {
    const v = f64([
      [NaN, 1],
      [0, 2],
    ]);
    expect(run(m.all({ axis: 1 }), [m, v]).toArray()).toEqual([true, false]);
    expect(run(m.any({ axis: 0, keepdims: true }), [m, v]).toArray()).toEqual([[true, true]]);
    const e = T.dvector('e');
    expect(run(T.all(e), [e, f64([])]).item()).toBe(1);
    expect(run(T.any(e), [e, f64([])]).item()).toBe(0);
  });
  it('argmin: the first minimum; nan counts as the minimum; flattened by default', () => {
    const v = f64([
      [3, 1, 1],
      [2, NaN, -5],
    ]);
    expect(run(m.argmin({ axis: 1 }), [m, v]).toArray()).toEqual([1, 1]);
    expect(
      run(T.argmin(m), [
        m,
        f64([
          [3, 1],
          [0.5, 2],
        ]),
      ]).item(),
    ).toBe(2);
    expect(
      run(T.argmin(m, { keepdims: true }), [
        m,
        f64([
          [3, 1],
          [0.5, 2],
        ]),
      ]).shape,
    ).toEqual([1, 1]);
  });
  it('cumsum / cumprod: axis, flattening, int accumulation and wrap-around', () => {
    const v = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(run(m.cumsum({ axis: 0 }), [m, v]).toArray()).toEqual([
      [1, 2, 3],
      [5, 7, 9],
    ]);
    expect(run(m.cumprod({ axis: 1 }), [m, v]).toArray()).toEqual([
      [1, 2, 6],
      [4, 20, 120],
    ]);
    expect(run(m.cumsum(), [m, v]).toArray()).toEqual([1, 3, 6, 10, 15, 21]);
    const b = T.bvector('b');
    expect(run(T.cumsum(b), [b, arr([100, 100, 100], 'int8')]).toArray()).toEqual([100, 200, 300]);
    const i = T.ivector('i');
    expect(run(T.cumsum(i), [i, arr([2 ** 31 - 1, 1], 'int32')]).toArray()).toEqual([
      2 ** 31 - 1,
      -(2 ** 31),
    ]);
    // a transposed (non-contiguous) input
    expect(run(m.T.cumsum({ axis: 1 }), [m, v]).toArray()).toEqual([
      [1, 5],
      [2, 7],
      [3, 9],
    ]);
  });
  it('var / std with ddof, static and unknown shapes; N - ddof <= 0 gives inf or nan', () => {
    const v = f64([
      [1, 2, 3, 4],
      [2, 4, 6, 8],
    ]);
    expect(run(m.var({ axis: 1 }), [m, v]).toArray()).toEqual([1.25, 5]);
    expect(run(m.var({ axis: 1, ddof: 1 }), [m, v]).toArray()).toEqual([5 / 3, 20 / 3]);
    expect(run(m.std({ axis: 0, keepdims: true }), [m, v]).toArray()).toEqual([[0.5, 1, 1.5, 2]]);
    const s = T.tensor('s', { dtype: 'float64', shape: [2, 4] });
    expect(run(T.var_(s, { ddof: 1 }), [s, v]).item()).toBeCloseTo(
      run(m.var({ ddof: 1 }), [m, v]).item(),
      14,
    );
    expect(run(T.var_(s, { axis: 0, ddof: 2 }), [s, v]).toArray()).toEqual([
      Infinity,
      Infinity,
      Infinity,
      Infinity,
    ]);
    expect(
      run(T.var_(m, { axis: 0, ddof: 3 }), [
        m,
        f64([
          [1, 1],
          [1, 1],
        ]),
      ]).toArray(),
    ).toEqual([NaN, NaN]);
  });
  it('prod and min methods', () => {
    const v = f64([
      [1, 2],
      [3, -4],
    ]);
    expect(run(m.prod({ axis: 0 }), [m, v]).toArray()).toEqual([3, -8]);
    expect(run(m.min(), [m, v]).item()).toBe(-4);
  });
  it('labels name the ops and their parameters', () => {
    expect(T.opLabel(T.argmin(m, { axis: 1 }).owner!.op)).toBe('Argmin{axis=1}');
    expect(T.opLabel(T.all(m, { axis: [0, 1] }).owner!.op)).toBe('All{axes=[0,1]}');
    expect(T.opLabel(T.logsumexp(m, { axis: -1 }).owner!.op)).toBe('LogSumExp{axes=[1]}');
    expect(T.opLabel(T.cumprod(m, { axis: 0 }).owner!.op)).toBe('CumOp{axis=0, mul}');
    expect(T.opLabel(T.erf(m).owner!.op)).toBe('Elemwise{erf}');
  });
});

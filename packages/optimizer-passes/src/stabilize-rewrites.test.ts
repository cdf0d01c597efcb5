import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray } from '@theano-ts/tensor';
import {
  EXTREME,
  countOps,
  equalComputations,
  evalOnOff,
  expectClose,
  expectSameValue,
  only,
  optimized,
  rand,
  vec,
} from './test-helpers';

const f64 = (v: number) => T.constant(v, undefined, 'float64');
const fast = (rewrite: string) => ({ mode: 'fast_run' as const, rewrite });

/**
 * The value test of a stabilization: same value with the rewrite on and off on moderate
 * random inputs; on the extreme ones, the rewrite gives `want` (finite where the original
 * over- or underflows).
 */
function stabilityCase(
  rewrite: string,
  build: (x: T.Variable) => T.Variable,
  random: NDArray,
  extreme: readonly number[],
  want: (x: number) => number,
  rtol = 1e-13,
) {
  const x = T.dvector('x');
  expectSameValue([x], [build(x)], [random], { ...fast(rewrite), rtol, atol: 1e-300 });
  const { on, off } = evalOnOff([x], [build(x)], [vec(extreme)], fast(rewrite));
  expectClose(on[0], vec(extreme.map(want)), rtol, 1e-300);
  return off[0];
}

describe('local_log1p', () => {
  test('structure: log(1+x), log(x+1) → log1p(x); log(1−x) → log1p(−x)', () => {
    const x = T.dmatrix('x');
    const fg = optimized(
      [x],
      [T.log(T.add(1, x)), T.log(T.add(x, 1)), T.log(T.sub(1, x))],
      only('local_log1p'),
    );
    expect(equalComputations(fg.outputs[0], T.log1p(x))).toBe(true);
    expect(equalComputations(fg.outputs[1], T.log1p(x))).toBe(true);
    expect(equalComputations(fg.outputs[2], T.log1p(T.neg(x)))).toBe(true);
  });

  test('int sums are left alone (1 + 127 wraps around in int8)', () => {
    const b = T.bvector('b');
    const fg = optimized([b], [T.log(T.add(1, b))], only('local_log1p'));
    expect(countOps(fg, 'Elemwise{log}')).toBe(1);
  });

  test('value: same on random inputs; log(1 + 1e-20) is 1e-20, not 0', () => {
    const off = stabilityCase(
      'local_log1p',
      (x) => T.log(T.add(1, x)),
      rand([8], { lo: -0.9, hi: 3 }),
      [1e-20, -1e-20, 5e-324, 0, 1e300, -1],
      Math.log1p,
    );
    expect(off.toFlat()[0]).toBe(0);
  });
});

describe('local_expm1', () => {
  test('structure: exp(x) − 1 → expm1(x)', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.sub(T.exp(x), 1), T.sub(1, T.exp(x))], only('local_expm1'));
    expect(equalComputations(fg.outputs[0], T.expm1(x))).toBe(true);
    expect(countOps(fg, 'Elemwise{exp}')).toBe(1);
  });

  test('value: same on random inputs; exp(1e-20) − 1 is 1e-20, not 0', () => {
    const off = stabilityCase(
      'local_expm1',
      (x) => T.sub(T.exp(x), 1),
      rand([8], { lo: -3, hi: 3 }),
      [1e-20, -1e-20, 0, 700, -1000],
      Math.expm1,
    );
    expect(off.toFlat()[0]).toBe(0);
  });
});

describe('log1pexp_to_softplus', () => {
  test('structure: log(1 + exp(x)) and log1p(exp(x)) → softplus(x)', () => {
    const x = T.dmatrix('x');
    const fg = optimized(
      [x],
      [T.log(T.add(1, T.exp(x))), T.log1p(T.exp(x)), T.log(T.add(T.exp(x), 1))],
      only('log1pexp_to_softplus'),
    );
    for (const o of fg.outputs) expect(equalComputations(o, T.softplus(x))).toBe(true);
  });

  test('value: same on random inputs; log(1 + exp(1000)) is 1000, not inf', () => {
    const off = stabilityCase(
      'log1pexp_to_softplus',
      (x) => T.log(T.add(1, T.exp(x))),
      rand([8], { lo: -10, hi: 20 }),
      [1000, -1000, 0, 1e-20, 40],
      T.scalarSoftplus,
      1e-9, // log(1 + exp(x)) as written loses digits for x ≪ 0
    );
    expect(off.toFlat()[0]).toBe(Infinity);
  });
});

describe('local_1msigmoid', () => {
  test('structure: 1 − sigmoid(x) → sigmoid(−x); 1 − sigmoid(−y) → sigmoid(y)', () => {
    const x = T.dmatrix('x');
    const fg = optimized(
      [x],
      [T.sub(1, T.sigmoid(x)), T.sub(1, T.sigmoid(T.neg(x)))],
      only('local_1msigmoid'),
    );
    expect(equalComputations(fg.outputs[0], T.sigmoid(T.neg(x)))).toBe(true);
    expect(equalComputations(fg.outputs[1], T.sigmoid(x))).toBe(true);
  });

  test('value: same on random inputs; 1 − sigmoid(40) is 4.2e-18, not 0', () => {
    const off = stabilityCase(
      'local_1msigmoid',
      (x) => T.sub(1, T.sigmoid(x)),
      rand([8], { lo: -10, hi: 10 }),
      [40, 1000, -1000, 0],
      (v) => T.scalarSigmoid(-v),
    );
    expect(off.toFlat()[0]).toBe(0);
  });
});

describe('local_exp_over_1_plus_exp / local_inv_1_plus_exp', () => {
  test('structure: exp(x)/(1+exp(x)) → sigmoid(x); 1/(1+exp(−x)) and reciprocal(1+exp(−x)) → sigmoid(x)', () => {
    const x = T.dmatrix('x');
    const e = T.exp(x);
    const fg = optimized(
      [x],
      [
        T.div(e, T.add(1, e)),
        T.div(1, T.add(1, T.exp(T.neg(x)))),
        T.reciprocal(T.add(T.exp(T.neg(x)), 1)),
      ],
      only('local_exp_over_1_plus_exp', 'local_inv_1_plus_exp'),
    );
    for (const o of fg.outputs) expect(equalComputations(o, T.sigmoid(x))).toBe(true);
  });

  test('value: same on random inputs; exp(1000)/(1+exp(1000)) is 1, not NaN', () => {
    const off = stabilityCase(
      'local_exp_over_1_plus_exp',
      (x) => {
        const e = T.exp(x);
        return T.div(e, T.add(1, e));
      },
      rand([8], { lo: -10, hi: 10 }),
      [1000, -1000, 0, 710],
      T.scalarSigmoid,
    );
    expect(Number.isNaN(off.toFlat()[0])).toBe(true);
    stabilityCase(
      'local_inv_1_plus_exp',
      (x) => T.div(1, T.add(1, T.exp(T.neg(x)))),
      rand([8], { lo: -10, hi: 10 }),
      [1000, -1000, 0, 710, -710],
      T.scalarSigmoid,
    );
  });
});

describe('local_log_exp / local_exp_log_nan_switch', () => {
  test('structure: log(exp(x)) → x; exp(log(x)) → switch(x ≥ 0, x, NaN)', () => {
    const x = T.dmatrix('x');
    const fg = optimized(
      [x],
      [T.log(T.exp(x)), T.exp(T.log(x))],
      only('local_log_exp', 'local_exp_log_nan_switch'),
    );
    expect(fg.outputs[0]).toBe(x);
    expect(equalComputations(fg.outputs[1], T.switch_(T.ge(x, 0), x, f64(NaN)))).toBe(true);
  });

  test('value: same on random inputs; log(exp(1000)) is 1000, not inf', () => {
    const off = stabilityCase(
      'local_log_exp',
      (x) => T.log(T.exp(x)),
      rand([8], { lo: -30, hi: 30 }),
      [1000, -1000, 0, -0, 5e-324],
      (v) => v,
      1e-15,
    );
    expect(off.toFlat()[0]).toBe(Infinity);
    expect(off.toFlat()[1]).toBe(-Infinity);
  });

  test('value: exp(log(x)) keeps NaN for x < 0, 0 at 0, and is exact', () => {
    const off = stabilityCase(
      'local_exp_log_nan_switch',
      (x) => T.exp(T.log(x)),
      rand([8], { lo: 0.01, hi: 30 }),
      [-1, 0, 1e300, 5e-324, Infinity, NaN, ...EXTREME.filter((e) => e > 0)],
      (v) => (v >= 0 ? v : NaN),
      1e-12,
    );
    expect(Number.isNaN(off.toFlat()[0])).toBe(true);
  });
});

describe('local_sqrt_sqr', () => {
  test('structure: sqrt(sqr(x)) → |x|; an int8 sqr (which wraps) is left alone', () => {
    const x = T.dmatrix('x');
    const b = T.bvector('b');
    const fg = optimized([x, b], [T.sqrt(T.sqr(x)), T.sqrt(T.sqr(b))], only('local_sqrt_sqr'));
    expect(equalComputations(fg.outputs[0], T.abs(x))).toBe(true);
    expect(countOps(fg, 'Elemwise{sqr}')).toBe(1);
  });

  test('value: same on random inputs; sqrt(sqr(1e200)) is 1e200, not inf', () => {
    const off = stabilityCase(
      'local_sqrt_sqr',
      (x) => T.sqrt(T.sqr(x)),
      rand([8], { lo: -30, hi: 30 }),
      [...EXTREME],
      Math.abs,
      1e-15,
    );
    expect(off.toFlat()[EXTREME.indexOf(1e300)]).toBe(Infinity);
  });
});

describe('local_softmax', () => {
  test('structure: exp(x) / sum(exp(x), axis, keepdims) → softmax(x, axis)', () => {
    const x = T.dmatrix('x');
    const e = T.exp(x);
    const fg = optimized(
      [x],
      [
        T.div(e, T.sum(e, { axis: 1, keepdims: true })),
        T.div(e, T.sum(e, { axis: 0, keepdims: true })),
      ],
      only('local_softmax'),
    );
    expect(equalComputations(fg.outputs[0], T.softmax(x, { axis: 1 }))).toBe(true);
    expect(equalComputations(fg.outputs[1], T.softmax(x, { axis: 0 }))).toBe(true);
  });

  test('a sum over all axes or of another exp is not a softmax', () => {
    const [x, y] = T.dmatrices('x', 'y');
    const fg = optimized(
      [x, y],
      [
        T.div(T.exp(x), T.sum(T.exp(x))),
        T.div(T.exp(x), T.sum(T.exp(y), { axis: 1, keepdims: true })),
      ],
      only('local_softmax'),
    );
    expect(countOps(fg, /Softmax/)).toBe(0);
  });

  test('value: same on random inputs; rows of 1000 give 1/n, not NaN', () => {
    const x = T.dmatrix('x');
    const e = T.exp(x);
    const out = T.div(e, T.sum(e, { axis: 1, keepdims: true }));
    expectSameValue([x], [out], [rand([3, 4], { lo: -5, hi: 5 })], {
      ...fast('local_softmax'),
      rtol: 1e-14,
    });
    const { on, off } = evalOnOff(
      [x],
      [out],
      [
        [
          [1000, 1000],
          [-1000, -1000],
          [0, 1e-300],
        ],
      ],
      fast('local_softmax'),
    );
    expectClose(on[0], new NDArray(Float64Array.of(0.5, 0.5, 0.5, 0.5, 0.5, 0.5), [3, 2]), 1e-15);
    expect(Number.isNaN(off[0].toFlat()[0])).toBe(true);
    expect(Number.isNaN(off[0].toFlat()[2])).toBe(true);
  });
});

describe('local_log_sum_exp', () => {
  test('structure: log(sum(exp(x), axes)) → m + log(sum(exp(x − m), axes)), m the (finite) max', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.log(T.sum(T.exp(x), { axis: 1 }))], only('local_log_sum_exp'));
    const m0 = T.max(x, { axis: 1 });
    const m = T.switch_(T.eq(T.abs(m0), f64(Infinity)), f64(0), m0);
    const want = T.add(m, T.log(T.sum(T.exp(T.sub(x, T.dimshuffle(m, [0, 'x']))), { axis: 1 })));
    expect(equalComputations(fg.outputs[0], want)).toBe(true);
  });

  test('structure: with keepdims the result keeps the dims too', () => {
    const x = T.dmatrix('x');
    const out = T.log(T.sum(T.exp(x), { axis: 0, keepdims: true }));
    const fg = optimized([x], [out], only('local_log_sum_exp'));
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
    expect(countOps(fg, /maximum/)).toBe(1);
  });

  test('value: same on random inputs; log(sum(exp([1000, 1000]))) is 1000 + log 2', () => {
    const x = T.dvector('x');
    const m = T.dmatrix('m');
    expectSameValue(
      [x, m],
      [T.log(T.sum(T.exp(x))), T.log(T.sum(T.exp(m), { axis: 0, keepdims: true }))],
      [rand([5], { lo: -20, hi: 20 }), rand([3, 4], { lo: -20, hi: 20 })],
      { ...fast('local_log_sum_exp'), rtol: 1e-14 },
    );
    const cases: [number[], number][] = [
      [[1000, 1000], 1000 + Math.log(2)],
      [[-1000, -1000], -1000 + Math.log(2)],
      [[-Infinity, -Infinity], -Infinity],
      [[Infinity, 1], Infinity],
      [[NaN, 1], NaN],
      [[1e-300, 0], Math.log(2)],
    ];
    for (const [v, want] of cases) {
      const { on } = evalOnOff([x], [T.log(T.sum(T.exp(x)))], [v], fast('local_log_sum_exp'));
      expectClose(on[0], new NDArray(Float64Array.of(want), []), 1e-15);
    }
    const { off } = evalOnOff(
      [x],
      [T.log(T.sum(T.exp(x)))],
      [[1000, 1000]],
      fast('local_log_sum_exp'),
    );
    expect(off[0].item()).toBe(Infinity);
  });
});

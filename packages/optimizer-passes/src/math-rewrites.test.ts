import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray } from '@theano-ts/tensor';
import { countOps, equalComputations, expectSameValue, optimized, rand } from './test-helpers';

const only = (name: string) => ({ mode: 'none' as const, include: [name] });

describe('local_mul_one', () => {
  test('structure: x*1 → x and 1*x → x, through the DimShuffle of the constant', () => {
    const x = T.dmatrix('x');
    const y = T.dmatrix('y');
    const fg = optimized([x, y], [T.mul(x, 1), T.mul(1, T.add(x, y))], only('local_mul_one'));
    expect(fg.outputs[0]).toBe(x);
    expect(equalComputations(fg.outputs[1], T.add(x, y))).toBe(true);
  });

  test('structure: casts x when the product upcasts (int8 x * float32 1.0)', () => {
    const x = T.bmatrix('x');
    const out = T.mul(x, T.constant(1, undefined, 'float32'));
    const fg = optimized([x], [out], only('local_mul_one'));
    expect(equalComputations(fg.outputs[0], T.cast(x, 'float32'))).toBe(true);
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
  });

  test('skipped when the constant broadcasts x to a larger shape', () => {
    const x = T.drow('x');
    const ones = T.constant(new NDArray(Float64Array.of(1, 1, 1), [3, 1]));
    const out = T.mul(x, ones); // (1, n) * (3, 1) → (3, n)
    const fg = optimized([x], [out], only('local_mul_one'));
    expect(fg.outputs[0].owner?.op.kind).toBe('Elemwise');
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
  });

  test('not applied to x*2', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.mul(x, 2)], only('local_mul_one'));
    expect(countOps(fg, 'Elemwise{mul}')).toBe(1);
  });

  test('value: same with the rewrite on and off', () => {
    const x = T.dmatrix('x');
    const b = T.bmatrix('b');
    expectSameValue(
      [x, b],
      [T.mul(T.exp(x), 1), T.mul(1, b), T.mul(b, T.constant(1, undefined, 'float32'))],
      [
        rand([2, 3]),
        [
          [1, -2, 3],
          [4, 5, -128],
        ],
      ],
      {
        rewrite: 'local_mul_one',
      },
    );
  });
});

describe('local_add_remove_zeros', () => {
  test('structure: x+0, 0+x, x-0 → x; 0-x is kept', () => {
    const x = T.dvector('x');
    const fg = optimized(
      [x],
      [T.add(x, 0), T.add(0, x), T.sub(x, 0), T.sub(0, x)],
      only('local_add_remove_zeros'),
    );
    expect(fg.outputs.slice(0, 3)).toEqual([x, x, x]);
    expect(fg.outputs[3].owner && T.opLabel(fg.outputs[3].owner.op)).toBe('Elemwise{sub}');
  });

  test('value: same with the rewrite on and off', () => {
    const x = T.dvector('x');
    const i = T.ivector('i');
    expectSameValue(
      [x, i],
      [T.add(T.sqr(x), 0), T.sub(i, 0), T.add(T.constant(0.0, undefined, 'float64'), i)],
      [rand([4]), [1, 2, -3, 4]],
      {
        rewrite: 'local_add_remove_zeros',
      },
    );
  });
});

describe('local_neg_neg', () => {
  test('structure: neg(neg(x)) → x; neg(neg(neg(x))) → neg(x)', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.neg(T.neg(x)), T.neg(T.neg(T.neg(x)))], only('local_neg_neg'));
    expect(fg.outputs[0]).toBe(x);
    expect(equalComputations(fg.outputs[1], T.neg(x))).toBe(true);
  });

  test('value: same with the rewrite on and off (int8 wrap-around included)', () => {
    const x = T.bvector('x');
    expectSameValue([x], [T.neg(T.neg(x))], [[-128, 0, 127]], { rewrite: 'local_neg_neg' });
  });
});

describe('local_pow_specialize', () => {
  test('structure: x**2 → sqr(x), x**1 → x, x**0.5 → sqrt(x), x**-1 → reciprocal(x)', () => {
    const x = T.dmatrix('x');
    const fg = optimized(
      [x],
      [T.pow(x, 2), T.pow(x, 1), T.pow(x, 0.5), T.pow(x, -1), T.pow(x, 3)],
      only('local_pow_specialize'),
    );
    expect(equalComputations(fg.outputs[0], T.sqr(x))).toBe(true);
    expect(fg.outputs[1]).toBe(x);
    // 0.5 is a float32 constant (floatX): pow(float64, float32) stays float64
    expect(equalComputations(fg.outputs[2], T.sqrt(x))).toBe(true);
    expect(equalComputations(fg.outputs[3], T.reciprocal(x))).toBe(true);
    expect(T.opLabel(fg.outputs[4].owner!.op)).toBe('Elemwise{pow}');
  });

  test('structure: an int x is cast to the result dtype before squaring', () => {
    const x = T.bvector('x');
    const out = T.pow(x, T.constant(2, undefined, 'float32'));
    const fg = optimized([x], [out], only('local_pow_specialize'));
    expect(equalComputations(fg.outputs[0], T.sqr(T.cast(x, 'float32')))).toBe(true);
  });

  test('int x**-1 and x**0.5 are left alone (no float result to specialize to)', () => {
    const x = T.ivector('x');
    const fg = optimized([x], [T.pow(x, -1)], only('local_pow_specialize'));
    expect(T.opLabel(fg.outputs[0].owner!.op)).toBe('Elemwise{pow}');
  });

  test('value: same with the rewrite on and off', () => {
    const x = T.dvector('x');
    const b = T.bvector('b');
    expectSameValue(
      [x, b],
      [
        T.pow(x, 2),
        T.pow(x, 0.5),
        T.pow(x, -1),
        T.pow(b, 2),
        T.pow(b, T.constant(2, undefined, 'float32')),
      ],
      [rand([5], { lo: 0.1, hi: 3 }), [100, -3, 12, 0, 127]],
      { rewrite: 'local_pow_specialize', rtol: 1e-15 },
    );
  });
});

describe('local_pow_specialize: x ** 0', () => {
  test('structure: x ** 0 → ones of the result’s shape and dtype', () => {
    const x = T.dmatrix('x');
    const out = T.pow(x, 0);
    const fg = optimized([x], [out], only('local_pow_specialize'));
    expect(equalComputations(fg.outputs[0], T.second(x, T.constant(1, undefined, 'float64')))).toBe(
      true,
    );
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
  });

  test('value: same with the rewrite on and off (NaN ** 0 and inf ** 0 are 1)', () => {
    const x = T.dvector('x');
    const b = T.bvector('b');
    expectSameValue(
      [x, b],
      [T.pow(x, 0), T.pow(b, 0), T.pow(x, T.constant(new NDArray(new Float64Array(4), [4])))],
      [new NDArray(Float64Array.of(NaN, Infinity, -0, 1e300), [4]), [-128, 0, 127, 1]],
      { rewrite: 'local_pow_specialize', rtol: 0, atol: 0 },
    );
  });
});

describe('local_mul_to_sqr', () => {
  test('structure: x · x → sqr(x); x · y is kept', () => {
    const [x, y] = T.dmatrices('x', 'y');
    const fg = optimized([x, y], [T.mul(x, x), T.mul(x, y)], only('local_mul_to_sqr'));
    expect(equalComputations(fg.outputs[0], T.sqr(x))).toBe(true);
    expect(T.opLabel(fg.outputs[1].owner!.op)).toBe('Elemwise{mul}');
  });

  test('value: same with the rewrite on and off (overflow, int8 wrap-around)', () => {
    const x = T.dvector('x');
    const b = T.bvector('b');
    expectSameValue(
      [x, b],
      [T.mul(x, x), T.mul(b, b)],
      [new NDArray(Float64Array.of(1e200, -1e-200, 3, NaN), [4]), [-128, 12, 127, 0]],
      { rewrite: 'local_mul_to_sqr', rtol: 0, atol: 0 },
    );
  });
});

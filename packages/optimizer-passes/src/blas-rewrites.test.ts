import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import {
  countOps,
  equalComputations,
  expectSameValue,
  only,
  opLabels,
  optimized,
  rand,
} from './test-helpers';

const gemmOnly = only('local_dot_to_gemm');
const c = (v: number, dtype: 'float32' | 'float64' = 'float64') => T.constant(v, undefined, dtype);
const gemm = (...ins: T.Variable[]) => T.applyOp('Gemm', {}, ins).outputs[0];

describe('local_dot_to_gemm', () => {
  test('structure: z + dot(x, y), dot(x, y) + z → Gemm(z, 1, x, y, 1)', () => {
    const [x, y, z] = T.dmatrices('x', 'y', 'z');
    const fg = optimized([x, y, z], [T.add(z, T.dot(x, y)), T.add(T.dot(x, y), z)], gemmOnly);
    for (const o of fg.outputs) expect(equalComputations(o, gemm(z, c(1), x, y, c(1)))).toBe(true);
  });

  test('structure: scaled terms and subtraction move into the coefficients', () => {
    const [x, y, z] = T.fmatrices('x', 'y', 'z');
    const a = T.fscalar('a');
    const fg = optimized(
      [x, y, z, a],
      [T.sub(z, T.mul(a, T.dot(x, y))), T.sub(T.mul(T.dot(x, y), 2), T.mul(a, z))],
      gemmOnly,
    );
    expect(equalComputations(fg.outputs[0], gemm(z, T.neg(a), x, y, c(1, 'float32')))).toBe(true);
    expect(
      equalComputations(fg.outputs[1], gemm(z, T.cast(T.constant(2), 'float32'), x, y, T.neg(a))),
    ).toBe(true);
  });

  test('structure: a row bias (dot(x, W) + b) becomes a Gemm with a broadcast z', () => {
    const [x, W] = T.fmatrices('x', 'W');
    const b = T.fvector('b');
    const out = T.add(T.dot(x, W), b);
    const fg = optimized([x, W, b], [out], gemmOnly);
    expect(opLabels(fg)).toContain('Gemm');
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
    expect(fg.outputs[0].owner!.inputs[0].broadcastable).toEqual([true, false]);
  });

  test('not applied: a dot used twice, a vector dot, mixed dtypes', () => {
    const [x, y, z] = T.dmatrices('x', 'y', 'z');
    const v = T.dvector('v');
    const f = T.fmatrix('f');
    const d = T.dot(x, y);
    const fg = optimized(
      [x, y, z, v, f],
      [
        T.add(z, d),
        T.exp(d),
        T.add(v, T.dot(x, v)),
        T.add(f, T.dot(f, f))
          .sum()
          .add(T.add(z, T.dot(f, f)).sum()),
      ],
      gemmOnly,
    );
    expect(countOps(fg, 'Gemm')).toBe(1); // only f + dot(f, f), which is all float32
  });

  test('value: the same bits with the rewrite on and off (float32 and float64)', () => {
    const [x, y, z] = T.fmatrices('x', 'y', 'z');
    const b = T.fvector('b');
    const a = T.fscalar('a');
    const [X, Y, Z] = T.dmatrices('X', 'Y', 'Z');
    // each dot used once (merged duplicates would have several users and stay Dots)
    const fg = expectSameValue(
      [x, y, z, b, a, X, Y, Z],
      [
        T.add(T.dot(x, y), b),
        T.sub(z, T.mul(a, T.dot(T.exp(x), y))),
        T.sub(T.mul(T.dot(x, T.neg(y)), 3), T.mul(a, z)),
        T.add(Z, T.mul(T.dot(X, Y), 1e300)),
      ],
      [
        rand([3, 4], { dtype: 'float32', lo: -3, hi: 3 }),
        rand([4, 5], { dtype: 'float32', seed: 2 }),
        rand([3, 5], { dtype: 'float32', seed: 3 }),
        rand([5], { dtype: 'float32', seed: 4 }),
        0.37,
        rand([2, 3], { seed: 5 }),
        rand([3, 2], { seed: 6, lo: 1e10, hi: 1e12 }),
        rand([2, 2], { seed: 7, lo: -1e300, hi: 1e300 }),
      ],
      { mode: 'fast_run', rewrite: 'local_dot_to_gemm', rtol: 0, atol: 0 },
    );
    expect(countOps(fg, 'Gemm')).toBe(4);
  });
});

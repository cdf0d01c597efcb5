import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray } from '@theano-ts/tensor';
import { getScalarConstantValue } from './match';
// structural helpers, then value helpers
import {
  only,
  optimized,
  equalComputations,
  countOps,
  expectSameValue,
  EXTREME,
  rand,
  vec,
} from './test-helpers';

/** Two matrices and a row (the fill rewrites' operands). */
const [a, c] = T.dmatrices('a', 'c');
const r = T.drow('r');
/** A 3 × n matrix: random values in the first row, then EXTREME, then ±inf and NaN. */
const extremeMatrix = (n = EXTREME.length): NDArray => {
  const d = rand([3, n], { lo: -5, hi: 5 }).toFlat() as Float64Array;
  EXTREME.forEach((v, i) => (d[n + i] = v));
  [Infinity, -Infinity, NaN, 0].forEach((v, i) => (d[2 * n + i] = v));
  return new NDArray(d, [3, n]);
};

describe('getScalarConstantValue through fills', () => {
  test('second(s, c) is c, whatever s; through DimShuffle and cast around it', () => {
    const [m, g] = [T.dmatrix('m'), T.dvector('g')];
    expect(getScalarConstantValue(T.second(m, 0))).toBe(0);
    expect(getScalarConstantValue(T.zerosLike(g))).toBe(0);
    expect(getScalarConstantValue(T.second(T.second(g, 1), 0))).toBe(0);
    expect(getScalarConstantValue(T.cast(T.second(m, 2.5), 'int32'))).toBe(2);
    expect(getScalarConstantValue(T.dimshuffle(T.second(g, -1), ['x', 0]))).toBe(-1);
    // the value, not the shape source, must be constant
    expect(getScalarConstantValue(T.second(T.constant(0), g))).toBeUndefined();
  });
});

describe('local_useless_fill', () => {
  /** Fills of a matrix, of a matrix by a row (which broadcasts), of a row by a matrix. */
  const uselessFills = () => [T.second(a, c), T.second(a, r), T.second(r, c)];
  test('structure: second(s, v) → v when v has the fill’s type; kept when s broadcasts v', () => {
    const fg = optimized([a, c, r], uselessFills(), only('local_useless_fill'));
    expect(fg.outputs[0]).toBe(c);
    expect(equalComputations(fg.outputs[1], T.second(a, r))).toBe(true);
    expect(fg.outputs[2]).toBe(c);
  });

  test('value: same with the rewrite on and off (extreme values, ±inf, NaN)', () => {
    const row = vec([...EXTREME]).reshape([1, EXTREME.length]);
    const fg = expectSameValue(
      [a, c, r],
      uselessFills(),
      [rand([3, EXTREME.length]), extremeMatrix(), row],
      { mode: 'fast_run', rewrite: 'local_useless_fill', rtol: 0, atol: 0 },
    );
    expect(countOps(fg, 'Elemwise{second}')).toBe(1); // only the fill that broadcasts
  });
});

describe('local_fill_sink', () => {
  test('structure: f(second(a, b), c) → f(b, c), the fill kept only where it broadcasts', () => {
    const fg = optimized(
      [a, c, r],
      [
        T.mul(T.second(a, 1), c),
        T.add(c, T.second(a, r)),
        T.exp(T.second(a, r)),
        T.switch_(T.gt(c, 0), c, T.second(a, 0)),
      ],
      only('local_fill_sink'),
    );
    expect(equalComputations(fg.outputs[0], T.mul(1, c))).toBe(true);
    expect(equalComputations(fg.outputs[1], T.add(c, r))).toBe(true);
    expect(equalComputations(fg.outputs[2], T.second(a, T.exp(r)))).toBe(true);
    expect(equalComputations(fg.outputs[3], T.switch_(T.gt(c, 0), c, 0))).toBe(true);
    for (const o of fg.outputs) expect(o.ndim).toBe(2);
  });

  test('value: same with the rewrite on and off, and the shape of the fill kept', () => {
    const outs = [
      T.mul(T.second(a, 0), r), // (3, n): only the fill has the rows
      T.trueDiv(T.second(a, r), r),
      T.switch_(T.gt(r, 0), r, T.second(a, 0)),
      T.add(c, T.second(a, r)),
    ];
    const n = EXTREME.length;
    const row = vec([...EXTREME.slice(0, n - 4), Infinity, -Infinity, NaN, 0]).reshape([1, n]);
    const fg = expectSameValue([a, c, r], outs, [rand([3, n]), extremeMatrix(), row], {
      // alone: in fast_run, local_mul_zero and local_div_self would then take 0 · inf as 0 and
      // 0 / 0 as 1 (their finite-x assumption, not this rewrite's)
      ...only('local_fill_sink'),
      rewrite: 'local_fill_sink',
      rtol: 0,
      atol: 0,
    });
    const got = T.evaluate(
      fg.outputs,
      new Map<T.Variable, unknown>([
        [a, rand([3, n])],
        [c, extremeMatrix()],
        [r, row],
      ]),
    );
    for (const g of got) expect([...g.shape]).toEqual([3, n]);
  });
});

describe('rewrites that match a constant keep the shape of a fill they see through', () => {
  // r is a row, the fill a (3, n) matrix: a rewrite dropping the fill must keep its rows (or
  // not fire); values must match the unoptimized graph
  const m = T.dmatrix('m');
  const fill = (v: number) => T.second(m, v);
  const cases: [string, () => T.Variable][] = [
    ['local_mul_one', () => T.mul(r, fill(1))],
    ['local_add_remove_zeros', () => T.add(fill(0), r)],
    ['local_mul_zero', () => T.mul(r, fill(0))],
    ['local_useless_switch', () => T.switch_(fill(1), r, T.neg(r))],
    ['local_pow_specialize', () => T.pow(r, fill(2))],
    ['local_log1p', () => T.log(T.add(fill(1), r))],
    ['local_expm1', () => T.sub(T.exp(r), fill(1))],
    ['local_1msigmoid', () => T.sub(fill(1), T.sigmoid(r))],
    ['local_inv_1_plus_exp', () => T.trueDiv(fill(1), T.add(1, T.exp(T.neg(r))))],
    ['log1msigm_to_softplus', () => T.log(T.sub(fill(1), T.sigmoid(r)))],
  ];
  test.each(cases)('%s', (rewrite, build) => {
    const out = build();
    const n = 5;
    const args = [rand([1, n], { lo: 0.1, hi: 0.9, seed: 4 }), rand([3, n], { seed: 5 })];
    const fg = expectSameValue([r, m], [out], args, {
      mode: 'fast_run',
      rewrite,
      rtol: 1e-15,
      atol: 1e-15,
    });
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
    const [got] = T.evaluate(
      fg.outputs,
      new Map<T.Variable, unknown>([
        [r, args[0]],
        [m, args[1]],
      ]),
    );
    expect([...got.shape]).toEqual([3, n]);
  });
});

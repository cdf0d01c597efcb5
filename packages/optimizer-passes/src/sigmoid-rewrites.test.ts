import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray } from '@theano-ts/tensor';
import {
  countOps,
  equalComputations,
  expectClose,
  expectSameValue,
  optimized,
  rand,
} from './test-helpers';

describe('logsigm_to_softplus', () => {
  test('structure: log(sigmoid(x)) → -softplus(-x)', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.log(T.sigmoid(x))], {
      mode: 'none',
      include: ['logsigm_to_softplus'],
    });
    expect(equalComputations(fg.outputs[0], T.neg(T.softplus(T.neg(x))))).toBe(true);
  });

  test('structure: an int input is cast to the float result first (-x cannot overflow)', () => {
    const x = T.bvector('x');
    const out = T.log(T.sigmoid(x));
    const fg = optimized([x], [out], { mode: 'none', include: ['logsigm_to_softplus'] });
    expect(equalComputations(fg.outputs[0], T.neg(T.softplus(T.neg(T.cast(x, 'float32')))))).toBe(
      true,
    );
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
    const v = new NDArray(Int8Array.of(-128, 0, 127), [3]);
    const got = T.evaluate(fg.outputs, new Map([[x, v]]))[0];
    expectClose(got, T.evaluate([out], new Map([[x, v]]))[0], 1e-6, 1e-6);
  });

  test('value: same with the rewrite on and off; finite where sigmoid underflows', () => {
    const x = T.dvector('x');
    const out = T.log(T.sigmoid(x));
    expectSameValue([x], [out], [rand([7], { lo: -10, hi: 10 })], {
      rewrite: 'logsigm_to_softplus',
      rtol: 1e-12,
    });
    const got = T.evaluate(
      optimized([x], [out], { mode: 'fast_compile' }).outputs,
      new Map([[x, [-800]]]),
    )[0];
    expectClose(got, new NDArray(Float64Array.of(-800), [1]));
    expect(T.evaluate([out], new Map([[x, [-800]]]))[0].toFlat()[0]).toBe(-Infinity);
  });
});

describe('log1msigm_to_softplus', () => {
  test('structure: log(1 - sigmoid(x)) → -softplus(x), the constant 1 broadcast', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.log(T.sub(1, T.sigmoid(x)))], {
      mode: 'none',
      include: ['log1msigm_to_softplus'],
    });
    expect(equalComputations(fg.outputs[0], T.neg(T.softplus(x)))).toBe(true);
  });

  test('structure: after constant folding of the DimShuffled 1, in fast_run', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.log(T.sub(1, T.sigmoid(x)))], {
      mode: 'fast_run',
      exclude: ['fusion'],
    });
    expect(countOps(fg, 'Elemwise{sigmoid}')).toBe(0);
    expect(countOps(fg, 'Elemwise{softplus}')).toBe(1);
  });

  test('not applied to 2 - sigmoid(x)', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.log(T.sub(2, T.sigmoid(x)))], {
      mode: 'fast_run',
      exclude: ['fusion'],
    });
    expect(countOps(fg, 'Elemwise{sigmoid}')).toBe(1);
  });

  test('value: same with the rewrite on and off; finite near sigmoid(x) = 1', () => {
    const x = T.fvector('x');
    const out = T.log(T.sub(1, T.sigmoid(x)));
    expectSameValue([x], [out], [rand([9], { lo: -8, hi: 8, dtype: 'float32' })], {
      rewrite: 'log1msigm_to_softplus',
      rtol: 1e-5,
      atol: 1e-6,
    });
    const fg = optimized([x], [out], { mode: 'fast_run' });
    expect(fg.outputs[0].dtype).toBe('float32');
    const got = T.evaluate(fg.outputs, new Map([[x, [40]]]))[0];
    expectClose(got, new NDArray(Float32Array.of(-40), [1]));
  });
});

describe('log1msigm_to_softplus on log1p(-sigmoid(x))', () => {
  test('structure: log1p(-sigmoid(x)) → -softplus(x)', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.log1p(T.neg(T.sigmoid(x)))], {
      mode: 'none',
      include: ['log1msigm_to_softplus'],
    });
    expect(equalComputations(fg.outputs[0], T.neg(T.softplus(x)))).toBe(true);
  });

  test('value: finite at extreme inputs (float64 and float32), -inf without the rewrite', () => {
    const extreme = [1000, -1000, 700, -700, 0, 5e-324, -5e-324];
    // -softplus(x) = -(max(x, 0) + log1p(exp(-|x|)))
    const want = extreme.map((e) => -(Math.max(e, 0) + Math.log1p(Math.exp(-Math.abs(e)))));
    for (const dtype of ['float64', 'float32'] as const) {
      const x = dtype === 'float64' ? T.dvector('x') : T.fvector('x');
      const vals = new NDArray(
        dtype === 'float64' ? Float64Array.from(extreme) : Float32Array.from(extreme),
        [extreme.length],
      );
      const out = T.log1p(T.neg(T.sigmoid(x)));
      const got = T.evaluate(
        optimized([x], [out], { mode: 'fast_compile' }).outputs,
        new Map([[x, vals]]),
      )[0];
      expect(got.dtype).toBe(dtype);
      const w = dtype === 'float64' ? Float64Array.from(want) : Float32Array.from(want);
      expectClose(got, new NDArray(w, [w.length]), dtype === 'float64' ? 1e-15 : 1e-6, 0);
      const off = T.evaluate(
        optimized([x], [out], { mode: 'fast_compile', exclude: ['log1msigm_to_softplus'] }).outputs,
        new Map([[x, vals]]),
      )[0];
      expect(off.toFlat()[0]).toBe(-Infinity);
    }
  });
});

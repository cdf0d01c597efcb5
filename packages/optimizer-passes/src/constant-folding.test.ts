import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray, full } from '@theano-ts/tensor';
import { countOps, expectSameValue, optimized, rand } from './test-helpers';

const fold = { mode: 'none' as const, include: ['constant_folding'] };

describe('constant_folding', () => {
  test('structure: 2*3 → 6, folding whole chains', () => {
    const x = T.dscalar('x');
    const c = T.mul(
      T.add(T.constant(2, undefined, 'float64'), 1),
      T.exp(T.constant(0, undefined, 'float64')),
    );
    const fg = optimized([x], [T.mul(x, c), c], fold);
    expect(fg.outputs[1]).toBeInstanceOf(T.Constant);
    expect((fg.outputs[1] as T.Constant).data.item()).toBe(3);
    expect(fg.outputs[0].owner!.inputs[1]).toBeInstanceOf(T.Constant);
    expect(countOps(fg, /.*/)).toBe(1);
  });

  test('structure: keeps the replaced type (dtype, rank, broadcast pattern)', () => {
    const x = T.dmatrix('x');
    const c = T.dimshuffle(T.constant(2, undefined, 'int8'), ['x', 'x']);
    const out = T.add(x, c);
    const fg = optimized([x], [out], fold);
    const folded = fg.outputs[0].owner!.inputs[1];
    expect(folded).toBeInstanceOf(T.Constant);
    expect(folded.type.equals(c.type)).toBe(true);
    // a variable of unknown length that folds to length 1 stays non-broadcastable
    const one = T.makeVector([T.constant(1, undefined, 'int32')]);
    const r = T.reshape(T.constant(new NDArray(Float64Array.of(5), [1])), one);
    expect(r.type.shape).toEqual([null]);
    const sv = T.dvector('sv');
    const g2 = optimized([sv], [T.add(sv, r)], fold);
    const folded2 = g2.outputs[0].owner!.inputs[1];
    expect(folded2).toBeInstanceOf(T.Constant);
    expect(folded2.type.shape).toEqual([null]);
    expect([...(folded2 as T.Constant).data.shape]).toEqual([1]);
  });

  test('shared variables are not folded (their values change)', () => {
    const w = T.shared(new NDArray(Float64Array.of(1, 2), [2]), 'w');
    const fg = optimized([], [T.mul(w, 2)], fold);
    expect(fg.outputs[0].owner).not.toBeNull();
  });

  test('results larger than 10k elements are not folded', () => {
    const big = T.constant(full([200, 100], 1));
    const fg = optimized([], [T.mul(big, 2)], fold);
    expect(fg.outputs[0].owner).not.toBeNull();
    const small = T.constant(full([20, 10], 1));
    const fg2 = optimized([], [T.mul(small, 2)], fold);
    expect(fg2.outputs[0]).toBeInstanceOf(T.Constant);
  });

  test('a node that throws (label out of range) is left for run time', () => {
    const p = T.constant(new NDArray(Float64Array.of(0.5, 0.5), [1, 2]));
    const y = T.constant(new NDArray(Int32Array.of(5), [1]));
    const fg = optimized([], [T.categoricalCrossentropy(p, y)], fold);
    expect(fg.outputs[0].owner?.op.kind).toBe('CrossentropyCategorical1Hot');
  });

  test('value: same with folding on and off', () => {
    const x = T.dmatrix('x');
    const k = T.constant(new NDArray(Float64Array.of(1, 2, 3), [3]));
    const out = T.add(T.mul(x, T.exp(k)), T.sum(T.sqr(k)));
    expectSameValue([x], [out, T.softmax(T.dimshuffle(k, ['x', 0]))], [rand([2, 3])], {
      mode: 'fast_run',
      rewrite: 'constant_folding',
      rtol: 1e-14,
    });
  });
});

import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray } from '@theano-ts/tensor';
import { countOps, expectSameValue, makeFg, optimized, rand } from './test-helpers';
import { optimizeGraph } from './optimize-graph';

const merge = { mode: 'none' as const, include: ['merge'] };

describe('merge', () => {
  test('structure: (x+y)*2 and (x+y)*3 share one x+y', () => {
    const x = T.dmatrix('x');
    const y = T.dmatrix('y');
    const fg = optimized([x, y], [T.mul(T.add(x, y), 2), T.mul(T.add(x, y), 3)], merge);
    expect(countOps(fg, 'Elemwise{add}')).toBe(1);
    expect(fg.outputs[0].owner!.inputs[0]).toBe(fg.outputs[1].owner!.inputs[0]);
  });

  test('structure: identical chains merge completely, outputs included', () => {
    const x = T.dvector('x');
    const a = T.exp(T.neg(x));
    const b = T.exp(T.neg(x));
    const fg = optimized([x], [a, b], merge);
    expect(fg.outputs[0]).toBe(fg.outputs[1]);
    expect(countOps(fg, /Elemwise/)).toBe(2);
  });

  test('structure: equal constants merge; constants differing in dtype, value or sign of zero do not', () => {
    const x = T.dvector('x');
    const c1 = T.constant(new NDArray(Float64Array.of(1, 2), [2]));
    const c2 = T.constant(new NDArray(Float64Array.of(1, 2), [2]));
    const c3 = T.constant(new NDArray(Float32Array.of(1, 2), [2]));
    const z1 = T.constant(0, undefined, 'float64');
    const z2 = T.constant(-0, undefined, 'float64');
    const fg = optimized(
      [x],
      [T.add(x, c1), T.add(x, c2), T.add(x, c3), T.mul(x, z1), T.mul(x, z2)],
      merge,
    );
    expect(fg.outputs[0]).toBe(fg.outputs[1]);
    expect(fg.outputs[2]).not.toBe(fg.outputs[0]);
    expect(fg.outputs[3]).not.toBe(fg.outputs[4]);
  });

  test('different ops with the same inputs do not merge (op.key differs)', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.sum(x, { axis: 0 }), T.sum(x, { axis: 1 })], merge);
    expect(countOps(fg, /CAReduce/)).toBe(2);
  });

  test('a FunctionGraph input is never merged, even with an equal constant', () => {
    const x = T.dvector('x');
    const c = T.constant(new NDArray(Float64Array.of(1), [1]));
    const d = T.constant(new NDArray(Float64Array.of(1), [1]));
    const fg = makeFg([x, c], [T.add(x, c), T.add(x, d)]);
    optimizeGraph(fg, merge);
    expect(fg.outputs[0].owner!.inputs[1]).toBe(c);
    expect(fg.outputs[1].owner!.inputs[1]).toBe(d);
  });

  test('value: same with merge on and off', () => {
    const x = T.dmatrix('x');
    const y = T.dmatrix('y');
    const s = T.add(x, y);
    expectSameValue(
      [x, y],
      [T.mul(T.add(x, y), 2), T.mul(s, T.exp(T.add(x, y))), T.sum(T.add(x, y), { axis: 1 })],
      [rand([2, 3]), rand([2, 3], { seed: 4 })],
      { mode: 'fast_run', rewrite: 'merge' },
    );
  });
});

describe('merge: cost', () => {
  test('merging cascades downstream whatever order the nodes were added in (a worklist, no toposort)', () => {
    const x = T.dvector('x');
    // two identical deep chains; after rewriting, the graph's node set is not in topological order
    let a: T.Variable = x;
    let b: T.Variable = x;
    for (let i = 0; i < 200; i++) {
      a = T.tanh(T.add(a, 1));
      b = T.tanh(T.add(b, 1));
    }
    const fg = makeFg([x], [a, T.exp(b)]);
    const report = optimizeGraph(fg, merge);
    // one chain (tanh, add, and one DimShuffle of the merged constant 1) and the exp
    expect(fg.applyNodes.size).toBe(1 + 200 + 200 + 1);
    expect(report.applied.merge).toBe(399 + 399 + 400); // constants, DimShuffles, one chain
  });

  test('large constants are compared once per run (keys cached), and not beyond the limit', () => {
    const x = T.dvector('x');
    const big = () =>
      T.constant(
        new NDArray(
          Float64Array.from({ length: 5000 }, (_, i) => i),
          [5000],
        ),
      );
    const fg = makeFg([x], [T.add(x, big()), T.add(x, big())]);
    optimizeGraph(fg, merge);
    expect(countOps(fg, 'Elemwise{add}')).toBe(1);
  });
});

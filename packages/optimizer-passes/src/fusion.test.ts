import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray } from '@theano-ts/tensor';
import {
  countOps,
  expectClose,
  expectSameValue,
  makeFg,
  opLabels,
  optimized,
  rand,
} from './test-helpers';
import { makeFusionRewriter } from './fusion';
import { RewriteRun } from './rewriter';

const fuse = { mode: 'none' as const, include: ['elemwise_fusion'] };

const compositeOf = (v: T.Variable) => {
  const node = v.owner!;
  expect(node.op.kind).toBe('Elemwise');
  const s = (node.op as T.Op<'Elemwise'>).params.scalarOp;
  expect(s.name).toBe('composite');
  return { node, s: s as T.CompositeScalarOp };
};

describe('elemwise_fusion', () => {
  test('structure: exp(x)*y + z becomes one Elemwise(Composite) with inputs x, y, z', () => {
    const [x, y, z] = T.dmatrices('x', 'y', 'z');
    const out = T.add(T.mul(T.exp(x), y), z);
    const fg = optimized([x, y, z], [out], fuse);
    expect(opLabels(fg)).toEqual(['Elemwise{Composite{((exp(i0) * i1) + i2)}}']);
    const { node } = compositeOf(fg.outputs[0]);
    expect(node.inputs).toEqual([x, y, z]);
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
  });

  test('structure: 0-d constants become constant nodes of the composite', () => {
    const x = T.dmatrix('x');
    const out = T.add(T.mul(x, 2), 1);
    for (const mode of ['fast_run', 'none'] as const) {
      // fast_run folds DimShuffle(2) into a (1, 1) constant first; 'none' sees the DimShuffle
      const fg = optimized([x], [out], mode === 'none' ? fuse : { mode });
      expect(opLabels(fg)).toEqual(['Elemwise{Composite{((i0 * 2) + 1)}}']);
      expect(fg.outputs[0].owner!.inputs).toEqual([x]);
    }
  });

  test('an intermediate used outside the cluster ends its own cluster (no multi-output fusion)', () => {
    const [x, y] = T.dmatrices('x', 'y');
    const a = T.exp(T.neg(x));
    const fg = optimized([x, y], [T.tanh(T.mul(a, y)), T.add(a, 1)], fuse);
    // neg+exp fused; tanh*mul fused; add alone
    expect(
      opLabels(fg)
        .filter((l) => l.startsWith('Elemwise'))
        .sort(),
    ).toEqual(
      [
        'Elemwise{Composite{exp(neg(i0))}}',
        'Elemwise{Composite{tanh((i0 * i1))}}',
        'Elemwise{add}',
      ].sort(),
    );
  });

  test('a graph output is never absorbed into a later cluster', () => {
    const x = T.dvector('x');
    const a = T.sqr(T.sigmoid(x));
    const fg = optimized([x], [a, T.log(T.add(a, 1))], fuse);
    expect(fg.outputs[0].owner!.inputs).toEqual([x]);
    expect(fg.outputs[1].owner!.inputs[0]).toBe(fg.outputs[0]);
  });

  test('a value used twice inside the cluster is computed once', () => {
    const x = T.dvector('x');
    const e = T.exp(x);
    const fg = optimized([x], [T.mul(e, T.add(e, 1))], fuse);
    expect(opLabels(fg)).toEqual(['Elemwise{Composite{(exp(i0) * (exp(i0) + 1))}}']);
    const { s } = compositeOf(fg.outputs[0]);
    expect(s.nodes.filter((n) => n.op.name === 'exp')).toHaveLength(1);
  });

  test('broadcast inputs (a row bias) are composite inputs of the same rank', () => {
    const x = T.dmatrix('x');
    const W = T.dmatrix('W');
    const b = T.drow('b');
    const out = T.tanh(T.add(T.dot(x, W), T.exp(b)));
    const fg = optimized([x, W, b], [out], fuse);
    const { node } = compositeOf(fg.outputs[0]);
    expect(node.inputs.map((v) => v.ndim)).toEqual([2, 2]);
    expect(node.inputs).toContain(b);
    expect(countOps(fg, /Elemwise/)).toBe(1);
  });

  test('an existing Composite is inlined, and running fusion again changes nothing', () => {
    const x = T.dvector('x');
    const fg = makeFg([x], [T.sqr(T.add(T.exp(x), 1))]);
    const run = new RewriteRun();
    expect(makeFusionRewriter().apply(fg, run)).toBe(1);
    expect(makeFusionRewriter().apply(fg, run)).toBe(0);
    const fg2 = makeFg([x], [T.log(fg.outputs[0])]);
    makeFusionRewriter().apply(fg2, run);
    expect(opLabels(fg2)).toEqual(['Elemwise{Composite{log(sqr((exp(i0) + 1)))}}']);
  });

  test('an all-constant cluster keeps one input (the Elemwise needs its rank)', () => {
    const c = T.constant(new NDArray(Float64Array.of(0.5), [1]));
    const fg = optimized([], [T.mul(T.exp(c), 2)], fuse);
    const { node } = compositeOf(fg.outputs[0]);
    expect(node.inputs).toEqual([c]);
    expect(T.evaluate(fg.outputs)[0].toFlat()[0]).toBeCloseTo(2 * Math.exp(0.5), 14);
  });

  test('maxInputs splits a cluster', () => {
    const xs = T.dvectors('a', 'b', 'c', 'd', 'e');
    const out = xs.slice(1).reduce((acc, v) => T.add(acc, v), xs[0]);
    const fg = makeFg(xs, [out]);
    makeFusionRewriter({ maxInputs: 3 }).apply(fg, new RewriteRun());
    for (const n of fg.toposort()) expect(n.inputs.length).toBeLessThanOrEqual(3);
    expect(fg.toposort().length).toBe(2);
  });

  test('chains of shared subexpressions stay bounded (their printed expression doubles per level)', () => {
    const x = T.dvector('x');
    let v = x;
    for (let i = 0; i < 60; i++) v = T.mul(T.tanh(v), T.sigmoid(v)); // each level a diamond
    const fg = optimized([x], [v], { mode: 'fast_run' });
    for (const n of fg.toposort()) expect(T.opLabel(n.op).length).toBeLessThan(20_000);
    expect(fg.toposort().length).toBeGreaterThan(1);
    expect(fg.toposort().length).toBeLessThan(20);
    const val = T.evaluate(fg.outputs, new Map([[x, [0.5, -2]]]))[0];
    expectClose(val, T.evaluate([v], new Map([[x, [0.5, -2]]]))[0], 0, 0);
  });

  test('value: same with fusion on and off (mixed dtypes, comparisons, switch, cast, broadcasting)', () => {
    const x = T.fmatrix('x');
    const i = T.bmatrix('i');
    const r = T.frow('r');
    const outs = [
      T.add(T.mul(T.exp(x), r), 1),
      T.switch_(T.gt(x, 0), T.sqr(T.add(x, i)), T.neg(T.cast(i, 'float64'))),
      T.mul(T.sigmoid(T.add(x, r)), T.softplus(T.sub(i, 3))),
      T.relu(T.add(T.tanh(x), T.mul(i, 0.5))),
    ];
    const fg = expectSameValue(
      [x, i, r],
      outs,
      [
        rand([3, 4], { dtype: 'float32', lo: -2, hi: 2 }),
        [
          [1, -2, 3, 4],
          [0, 127, -128, 5],
          [7, 8, 9, -1],
        ],
        rand([1, 4], { dtype: 'float32', seed: 8 }),
      ],
      { mode: 'fast_run', rewrite: 'elemwise_fusion', rtol: 0, atol: 0 },
    );
    expect(
      fg
        .toposort()
        .every(
          (n) =>
            n.op.kind !== 'Elemwise' ||
            (n.op as T.Op<'Elemwise'>).params.scalarOp.name === 'composite',
        ),
    ).toBe(true);
    expect(fg.toposort().length).toBe(4);
  });
});

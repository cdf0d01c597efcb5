import { describe, expect, it } from 'vitest';
import { NDArray, array } from '@theano-ts/tensor';
import * as T from './index';

const f64 = (x: number[] | number[][]) => array(x, { dtype: 'float64' });
/** The reference result of the single node that computes `out`. */
const perform = (out: T.Variable, inputs: NDArray[]) =>
  T.performNode(out.owner!, inputs)[out.index];

describe('Elemwise perform', () => {
  it("follows Theano's broadcasting rule: a length-1 dimension must be declared broadcastable", () => {
    const a = T.dmatrix('a');
    const b = T.dmatrix('b');
    const s = T.add(a, b);
    const x = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const col = f64([[10], [20]]);
    expect(() => perform(s, [x, col])).toThrow(RangeError);
    expect(() => perform(s, [x, col])).toThrow(
      "Elemwise{add}: input 1 'b' has shape (2, 1) but the output needs 3 in dimension 1 (dimension 1 of that input is not declared broadcastable)",
    );
    expect(() => perform(s, [col, x])).toThrow(/input 0 'a' has shape \(2, 1\)/);
  });

  it('broadcasts declared broadcastable dimensions', () => {
    const m = T.dmatrix('m');
    const c = T.dcol('c');
    const r = T.drow('r');
    expect(
      perform(T.add(m, c), [
        f64([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        f64([[10], [20]]),
      ]).toArray(),
    ).toEqual([
      [11, 12, 13],
      [24, 25, 26],
    ]);
    expect(perform(T.mul(c, r), [f64([[1], [2]]), f64([[3, 4, 5]])]).toArray()).toEqual([
      [3, 4, 5],
      [6, 8, 10],
    ]);
  });

  it('rejects run-time shapes that differ', () => {
    const s = T.add(T.dvector('a'), T.dvector('b'));
    expect(() => perform(s, [f64([1, 2, 3]), f64([1, 2])])).toThrow(RangeError);
  });

  it('casts to the output dtype', () => {
    expect(
      perform(T.add(T.bvector('a'), T.bvector('b')), [
        array([100], { dtype: 'int8' }),
        array([100], { dtype: 'int8' }),
      ]).toArray(),
    ).toEqual([200 - 256]);
    expect(
      perform(T.trueDiv(T.ivector('a'), T.ivector('b')), [array([1, 7]), array([2, 2])]).toArray(),
    ).toEqual([0.5, 3.5]);
    expect(perform(T.cast(T.dvector('a'), 'int32'), [f64([2.9, -2.9])]).toArray()).toEqual([2, -2]);
  });

  it('evaluates a Composite with per-node rounding to each node dtype', () => {
    const a = T.fvector('a');
    const b = T.fvector('b');
    // (a * b) + 1 in float32, then exp in float32
    const out = T.applyOp(
      'Elemwise',
      {
        scalarOp: {
          name: 'composite',
          nin: 2,
          nodes: [
            { op: { name: 'mul' }, args: [0, 1], dtype: 'float32' },
            { op: { name: 'constant', value: 1, dtype: 'float32' }, args: [], dtype: 'float32' },
            { op: { name: 'add' }, args: [2, 3], dtype: 'float32' },
            { op: { name: 'exp' }, args: [4], dtype: 'float32' },
          ],
          outputs: [5, 4],
        },
      },
      [a, b],
    );
    expect(out.outputs.map((o) => o.dtype)).toEqual(['float32', 'float32']);
    const av = array([0.1, 3], { dtype: 'float32' });
    const bv = array([0.3, -1], { dtype: 'float32' });
    const [e, s] = T.performNode(out, [av, bv]);
    const fr = Math.fround;
    for (let i = 0; i < 2; i++) {
      const t = fr(fr(av.get(i) * bv.get(i)) + 1);
      expect(s.get(i)).toBe(t);
      expect(e.get(i)).toBe(fr(Math.exp(t)));
    }
    expect(T.scalarOpLabel(out.op.params.scalarOp)).toBe(
      'Composite{exp(((i0 * i1) + 1)), ((i0 * i1) + 1)}',
    );
  });
});

describe('scalar op semantics (NumPy ufuncs)', () => {
  const impl = (name: keyof typeof T.SCALAR_OPS) => T.SCALAR_OPS[name].impl;

  it('maximum / minimum propagate NaN and pick like numpy (x > y ? x : y)', () => {
    expect(impl('maximum')(NaN, 1)).toBeNaN();
    expect(impl('maximum')(1, NaN)).toBeNaN();
    expect(impl('minimum')(NaN, 1)).toBeNaN();
    expect(impl('maximum')(2, 3)).toBe(3);
    // numpy.maximum(-0.0, 0.0) is 0.0 and numpy.maximum(0.0, -0.0) is -0.0 (the second when equal)
    expect(Object.is(impl('maximum')(-0, 0), 0)).toBe(true);
    expect(Object.is(impl('maximum')(0, -0), -0)).toBe(true);
    expect(Object.is(impl('minimum')(0, -0), -0)).toBe(true);
    expect(Object.is(impl('minimum')(-0, 0), 0)).toBe(true);
  });

  it('switch is numpy.where: a condition is true when nonzero, NaN included', () => {
    expect(impl('switch')(1, 10, 20)).toBe(10);
    expect(impl('switch')(0, 10, 20)).toBe(20);
    expect(impl('switch')(NaN, 10, 20)).toBe(10);
    expect(impl('switch')(-0, 10, 20)).toBe(20);
  });

  it('relu, sigmoid and softplus are stable and keep NaN', () => {
    expect(impl('relu')(-2)).toBe(0);
    expect(impl('relu')(2)).toBe(2);
    expect(impl('relu')(NaN)).toBeNaN();
    expect(impl('sigmoid')(0)).toBe(0.5);
    expect(impl('sigmoid')(-800)).toBe(0);
    expect(impl('sigmoid')(800)).toBe(1);
    expect(impl('sigmoid')(-1)).toBeCloseTo(1 / (1 + Math.E), 15);
    expect(impl('softplus')(1000)).toBe(1000);
    expect(impl('softplus')(-1000)).toBe(0);
    expect(impl('softplus')(0)).toBeCloseTo(Math.LN2, 15);
  });

  it('sgn and comparisons', () => {
    expect([-3, 0, 2].map((x) => impl('sgn')(x))).toEqual([-1, 0, 1]);
    expect(impl('sgn')(NaN)).toBeNaN();
    expect(impl('eq')(NaN, NaN)).toBe(0);
    expect(impl('neq')(NaN, NaN)).toBe(1);
    expect(impl('ge')(1, 1)).toBe(1);
  });

  it('the js templates compute what impl computes', () => {
    const specials = [-2.5, -1, -0, 0, 0.5, 3, NaN, Infinity, -Infinity, 800, -800];
    for (const [name, spec] of Object.entries(T.SCALAR_OPS)) {
      if (name === 'maximum' || name === 'minimum') continue; // Math.max differs in the sign of zero only
      const args = Array.from({ length: spec.nin }, (_, i) => `x${i}`);
      const helpers = Object.entries(spec.helpers ?? {});
      const f = new Function(
        ...helpers.map(([k]) => k),
        `return (${args.join(', ')}) => ${spec.js(args)};`,
      )(...helpers.map(([, h]) => h)) as (...xs: number[]) => number;
      const pairs = specials.flatMap((x) => specials.map((y) => [x, y]));
      const tuples =
        spec.nin === 1
          ? specials.map((x) => [x])
          : spec.nin === 2
            ? pairs
            : pairs.map(([c, a]) => [c, a, -3.25]);
      for (const xs of tuples)
        expect([name, ...xs, f(...xs)]).toEqual([name, ...xs, spec.impl(...xs)]);
    }
  });
});

describe('reductions and other op references', () => {
  it('CAReduce sums small ints in int32 and propagates NaN through max', () => {
    expect(perform(T.sum(T.bvector('b')), [array([100, 100, 100], { dtype: 'int8' })]).item()).toBe(
      300,
    );
    expect(perform(T.max(T.dvector('v')), [f64([1, NaN, 3])]).item()).toBeNaN();
    expect(
      perform(T.min(T.dmatrix('m'), { axis: 1 }), [
        f64([
          [3, 1],
          [0, 2],
        ]),
      ]).toArray(),
    ).toEqual([1, 0]);
    expect(perform(T.prod(T.dvector('v')), [f64([2, 3, 4])]).item()).toBe(24);
    expect(() => perform(T.max(T.dvector('v')), [f64([])])).toThrow(
      /zero-size array to reduction operation maximum/,
    );
  });

  it('Argmax returns the first maximum', () => {
    const m = T.dmatrix('m');
    expect(
      perform(T.argmax(m, { axis: 1 }), [
        f64([
          [1, 5, 5],
          [7, 0, 7],
        ]),
      ]).toArray(),
    ).toEqual([1, 0]);
  });

  it('DimShuffle is a view that inserts stride-0 dimensions', () => {
    const v = f64([1, 2, 3]);
    const out = perform(T.dvector('v').dimshuffle('x', 0, 'x'), [v]);
    expect(out.shape).toEqual([1, 3, 1]);
    expect(out.data).toBe(v.data);
    const t = perform(T.dmatrix('m').T, [
      f64([
        [1, 2],
        [3, 4],
      ]),
    ]);
    expect(t.toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it('Reshape, Shape, Shape_i and MakeVector', () => {
    const m = T.dmatrix('m');
    const x = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(perform(m.reshape([3, -1]), [x, array([3, -1])]).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(perform(m.shape, [x]).toArray()).toEqual([2, 3]);
    expect(perform(T.shapeI(m, -1), [x]).item()).toBe(3);
    // flatten of an unknown leading shape goes through Shape_i and MakeVector
    const t = T.dtensor3('t');
    const flat = T.flatten(t, 2);
    const tv = new NDArray(
      Float64Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    );
    const got = T.evaluate([flat], new Map([[t, tv]]))[0];
    expect(got.shape).toEqual([2, 12]);
    expect(got.get(1, 11)).toBe(23);
    expect(
      perform(T.makeVector([T.iscalar('a'), T.iscalar('b')]), [array(4), array(5)]).toArray(),
    ).toEqual([4, 5]);
  });

  it('Softmax and LogSoftmax along an axis (hand values: softmax(log [1, 2, 3]) = [1, 2, 3] / 6)', () => {
    const x = f64([[0, Math.log(2), Math.log(3)]]);
    const sm = perform(T.softmax(T.dmatrix('x')), [x]);
    [1 / 6, 2 / 6, 3 / 6].forEach((p, j) => expect(sm.get(0, j)).toBeCloseTo(p, 15));
    const ls = perform(T.logSoftmax(T.dmatrix('x')), [x]);
    [1 / 6, 2 / 6, 3 / 6].forEach((p, j) => expect(ls.get(0, j)).toBeCloseTo(Math.log(p), 14));
    const big = perform(T.softmax(T.dmatrix('x')), [f64([[1000, 1000]])]);
    expect(big.toArray()).toEqual([[0.5, 0.5]]);
    const col = perform(T.softmax(T.dmatrix('x'), { axis: 0 }), [
      f64([
        [0, 5],
        [0, 5],
      ]),
    ]);
    expect(col.toArray()).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    const f = perform(T.softmax(T.fmatrix('x')), [array([[0, 0]], { dtype: 'float32' })]);
    expect(f.dtype).toBe('float32');
  });

  it('cross-entropy ops (hand values)', () => {
    const p = f64([
      [0.5, 0.25, 0.25],
      [0.1, 0.8, 0.1],
    ]);
    const y = array([0, 1]);
    const ce = perform(T.categoricalCrossentropy(T.dmatrix('p'), T.ivector('y')), [p, y]);
    expect(ce.get(0)).toBeCloseTo(Math.LN2, 15);
    expect(ce.get(1)).toBeCloseTo(-Math.log(0.8), 15);
    // one-hot targets use the elementwise formula and agree
    const [pv, tv] = [T.dmatrix('p'), T.dmatrix('t')];
    const oneHot = T.evaluate(
      [T.categoricalCrossentropy(pv, tv)],
      new Map([
        [pv, p],
        [
          tv,
          f64([
            [1, 0, 0],
            [0, 1, 0],
          ]),
        ],
      ]),
    )[0];
    expect(oneHot.get(0)).toBeCloseTo(Math.LN2, 15);
    expect(oneHot.get(1)).toBeCloseTo(-Math.log(0.8), 15);

    const x = f64([[0, Math.log(2), Math.log(3)]]);
    const xs = perform(T.crossentropySoftmax1Hot(T.dmatrix('x'), T.ivector('y')), [x, array([2])]);
    expect(xs.get(0)).toBeCloseTo(Math.LN2, 15);

    const dx = T.applyOp('CrossentropySoftmax1HotDx', {}, [
      T.dvector('g'),
      T.dmatrix('x'),
      T.ivector('y'),
    ]).out;
    const g = perform(dx, [f64([2]), x, array([2])]);
    [1 / 6, 2 / 6, 3 / 6 - 1].forEach((v, j) => expect(g.get(0, j)).toBeCloseTo(2 * v, 15));

    const gp = T.applyOp('CrossentropyCategorical1HotGrad', {}, [
      T.dvector('g'),
      T.dmatrix('p'),
      T.ivector('y'),
    ]).out;
    expect(perform(gp, [f64([1, 3]), p, y]).toArray()).toEqual([
      [-2, 0, 0],
      [0, -3 / 0.8, 0],
    ]);
  });

  it('a label out of range throws a RangeError naming the op and the label', () => {
    const x = f64([[1, 2, 3]]);
    const ce = T.crossentropySoftmax1Hot(T.dmatrix('x'), T.ivector('y'));
    expect(() => perform(ce, [x, array([3])])).toThrow(RangeError);
    expect(() => perform(ce, [x, array([3])])).toThrow(
      'CrossentropySoftmax1Hot: label 3 is out of range for 3 classes',
    );
    expect(() => perform(ce, [x, array([-1])])).toThrow(/label -1/);
    const cc = T.categoricalCrossentropy(T.dmatrix('p'), T.ivector('y'));
    expect(() => perform(cc, [x, array([7])])).toThrow(/CrossentropyCategorical1Hot: label 7/);
  });
});

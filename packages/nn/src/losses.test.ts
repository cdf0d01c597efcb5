/** Regularisers, metrics and the losses' checks (values against PyTorch are in layers.fixture.test.ts). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import {
  accuracy,
  binaryCrossentropy,
  categoricalCrossentropy,
  huber,
  l1,
  l1l2,
  l2,
  meanAbsoluteError,
  meanSquaredError,
  oneHot,
  topKAccuracy,
} from './losses';

const floatX = T.config.floatX;
beforeEach(() => {
  T.config.floatX = 'float64';
});
afterEach(() => {
  T.config.floatX = floatX;
});

const f64 = (x: number[] | number[][]) => T.constant(array(x, { dtype: 'float64' }));
const i32 = (x: number[]) => T.constant(array(x, { dtype: 'int32' }));
const value = (v: T.Variable) => T.evaluate([v])[0];

describe('regularisers', () => {
  const w = f64([
    [1, -2],
    [0.5, 0],
  ]);
  it('l1 = λ·Σ|w|, l2 = λ·Σw², l1l2 both', () => {
    expect(value(l1(0.1)(w)).item()).toBeCloseTo(0.35, 15);
    expect(value(l2(0.1)(w)).item()).toBeCloseTo(0.525, 15);
    expect(value(l1l2(0.1, 0.1)(w)).item()).toBeCloseTo(0.875, 15);
    expect(value(l2()(w)).item()).toBeCloseTo(0.0525, 15);
  });
  it('keep the parameter dtype and refuse negative λ', () => {
    const f = T.constant(array([1, 2], { dtype: 'float32' }));
    expect(l2(0.5)(f).dtype).toBe('float32');
    expect(() => l1(-1)).toThrow(/l1: lambda must be non-negative/);
  });
});

describe('accuracy', () => {
  const p = f64([
    [0.1, 0.7, 0.2],
    [0.5, 0.3, 0.2],
    [0.2, 0.2, 0.6],
    [0.3, 0.4, 0.3],
  ]);
  it('argmax against int labels or one-hot targets', () => {
    expect(value(accuracy(p, i32([1, 0, 0, 1]))).item()).toBe(0.75);
    expect(
      value(
        accuracy(
          p,
          f64([
            [0, 1, 0],
            [1, 0, 0],
            [0, 0, 1],
            [1, 0, 0],
          ]),
        ),
      ).item(),
    ).toBe(0.75);
  });
  it('thresholds binary predictions at 0.5 (probabilities) or 0 (logits)', () => {
    expect(value(accuracy(f64([0.9, 0.2, 0.6, 0.4]), f64([1, 0, 0, 0]))).item()).toBe(0.75);
    expect(value(accuracy(f64([[0.9], [0.2]]), f64([[1], [1]]))).item()).toBe(0.5);
    expect(
      value(accuracy(f64([2, -1, -3]), i32([1, 0, 1]), { fromLogits: true })).item(),
    ).toBeCloseTo(2 / 3, 15);
  });
  it('is float32 for float32 predictions, and checks shapes', () => {
    expect(accuracy(T.fmatrix('p'), T.ivector('y')).dtype).toBe('float32');
    expect(() => accuracy(T.dtensor3('p'), T.ivector('y'))).toThrow(
      /accuracy: expected N×K predictions/,
    );
    expect(() => accuracy(T.imatrix('p'), T.ivector('y'))).toThrow(
      /the predictions must be floats/,
    );
  });
});

describe('topKAccuracy', () => {
  const p = f64([
    [0.1, 0.5, 0.3, 0.1],
    [0.4, 0.3, 0.2, 0.1],
    [0.25, 0.25, 0.25, 0.25],
  ]);
  it('counts a row when fewer than k classes score strictly higher than the true one', () => {
    expect(value(topKAccuracy(p, i32([2, 2, 3]), { k: 2 })).item()).toBeCloseTo(2 / 3, 15);
    expect(value(topKAccuracy(p, i32([2, 2, 3]), { k: 1 })).item()).toBeCloseTo(1 / 3, 15);
    expect(value(topKAccuracy(p, i32([0, 3, 0]), { k: 3 })).item()).toBeCloseTo(2 / 3, 15);
    const onehot = f64([
      [0, 0, 1, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    expect(value(topKAccuracy(p, onehot, { k: 2 })).item()).toBeCloseTo(2 / 3, 15);
  });
  it('needs the number of classes when the predictions do not know it statically', () => {
    const q = T.dmatrix('q');
    expect(() => topKAccuracy(q, T.ivector('y'))).toThrow(/pass \{ numClasses \}/);
    const m = topKAccuracy(q, T.ivector('y'), { k: 1, numClasses: 4 });
    expect(m.ndim).toBe(0);
    expect(() => topKAccuracy(p, i32([0, 0, 0]), { k: 0 })).toThrow(/k must be a positive integer/);
  });
});

describe('oneHot', () => {
  it('builds rows of the given dtype; labels out of range give zero rows', () => {
    const o = value(oneHot(i32([2, 0, 5]), 3, 'float32'));
    expect(o.dtype).toBe('float32');
    expect(o.toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 0, 0],
    ]);
    expect(oneHot(i32([0]), 2).dtype).toBe('float64');
    expect(() => oneHot(f64([1]), 2)).toThrow(/the labels must be an int vector/);
  });
});

describe('losses: reductions and checks', () => {
  it("reduction 'none' keeps per-sample values; 'sum' adds them", () => {
    const a = f64([
      [1, 2],
      [3, 5],
    ]);
    const b = f64([
      [1, 0],
      [0, 5],
    ]);
    expect(value(meanSquaredError(a, b, { reduction: 'none' })).toArray()).toEqual([
      [0, 4],
      [9, 0],
    ]);
    expect(value(meanAbsoluteError(a, b, { reduction: 'sum' })).item()).toBe(5);
    expect(value(huber(a, b, { reduction: 'none', delta: 2 })).toArray()).toEqual([
      [0, 2],
      [2 * (3 - 1), 0],
    ]);
    expect(
      value(categoricalCrossentropy(f64([[0.5, 0.5]]), i32([0]), { reduction: 'none' })).toArray(),
    ).toEqual([Math.log(2)]);
    expect(() => meanSquaredError(a, b, { reduction: 'avg' as never })).toThrow(
      /reduction must be 'mean', 'sum' or 'none'/,
    );
  });

  it('targets of another dtype are cast; shapes and dtypes are checked', () => {
    expect(value(binaryCrossentropy(f64([0.5, 0.5]), i32([1, 0]))).item()).toBeCloseTo(
      Math.log(2),
      15,
    );
    expect(() => meanSquaredError(T.dmatrix('a'), T.dvector('b'))).toThrow(
      /must have the same rank/,
    );
    expect(() => categoricalCrossentropy(T.dvector('p'), T.ivector('y'))).toThrow(
      /must be an N×K matrix/,
    );
    expect(() => categoricalCrossentropy(T.dmatrix('p'), T.dvector('y'))).toThrow(
      /label targets must be ints/,
    );
    expect(() => categoricalCrossentropy(T.dmatrix('p'), T.dtensor3('y'))).toThrow(
      /the targets must be int labels/,
    );
    expect(() => huber(T.dmatrix('p'), T.dmatrix('y'), { delta: 0 })).toThrow(
      /delta must be positive/,
    );
  });

  it('categorical cross-entropy of softmax probabilities compiles to the stable fused op', async () => {
    const { theanoFunction } = await import('@theano-ts/compile');
    const x = T.dmatrix('x');
    const y = T.ivector('y');
    const f = theanoFunction([x, y], categoricalCrossentropy(T.softmax(x), y));
    expect(T.debugprint(f.maker.fgraph.outputs[0])).toMatch(/CrossentropySoftmax1Hot/);
    // logits far apart: the naive log(softmax) would give -log(0) = inf
    expect(
      f(array([[1000, 0]], { dtype: 'float64' }), array([1], { dtype: 'int32' })).item(),
    ).toBeCloseTo(1000, 8);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generator, type NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { AvgPool2D, Conv2D, GlobalAvgPool2D, MaxPool2D, convOutputLength } from './conv';
import { Flatten, Sequential } from './layers';
import { Dense } from './layers';

const floatX = T.config.floatX;
beforeEach(() => {
  T.config.floatX = 'float64';
});
afterEach(() => {
  T.config.floatX = floatX;
});

/** Cross-correlation with zero padding and stride, by definition. */
function xcorr(
  x: NDArray,
  w: NDArray,
  b: ArrayLike<number>,
  pad: number,
  stride: number,
): number[] {
  const [N, C, H, W] = x.shape;
  const [O, , kh, kw] = w.shape;
  const oh = Math.floor((H + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((W + 2 * pad - kw) / stride) + 1;
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = b[o];
          for (let c = 0; c < C; c++)
            for (let a = 0; a < kh; a++)
              for (let d = 0; d < kw; d++) {
                const r = i * stride - pad + a;
                const q = j * stride - pad + d;
                if (r >= 0 && r < H && q >= 0 && q < W) s += x.get(n, c, r, q) * w.get(o, c, a, d);
              }
          out.push(s);
        }
  return out;
}

const images = (shape: number[], seed = 0) => new Generator(seed).normal(0, 1, shape, 'float64');

describe('Conv2D', () => {
  it('computes the cross-correlation plus bias (no kernel flip), valid padding', () => {
    const conv = new Conv2D(2, 3, [3, 2], {
      rng: new Generator(1),
      biasInit: (s, r) => r.normal(0, 1, s, 'float64'),
    });
    const x = T.tensor4('x', { dtype: 'float64' });
    const v = images([2, 2, 5, 4]);
    const [y] = T.evaluate([conv.apply(x)], new Map([[x, v]]));
    expect(y.shape).toEqual([2, 3, 3, 3]);
    const want = xcorr(v, conv.W.getValue(), conv.b!.getValue().data, 0, 1);
    Array.from(y.data).forEach((g, i) => expect(g).toBeCloseTo(want[i], 12));
    expect(conv.outputShape([null, 2, 5, 4])).toEqual([null, 3, 3, 3]);
  });

  it("keeps the size with padding 'same', and strides", () => {
    const conv = new Conv2D(1, 2, 3, {
      padding: 'same',
      strides: 2,
      activation: 'relu',
      rng: new Generator(2),
    });
    const x = T.tensor4('x', { dtype: 'float64' });
    const v = images([1, 1, 7, 6], 3);
    const [y] = T.evaluate([conv.apply(x)], new Map([[x, v]]));
    expect(y.shape).toEqual([1, 2, 4, 3]);
    expect(conv.outputShape([null, 1, 7, 6])).toEqual([null, 2, 4, 3]);
    const want = xcorr(v, conv.W.getValue(), [0, 0], 1, 2).map((s) => Math.max(s, 0));
    Array.from(y.data).forEach((g, i) => expect(g).toBeCloseTo(want[i], 12));
    expect(new Conv2D(1, 1, 3, { padding: 'same' }).outputShape([null, 1, 28, null])).toEqual([
      null,
      1,
      28,
      null,
    ]);
  });

  it('has W (filters, channels, kh, kw) with Glorot fans over the receptive field', () => {
    const conv = new Conv2D(3, 8, 5, { name: 'c' });
    expect(conv.W.getValue().shape).toEqual([8, 3, 5, 5]);
    expect(conv.W.type.shape).toEqual([8, 3, 5, 5]);
    const l = Math.sqrt(6 / (3 * 25 + 8 * 25));
    expect(Math.max(...Array.from(conv.W.getValue().data, Math.abs))).toBeLessThanOrEqual(l);
    expect(conv.params.map((p) => p.name)).toEqual(['c.W', 'c.b']);
    expect(new Conv2D(3, 8, 5, { useBias: false }).params).toHaveLength(1);
  });

  it('checks its arguments and inputs', () => {
    expect(() => new Conv2D(0, 2, 3)).toThrow(/inChannels must be a positive integer/);
    expect(() => new Conv2D(1, 2, 0)).toThrow(/kernelSize must be an integer ≥ 1/);
    expect(() => new Conv2D(1, 2, 2, { padding: 'same' })).toThrow(
      /padding 'same' needs odd kernel sizes/,
    );
    const conv = new Conv2D(3, 2, 3, { name: 'cc' });
    expect(() => conv.apply(T.fmatrix('x'))).toThrow(
      /cc: expected images \(batch, channels, rows, columns\)/,
    );
    expect(() => conv.apply(T.tensor('x', { dtype: 'float32', shape: [null, 1, 5, 5] }))).toThrow(
      /cc: expected 3 input channels/,
    );
    expect(() => conv.outputShape([null, 2, 5, 5])).toThrow(/expected 3 input channels, got 2/);
  });
});

describe('pooling', () => {
  const v = images([1, 2, 4, 5], 4);
  const x = T.tensor4('x', { dtype: 'float64' });
  const windows = (c: number, i: number, j: number) =>
    [0, 1].flatMap((a) => [0, 1].map((b) => v.get(0, c, 2 * i + a, 2 * j + b)));

  it('MaxPool2D takes the max of each 2×2 window, dropping partial windows', () => {
    const p = new MaxPool2D(2);
    const [y] = T.evaluate([p.apply(x)], new Map([[x, v]]));
    expect(y.shape).toEqual([1, 2, 2, 2]);
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) expect(y.get(0, c, i, j)).toBe(Math.max(...windows(c, i, j)));
    expect(p.outputShape([null, 2, 4, 5])).toEqual([null, 2, 2, 2]);
  });

  it('AvgPool2D averages each window; GlobalAvgPool2D averages each channel', () => {
    const [y] = T.evaluate([new AvgPool2D(2).apply(x)], new Map([[x, v]]));
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++)
          expect(y.get(0, c, i, j)).toBeCloseTo(windows(c, i, j).reduce((a, b) => a + b) / 4, 14);
    const [g] = T.evaluate([new GlobalAvgPool2D().apply(x)], new Map([[x, v]]));
    expect(g.shape).toEqual([1, 2]);
    const all = Array.from({ length: 20 }, (_, k) => v.data[20 + k]).reduce((a, b) => a + b) / 20;
    expect(g.get(0, 1)).toBeCloseTo(all, 14);
    expect(new GlobalAvgPool2D().outputShape([null, 2, 4, 5])).toEqual([null, 2]);
  });

  it('strides, padding (counted or not in averages) and checks', () => {
    const p = new AvgPool2D(3, { strides: 1, padding: 1 });
    expect(p.outputShape([null, 2, 4, 5])).toEqual([null, 2, 4, 5]);
    const [inc] = T.evaluate([p.apply(x)], new Map([[x, v]]));
    const [exc] = T.evaluate(
      [new AvgPool2D(3, { strides: 1, padding: 1, countIncludePad: false }).apply(x)],
      new Map([[x, v]]),
    );
    const corner = [0, 1]
      .flatMap((a) => [0, 1].map((b) => v.get(0, 0, a, b)))
      .reduce((a, b) => a + b);
    expect(inc.get(0, 0, 0, 0)).toBeCloseTo(corner / 9, 14);
    expect(exc.get(0, 0, 0, 0)).toBeCloseTo(corner / 4, 14);
    expect(() => new MaxPool2D(2, { padding: 2 })).toThrow(
      /padding 2×2 must be smaller than the pool size 2×2/,
    );
    expect(() => new MaxPool2D(2).apply(T.dmatrix('m'))).toThrow(/expected images/);
    expect(convOutputLength(null, 3, 1, 0)).toBeNull();
  });
});

describe('a small CNN', () => {
  it('summarizes conv-pool-conv-pool-dense with shapes and counts', () => {
    const net = new Sequential(
      [
        new Conv2D(1, 8, 3, { name: 'c1' }),
        new MaxPool2D(2, { name: 'p1' }),
        new Conv2D(8, 16, 3, { name: 'c2' }),
        new MaxPool2D(2, { name: 'p2' }),
        new Flatten({ name: 'f' }),
        new Dense(400, 10, { name: 'd' }),
      ],
      { name: 'cnn' },
    );
    const s = net.summary({ inputShape: [1, 28, 28] });
    expect(s).toContain('c1 (Conv2D)      (?, 8, 26, 26)         80');
    expect(s).toContain('c2 (Conv2D)      (?, 16, 11, 11)      1168');
    expect(s).toContain('p2 (MaxPool2D)   (?, 16, 5, 5)           0');
    expect(s).toContain('f (Flatten)      (?, 400)                0');
    expect(s).toContain('Total params: 5258');
    const x = T.tensor('x', { dtype: 'float64', shape: [null, 1, 28, 28] });
    const y = net.apply(x);
    expect(y.type.shape).toEqual([null, 10]);
  });
});

/**
 * Buffer reuse across calls (`Backend.recycle`, backend-cpu's buffer pool): values with reuse
 * equal values without it bit for bit, outputs the caller holds and `getValue()` copies never
 * change afterwards, a call that throws loses nothing, and a training step stops allocating
 * after its first calls (the update of W writes into the array the previous W held).
 */
import { afterEach, describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { Generator, NDArray } from '@theano-ts/tensor';
import { assertAllclose } from '@theano-ts/tensor/testing';
import { bufferPoolStats, setBufferPoolLimit } from '@theano-ts/backend-cpu';
import { theanoFunction } from './index';

const rand = (shape: readonly number[], seed: number): NDArray =>
  new Generator(seed).uniform(-1, 1, shape, 'float32');

/** Bits of an array, for exact comparisons. */
const bits = (a: NDArray) => Array.from(a.toFlat());

/** An SGD step of a one-layer softmax regression with a hidden relu layer (sizes: Gemm on wasm). */
function training() {
  const x = T.fmatrix('x');
  const y = T.ivector('y');
  const W1 = T.shared(rand([40, 64], 2), 'W1');
  const b1 = T.shared(rand([64], 3), 'b1');
  const W2 = T.shared(rand([64, 5], 4), 'W2');
  const h = T.relu(T.add(T.dot(x, W1), b1));
  const cost = T.mean(T.categoricalCrossentropy(T.softmax(T.dot(h, W2)), y));
  const params = [W1, b1, W2];
  const grads = grad(cost, params);
  const step = theanoFunction([x, y], [cost, T.transpose(h)], {
    updates: params.map((w, i) => [w, T.sub(w, T.mul(0.1, grads[i]))] as const),
  });
  return { step, params };
}

const X = rand([32, 40], 7);
const Y = new NDArray(
  Int32Array.from({ length: 32 }, (_, i) => i % 5),
  [32],
);

describe('buffer reuse across calls', () => {
  afterEach(() => setBufferPoolLimit(256 * 1024 * 1024));

  test('same values as without reuse; held outputs and getValue() copies do not change', () => {
    const run = (limit: number) => {
      setBufferPoolLimit(limit);
      const { step, params } = training();
      const held: NDArray[][] = [];
      const heldBits: number[][][] = [];
      const copies: number[][] = [];
      for (let i = 0; i < 6; i++) {
        const outs = step(X, Y) as NDArray[];
        held.push(outs);
        heldBits.push(outs.map(bits));
        copies.push(bits(params[0].getValue()));
      }
      // everything handed out earlier still holds what it held when it was handed out
      held.forEach((outs, i) => outs.forEach((o, j) => expect(bits(o)).toEqual(heldBits[i][j])));
      return { heldBits, copies, final: params.map((p) => bits(p.getValue())) };
    };
    const off = run(0);
    const on = run(256 * 1024 * 1024);
    expect(on).toEqual(off);
  });

  test('a training step stops allocating after its first calls', () => {
    const { step } = training();
    const counts: number[] = [];
    for (let i = 0; i < 8; i++) {
      step(X, Y);
      counts.push(bufferPoolStats.allocated);
    }
    // outputs handed to the caller are new each call (1 per call: hᵀ, 32×64; the scalar cost is
    // below the pool's size); everything else is reused
    const perCall = counts.slice(3).map((c, i) => c - counts[i + 2]);
    expect(perCall).toEqual([1, 1, 1, 1, 1]);
    expect(bufferPoolStats.reused).toBeGreaterThan(0);
  });

  test('a call that throws keeps the shared values, and later calls are right', () => {
    const { step, params } = training();
    const ref = training();
    step(X, Y);
    ref.step(X, Y);
    const before = params.map((p) => bits(p.getValue()));
    // labels out of range: the cross-entropy node throws after the Gemm and relu ran
    const bad = new NDArray(
      Int32Array.from({ length: 32 }, () => 9),
      [32],
    );
    expect(() => step(X, bad)).toThrow(/CrossentropySoftmax1Hot|label|out of range/i);
    expect(params.map((p) => bits(p.getValue()))).toEqual(before);
    for (let i = 0; i < 3; i++) {
      expect((step(X, Y) as NDArray[]).map(bits)).toEqual((ref.step(X, Y) as NDArray[]).map(bits));
    }
    expect(params.map((p) => bits(p.getValue()))).toEqual(
      ref.params.map((p) => bits(p.getValue())),
    );
  });

  test('a function that only reads a shared value (through a view) leaves it alone', () => {
    const run = (limit: number) => {
      setBufferPoolLimit(limit);
      // W's array is made by the step's Elemwise (from the pool) and kept by W
      const W = T.shared(rand([32, 32], 20), 'W'); // 4 KiB: pooled
      const step = theanoFunction([], [], { updates: [[W, T.add(T.mul(W, 0.5), 1)]] });
      const x = T.fmatrix('x');
      // W.T is an intermediate view of W's array; the output has W's size (a pool candidate)
      const read = theanoFunction([x], T.add(T.exp(x), T.transpose(W)));
      const outs: number[][] = [];
      for (let i = 0; i < 3; i++) {
        step();
        outs.push(bits(read(rand([32, 32], 30 + i)) as NDArray));
        outs.push(bits(read(rand([32, 32], 40 + i)) as NDArray));
        outs.push(bits(W.getValue()));
      }
      return outs;
    };
    expect(run(256 * 1024 * 1024)).toEqual(run(0));
  });

  test('lazy ifelse: the branch not taken leaves nothing to recycle, values stay right', () => {
    const c = T.iscalar('c');
    const v = T.fvector('v');
    const out = T.ifelse(c, T.mul(T.exp(v), 2), T.add(T.sqr(v), 1));
    const f = theanoFunction([c, v], out);
    const x = rand([100], 9);
    const a = f(1, x) as NDArray;
    const b = f(0, x) as NDArray;
    const a2 = f(1, x) as NDArray;
    const want = Array.from(x.toFlat(), (t) => Math.exp(t) * 2);
    assertAllclose(a, new NDArray(Float64Array.from(want), [100]), { rtol: 1e-6 });
    expect(bits(a2)).toEqual(bits(a));
    expect(bits(b)).toEqual(Array.from(x.toFlat(), (t) => Math.fround(Math.fround(t * t) + 1)));
  });
});

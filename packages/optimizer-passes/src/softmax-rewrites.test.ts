import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { NDArray } from '@theano-ts/tensor';
import {
  countOps,
  equalComputations,
  expectClose,
  expectSameValue,
  labels,
  optimized,
  rand,
} from './test-helpers';

describe('local_log_softmax', () => {
  test('structure: log(softmax(x)) becomes logSoftmax(x) on the same axis', () => {
    const x = T.dtensor3('x');
    const out = T.log(T.softmax(x, { axis: 1 }));
    const fg = optimized([x], [out], { mode: 'none', include: ['local_log_softmax'] });
    expect(equalComputations(fg.outputs[0], T.logSoftmax(x, { axis: 1 }))).toBe(true);
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
  });

  test('runs in fast_compile too (a stabilization)', () => {
    const x = T.fmatrix('x');
    const fg = optimized([x], [T.log(T.softmax(x))], { mode: 'fast_compile' });
    expect(fg.outputs[0].owner?.op.kind).toBe('LogSoftmax');
  });

  test('value: same with the rewrite on and off; finite where softmax underflows', () => {
    const x = T.dmatrix('x');
    const out = T.log(T.softmax(x));
    expectSameValue([x], [out], [rand([4, 5], { lo: -3, hi: 3 })], {
      rewrite: 'local_log_softmax',
    });
    const extreme = T.evaluate(
      optimized([x], [out], { mode: 'fast_run' }).outputs,
      new Map([[x, [[0, 1000]]]]),
    )[0];
    expectClose(extreme, new NDArray(Float64Array.of(-1000, 0), [1, 2]));
  });
});

describe('local_log_softmax_grad', () => {
  const x = T.dmatrix('x');
  const c = T.dmatrix('c');
  const gx = grad(T.sum(T.mul(T.log(T.softmax(x)), c)), x);

  test('structure: softmax-grad(gz / sm) becomes gz - sum(gz) * sm (no division)', () => {
    const fg = optimized([x, c], [gx], { mode: 'none', include: ['local_log_softmax_grad'] });
    expect(countOps(fg, 'Elemwise{trueDiv}')).toBe(0);
    const root = fg.outputs[0].owner!;
    expect(T.opLabel(root.op)).toBe('Elemwise{sub}');
  });

  test('value: same with the rewrite on and off', () => {
    expectSameValue([x, c], [gx], [rand([3, 4], { seed: 5 }), rand([3, 4], { seed: 9 })], {
      rewrite: 'local_log_softmax_grad',
      rtol: 1e-12,
    });
  });
});

describe('crossentropy_to_crossentropy_with_softmax', () => {
  const x = T.dmatrix('x');
  const y = T.ivector('y');
  const nll = T.categoricalCrossentropy(T.softmax(x), y);

  test('structure: CrossentropyCategorical1Hot(softmax(x), y) → CrossentropySoftmax1Hot(x, y)', () => {
    const fg = optimized([x, y], [nll], {
      mode: 'none',
      include: ['crossentropy_to_crossentropy_with_softmax'],
    });
    expect(equalComputations(fg.outputs[0], T.crossentropySoftmax1Hot(x, y))).toBe(true);
  });

  test('not applied to a softmax over axis 0', () => {
    const p = T.softmax(x, { axis: 0 });
    const fg = optimized([x, y], [T.categoricalCrossentropy(p, y)], { mode: 'fast_run' });
    expect(countOps(fg, 'CrossentropySoftmax1Hot')).toBe(0);
  });

  test('value: same with the rewrite on and off; finite where softmax underflows', () => {
    expectSameValue([x, y], [nll], [rand([5, 3], { lo: -4, hi: 4 }), labels(5, 3)], {
      rewrite: 'crossentropy_to_crossentropy_with_softmax',
    });
    const givens = new Map<T.Variable, unknown>([
      [x, [[0, 800, 0]]],
      [y, new NDArray(Int32Array.of(0), [1])],
    ]);
    const off = T.evaluate([nll], givens)[0];
    expect(off.toFlat()[0]).toBe(Infinity);
    const on = T.evaluate(optimized([x, y], [nll], { mode: 'fast_compile' }).outputs, givens)[0];
    expectClose(on, new NDArray(Float64Array.of(800), [1]));
  });
});

describe('local_softmax_grad_to_crossentropy_with_softmax_grad', () => {
  // a softmax classifier trained with categorical cross-entropy, as an MLP's last layer
  const x = T.dmatrix('x');
  const W = T.dmatrix('W');
  const y = T.ivector('y');
  const logits = T.dot(x, W);
  const cost = T.mean(T.categoricalCrossentropy(T.softmax(logits), y));
  const gW = grad(cost, W);

  test('structure: the whole softmax/cross-entropy gradient becomes CrossentropySoftmax1HotDx', () => {
    const fg = optimized([x, W, y], [cost, gW], { mode: 'fast_compile' });
    expect(countOps(fg, 'CrossentropySoftmax1HotDx')).toBe(1);
    expect(countOps(fg, 'CrossentropyCategorical1HotGrad')).toBe(0);
    expect(countOps(fg, 'Softmax{axis=1}')).toBe(0);
    const dx = fg.outputs[1].owner!.inputs[1].owner!;
    expect(dx.op.kind).toBe('CrossentropySoftmax1HotDx');
    expect(equalComputations(dx.inputs[1], logits)).toBe(true);
    expect(dx.inputs[2]).toBe(y);
  });

  test('applies when only the gradient is compiled, and with the factors commuted', () => {
    const sm = T.softmax(x);
    const g = T.dvector('g');
    const G = T.applyOp('CrossentropyCategorical1HotGrad', {}, [g, sm, y]).outputs[0];
    const expanded = T.mul(sm, T.sub(G, T.sum(T.mul(sm, G), { axis: 1, keepdims: true })));
    const fg = optimized([x, g, y], [expanded], {
      mode: 'none',
      include: ['local_softmax_grad_to_crossentropy_with_softmax_grad'],
    });
    expect(
      equalComputations(
        fg.outputs[0],
        T.applyOp('CrossentropySoftmax1HotDx', {}, [g, x, y]).outputs[0],
      ),
    ).toBe(true);
  });

  test('not applied when the softmax also receives another gradient', () => {
    const sm = T.softmax(logits);
    const cost2 = T.add(T.mean(T.categoricalCrossentropy(sm, y)), T.sum(T.sqr(sm)));
    const fg = optimized([x, W, y], [grad(cost2, W)], { mode: 'fast_run' });
    expect(countOps(fg, 'CrossentropySoftmax1HotDx')).toBe(0);
  });

  test('value: same with the rewrite on and off', () => {
    expectSameValue(
      [x, W, y],
      [cost, gW],
      [rand([6, 4], { seed: 2 }), rand([4, 3], { seed: 7, lo: -2, hi: 2 }), labels(6, 3)],
      { rewrite: 'local_softmax_grad_to_crossentropy_with_softmax_grad', rtol: 1e-10 },
    );
  });

  test('value: finite gradients where softmax underflows (unstable -1/p without the rewrite)', () => {
    const xv = new NDArray(Float64Array.of(1, 0, 0, 1), [2, 2]);
    const Wv = new NDArray(Float64Array.of(800, 0, 0, 0, 0, 800), [2, 3]);
    const yv = new NDArray(Int32Array.of(1, 2), [2]); // row 0 puts all mass on class 0, label 1
    const givens = new Map<T.Variable, unknown>([
      [x, xv],
      [W, Wv],
      [y, yv],
    ]);
    const [, gOff] = T.evaluate([cost, gW], givens);
    expect(Array.from(gOff.toFlat()).some((v) => !Number.isFinite(v))).toBe(true);
    const fg = optimized([x, W, y], [cost, gW], { mode: 'fast_run' });
    const [c, gOn] = T.evaluate(fg.outputs, givens);
    expectClose(c, new NDArray(Float64Array.of(400), []));
    // d cost / d logits = (softmax - onehot) / n: row 0 → [0.5, -0.5, 0]; row 1 → [0, 0, 0]
    // d cost / d W = x^T · that
    expectClose(gOn, new NDArray(Float64Array.of(0.5, -0.5, 0, 0, 0, 0), [2, 3]), 1e-12, 1e-12);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import type { NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { Mode, theanoFunction } from '@theano-ts/compile';
import { GPU_AVAILABLE, REQUIRE_GPU, expectClose, makeBackend, rand } from './test-utils';

const backend = makeBackend();
afterAll(() => backend.destroy());

type V = T.Variable;

/** Elman RNN with two tanh layers over x [steps, batch, nin]. */
const rnn = (x: V, W1: V, U1: V, W2: V, U2: V): V => {
  const [hs] = T.scan(
    (xt: V, a: V, b: V) => {
      const a2 = T.tanh(T.add(T.dot(xt, W1), T.dot(a, U1)));
      return [a2, T.tanh(T.add(T.dot(a2, W2), T.dot(b, U2)))];
    },
    {
      sequences: x,
      outputsInfo: [
        T.zeros([x.shape.get(1), U1.shape.get(0)], 'float32'),
        T.zeros([x.shape.get(1), U2.shape.get(0)], 'float32'),
      ],
    },
  );
  return (hs as V[])[1];
};

/** LSTM over x [steps, batch, nin] with gates packed as [i | f | o | g] along the last axis of W [nin, 4n], U [n, 4n]. */
const lstm = (x: V, W: V, U: V): V => {
  const n = U.shape.get(0);
  const [hs] = T.scan(
    (xt: V, h: V, c: V) => {
      const z = T.add(T.dot(xt, W), T.dot(h, U));
      const part = (k: number) => z.get(T.slice(null), T.slice(n.mul(k), n.mul(k + 1)));
      const c2 = T.add(T.mul(T.sigmoid(part(1)), c), T.mul(T.sigmoid(part(0)), T.tanh(part(3))));
      return [T.mul(T.sigmoid(part(2)), T.tanh(c2)), c2];
    },
    {
      sequences: x,
      outputsInfo: [
        T.zeros([x.shape.get(1), n], 'float32'),
        T.zeros([x.shape.get(1), n], 'float32'),
      ],
    },
  );
  return (hs as V[])[0];
};

/**
 * verifyGrad on a backend (PyTensor's verify_grad method, run by compiled functions): the
 * gradient of sum(u * fn(xs)) from the compiled grad graph against central differences of the
 * compiled cost, float32 tolerances.
 */
function verifyGradOn(mode: Mode, fn: (...xs: V[]) => V, pt: NDArray[]): void {
  const vars = pt.map((a, i) => T.tensor(`x${i}`, { dtype: 'float32', ndim: a.ndim }));
  const out = fn(...vars);
  const f0 = theanoFunction(vars, out, { mode });
  const u = rand(f0(...pt).shape, 0.5, 1.5, 'float32', 99);
  const cost = T.sum(T.mul(out, T.constant(u)));
  const gs = grad(cost, vars);
  const fg = theanoFunction(vars, gs, { mode });
  const fc = theanoFunction(vars, cost, { mode });
  const analytic = fg(...pt);
  const eps = 3e-3;
  pt.forEach((a, i) => {
    const g = analytic[i].toFlat();
    for (let k = 0; k < a.size; k++) {
      const orig = a.data[k];
      a.data[k] = orig + eps;
      const up = fc(...pt).item();
      a.data[k] = orig - eps;
      const down = fc(...pt).item();
      a.data[k] = orig;
      const numeric = (up - down) / (2 * eps);
      const abs = Math.abs(g[k] - numeric);
      const rel = abs / Math.max(Math.abs(g[k]) + Math.abs(numeric), 1e-8);
      expect(
        Math.min(abs / 1e-2, rel / 1e-2),
        `input ${i} index ${k}: ${g[k]} vs ${numeric}`,
      ).toBeLessThanOrEqual(1);
    }
  });
}

describe(`scan on the gpu.js backend (${backend.kernelClass})`, () => {
  it.skipIf(!REQUIRE_GPU)('THEANO_TS_REQUIRE_GPU=1: the kernels are HeadlessGL', () => {
    expect(backend.kernelClass).toMatch(/^(HeadlessGLKernel|WebGLKernel|WebGL2Kernel)$/);
  });
  const gpu = new Mode({ backend });
  const cpu = new Mode({ backend: 'cpu' });
  const rnnPt = () => [
    rand([4, 2, 3], -1, 1, 'float32', 1),
    rand([3, 3], -0.6, 0.6, 'float32', 2),
    rand([3, 3], -0.6, 0.6, 'float32', 3),
    rand([3, 2], -0.6, 0.6, 'float32', 4),
    rand([2, 2], -0.6, 0.6, 'float32', 5),
  ];
  const lstmPt = () => [
    rand([3, 2, 2], -1, 1, 'float32', 6),
    rand([2, 8], -0.6, 0.6, 'float32', 7),
    rand([2, 8], -0.6, 0.6, 'float32', 8),
  ];
  it('verifyGrad through a 2-layer tanh RNN, on the CPU and on gpu.js', () => {
    verifyGradOn(cpu, rnn, rnnPt());
    verifyGradOn(gpu, rnn, rnnPt());
  });
  it('verifyGrad through an LSTM, on the CPU and on gpu.js', () => {
    verifyGradOn(cpu, lstm, lstmPt());
    verifyGradOn(gpu, lstm, lstmPt());
  });
  it('gpu.js and the CPU agree on the LSTM outputs and gradients', () => {
    const pt = lstmPt();
    const vars = pt.map((a, i) => T.tensor(`x${i}`, { dtype: 'float32', ndim: a.ndim }));
    const h = lstm(vars[0], vars[1], vars[2]);
    const outs = [h, ...grad(T.sum(h), vars)];
    const g = theanoFunction(vars, outs, { mode: gpu })(...pt);
    const c = theanoFunction(vars, outs, { mode: cpu })(...pt);
    g.forEach((v, i) => expectClose(v, c[i], 1e-4, 1e-5));
    if (GPU_AVAILABLE) expect(backend.isGpu).toBe(true);
  });
  it('dropout drawn inside the step: a fresh mask per step, identical on gpu.js and the CPU; updates advance the stream', () => {
    const build = (mode: Mode) => {
      const srng = new T.RandomStreams(77);
      const x = T.tensor('x', { dtype: 'float32', ndim: 3 });
      const W = T.fmatrix('W');
      const [[hs, masks], updates] = T.scan(
        (xt: V, h: V) => {
          const mask = srng.binomial(T.shape(h), 1, 0.5, 'float32');
          return [T.tanh(T.add(T.dot(xt, W), T.mul(h, mask))), mask];
        },
        {
          sequences: x,
          outputsInfo: [T.zeros([x.shape.get(1), W.shape.get(1)], 'float32'), null],
          returnList: true,
        },
      );
      return theanoFunction([x, W], [hs, masks], { mode, updates });
    };
    const pt = [rand([5, 2, 3], -1, 1, 'float32', 11), rand([3, 4], -0.6, 0.6, 'float32', 12)];
    const fg = build(gpu);
    const fc = build(cpu);
    const calls = [0, 1].map(() => {
      const [hg, mg] = fg(...pt);
      const [hc, mc] = fc(...pt);
      expect(Array.from(mg.toFlat())).toEqual(Array.from(mc.toFlat()));
      expectClose(hg, hc, 1e-4, 1e-5);
      return Array.from(mg.toFlat());
    });
    const step = (m: number[], t: number) => m.slice(t * 8, (t + 1) * 8).join();
    expect(new Set([0, 1, 2, 3, 4].map((t) => step(calls[0], t))).size).toBe(5);
    expect(calls[1]).not.toEqual(calls[0]);
    if (GPU_AVAILABLE) expect(backend.isGpu).toBe(true);
  });
  it('ifelse on gpu.js computes the taken branch only', () => {
    const c = T.iscalar('c');
    const x = T.fvector('x');
    const i = T.iscalar('i');
    const f = theanoFunction([c, x, i], T.ifelse(c, T.exp(x), T.mul(x.get(i), 2).dimshuffle('x')), {
      mode: gpu,
    });
    const xv = rand([3], 0, 1, 'float32', 3);
    expectClose(f(1, xv, 99), theanoFunction([x], T.exp(x), { mode: cpu })(xv), 1e-5, 1e-6);
    expect(() => f(0, xv, 99)).toThrow();
  });
});

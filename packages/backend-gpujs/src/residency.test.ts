import { afterAll, describe, expect, it } from 'vitest';
import { Generator, NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { Mode, theanoFunction } from '@theano-ts/compile';
import { Dense, Sequential, momentum } from '@theano-ts/nn';
import { createCpuBackend } from '@theano-ts/backend-cpu';
import { type GpujsBackend } from './backend';

import {
  GPU_AVAILABLE,
  REQUIRE_GPU,
  SKIP_REASON,
  expectClose,
  makeBackend,
  rand,
} from './test-utils';

const backend = makeBackend({ log: false });
afterAll(() => backend.destroy());
const onGpu = GPU_AVAILABLE || REQUIRE_GPU;

describe(`residency on gpu.js ${backend.kernelClass}: only outputs and updates are read back`, () => {
  it.skipIf(!onGpu)(`a 20-op chain reads back once ${SKIP_REASON}`, () => {
    const x = T.fmatrix('x');
    const w = T.fmatrix('w');
    let h: T.Variable = x;
    const ops: ((v: T.Variable) => T.Variable)[] = [
      (v) => T.dot(v, w),
      T.tanh,
      (v) => T.softmax(v),
      (v) => T.mul(v, 3),
      T.exp,
      (v) => T.sub(v, T.mean(v, { axis: 1, keepdims: true })),
      T.sigmoid,
      (v) => v.T,
      (v) => T.add(v, T.max(v, { axis: 0 })),
      T.sqr,
    ];
    for (let k = 0; k < 20; k++) h = ops[k % ops.length](h);
    const out = T.sum(h, { axis: 0 });
    const f = theanoFunction([x, w], out, { mode: new Mode({ backend, optimizer: 'none' }) });
    const nodes = f.maker.fgraph.toposort();
    expect(nodes.length).toBeGreaterThanOrEqual(20);
    expect(nodes.filter((n) => backend.placement(n) === 'cpu')).toEqual([]);
    const vx = rand([8, 8], -1, 1, 'float32', 1);
    const vw = rand([8, 8], -0.3, 0.3, 'float32', 2);
    f(vx, vw); // compiles the kernels
    backend.resetStats();
    const got = f(vx, vw) as NDArray;
    expect(backend.stats.readbacks).toBe(1);
    expect(backend.stats.kernelRuns).toBeGreaterThanOrEqual(15);
    const want = theanoFunction([x, w], out, {
      mode: new Mode({ backend: 'cpu', optimizer: 'none' }),
    })(vx, vw) as NDArray;
    expectClose(got, want, 1e-4, 1e-4);
  });

  it.skipIf(!onGpu)(
    `shared variables stay on the GPU between calls: no upload of them after the first call ${SKIP_REASON}`,
    () => {
      const x = T.fvector('x');
      const w = T.shared(new NDArray(new Float32Array([1, 2, 3]), [3]), 'w');
      const c = T.shared(new NDArray(new Float32Array([10, 20, 30]), [3]), 'c'); // read, never updated
      const step = theanoFunction([x], T.sum(T.mul(T.add(w, c), x)), {
        updates: [[w, T.sub(w, T.mul(x, 0.5))]],
        mode: new Mode({ backend }),
      });
      const vx = new NDArray(new Float32Array([2, 2, 2]), [3]);
      step(vx);
      backend.resetStats();
      for (let k = 0; k < 3; k++) step(vx);
      // per call: x is uploaded (once per kernel that reads it); w and c are not
      const perCall = backend.stats.uploads / 3;
      expect(perCall).toBeLessThanOrEqual(2);
      expect(Array.from(w.getValue().data)).toEqual([-3, -2, -1]);
      // a host-side setValue is uploaded on the next call
      w.setValue(new NDArray(new Float32Array([0, 0, 1]), [3]));
      expect((step(vx) as NDArray).item()).toBe(2 * (10 + 20 + 31));
      expect(Array.from(w.getValue().data)).toEqual([-1, -1, 0]);
    },
  );

  it.skipIf(!onGpu)(
    `a training step reads back only its loss: compile's linker keeps shared variables on the GPU (loadShared / storeShared) ${SKIP_REASON}`,
    () => {
      const b = makeBackend({ log: false });
      const loads = countCalls(b, 'loadShared'); // before compiling: the function binds them
      const stores = countCalls(b, 'storeShared');
      const { step, params } = mlpStep(b, 10);
      const data = batches(3);
      step(...data[0]);
      b.resetStats();
      for (const d of data) step(...d);
      expect(b.stats.readbacks / data.length).toBe(1); // the loss only
      const uploadsPerStep = b.stats.uploads / data.length; // x and y (parameters: see below)
      expect(loads.n).toBe(4 * 2 * params.length); // each parameter and its velocity, per call
      expect(stores.n).toBe(4 * 2 * params.length);
      const before = b.stats.readbacks;
      const values = params.map((p) => p.getValue());
      expect(b.stats.readbacks - before).toBe(params.length); // getValue() reads back, once
      params.forEach((p) => p.getValue());
      expect(b.stats.readbacks - before).toBe(params.length);
      // the same steps on the CPU backend give the same parameters
      const ref = mlpStep(createCpuBackend(), 10);
      ref.step(...data[0]);
      for (const d of data) ref.step(...d);
      values.forEach((v, i) => expectClose(v, ref.params[i].getValue(), 1e-3, 1e-4));
      // the parameters are not uploaded per step: a host-side setValue of one adds one upload
      params[0].setValue(ref.params[0].getValue());
      b.resetStats();
      step(...data[0]);
      expect(b.stats.uploads).toBe(uploadsPerStep + 1);
      b.resetStats();
      step(...data[0]);
      expect(b.stats.uploads).toBe(uploadsPerStep);
      void b.destroy();
    },
  );
});

describe('an MLP trained on the GPU (Dense, relu, softmax, cross-entropy, momentum)', () => {
  it.skipIf(!onGpu)(
    `its training function runs with no CPU fallback, reads back once per step (its loss) and reaches the CPU's accuracy ${SKIP_REASON}`,
    () => {
      const b = makeBackend({ log: false });
      const gpu = mlpStep(b, 10);
      const cpu = mlpStep(createCpuBackend(), 10);
      expect(gpu.step.maker.fgraph.toposort().filter((n) => b.placement(n) === 'cpu')).toEqual([]);
      expect(b.fallbacks).toEqual([]);
      const data = batches(12);
      gpu.step(...data[0]);
      b.resetStats();
      for (const d of data) {
        gpu.step(...d);
        cpu.step(...d);
      }
      expect(b.stats.readbacks / data.length).toBe(1); // the loss; the updates stay on the GPU
      const [tx, ty] = batches(1, 500, 99)[0];
      const acc = (m: typeof gpu) => {
        const pred = m.predict(tx) as NDArray;
        let ok = 0;
        for (let i = 0; i < pred.size; i++) if (pred.data[i] === ty.data[i]) ok++;
        return ok / pred.size;
      };
      const [ga, ca] = [acc(gpu), acc(cpu)];
      expect(ca).toBeGreaterThan(0.8);
      expect(ga).toBeGreaterThanOrEqual(ca - 0.02);
      void b.destroy();
    },
  );
});

/** Count calls of a backend method (to see whether the linker uses a hook). */
function countCalls(b: GpujsBackend, name: 'loadShared' | 'storeShared') {
  const c = { n: 0 };
  const orig = b[name].bind(b) as (...a: unknown[]) => unknown;
  (b as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => {
    c.n++;
    return orig(...a);
  };
  return c;
}

/** A 20-16-k MLP, its training step (momentum) and prediction, compiled for `backend`. */
function mlpStep(backend: T.Backend, k: number) {
  const rng = new Generator(42);
  const model = new Sequential([
    new Dense(20, 16, { activation: 'relu', rng, name: 'hidden' }),
    new Dense(16, k, { activation: 'softmax', rng, name: 'output' }),
  ]);
  const x = T.fmatrix('x');
  const y = T.ivector('y');
  const p = model.apply(x);
  const loss = T.mean(T.categoricalCrossentropy(p, y));
  const mode = new Mode({ backend });
  const step = theanoFunction([x, y], loss, {
    updates: momentum(loss, model.params, { lr: 0.1, momentum: 0.9 }),
    mode,
  });
  const predict = theanoFunction([x], T.argmax(p, { axis: 1 }), { mode });
  return { step, predict, params: model.params };
}

/** Batches of a synthetic 10-class problem: class c is a Gaussian blob around a fixed centre. */
function batches(n: number, size = 64, seed = 7): [NDArray, NDArray][] {
  const centres = new Generator(3).normal(0, 1.5, [10, 20], 'float32').data;
  const rng = new Generator(seed);
  return Array.from({ length: n }, () => {
    const labels = new Int32Array(size);
    const xs = new Float32Array(size * 20);
    const noise = rng.normal(0, 1, [size, 20], 'float32').data;
    for (let i = 0; i < size; i++) {
      const c = (labels[i] = Math.floor(rng.uniform(0, 10, [1], 'float64').data[0]));
      for (let j = 0; j < 20; j++) xs[i * 20 + j] = centres[c * 20 + j] + noise[i * 20 + j];
    }
    return [new NDArray(xs, [size, 20]), new NDArray(labels, [size])];
  });
}

import { describe, expect, it } from 'vitest';
import { NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { DebugMode, In, Mode, NanGuardMode, function as theanoFunction } from './index';
import { createDeviceBackend } from './device-backend.test-helper';

const f64 = (x: number[] | number[][]) => array(x, { dtype: 'float64' });

/** A linear-regression step: loss output, updates of w and b (SGD), the step count as In state. */
function regression(mode: (b: ReturnType<typeof createDeviceBackend>) => Mode) {
  const backend = createDeviceBackend();
  const w = T.shared(f64([0.5, -0.5]), 'w');
  const b = T.shared(f64([0]).reshape([]), 'b');
  const x = T.dmatrix('x');
  const y = T.dvector('y');
  const pred = T.dot(x, w).add(b);
  const loss = T.mean(T.sqr(pred.sub(y)));
  const [gw, gb] = [T.dot(x.T, pred.sub(y)).mul(0.1), T.sum(pred.sub(y)).mul(0.1)];
  const step = theanoFunction([x, y], loss, {
    updates: [
      [w, w.sub(gw)],
      [b, b.sub(gb)],
    ],
    mode: mode(backend),
  });
  return { backend, w, b, step };
}

const MODES: [string, (b: ReturnType<typeof createDeviceBackend>) => Mode][] = [
  ['FAST_RUN', (backend) => new Mode({ backend })],
  ['DebugMode', (backend) => new DebugMode({ backend })],
  ['NanGuardMode', (backend) => new NanGuardMode({ backend })],
];

const X = f64([
  [1, 2],
  [3, 4],
  [5, 7],
]);
const Y = f64([1, 2, 3]);

describe.each(MODES)('residency hooks (Backend.loadShared / storeShared) in %s', (_m, mode) => {
  it('loads shared variables with loadShared and stores updates with storeShared, reading back only the outputs', () => {
    const { backend, w, b, step } = regression(mode);
    const cpu = regression(() => new Mode({ backend: 'cpu' }));
    step(X, Y);
    cpu.step(X, Y);
    expect(backend.stats.sharedUploads).toBe(2);
    backend.resetStats();
    const losses = [0, 1, 2].map(() => (step(X, Y) as NDArray).item());
    const want = [0, 1, 2].map(() => (cpu.step(X, Y) as NDArray).item());
    expect(losses).toEqual(want);
    expect(backend.stats.loadShared).toBe(3 * 2);
    expect(backend.stats.storeShared).toBe(3 * 2);
    expect(backend.stats.sharedUploads).toBe(0); // the updates stayed on the device
    if (!(step.maker.mode instanceof DebugMode || step.maker.mode instanceof NanGuardMode))
      expect(backend.stats.readbacks).toBe(3); // the loss, once per call
    // getValue() reads back once, then the host copy is cached until the next store
    backend.resetStats();
    expect(w.getValue().toArray()).toEqual(cpu.w.getValue().toArray());
    expect(b.getValue().item()).toBe(cpu.b.getValue().item());
    expect(backend.stats.readbacks).toBe(2);
    w.getValue();
    w.getValue({ borrow: true });
    expect(backend.stats.readbacks).toBe(2);
    step(X, Y);
    cpu.step(X, Y);
    const before = backend.stats.readbacks;
    expect(w.getValue().toArray()).toEqual(cpu.w.getValue().toArray());
    expect(backend.stats.readbacks - before).toBe(1);
  });

  it('setValue between calls: the next call uses the new value (uploaded again)', () => {
    const { backend, w, b, step } = regression(mode);
    step(X, Y);
    w.setValue(f64([1, 1]));
    b.setValue(0.25);
    backend.resetStats();
    const loss = (step(X, Y) as NDArray).item();
    const pred = [1 + 2, 3 + 4, 5 + 7].map((v) => v + 0.25);
    expect(loss).toBeCloseTo(pred.reduce((s, p, i) => s + (p - [1, 2, 3][i]) ** 2, 0) / 3, 12);
    expect(backend.stats.sharedUploads).toBe(2);
  });

  it('a call that throws stores no update: the device values are those from before the call', () => {
    const { backend, w, b, step } = regression(mode);
    step(X, Y);
    const [w1, b1] = [w.getValue().toArray(), b.getValue().item()];
    step(X, Y); // the values are on the device again (newer than the host)
    backend.resetStats();
    expect(() => step(f64([[1, 2, 3]]), Y)).toThrow();
    expect(backend.stats.storeShared).toBe(0);
    const [w2, b2] = [w.getValue().toArray(), b.getValue().item()];
    expect(w2).not.toEqual(w1); // the second call's update
    expect(b2).not.toBe(b1);
    // and the next good call continues from there
    const ref = regression(() => new Mode({ backend: 'cpu' }));
    ref.step(X, Y);
    ref.step(X, Y);
    expect(ref.w.getValue().toArray()).toEqual(w2);
    step(X, Y);
    ref.step(X, Y);
    expect(w.getValue().toArray()).toEqual(ref.w.getValue().toArray());
  });
});

describe('residency hooks: what stays on the host', () => {
  it('In state with an update is read back and kept by the function, not the backend', () => {
    const backend = createDeviceBackend();
    const s = T.shared(f64([1, 2]), 's');
    const k = T.dscalar('k');
    const f = theanoFunction([new In(k, { value: 1, update: k.mul(2) })], s.mul(k), {
      updates: [[s, s.add(k)]],
      mode: new Mode({ backend }),
    });
    f();
    backend.resetStats();
    expect((f() as NDArray).toArray()).toEqual([4, 6]); // s = [2, 3], k = 2
    expect(backend.stats.storeShared).toBe(1);
    expect(backend.stats.readbacks).toBe(2); // the output and k's new value
    expect(s.getValue().toArray()).toEqual([4, 5]);
  });

  it('an output that is a shared variable does not alias its value', () => {
    const backend = createDeviceBackend();
    const s = T.shared(f64([1, 2]), 's');
    const f = theanoFunction([], [s, s.T], { mode: new Mode({ backend }) });
    const [o, t] = f() as NDArray[];
    expect(o.data).not.toBe(s.getValue({ borrow: true }).data);
    expect(t.data).not.toBe(s.getValue({ borrow: true }).data);
    o.data[0] = 99;
    expect(s.getValue().toArray()).toEqual([1, 2]);
  });

  it('fn.copy({ swap }) loads and stores the swapped variable', () => {
    const backend = createDeviceBackend();
    const a = T.shared(f64([1]), 'a');
    const c = T.shared(f64([10]), 'c');
    const f = theanoFunction([], a.sum(), {
      updates: [[a, a.add(1)]],
      mode: new Mode({ backend }),
    });
    const g = f.copy({ swap: [[a, c]] });
    expect((g() as NDArray).item()).toBe(10);
    expect((g() as NDArray).item()).toBe(11);
    expect(c.getValue().toArray()).toEqual([12]);
    expect(a.getValue().toArray()).toEqual([1]);
  });

  it('the generated code of a backend without the hooks (CPU) does not call them', () => {
    const s = T.shared(f64([1]), 's');
    const f = theanoFunction([], s.sum(), { updates: [[s, s.add(1)]] });
    expect(f.maker.source).not.toMatch(/loadShared|\.store\(/);
    const g = theanoFunction([], s.sum(), {
      updates: [[s, s.add(1)]],
      mode: new Mode({ backend: createDeviceBackend() }),
    });
    expect(g.maker.source).toMatch(/loadShared\(S0\)/);
    expect(g.maker.source).toMatch(/U0\.store\(/);
  });
});

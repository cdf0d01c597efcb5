/**
 * Update formulas against PyTorch's (torch.optim.SGD, dampening 0):
 *   sgd:       p ← p − lr·g
 *   momentum:  v ← μ·v + g;  p ← p − lr·v        (nesterov: p ← p − lr·(g + μ·v))
 * with values computed by hand from a cost whose gradient is known: cost = sum(p * c) has
 * gradient c, and cost = 0.5 * sum(p * p) has gradient p.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { array, zeros } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import {
  adagrad,
  adam,
  adamw,
  clipGradNorm,
  clipGradValue,
  momentum,
  nesterov,
  rmsprop,
  sgd,
} from './optimizers';

const floatX = T.config.floatX;
afterEach(() => {
  T.config.floatX = floatX;
});

const f64 = (x: number[]) => array(x, { dtype: 'float64' });
/** Evaluate every update expression (no inputs needed: parameters are shared). */
const evalUpdates = (ups: [T.SharedVariable, T.Variable][]) =>
  T.evaluate(ups.map(([, u]) => u)).map((a) => Array.from(a.data));

describe('sgd', () => {
  it('p ← p − lr·g', () => {
    const p = T.shared(f64([1, -2, 3]), 'p');
    const c = T.constant(f64([0.5, 4, -1]));
    const ups = sgd(T.sum(T.mul(p, c)), [p], { lr: 0.1 });
    expect(ups).toHaveLength(1);
    expect(ups[0][0]).toBe(p);
    expect(evalUpdates(ups)[0]).toEqual([1 - 0.1 * 0.5, -2 - 0.1 * 4, 3 - 0.1 * -1]);
  });

  it('updates every parameter with its own gradient', () => {
    const a = T.shared(f64([2]), 'a');
    const b = T.shared(f64([-3]), 'b');
    // cost = 0.5 a² + a·b: ∂a = a + b = -1, ∂b = a = 2
    const cost = T.sum(T.add(T.mul(T.mul(a, a), 0.5), T.mul(a, b)));
    const [na, nb] = evalUpdates(sgd(cost, [a, b], { lr: 0.5 }));
    expect(na).toEqual([2 - 0.5 * -1]);
    expect(nb).toEqual([-3 - 0.5 * 2]);
  });

  it('refuses an empty parameter list', () => {
    expect(() => sgd(T.sum(T.dvector('x')), [], { lr: 0.1 })).toThrow(
      /sgd: no parameters to optimize/,
    );
  });
});

describe('momentum (PyTorch formulation)', () => {
  it('creates a zero velocity per parameter, named after it', () => {
    const p = T.shared(f64([1, 2]), 'w');
    const ups = momentum(T.sum(T.mul(p, p)), [p], { lr: 0.1 });
    expect(ups).toHaveLength(2);
    const [v] = ups[0];
    expect(v.name).toBe('w.velocity');
    expect(v.getValue().toArray()).toEqual([0, 0]);
    expect(v.dtype).toBe('float64');
    expect(ups[1][0]).toBe(p);
  });

  it('v ← μ·v + g; p ← p − lr·v, from a non-zero velocity', () => {
    const p = T.shared(f64([1, -2]), 'p');
    const c = f64([3, 0.5]);
    const ups = momentum(T.sum(T.mul(p, T.constant(c))), [p], { lr: 0.1, momentum: 0.9 });
    const [v] = ups[0];
    v.setValue(f64([1, -1]));
    const [vNew, pNew] = evalUpdates(ups);
    const vExp = [0.9 * 1 + 3, 0.9 * -1 + 0.5];
    expect(vNew).toEqual(vExp);
    expect(pNew).toEqual([1 - 0.1 * vExp[0], -2 - 0.1 * vExp[1]]);
  });

  it('nesterov: p ← p − lr·(g + μ·v_new)', () => {
    const p = T.shared(f64([2]), 'p');
    // cost = 0.5 p², g = p = 2
    const ups = momentum(T.mul(T.sum(T.mul(p, p)), 0.5), [p], {
      lr: 0.1,
      momentum: 0.5,
      nesterov: true,
    });
    ups[0][0].setValue(f64([4]));
    const [vNew, pNew] = evalUpdates(ups);
    expect(vNew).toEqual([0.5 * 4 + 2]);
    expect(pNew).toEqual([2 - 0.1 * (2 + 0.5 * (0.5 * 4 + 2))]);
  });

  it('two steps applied by hand follow the recurrence', () => {
    const p = T.shared(f64([1]), 'p');
    const ups = momentum(T.mul(T.sum(T.mul(p, p)), 0.5), [p], { lr: 0.1, momentum: 0.9 });
    let pv = 1;
    let vv = 0;
    for (let step = 0; step < 2; step++) {
      const vals = T.evaluate(ups.map(([, u]) => u));
      ups.forEach(([s], i) => s.setValue(vals[i]));
      vv = 0.9 * vv + pv;
      pv = pv - 0.1 * vv;
      expect(p.getValue().item()).toBe(pv);
      expect(ups[0][0].getValue().item()).toBe(vv);
    }
  });

  it('refuses a momentum outside [0, 1)', () => {
    const p = T.shared(f64([1]), 'p');
    expect(() => momentum(T.sum(p), [p], { lr: 0.1, momentum: 1 })).toThrow(
      /momentum must be in \[0, 1\), got 1/,
    );
    expect(() => momentum(T.sum(p), [p], { lr: 0.1, momentum: -0.1 })).toThrow(T.TheanoTypeError);
  });
});

describe('updates keep each parameter dtype', () => {
  it('float32 parameters stay float32 when floatX is float64 and the cost is float64', () => {
    T.config.floatX = 'float64';
    const p = T.shared(zeros([2], { dtype: 'float32' }), 'p');
    p.setValue(array([0.3, -0.7], { dtype: 'float32' }));
    const x = T.dvector('x');
    const cost = T.sum(T.mul(p, x));
    expect(cost.dtype).toBe('float64');
    for (const ups of [
      sgd(cost, [p], { lr: 0.1 }),
      momentum(cost, [p], { lr: 0.1 }),
      momentum(cost, [p], { lr: 0.1, nesterov: true }),
    ])
      for (const [s, u] of ups) {
        expect(u.dtype).toBe(s.dtype);
        expect(u.ndim).toBe(s.ndim);
      }
    // the values are float32 arithmetic: p − fl32(g·fl32(lr)), g = x rounded to float32
    const [newP] = T.evaluate([sgd(cost, [p], { lr: 0.1 })[0][1]], new Map([[x, [1.1, 2]]]));
    const fr = Math.fround;
    expect(newP.dtype).toBe('float32');
    expect(Array.from(newP.data)).toEqual([
      fr(fr(0.3) - fr(fr(1.1) * fr(0.1))),
      fr(fr(-0.7) - fr(2 * fr(0.1))),
    ]);
  });

  it('mixed float64 and float32 parameters each keep their own dtype', () => {
    const a = T.shared(f64([1]), 'a');
    const b = T.shared(array([1], { dtype: 'float32' }), 'b');
    const cost = T.sum(T.add(T.mul(a, a), T.mul(b, b)));
    const ups = momentum(cost, [a, b], { lr: 0.01 });
    expect(ups.map(([s, u]) => [s.name, s.dtype, u.dtype])).toEqual([
      ['a.velocity', 'float64', 'float64'],
      ['a', 'float64', 'float64'],
      ['b.velocity', 'float32', 'float32'],
      ['b', 'float32', 'float32'],
    ]);
  });
});

describe('every optimizer: options, state and gradients', () => {
  const p0 = () => T.shared(f64([1, -2]), 'w');
  const builders = { sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw } as const;

  it('names its state after the parameter and keeps the parameter last among its updates', () => {
    const names = (ups: [T.SharedVariable, T.Variable][]) => ups.map(([s]) => s.name);
    const cost = (p: T.SharedVariable) => T.sum(T.sqr(p));
    let p = p0();
    expect(names(adam(cost(p), [p], { lr: 0.1 }))).toEqual([
      'w.expAvg',
      'w.expAvgSq',
      'w',
      'adam.step',
    ]);
    p = p0();
    expect(names(adam(cost(p), [p], { lr: 0.1, amsgrad: true }))).toEqual([
      'w.expAvg',
      'w.expAvgSq',
      'w.maxExpAvgSq',
      'w',
      'adam.step',
    ]);
    p = p0();
    expect(names(rmsprop(cost(p), [p], { lr: 0.1, centered: true, momentum: 0.5 }))).toEqual([
      'w.squareAvg',
      'w.gradAvg',
      'w.momentumBuffer',
      'w',
    ]);
    p = p0();
    expect(names(adagrad(cost(p), [p], { lr: 0.1, initialAccumulatorValue: 0.5 }))).toEqual([
      'w.sum',
      'w',
    ]);
    expect(
      adagrad(cost(p), [p], { lr: 0.1, initialAccumulatorValue: 0.5 })[0][0].getValue().toArray(),
    ).toEqual([0.5, 0.5]);
    expect(names(nesterov(cost(p), [p], { lr: 0.1 }))).toEqual(['w.velocity', 'w']);
  });

  it('accepts the gradients instead of a cost (Lasagne loss_or_grads)', () => {
    const p = p0();
    const ups = sgd([T.constant(f64([1, 1]))], [p], { lr: 0.5 });
    expect(evalUpdates(ups)[0]).toEqual([0.5, -2.5]);
    expect(() => sgd([T.constant(f64([1, 1]))], [p, p0()], { lr: 0.5 })).toThrow(
      /got 1 gradients for 2 parameters/,
    );
    expect(() => sgd(T.mul(p, 2), [p], { lr: 0.5 })).toThrow(/sgd: the cost must be a scalar/);
  });

  it('takes a scalar variable as learning rate, cast to each parameter dtype', () => {
    const p = T.shared(array([1, 2], { dtype: 'float32' }), 'p');
    const lr = T.shared(array(0.5, { dtype: 'float64' }), 'lr');
    for (const b of Object.values(builders)) {
      const ups = (b as typeof sgd)(T.sum(T.sqr(p)), [p], { lr });
      for (const [s, u] of ups) expect(u.dtype).toBe(s.dtype);
    }
    expect(evalUpdates(sgd(T.sum(T.sqr(p)), [p], { lr }))[0]).toEqual([0, 0]);
    expect(() => sgd(T.sum(p), [p], { lr: T.dvector('v') })).toThrow(
      /lr must be a number or a scalar variable/,
    );
  });

  it('validates hyper-parameters, naming the optimizer', () => {
    const p = p0();
    const c = T.sum(p);
    expect(() => sgd(c, [p], {} as never)).toThrow(/sgd: the learning rate `lr` is required/);
    expect(() => sgd(c, [p], { lr: -1 })).toThrow(/sgd: lr must be in \[0, ∞\], got -1/);
    expect(() => adam(c, [p], { lr: 0.1, beta1: 1 })).toThrow(
      /adam: beta1 must be in \[0, 1\), got 1/,
    );
    expect(() => adamw(c, [p], { lr: 0.1, beta2: -0.5 })).toThrow(/adamw: beta2 must be in/);
    expect(() => rmsprop(c, [p], { lr: 0.1, alpha: 2 })).toThrow(
      /rmsprop: alpha must be in \[0, 1\]/,
    );
    expect(() => adagrad(c, [p], { lr: 0.1, lrDecay: -1 })).toThrow(/adagrad: lrDecay must be/);
    expect(() => momentum(c, [p], { lr: 0.1, nesterov: true, dampening: 0.1 })).toThrow(
      /Nesterov momentum requires dampening 0/,
    );
    expect(() => sgd(c, [p], { lr: 0.1, clipNorm: 0 })).toThrow(/clipNorm must be positive/);
    expect(() => sgd(c, [p], { lr: 0.1, weightDecay: -1 })).toThrow(/weightDecay must be in/);
  });
});

describe('gradient clipping', () => {
  it('clipGradNorm scales all gradients by maxNorm / (global norm + 1e-6) when above maxNorm', () => {
    const g = [T.constant(f64([3, 0])), T.constant(f64([0, 4]))];
    const [a, b] = T.evaluate(clipGradNorm(g, 1)).map((x) => Array.from(x.data));
    const k = 1 / (5 + 1e-6);
    expect(a[0]).toBeCloseTo(3 * k, 15);
    expect(b[1]).toBeCloseTo(4 * k, 15);
    expect([a[1], b[0]]).toEqual([0, 0]);
    const [c] = T.evaluate(clipGradNorm([T.constant(f64([0.3, 0.4]))], 1)).map((x) =>
      Array.from(x.data),
    );
    expect(c).toEqual([0.3, 0.4]);
    expect(clipGradNorm([], 1)).toEqual([]);
    expect(() => clipGradNorm(g, -1)).toThrow(/maxNorm must be positive/);
  });

  it('clipGradValue clamps every entry', () => {
    const [a] = T.evaluate(clipGradValue([T.constant(f64([-3, 0.1, 2]))], 0.5)).map((x) =>
      Array.from(x.data),
    );
    expect(a).toEqual([-0.5, 0.1, 0.5]);
  });
});

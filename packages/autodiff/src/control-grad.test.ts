import { describe, expect, it } from 'vitest';
import { arange, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from './grad';

describe('scan gradient (reference evaluator)', () => {
  it('until loop: x[i]**2 until x[i]==5', () => {
    const x = T.fvector('x');
    const i = T.arange(T.constant(20, undefined, 'int32'));
    const [r] = T.scan(
      (ii: T.Variable) => {
        const xi = x.get(ii);
        return [xi.pow(2), T.until(xi.eq(5))];
      },
      { sequences: i },
    );
    const g = grad((r as T.Variable).sum(), x);
    const xv = arange(0, 20, 1, { dtype: 'float32' });
    const [rv, gv] = T.evaluate([r as T.Variable, g], new Map([[x, xv]]));
    expect(rv.toArray()).toEqual([0, 1, 4, 9, 16, 25]);
    expect(gv.toArray()).toEqual([0, 2, 4, 6, 8, 10, ...new Array(14).fill(0)]);
  });
});

import { Generator, type NDArray } from '@theano-ts/tensor';
import { verifyGrad } from './verify-grad';

const rng = new Generator(7);
const rand = (...shape: number[]): NDArray => rng.uniform(-0.5, 0.5, shape, 'float64');

/** A 2-layer tanh RNN over x [T, nin] with weights W1 [nin, h1], U1 [h1, h1], W2 [h1, h2], U2 [h2, h2]. */
export function rnn2(
  x: T.Variable,
  W1: T.Variable,
  U1: T.Variable,
  W2: T.Variable,
  U2: T.Variable,
): T.Variable {
  const h1 = U1.shape.get(0);
  const h2 = U2.shape.get(0);
  const [outs] = T.scan(
    (xt: T.Variable, a: T.Variable, b: T.Variable) => {
      const a1 = T.tanh(xt.dot(W1).add(a.dot(U1)));
      const b1 = T.tanh(a1.dot(W2).add(b.dot(U2)));
      return [a1, b1];
    },
    { sequences: x, outputsInfo: [T.zeros([h1], 'float64'), T.zeros([h2], 'float64')] },
  );
  return (outs as T.Variable[])[1];
}

/** One LSTM layer over x [T, nin]: W [nin, 4h], U [h, 4h], b [4h]; returns the hidden states [T, h]. */
export function lstm(x: T.Variable, W: T.Variable, U: T.Variable, b: T.Variable): T.Variable {
  const h = U.shape.get(0);
  const [outs] = T.scan(
    (xt: T.Variable, hp: T.Variable, cp: T.Variable) => {
      const z = xt.dot(W).add(hp.dot(U)).add(b);
      const n = U.shape.get(0);
      const gate = (k: number) => z.get(T.slice(n.mul(k), n.mul(k + 1)));
      const i = T.sigmoid(gate(0));
      const f = T.sigmoid(gate(1));
      const o = T.sigmoid(gate(2));
      const g = T.tanh(gate(3));
      const c = f.mul(cp).add(i.mul(g));
      return [o.mul(T.tanh(c)), c];
    },
    { sequences: x, outputsInfo: [T.zeros([h], 'float64'), T.zeros([h], 'float64')] },
  );
  return (outs as T.Variable[])[0];
}

describe('verifyGrad through scan', () => {
  it('2-layer tanh RNN', () => {
    verifyGrad(rnn2, [rand(4, 3), rand(3, 2), rand(2, 2), rand(2, 3), rand(3, 3)]);
  });
  it('LSTM', () => {
    verifyGrad(lstm, [rand(3, 2), rand(2, 8), rand(2, 8), rand(8)]);
  });
  it('taps on sequences and outputs, goBackwards', () => {
    verifyGrad(
      (x, y0, w) => {
        const [r] = T.scan(
          (xm1: T.Variable, x1: T.Variable, ym2: T.Variable, ym1: T.Variable) =>
            T.tanh(xm1.mul(w).add(x1).add(ym2.mul(ym1))),
          {
            sequences: { input: x, taps: [-1, 1] },
            outputsInfo: { initial: y0, taps: [-2, -1] },
            goBackwards: true,
          },
        );
        return r as T.Variable;
      },
      [rand(6, 2), rand(3, 2), rand(2)],
    );
  });
  it('scan inside scan', () => {
    verifyGrad(
      (x, w) => {
        const [r] = T.scan(
          (row: T.Variable, acc: T.Variable) => {
            const [inner] = T.scan((v: T.Variable, s: T.Variable) => T.tanh(s.mul(w).add(v)), {
              sequences: row,
              outputsInfo: acc,
            });
            return (inner as T.Variable).get(-1);
          },
          { sequences: x, outputsInfo: T.constant(0.1, undefined, 'float64') },
        );
        return r as T.Variable;
      },
      [rand(3, 4), rand()],
    );
  });
  it('truncateGradient keeps only the last k steps', () => {
    const x = T.dvector('x');
    const w = T.dscalar('w');
    const [r] = T.scan((xt: T.Variable, s: T.Variable) => s.mul(w).add(xt), {
      sequences: x,
      outputsInfo: T.constant(0, undefined, 'float64'),
      truncateGradient: 2,
    });
    const last = (r as T.Variable).get(-1);
    const [gx, gw] = grad(last, [x, w]);
    // s_t = w s_{t-1} + x_t: d s_3 / d x_t = w^(3-t); only steps 2 and 3 are walked
    const [gxv, gwv] = T.evaluate(
      [gx, gw],
      new Map<T.Variable, unknown>([
        [x, [1, 2, 3, 4]],
        [w, 0.5],
      ]),
    );
    expect(gxv.toArray()).toEqual([0, 0, 0.5, 1]);
    // ds3/dw through the last two steps: s2 + w * s1 with s1 = 2.5, s2 = 4.25 → 4.25 + 0.5*2.5
    expect(gwv.item()).toBeCloseTo(4.25 + 0.5 * 2.5, 12);
  });
  it('ifelse: the gradient flows through the taken branch only', () => {
    const a = T.dscalar('a');
    const b = T.dscalar('b');
    const c = T.iscalar('c');
    const z = T.ifelse(c, a.mul(a), b.mul(3));
    const [ga, gb] = grad(z, [a, b]);
    const at = (cv: number) =>
      T.evaluate(
        [ga, gb],
        new Map<T.Variable, unknown>([
          [a, 2],
          [b, 5],
          [c, cv],
        ]),
      ).map((v) => v.item());
    expect(at(1)).toEqual([4, 0]);
    expect(at(0)).toEqual([0, 3]);
  });
});

describe('scan with shared-variable updates', () => {
  it('keeps only the last value of an updated shared variable, and differentiates through it', () => {
    const w = T.shared(array([0.5, -0.25]), 'w');
    const x = T.dvector('x');
    // each step moves w towards x and reads it: w_t = w_{t-1} * 0.5 + x * s_t
    const s = T.dvector('s');
    const [outs, updates] = T.scan(
      (st: T.Variable) => {
        const w2 = w.mul(0.5).add(x.mul(st));
        return [w2.sum(), new Map([[w, w2]])];
      },
      { sequences: s },
    );
    const node = updates.get(w)!.owner!.inputs[0].owner!;
    expect(node.op.kind).toBe('Scan');
    // the update's buffer holds one row, not one per step
    expect(updates.get(w)!.owner!.inputs[0].type.shape[0]).toBe(1);
    const cost = (outs as T.Variable).sum().add(updates.get(w)!.sum());
    const [gx, gs] = grad(cost, [x, s]);
    const givens = new Map<T.Variable, unknown>([
      [x, [1, 2]],
      [s, [0.1, 0.2, 0.3]],
    ]);
    const [last, gxv, gsv] = T.evaluate([updates.get(w)!, gx, gs], givens);
    // by hand: w1 = w0/2 + 0.1x, w2 = w1/2 + 0.2x, w3 = w2/2 + 0.3x
    const w0 = [0.5, -0.25];
    const xs = [1, 2];
    const traj = [w0];
    for (const st of [0.1, 0.2, 0.3])
      traj.push(traj[traj.length - 1].map((v, i) => v * 0.5 + xs[i] * st));
    expect(Array.from(last.toFlat())).toEqual(traj[3]);
    // d cost / d x_i = sum_t d(sum w_t)/dx_i + d(sum w_3)/dx_i; w_t = sum_{k<=t} 0.5^(t-k) s_k x
    const dw = (t: number) =>
      [0.1, 0.2, 0.3].slice(0, t).reduce((a, sk, k) => a + 0.5 ** (t - 1 - k) * sk, 0);
    const expectGx = dw(1) + dw(2) + dw(3) + dw(3);
    gxv.toFlat().forEach((v) => expect(v).toBeCloseTo(expectGx, 12));
    // d cost / d s_k = sum over t >= k of 0.5^(t-k) * sum(x), plus the last value's 0.5^(2-k) * sum(x)
    const sx = 3;
    const expectGs = [0, 1, 2].map((k) => {
      let a = 0;
      for (let t = k; t < 3; t++) a += 0.5 ** (t - k) * sx;
      return a + 0.5 ** (2 - k) * sx;
    });
    Array.from(gsv.toFlat()).forEach((v, k) => expect(v).toBeCloseTo(expectGs[k], 12));
  });
});

describe('scan whose fn draws noise', () => {
  /** The first `k` draws of normal([3]) (float64) of a RandomStreams(seed), made outside any scan. */
  const outsideDraws = (seed: number, k: number): number[][] => {
    const srng = new T.RandomStreams(seed);
    const z = srng.normal([3], 0, 1, 'float64');
    const [state, next] = srng.stateUpdates[0];
    return Array.from({ length: k }, () => {
      const [zv, nv] = T.evaluate([z, next]);
      state.setValue(nv);
      return Array.from(zv.toFlat());
    });
  };
  const xsVal = rand(4, 3);

  it('the gradient recomputes each step’s draw from its own state: d sum(tanh(x_t + z_t)) / dx_t', () => {
    const xs = T.dmatrix('xs');
    const srng = new T.RandomStreams(17);
    const [out] = T.map((xt: T.Variable) => T.tanh(xt.add(srng.normal([3], 0, 1, 'float64'))), xs);
    const [g] = grad((out as T.Variable).sum(), [xs]);
    const [gv] = T.evaluate([g], new Map([[xs, xsVal]]));
    const z = outsideDraws(17, 4);
    const x = Array.from(xsVal.toFlat());
    const expected = x.map((v, i) => 1 - Math.tanh(v + z[Math.floor(i / 3)][i % 3]) ** 2);
    Array.from(gv.toFlat()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  it('verifyGrad through a recurrence with per-step noise held fixed (the states are not advanced between evaluations)', () => {
    const fn = (xs: T.Variable) => {
      const srng = new T.RandomStreams(5);
      const [hs] = T.scan(
        (xt: T.Variable, h: T.Variable) => {
          const z = srng.normal([3], 0, 0.5, 'float64');
          return T.tanh(
            h
              .mul(T.constant(0.7, undefined, 'float64'))
              .add(xt)
              .add(z),
          );
        },
        { sequences: xs, outputsInfo: T.constant(array([0.1, -0.2, 0.3])) },
      );
      return hs as T.Variable;
    };
    verifyGrad(fn, [xsVal]);
    verifyGrad(fn, [xsVal], { method: 'central' });
    // the values: each step's noise is that step's draw of the stream (not the first one again)
    const xs = T.dmatrix('xs');
    const [hv] = T.evaluate([fn(xs)], new Map([[xs, xsVal]]));
    const h = Array.from(hv.toFlat());
    const x = Array.from(xsVal.toFlat());
    const z = outsideDraws(5, 4).map((r) => r.map((v) => v * 0.5));
    let prev = [0.1, -0.2, 0.3];
    for (let t = 0; t < 4; t++) {
      const want = prev.map((p, i) => Math.tanh(p * 0.7 + x[t * 3 + i] + z[t][i]));
      h.slice(t * 3, t * 3 + 3).forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
      prev = want;
    }
  });
});

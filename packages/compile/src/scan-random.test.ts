import { describe, expect, it } from 'vitest';
import { NDArray, zeros } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { theanoFunction as fn } from './function';

/**
 * Random draws inside a scan's fn (Theano's scan collecting the default updates of the shared
 * variables fn uses): each step draws anew, from the stream's state after the previous step.
 * References are the same stream's draws made outside any scan (one per call of a compiled
 * function), which advance the Philox counter the same way: the comparisons are bit for bit.
 */

const rows = (a: NDArray): number[][] => {
  const n = a.shape[0];
  const flat = Array.from(a.toFlat());
  const w = flat.length / n;
  return Array.from({ length: n }, (_, t) => flat.slice(t * w, (t + 1) * w));
};
const flat = (a: NDArray): number[] => Array.from(a.toFlat());

/** The first `k` draws of `normal([3])` (float64) of a stream seeded `seed`, made outside any scan, and its state after them. */
function outsideDraws(seed: number, k: number, size: number[] = [3]) {
  const srng = new T.RandomStreams(seed);
  const g = fn([], srng.normal(size, 0, 1, 'float64'));
  const draws = Array.from({ length: k }, () => flat(g() as NDArray));
  return { draws, state: flat(srng.stateUpdates[0][0].getValue()) };
}

const MODES = ['FAST_RUN', 'FAST_COMPILE', 'DebugMode'] as const;

describe.each(MODES)('random draws inside scan (%s)', (mode) => {
  it('each step draws anew: step k is the k-th draw of the stream outside any scan, bit for bit', () => {
    const srng = new T.RandomStreams(11);
    const [noise, updates] = T.scan(() => srng.normal([3], 0, 1, 'float64'), { nSteps: 4 });
    expect(updates.size).toBe(1);
    const [rng] = [...updates.keys()];
    const f = fn([], [noise as T.Variable, updates.get(rng)!], { mode });
    const [out, last] = f() as NDArray[];
    const got = rows(out);
    for (let t = 1; t < 4; t++) expect(got[t]).not.toEqual(got[t - 1]);
    const ref = outsideDraws(11, 4);
    expect(got).toEqual(ref.draws);
    // scan's update is the state after the last step: that of the stream after 4 draws
    expect(flat(last)).toEqual(ref.state);
  });

  it('a recurrent state plus noise, and a draw whose mean is the state (no stale inner defaultUpdate outside the loop)', () => {
    const srng = new T.RandomStreams(3);
    const [hs, updates] = T.scan((h: T.Variable) => srng.normal([3], h, 1, 'float64'), {
      outputsInfo: T.constant(zeros([3], { dtype: 'float64' })),
      nSteps: 5,
    });
    // not passing updates: no error (the inner defaultUpdate reads the loop's state h)
    const f = fn([], hs as T.Variable, { mode });
    const ref = outsideDraws(3, 5).draws;
    const expected: number[][] = [];
    ref.reduce(
      (h, z) => {
        const next = h.map((v, i) => v + 1 * z[i]);
        expected.push(next);
        return next;
      },
      [0, 0, 0],
    );
    expect(rows(f() as NDArray)).toEqual(expected);
    expect(updates.size).toBe(1);
  });

  it("passing scan's updates continues the stream across calls; not passing them repeats the draws", () => {
    const srng = new T.RandomStreams(5);
    const [noise, updates] = T.scan(() => srng.normal([3], 0, 1, 'float64'), { nSteps: 3 });
    const rng = [...updates.keys()][0];
    const start = flat(rng.getValue());
    const ref = outsideDraws(5, 6);

    const frozen = fn([], noise as T.Variable, { mode });
    const a = rows(frozen() as NDArray);
    expect(rows(frozen() as NDArray)).toEqual(a);
    expect(flat(rng.getValue())).toEqual(start); // no update applied: neither scan's nor the draw's
    expect(a).toEqual(ref.draws.slice(0, 3));

    const advancing = fn([], noise as T.Variable, { updates, mode });
    expect(rows(advancing() as NDArray)).toEqual(ref.draws.slice(0, 3));
    // advanced by exactly the loop's draws (no second advance from the inner defaultUpdate)
    expect(flat(rng.getValue())).not.toEqual(start);
    expect(rows(advancing() as NDArray)).toEqual(ref.draws.slice(3, 6));
    expect(flat(rng.getValue())).toEqual(ref.state);
  });

  it('the same seed: two compiled functions give bit-identical outputs and states', () => {
    const build = () => {
      const srng = new T.RandomStreams(42);
      const [h, updates] = T.scan(
        (x: T.Variable, h: T.Variable) => T.tanh(h.add(x).add(srng.uniform([2], -1, 1, 'float64'))),
        {
          sequences: T.constant(new NDArray(Float64Array.from([1, 2, 3, 4, 5, 6]), [3, 2])),
          outputsInfo: T.constant(zeros([2], { dtype: 'float64' })),
        },
      );
      const rng = [...updates.keys()][0];
      return { f: fn([], h as T.Variable, { updates, mode }), rng };
    };
    const p = build();
    const q = build();
    const calls: number[][] = [];
    for (let call = 0; call < 2; call++) {
      const a = flat(p.f() as NDArray);
      const b = flat(q.f() as NDArray);
      expect(b).toEqual(a);
      expect(flat(q.rng.getValue())).toEqual(flat(p.rng.getValue()));
      calls.push(a);
    }
    expect(calls[1]).not.toEqual(calls[0]); // the updates advanced both streams alike
  });

  it('noDefaultUpdates: true or a list freezes the draws (same at every step and every call)', () => {
    const ref = outsideDraws(9, 1).draws[0];
    const rngFor = (seed: number) => {
      // the state a RandomStreams(seed) gives its first draw, in a shared variable of the user's
      const probe = new T.RandomStreams(seed);
      probe.normal([1]);
      return T.shared(probe.stateUpdates[0][0].getValue(), 'rng', { shape: [4] });
    };
    for (const which of ['all', 'list', 'other list'] as const) {
      const rng = rngFor(9);
      const [out, updates] = T.scan(
        () => {
          // PyTensor's pattern: the draw's next state becomes the state's defaultUpdate
          const [next, x] = T.randomDraw('RandomNormal', rng, [3], [0, 1], { dtype: 'float64' });
          rng.defaultUpdate = next;
          return x;
        },
        {
          nSteps: 3,
          noDefaultUpdates:
            which === 'all' ? true : which === 'list' ? [rng] : [T.shared(0, 'unrelated')],
        },
      );
      const f = fn([], out as T.Variable, { mode });
      const r = rows(f() as NDArray);
      expect(r[0]).toEqual(ref);
      if (which === 'other list') {
        // not listed: the loop advances it
        expect(updates.size).toBe(1);
        expect(r[1]).not.toEqual(r[0]);
        continue;
      }
      expect(updates.size).toBe(0);
      expect(r[1]).toEqual(r[0]);
      expect(r[2]).toEqual(r[0]);
      expect(rows(f() as NDArray)).toEqual(r);
    }
    expect(() =>
      T.scan(() => T.constant(1), { nSteps: 1, noDefaultUpdates: [1] as never }),
    ).toThrow(
      /scan: noDefaultUpdates must be true, false or a list of shared variables, got a JS array \[1\][\s\S]*scan-random\.test\.ts/,
    );
    // a hole is not a shared variable either (every() would skip it)
    expect(() =>
      T.scan(() => T.constant(1), { nSteps: 1, noDefaultUpdates: new Array(1) as never }),
    ).toThrow(/noDefaultUpdates must be .*got a JS array of length 1 \(an empty slot\)/);
  });

  it('map, reduce, foldl, foldr and goBackwards: one fresh draw per step, in step order', () => {
    const seq = T.constant(new NDArray(Float64Array.from([0, 10, 20, 30]), [4]));
    const ref = outsideDraws(21, 4, []).draws.map((d) => d[0]);
    for (const goBackwards of [false, true]) {
      const srng = new T.RandomStreams(21);
      const [m, upd] = T.map((x: T.Variable) => x.add(srng.normal([], 0, 1, 'float64')), seq, {
        goBackwards,
      });
      const got = flat(fn([], m as T.Variable, { updates: upd, mode })() as NDArray);
      const xs = goBackwards ? [30, 20, 10, 0] : [0, 10, 20, 30];
      expect(got).toEqual(xs.map((x, t) => x + ref[t]));
    }
    const folds = [
      ['reduce', T.reduce],
      ['foldl', T.foldl],
      ['foldr', T.foldr],
    ] as const;
    for (const [, fold] of folds) {
      const srng = new T.RandomStreams(21);
      const [acc, upd] = fold(
        (x: T.Variable, a: T.Variable) =>
          a
            .mul(0.5)
            .add(x)
            .add(srng.normal([], 0, 1, 'float64')),
        seq,
        T.constant(0, undefined, 'float64'),
      );
      expect(upd.size).toBe(1);
      const xs = fold === T.foldr ? [30, 20, 10, 0] : [0, 10, 20, 30];
      const expected = xs.reduce((a, x, t) => a * 0.5 + x + ref[t], 0);
      expect(flat(fn([], acc as T.Variable, { mode })() as NDArray)).toEqual([expected]);
    }
  });

  it('compiled gradient through the noisy steps: each step differentiates at its own draw; updates advance once per call', () => {
    const srng = new T.RandomStreams(13);
    const xs = T.dmatrix('xs');
    const [out, updates] = T.map(
      (xt: T.Variable) => T.tanh(xt.add(srng.normal([3], 0, 1, 'float64'))),
      xs,
    );
    const [g] = grad((out as T.Variable).sum(), [xs]);
    const f = fn([xs], g, { updates, mode });
    const xv = new NDArray(Float64Array.from([0.1, -0.2, 0.3, 0.4, 0.5, -0.6]), [2, 3]);
    const ref = outsideDraws(13, 4);
    const x = flat(xv);
    for (const call of [0, 1]) {
      const want = x.map(
        (v, i) => 1 - Math.tanh(v + ref.draws[2 * call + Math.floor(i / 3)][i % 3]) ** 2,
      );
      flat(f(xv) as NDArray).forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
    }
    expect(flat([...updates.keys()][0].getValue())).toEqual(ref.state);
  });

  it('until: the state after the last step run is returned (3 draws of 10 allowed)', () => {
    const srng = new T.RandomStreams(4);
    const [[, noise], updates] = T.scan(
      (i: T.Variable) => {
        const j = i.add(1);
        return [j, srng.normal([3], 0, 1, 'float64'), T.until(j.ge(3))];
      },
      { outputsInfo: [T.constant(0, undefined, 'int32'), null], nSteps: 10, returnList: true },
    );
    const rng = [...updates.keys()][0];
    const f = fn([], noise, { updates, mode });
    const ref = outsideDraws(4, 3);
    expect(rows(f() as NDArray)).toEqual(ref.draws);
    expect(flat(rng.getValue())).toEqual(ref.state);
  });

  it('nested scan: the inner loop draws anew at every inner and outer step when fn returns its updates', () => {
    const srng = new T.RandomStreams(8);
    const [out, updates] = T.scan(
      () => {
        const [inner, innerUpd] = T.scan(() => srng.normal([2], 0, 1, 'float64'), { nSteps: 3 });
        return [inner as T.Variable, innerUpd];
      },
      { nSteps: 2 },
    );
    const rng = [...updates.keys()][0];
    const f = fn([], out as T.Variable, { updates, mode });
    const ref = outsideDraws(8, 12, [2]);
    expect(rows((f() as NDArray).reshape([6, 2]))).toEqual(ref.draws.slice(0, 6));
    expect(rows((f() as NDArray).reshape([6, 2]))).toEqual(ref.draws.slice(6, 12));
    expect(flat(rng.getValue())).toEqual(ref.state);
  });

  it("nested scan whose outer fn drops the inner updates: no error; each outer step repeats the inner loop's draws", () => {
    const srng = new T.RandomStreams(8);
    const [out, updates] = T.scan(
      () => T.scan(() => srng.normal([2], 0, 1, 'float64'), { nSteps: 3 })[0] as T.Variable,
      { nSteps: 2 },
    );
    expect(updates.size).toBe(0);
    const f = fn([], out as T.Variable, { mode });
    const ref = outsideDraws(8, 3, [2]).draws;
    const got = rows((f() as NDArray).reshape([6, 2]));
    expect(got).toEqual([...ref, ...ref]);
    expect(rows((f() as NDArray).reshape([6, 2]))).toEqual(got);
  });
});

describe('updates of draws made inside a scan', () => {
  it("RandomStreams.updates() leaves out draws made inside a scan's fn; with scan's updates next to it, both streams advance", () => {
    const srng = new T.RandomStreams(4);
    const outside = srng.uniform([2], 0, 1, 'float64');
    const [o, u] = T.scan(() => srng.uniform([1], 0, 1, 'float64'), { nSteps: 3 });
    expect(srng.stateUpdates).toHaveLength(2);
    const listed = srng.updates();
    expect(listed).toHaveLength(1);
    expect(listed[0][0]).toBe(srng.stateUpdates[0][0]);
    expect(T.isLoopState(srng.stateUpdates[1][0])).toBe(true);
    expect(T.isLoopState(srng.stateUpdates[0][0])).toBe(false);
    const f = fn([], [o as T.Variable, outside], { updates: [...listed, ...u] });
    const calls = [f(), f()];
    const inner = calls.flatMap((c) => Array.from(c[0].toFlat()));
    const outer = calls.flatMap((c) => Array.from(c[1].toFlat()));
    expect(new Set(inner).size).toBe(6);
    expect(new Set(outer).size).toBe(4);
    // the outside draw continues the stream as its defaultUpdate alone would
    const g = fn([], outside);
    srng.seed(4);
    const viaDefault = [g(), g()].flatMap((c) => Array.from((c as NDArray).toFlat()));
    expect(viaDefault).toEqual(outer);
  });

  it("an inner draw's next state (from stateUpdates) passed to function is an error naming the fix", () => {
    const srng = new T.RandomStreams(4);
    const [o, u] = T.scan(() => srng.uniform([1], 0, 1, 'float64'), { nSteps: 3 });
    // the inner next state would be evaluated once, outside the loop: numbers would repeat
    expect(() => fn([], o, { updates: srng.stateUpdates })).toThrow(
      /the update of .* is the next state of a random draw made inside a scan's fn.*pass the updates scan returned instead/,
    );
    // scan's own updates work: three fresh numbers per call, continuing across calls
    const f = fn([], o, { updates: u });
    const a = Array.from((f() as NDArray).toFlat());
    const b = Array.from((f() as NDArray).toFlat());
    expect(new Set([...a, ...b]).size).toBe(6);
  });
});

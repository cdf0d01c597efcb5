/**
 * Statistical checks of the random ops (1e5 draws each): moments within 5-sigma bounds of the
 * distribution's (so a correct sampler fails with probability below 1e-6 per check, and the
 * seed is fixed anyway), ranges, and structural properties (a permutation is a permutation).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NDArray } from '@theano-ts/tensor';
import * as T from './index';

const N = 100_000;
const draw = (v: T.Variable): number[] => Array.from((T.evaluate([v]) as NDArray[])[0].toFlat());
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};
/** |sample mean - mu| within 5 standard errors (sd the population's standard deviation). */
const expectMean = (xs: number[], mu: number, sd: number) =>
  expect(Math.abs(mean(xs) - mu)).toBeLessThan((5 * sd) / Math.sqrt(xs.length));
/** The sample variance within 5 standard errors: se(s²) = sqrt((mu4 - sigma⁴ (n-3)/(n-1)) / n). */
const expectVar = (xs: number[], sigma2: number, mu4: number) =>
  expect(Math.abs(variance(xs) - sigma2)).toBeLessThan(
    5 * Math.sqrt((mu4 - sigma2 ** 2 * ((xs.length - 3) / (xs.length - 1))) / xs.length),
  );

describe('random ops: distributions (1e5 draws)', () => {
  const srng = new T.RandomStreams(20261130);

  it('uniform(-2, 3): in [low, high), mean 0.5, variance 25/12', () => {
    const xs = draw(srng.uniform([N], -2, 3, 'float64'));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(3);
    expectMean(xs, 0.5, Math.sqrt(25 / 12));
    expectVar(xs, 25 / 12, 5 ** 4 / 80);
  });

  it('normal(1, 2): mean 1, variance 4, about 95.45% within 2 std', () => {
    const xs = draw(srng.normal([N], 1, 2, 'float64'));
    expectMean(xs, 1, 2);
    expectVar(xs, 4, 3 * 16);
    const inside = xs.filter((x) => Math.abs(x - 1) <= 4).length / N;
    const p = 0.9544997361036416;
    expect(Math.abs(inside - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
  });

  it('truncatedNormal(0, 1): within 2 std, mean 0, variance of N(0,1) truncated at ±2', () => {
    const xs = draw(srng.truncatedNormal([N], 0, 1, 'float64'));
    expect(Math.max(...xs.map(Math.abs))).toBeLessThanOrEqual(2);
    // Var = 1 - 2·2·φ(2) / (Φ(2) - Φ(-2)); φ(2) = e^-2 / sqrt(2π)
    const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
    const z = 0.9544997361036416;
    const v = 1 - (4 * phi2) / z;
    expectMean(xs, 0, Math.sqrt(v));
    // its fourth moment is below the normal's 3, so 3 gives a looser (still 5-sigma) bound
    expectVar(xs, v, 3);
  });

  it('binomial(n=10, p=0.3): integers in [0, 10], mean np, variance np(1-p)', () => {
    const xs = draw(srng.binomial([N], 10, 0.3));
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x <= 10)).toBe(true);
    expectMean(xs, 3, Math.sqrt(2.1));
    // fourth central moment of a binomial: np(1-p)(1 + 3(n-2)p(1-p))
    expectVar(xs, 2.1, 2.1 * (1 + 3 * 8 * 0.21));
  });

  it('randint(-3, 5): every integer of [-3, 5) about equally often', () => {
    const xs = draw(srng.randint([N], -3, 5));
    const counts = new Map<number, number>();
    xs.forEach((x) => counts.set(x, (counts.get(x) ?? 0) + 1));
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4]);
    const p = 1 / 8;
    for (const c of counts.values())
      expect(Math.abs(c / N - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
  });

  it('choice with p: frequencies match p', () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const xs = draw(srng.choice([N], 4, { p: T.constant(p, undefined, 'float64') }));
    p.forEach((q, k) => {
      const f = xs.filter((x) => x === k).length / N;
      expect(Math.abs(f - q)).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / N));
    });
  });

  it('choice without replacement: distinct entries of the population', () => {
    for (let t = 0; t < 20; t++) {
      const xs = draw(srng.choice([10], 12, { replace: false }));
      expect(new Set(xs).size).toBe(10);
      expect(xs.every((x) => x >= 0 && x < 12)).toBe(true);
    }
  });

  it('permutation is a permutation, and every position is uniform', () => {
    const n = 6;
    const first = new Array<number>(n).fill(0);
    const trials = 3000;
    const s = new T.RandomStreams(5);
    const perm = s.permutation(n);
    const rng = s.stateUpdates[0][0];
    for (let t = 0; t < trials; t++) {
      const [xs, next] = T.evaluate([perm, perm.owner!.outputs[0]]) as NDArray[];
      rng.setValue(next);
      expect(Array.from(xs.toFlat()).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      first[xs.toFlat()[0]]++;
    }
    const p = 1 / n;
    for (const c of first)
      expect(Math.abs(c / trials - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / trials));
  });

  it('permutation of a matrix permutes its rows', () => {
    const x = T.constant([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const rows = (T.evaluate([srng.permutation(x)]) as NDArray[])[0].toArray() as number[][];
    expect(rows.map((r) => r.join()).sort()).toEqual(['1,2', '3,4', '5,6']);
  });
});

describe('random ops: types and states', () => {
  it('infers static shapes from constant sizes and dtypes from options', () => {
    const srng = new T.RandomStreams(1);
    expect(srng.uniform([2, 3]).type.toString()).toBe(
      new T.TensorType(T.config.floatX, [2, 3]).toString(),
    );
    expect(srng.randint([4], 0, 3).dtype).toBe('int32');
    expect(srng.binomial([4], 1, 0.5, 'float32').dtype).toBe('float32');
    expect(
      srng.choice(
        [2],
        T.constant([
          [1.5, 2],
          [3, 4],
          [5, 6],
        ]),
      ).type.shape,
    ).toEqual([2, 2]);
    // no size: the broadcast shape of the parameters
    const avg = T.dvector('avg');
    const y = srng.normal(undefined, avg, 1);
    expect(y.ndim).toBe(1);
    const [v] = T.evaluate([y], new Map([[avg, T.constant([0, 10, 20]).data]])) as NDArray[];
    expect(v.shape).toEqual([3]);
  });

  it('each draw has its own state, seeded from the stream; the op returns the next state', () => {
    const srng = new T.RandomStreams(9);
    srng.uniform([3]);
    srng.uniform([3]);
    const [[s1, n1], [s2]] = srng.stateUpdates;
    expect(Array.from(s1.getValue().toFlat())).not.toEqual(Array.from(s2.getValue().toFlat()));
    expect(s1.defaultUpdate).toBe(n1);
    const [next] = T.evaluate([n1]) as NDArray[];
    // 3 doubles use 6 words: 2 Philox blocks
    expect(Array.from(next.toFlat())).toEqual([
      ...Array.from(s1.getValue().toFlat()).slice(0, 2),
      2,
      0,
    ]);
  });

  it('setState checks every state before setting any', () => {
    const srng = new T.RandomStreams(9);
    srng.uniform([3]);
    srng.uniform([3]);
    const before = srng.getState();
    const good = T.rngStateFromSeed(5);
    expect(() => srng.setState([good, T.constant([1, 2, 3]).data])).toThrow(
      /RandomStreams.setState: state 1: .*must be an int32 vector of 4 words/,
    );
    expect(srng.getState().map((s) => Array.from(s.toFlat()))).toEqual(
      before.map((s) => Array.from(s.toFlat())),
    );
    expect(() => new T.RandomStreams(-1)).toThrow(
      /RandomStreams: seed must be a non-negative integer/,
    );
  });

  it("a bad shape's error names the user's line, not the runtime's Array.forEach frame", () => {
    const srng = new T.RandomStreams(1);
    let msg = '';
    try {
      srng.uniform([-1, 2]);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^RandomUniform: size\[0\] must be a non-negative integer, got -1/);
    expect(msg).toContain(`The expression was built at ${fileURLToPath(import.meta.url)}`);
    expect(msg).not.toContain('<anonymous>');
  });
});

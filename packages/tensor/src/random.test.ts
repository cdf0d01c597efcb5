import { describe, expect, it } from 'vitest';
import { Generator, philox4x32 } from './random';
import { fixture } from './fixture.test-helper';
import { array } from './creation';

describe('philox4x32 (Philox-4x32-10)', () => {
  // Random123 tests/kat_vectors (https://github.com/DEShawResearch/random123), the three
  // "philox4x32 10" lines: counter (4 words), key (2 words), expected output (4 words).
  it.each([
    [
      [0, 0, 0, 0],
      [0, 0],
      [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    ],
    [
      [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    ],
  ])('matches the Random123 known answer for counter %j, key %j', (counter, key, expected) => {
    expect(philox4x32(counter, key)).toEqual(expected);
  });

  it('agrees with the same vectors as checked by the fixture generator', () => {
    for (const k of fixture.philox.kat) expect(philox4x32(k.counter, k.key)).toEqual(k.expected);
  });

  it('returns unsigned 32-bit words', () => {
    for (const w of philox4x32([1, 2, 3, 4], [5, 6])) {
      expect(Number.isInteger(w)).toBe(true);
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThan(2 ** 32);
    }
  });
});

describe('Generator: the first 8 outputs for seed 0 are pinned', () => {
  it('equal the Random123 known answer (block 0) and the published algorithm (block 1)', () => {
    const g = new Generator(0);
    const first8 = Array.from({ length: 8 }, () => g.nextUint32());
    // block 0 uses counter [0, 0, 0, 0] and key [0, 0]: the first "philox4x32 10" line of
    // Random123's tests/kat_vectors, word for word
    expect(first8.slice(0, 4)).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    // block 1 (counter [1, 0, 0, 0]), from the independent Python implementation in
    // tools/fixtures/generate_tensor.py that reproduces all three published vectors
    expect(first8.slice(4)).toEqual([0xf8e4cca4, 0x5cb200db, 0xb1a574eb, 0x097eff67]);
    expect(first8).toEqual(fixture.philox.streams[0].uint32.slice(0, 8));
  });
});

describe('Generator', () => {
  it('saves and restores its state: a rebuilt generator continues at the next whole block', () => {
    const g = new Generator(2 ** 32 + 7);
    g.nextUint32(); // block 0 is now partly used
    const st = g.getState();
    expect(st).toEqual({ key: [7, 1], counter: 1 });
    const h = Generator.fromState(st.key, st.counter);
    // the fixture's stream: block 1 starts at word 4
    const s = fixture.philox.streams.find((x) => x.seed === 2 ** 32 + 7)!;
    expect(Array.from({ length: 4 }, () => h.nextUint32())).toEqual(s.uint32.slice(4, 8));
    expect(h.getState().counter).toBe(2);
    expect(() => Generator.fromState([2 ** 32, 0], 0)).toThrow(/key must be two uint32 words/);
    expect(() => Generator.fromState([0, 0], -1)).toThrow(/counter must be an integer/);
  });

  it('reseed restarts the stream of the new seed', () => {
    const g = new Generator(3);
    g.uniform(0, 1, [5]);
    g.reseed(42);
    const s = fixture.philox.streams.find((x) => x.seed === 42)!;
    expect(Array.from({ length: 6 }, () => g.nextUint32())).toEqual(s.uint32.slice(0, 6));
    expect(() => g.reseed(-1)).toThrow(/Generator.reseed: seed must be a non-negative integer/);
  });

  it('draws the documented stream: Philox blocks of counter [c, 0, 0, 0] and key = seed, words in order', () => {
    for (const s of fixture.philox.streams) {
      const g = new Generator(s.seed);
      expect(Array.from({ length: s.uint32.length }, () => g.nextUint32())).toEqual(s.uint32);
      const h = new Generator(s.seed);
      expect(Array.from({ length: s.doubles.length }, () => h.nextDouble())).toEqual(s.doubles);
    }
  });

  it('gives the same numbers for the same seed', () => {
    const a = new Generator(1234).uniform(0, 1, [50]);
    const b = new Generator(1234).uniform(0, 1, [50]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const n1 = new Generator(7).normal(0, 1, [33]);
    const n2 = new Generator(7).normal(0, 1, [33]);
    expect(Array.from(n1.data)).toEqual(Array.from(n2.data));
  });

  it('gives different numbers for different seeds, including seeds that differ above 2^32', () => {
    const a = Array.from(new Generator(1).uniform(0, 1, [20]).data);
    const b = Array.from(new Generator(2).uniform(0, 1, [20]).data);
    const c = Array.from(new Generator(1 + 2 ** 32).uniform(0, 1, [20]).data);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.filter((v, i) => v === b[i]).length).toBe(0);
  });

  it('continues the stream across calls instead of repeating it', () => {
    const g = new Generator(3);
    const first = Array.from(g.uniform(0, 1, [8]).data);
    const second = Array.from(g.uniform(0, 1, [8]).data);
    expect(second).not.toEqual(first);
    expect(Array.from(new Generator(3).uniform(0, 1, [16]).data)).toEqual([...first, ...second]);
  });

  it('uniform stays in [low, high) with the right shape, dtype and mean', () => {
    const u = new Generator(11).uniform(-2, 3, [100, 100]);
    expect(u.shape).toEqual([100, 100]);
    expect(u.dtype).toBe('float64');
    let sum = 0;
    for (const v of u.data) {
      expect(v).toBeGreaterThanOrEqual(-2);
      expect(v).toBeLessThan(3);
      sum += v;
    }
    // mean 0.5, standard error 5/sqrt(12)/100 ≈ 0.0144: 5 standard errors
    expect(Math.abs(sum / 1e4 - 0.5)).toBeLessThan(0.075);
    expect(new Generator(11).uniform(0, 1, [3], 'float32').dtype).toBe('float32');
    expect(new Generator(11).uniform().shape).toEqual([]);
  });

  it('normal has the requested mean and standard deviation over 1e4 draws', () => {
    const n = new Generator(2024).normal(2, 3, [10000]);
    const xs = Array.from(n.data);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    // standard errors: 3/100 for the mean, 3/sqrt(2e4) ≈ 0.021 for the std; allow 5 of them
    expect(Math.abs(mean - 2)).toBeLessThan(0.15);
    expect(Math.abs(std - 3)).toBeLessThan(0.11);
    // about 68.3% within one standard deviation (binomial s.e. ≈ 0.0047)
    const within = xs.filter((x) => Math.abs(x - 2) < 3).length / xs.length;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.025);
  });

  it('randint draws every integer of [low, high) and nothing else', () => {
    const r = new Generator(5).randint(-3, 4, [2000]);
    expect(r.dtype).toBe('int32');
    const seen = new Set(r.data);
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(() => new Generator(5).randint(3, 3)).toThrow(/must be greater than low/);
  });

  it('permutation is a permutation of 0..n-1, and not the identity', () => {
    const p = new Generator(9).permutation(50);
    expect(p.dtype).toBe('int32');
    const xs = Array.from(p.data);
    expect([...xs].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(xs).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(new Generator(9).permutation(0).data)).toEqual([]);
    expect(Array.from(new Generator(9).permutation(1).data)).toEqual([0]);
  });

  it('choice draws from a population, with or without replacement, with probabilities', () => {
    const g = new Generator(21);
    const c = g.choice(5, { size: [2000] });
    expect(c.dtype).toBe('int32');
    expect([...new Set(c.data)].sort()).toEqual([0, 1, 2, 3, 4]);
    const u = g.choice(10, { size: 10, replace: false });
    expect([...u.data].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const p = g.choice(3, { size: 4000, p: [0.7, 0, 0.3] });
    const zeros = p.toFlat().filter((v) => v === 0).length / 4000;
    expect(p.toFlat().includes(1)).toBe(false);
    // binomial standard error sqrt(0.21 / 4000) ≈ 0.0072: 5 of them
    expect(Math.abs(zeros - 0.7)).toBeLessThan(0.037);
    const rows = g.choice(
      array(
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        { dtype: 'float32' },
      ),
      { size: 2, replace: false },
    );
    expect(rows.shape).toEqual([2, 2]);
    expect(rows.dtype).toBe('float32');
    expect(g.choice(array([7, 8])).shape).toEqual([]);
    const w = g.choice(4, { size: 2, replace: false, p: [0.1, 0.2, 0.3, 0.4] });
    expect(new Set(w.data).size).toBe(2);
    // the same seed, the same draws
    expect(Array.from(new Generator(5).choice(100, { size: 5 }).data)).toEqual(
      Array.from(new Generator(5).choice(100, { size: 5 }).data),
    );
  });

  it('choice rejects bad arguments, naming them', () => {
    const g = new Generator(1);
    expect(() => g.choice(3, { size: 4, replace: false })).toThrow(
      'Generator.choice: cannot take a larger sample than population when replace is false: expected at most 3 draws, got 4',
    );
    expect(() => g.choice(3, { p: [0.5, 0.5] })).toThrow(
      "Generator.choice: 'a' and 'p' must have same size: expected 3 probabilities, got 2",
    );
    expect(() => g.choice(2, { p: [0.5, 0.6] })).toThrow(
      'Generator.choice: probabilities do not sum to 1: expected a sum of 1, got 1.1',
    );
    expect(() => g.choice(2, { p: [-0.5, 1.5] })).toThrow(
      'Generator.choice: probabilities must be finite and non-negative, got p[0] = -0.5',
    );
    expect(() => g.choice(0, { size: 1 })).toThrow(
      /^Generator.choice: a cannot be empty unless no samples are taken/,
    );
    expect(() => g.choice(3, { size: 3, replace: false, p: [1, 0, 0] })).toThrow(
      'Generator.choice: fewer non-zero entries in p than size: expected at least 3, got 1',
    );
  });

  it('shuffle permutes rows in place, as permutation does', () => {
    const x = array([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    new Generator(9).shuffle(x);
    const order = Array.from(new Generator(9).permutation(4).data);
    expect(x.toArray()).toEqual(order.map((i) => [i, i]));
  });

  it('rejects seeds that are not non-negative integers', () => {
    expect(() => new Generator(-1)).toThrow(RangeError);
    expect(() => new Generator(1.5)).toThrow(/non-negative integer/);
    expect(() => new Generator(2 ** 53)).toThrow(RangeError);
  });
});

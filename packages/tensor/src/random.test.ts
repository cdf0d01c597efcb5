import { describe, expect, it } from 'vitest';
import { Generator, philox4x32 } from './random';
import { fixture } from './fixture.test-helper';

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

describe('Generator', () => {
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

  it('rejects seeds that are not non-negative integers', () => {
    expect(() => new Generator(-1)).toThrow(RangeError);
    expect(() => new Generator(1.5)).toThrow(/non-negative integer/);
    expect(() => new Generator(2 ** 53)).toThrow(RangeError);
  });
});

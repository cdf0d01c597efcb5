import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as S from './special';

/** mpmath values (40 digits, rounded to float64) written by tools/fixtures/gen_elemwise_reductions.py. */
const REF = JSON.parse(
  fs.readFileSync(new URL('../fixtures/special-values.json', import.meta.url), 'utf8'),
) as { functions: Record<string, [number, number | null][]> };

const FNS: Record<string, (x: number) => number> = {
  erf: S.erf,
  erfc: S.erfc,
  erfinv: S.erfinv,
  gammaln: S.gammaln,
  psi: S.psi,
  polygamma1: (x) => S.polygamma(1, x),
  polygamma2: (x) => S.polygamma(2, x),
  polygamma3: (x) => S.polygamma(3, x),
  polygamma6: (x) => S.polygamma(6, x),
};

/**
 * Worst relative error, in float64 epsilons, over the points where `where` holds. Points where
 * the function crosses zero at an irrational point (lgamma and psi on x < 0) lose relative
 * accuracy in any float64 method; they are checked in absolute terms separately.
 */
function worstUlps(name: string, where: (x: number, v: number) => boolean = () => true): number {
  let worst = 0;
  for (const [x, v] of REF.functions[name]) {
    if (v === null || !where(x, v)) continue;
    const got = FNS[name](x);
    const rel = Math.abs(got - v) / Math.max(Math.abs(v), Number.MIN_VALUE);
    worst = Math.max(worst, rel / Number.EPSILON);
  }
  return worst;
}

describe('special functions against mpmath (40 digits)', () => {
  it('erf, erfc and erfinv: within 3 ulps everywhere (erfc down to 1e-300)', () => {
    expect(worstUlps('erf')).toBeLessThan(3);
    expect(worstUlps('erfc')).toBeLessThan(3);
    expect(worstUlps('erfinv')).toBeLessThan(3);
  });
  it('gammaln: within 4 ulps for x > 0, 1e-14 absolute (relative when |value| > 1) for x < 0', () => {
    expect(worstUlps('gammaln', (x) => x > 0)).toBeLessThan(4);
    for (const [x, v] of REF.functions.gammaln)
      if (x < 0 && v !== null)
        expect(Math.abs(S.gammaln(x) - v)).toBeLessThan(1e-14 * Math.max(1, Math.abs(v)));
  });
  it('psi: within 4 ulps for x > 0 (relative, also next to its zero 1.4616...)', () => {
    expect(worstUlps('psi', (x) => x > 0)).toBeLessThan(4);
    for (const [x, v] of REF.functions.psi)
      if (x < 0 && v !== null)
        expect(Math.abs(S.psi(x) - v)).toBeLessThan(1e-14 * Math.max(1, Math.abs(v)));
  });
  it('polygamma n = 1, 2, 3, 6: within 4 ulps for x > 0, 16 for x < 0', () => {
    for (const n of [1, 2, 3, 6]) {
      expect(
        worstUlps(`polygamma${n}`, (x) => x > 0),
        `n = ${n}`,
      ).toBeLessThan(4);
      expect(
        worstUlps(`polygamma${n}`, (x) => x < 0),
        `n = ${n}, x < 0`,
      ).toBeLessThan(16);
    }
  });
  it('agree with mpmath on where they are infinite', () => {
    for (const [name, rows] of Object.entries(REF.functions))
      for (const [x, v] of rows)
        if (v === null) expect(Number.isFinite(FNS[name](x)), `${name}(${x})`).toBe(false);
  });
});

describe('special values', () => {
  it('erf, erfc, erfinv at 0, ±1, ±Infinity and NaN', () => {
    expect(S.erf(0)).toBe(0);
    expect(Object.is(S.erf(-0), -0)).toBe(true);
    expect(S.erf(Infinity)).toBe(1);
    expect(S.erf(-Infinity)).toBe(-1);
    expect(S.erfc(-Infinity)).toBe(2);
    expect(S.erfc(Infinity)).toBe(0);
    expect(S.erfc(30)).toBe(0);
    expect(S.erfinv(1)).toBe(Infinity);
    expect(S.erfinv(-1)).toBe(-Infinity);
    expect(S.erfinv(1.5)).toBeNaN();
    expect(Object.is(S.erfinv(-0), -0)).toBe(true);
    for (const f of [S.erf, S.erfc, S.erfinv, S.gammaln, S.psi]) expect(f(NaN)).toBeNaN();
  });
  it('gammaln: +Infinity at the poles and at ±Infinity; exact zeros at 1 and 2', () => {
    for (const x of [0, -0, -1, -2, -1e20, Infinity, -Infinity])
      expect(S.gammaln(x)).toBe(Infinity);
    expect(S.gammaln(1)).toBe(0);
    expect(S.gammaln(2)).toBe(0);
    expect(S.gammaln(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 15);
    expect(S.gammaln(1e306)).toBe(Infinity);
  });
  it('psi as torch.digamma: -Infinity at +0, +Infinity at -0, NaN at negative integers', () => {
    expect(S.psi(0)).toBe(-Infinity);
    expect(S.psi(-0)).toBe(Infinity);
    expect(S.psi(-3)).toBeNaN();
    expect(S.psi(Infinity)).toBe(Infinity);
    expect(S.psi(-Infinity)).toBeNaN();
    expect(S.psi(1)).toBe(-S.EULER_GAMMA);
    expect(S.polygamma(0, 2.5)).toBe(S.psi(2.5));
    expect(S.polygamma(1.5, 2)).toBeNaN();
    expect(S.polygamma(1, Infinity)).toBe(0);
    expect(S.polygamma(1, 0)).toBe(Infinity);
    // trigamma(1) = pi^2 / 6
    expect(S.polygamma(1, 1)).toBeCloseTo((Math.PI * Math.PI) / 6, 15);
  });
  it('log1mexp is accurate near 0 and for large -x', () => {
    expect(S.log1mexp(-1e-20)).toBeCloseTo(Math.log(1e-20), 12);
    expect(S.log1mexp(-50)).toBe(-Math.exp(-50));
    expect(S.log1mexp(0)).toBe(-Infinity);
    expect(S.log1mexp(1)).toBeNaN();
  });
});

describe('NumPy floor division, remainder and rounding', () => {
  it('floorDiv: floor of the quotient, ±inf / nan for a zero divisor, signed zeros', () => {
    expect([7, -7, 7, -7].map((a, i) => S.floorDiv(a, [2, 2, -2, -2][i]))).toEqual([3, -4, -4, 3]);
    expect(S.floorDiv(1, 0)).toBe(Infinity);
    expect(S.floorDiv(-1, 0)).toBe(-Infinity);
    expect(S.floorDiv(0, 0)).toBeNaN();
    expect(S.floorDiv(Infinity, 2)).toBeNaN();
    expect(S.floorDiv(-1, Infinity)).toBe(-1);
    expect(Object.is(S.floorDiv(-0.5, 2), -1)).toBe(true);
    expect(Object.is(S.floorDiv(0, -3), -0)).toBe(true);
    expect(S.floorDiv(5.5, 0.1)).toBe(54); // as Python and NumPy: 0.1 is above 1/10 (5.5 / 0.1 rounds to 55)
  });
  it('remainder: the sign of the divisor; nan for a zero divisor', () => {
    expect([7, -7, 7, -7].map((a, i) => S.remainder(a, [3, 3, -3, -3][i]))).toEqual([1, 2, -2, -1]);
    expect(S.remainder(1, 0)).toBeNaN();
    expect(Object.is(S.remainder(-0, 1), 0)).toBe(true);
    expect(Object.is(S.remainder(3, -3), -0)).toBe(true);
    expect(S.remainder(-1, Infinity)).toBe(Infinity);
  });
  it('round half to even and half away from zero', () => {
    const xs = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994, -0.4];
    expect(xs.map(S.roundHalfToEven)).toEqual([-2, -2, -0, 0, 2, 2, 0, -0]);
    expect(xs.map(S.roundHalfAwayFromZero)).toEqual([-3, -2, -1, 1, 2, 3, 0, -0]);
    expect(S.roundHalfToEven(2 ** 53 + 2)).toBe(2 ** 53 + 2);
  });
});

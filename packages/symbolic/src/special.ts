/**
 * Scalar special functions on float64 numbers, written for theano-ts (own implementations of
 * classical methods; the formulas are cited from the NIST Digital Library of Mathematical
 * Functions, https://dlmf.nist.gov, "DLMF" below; coefficient tables are computed with mpmath by
 * tools/special/gen_special_coeffs.py). Accuracy, checked in special.test.ts against mpmath at 40
 * digits on ~2500 points: at most 3 units in the last place (ulps) for erf, erfc (down to 1e-300)
 * and erfinv; 4 ulps for gammaln, psi and polygamma at x > 0 (psi also next to its zero);
 * for x < 0, where the reflection formulas subtract nearly equal numbers next to the zeros of
 * gammaln and psi, 1e-14 absolute.
 *
 * Also the elementwise integer/rounding helpers whose NumPy semantics need more than one
 * expression (floor division, remainder, round half to even).
 */
import {
  BERNOULLI_2K,
  DIGAMMA_ROOT,
  DIGAMMA_ROOT_LO,
  DIGAMMA_TAYLOR_AT_ROOT,
  ERFCX_CHEBYSHEV,
  EULER_GAMMA,
  LGAMMA_SERIES_AT_2,
} from './special-coeffs';

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2 / sqrt(pi)
const INV_SQRT_PI = 0.5641895835477563; // 1 / sqrt(pi)
const HALF_LOG_2PI = 0.9189385332046728; // log(2 pi) / 2

/**
 * exp(-x^2) to a few ulps for x >= 0: x is split in two halves of 26 bits (Veltkamp), so that
 * x^2 = hi^2 + rest with hi^2 exact, and exp(-x^2) = exp(-hi^2) exp(-rest).
 */
function expMinusSquare(x: number): number {
  if (x > 1e8) return 0;
  const c = 134217729 * x; // 2^27 + 1
  const hi = c - (c - x);
  const lo = x - hi;
  return Math.exp(-hi * hi) * Math.exp(-(2 * hi * lo + lo * lo));
}

/**
 * erfcx(x) = exp(x^2) erfc(x) for x >= 0.5: Chebyshev expansions (coefficients by
 * tools/special/gen_special_coeffs.py) on [0.5, 3), Laplace's continued fraction beyond
 * (DLMF 7.9.2), evaluated backward from a fixed depth (stable: relative error <= 2.2e-16 for
 * x >= 3 at the depths used, where the forward Lentz method accumulates ~1e-15).
 */
function erfcxLarge(x: number): number {
  if (x < 3) {
    const i = Math.floor((x - 0.5) * 2);
    const c = ERFCX_CHEBYSHEV[i];
    const t = 4 * x - (3 + 2 * i); // maps [0.5 + 0.5 i, 1 + 0.5 i) to [-1, 1)
    // Clenshaw's recurrence
    let b1 = 0;
    let b2 = 0;
    for (let j = c.length - 1; j >= 1; j--) {
      const b0 = 2 * t * b1 - b2 + c[j];
      b2 = b1;
      b1 = b0;
    }
    return t * b1 - b2 + c[0] / 2;
  }
  if (x > 1e8) return INV_SQRT_PI / x; // the first term of the asymptotic series (DLMF 7.12.1)
  // sqrt(pi) erfcx(x) = 1 / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))
  const depth = x < 4 ? 60 : x < 6 ? 40 : x < 8 ? 30 : x < 12 ? 20 : 12;
  let t = x;
  for (let k = depth; k >= 1; k--) t = x + k / 2 / t;
  return INV_SQRT_PI / t;
}

/** (-1)^n / (n! (2n + 1)), n = 0..14: the Maclaurin coefficients of erf(x) sqrt(pi) / (2x) in x^2. */
const ERF_SERIES: readonly number[] = (() => {
  const c: number[] = [];
  let fact = 1;
  for (let n = 0; n <= 14; n++) {
    if (n > 0) fact *= n;
    c.push((n % 2 === 0 ? 1 : -1) / (fact * (2 * n + 1)));
  }
  return c;
})();

/** erf(x) for |x| < 0.5 by its Maclaurin series (DLMF 7.6.1); 15 terms reach 1e-18 relative. */
function erfSmall(x: number): number {
  const z = x * x;
  let s = 0;
  for (let n = ERF_SERIES.length - 1; n >= 0; n--) s = s * z + ERF_SERIES[n];
  return TWO_OVER_SQRT_PI * x * s;
}

/**
 * The error function erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt (DLMF 7.2.1), as
 * numpy/scipy's `erf`: Maclaurin series for |x| < 0.5, 1 - erfc(|x|) beyond.
 */
export function erf(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.5) return erfSmall(x);
  if (ax > 6) return x > 0 ? 1 : -1; // erfc(6) < 2.2e-17
  const r = 1 - expMinusSquare(ax) * erfcxLarge(ax);
  return x > 0 ? r : -r;
}

/**
 * The complementary error function erfc(x) = 1 - erf(x) (DLMF 7.2.2), accurate in relative terms
 * for large x: exp(-x^2) erfcx(x) for x >= 0.5, 1 - erf(x) for |x| < 0.5, 2 - erfc(-x) below.
 */
export function erfc(x: number): number {
  if (x !== x) return NaN;
  if (x < -0.5) return 2 - (x < -6 ? 0 : expMinusSquare(-x) * erfcxLarge(-x));
  if (x < 0.5) return 1 - erfSmall(x);
  if (x > 27.3) return 0; // below the smallest subnormal
  return expMinusSquare(x) * erfcxLarge(x);
}

/**
 * The inverse error function: erfinv(y) = x with erf(x) = y, for y in [-1, 1] (scipy's `erfinv`;
 * NaN outside, ±Infinity at ±1). A first guess from the asymptotics of erfc is refined by Halley's
 * method on erf(x) - y for |y| <= 0.5, and on erfc(x) - (1 - |y|) beyond (1 - |y| is exact there),
 * which keeps the relative accuracy in the tails: f'(x) = -+2/sqrt(pi) exp(-x^2), f'' = -2x f'.
 */
export function erfinv(y: number): number {
  if (y !== y || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y; // keeps -0
  const ay = Math.abs(y);
  let x: number;
  if (ay <= 0.5) {
    // series start: erfinv(y) = (sqrt(pi)/2) (y + pi y^3 / 12 + ...) (DLMF 7.17.2)
    const t = y / TWO_OVER_SQRT_PI;
    x = t * (1 + (Math.PI * y * y) / 12 + ((7 * Math.PI * Math.PI) / 480) * y ** 4);
    for (let i = 0; i < 6; i++) {
      const f = erf(x) - y;
      const fp = TWO_OVER_SQRT_PI * Math.exp(-x * x);
      const dx = f / (fp + x * f);
      x -= dx;
      if (Math.abs(dx) <= 1e-17 * Math.abs(x)) break;
    }
    return x;
  }
  const q = 1 - ay; // exact (Sterbenz) for ay in [0.5, 1]
  // erfc(x) ~ exp(-x^2) / (x sqrt(pi)): x^2 = -log(q) - log(x sqrt(pi)), two fixed-point steps
  const L = -Math.log(q);
  x = Math.sqrt(Math.max(L, 0.5));
  for (let i = 0; i < 2; i++) x = Math.sqrt(Math.max(L - Math.log(x / INV_SQRT_PI), 0.1));
  for (let i = 0; i < 12; i++) {
    const e = erfc(x);
    const f = e - q;
    const fp = -TWO_OVER_SQRT_PI * expMinusSquare(x);
    if (fp === 0) break;
    const dx = f / (fp + x * f);
    x -= dx;
    if (Math.abs(dx) <= 1e-17 * x) break;
  }
  return y > 0 ? x : -x;
}

/** sin(pi x) with exact argument reduction (x finite). */
export function sinPi(x: number): number {
  let y = x % 2; // exact, in (-2, 2)
  if (y <= -1) y += 2;
  else if (y > 1) y -= 2; // now in (-1, 1]
  if (y > 0.5) y = 1 - y;
  else if (y < -0.5) y = -1 - y; // sin(pi (1 - y)) = sin(pi y); exact
  return Math.sin(Math.PI * y);
}

/** cos(pi x) with exact argument reduction (x finite). */
export function cosPi(x: number): number {
  let y = Math.abs(x % 2); // exact, in [0, 2)
  if (y > 1) y = 2 - y; // exact, in [0, 1]
  return sinPi(0.5 - y); // exact for y >= 0.25, where cos(pi y) is small
}

/** ln Gamma(2 + z) for |z| <= 0.5 by its Taylor series at 2 (coefficients: special-coeffs.ts). */
function lgammaAt2(z: number): number {
  let s = 0;
  for (let k = LGAMMA_SERIES_AT_2.length - 1; k >= 1; k--) s = s * z + LGAMMA_SERIES_AT_2[k];
  return s * z;
}

/**
 * ln|Gamma(x)| (scipy's `gammaln`, C's lgamma): +Infinity at the poles (0, -1, -2, ...) and at
 * ±Infinity. Methods: the Taylor series of ln Gamma at 2 (DLMF 5.7.3) on [0.5, 2.5), with
 * Gamma(x + 1) = x Gamma(x) (DLMF 5.5.1) below and up to 10, Stirling's series with 10 terms
 * (DLMF 5.11.1) from 10, and the reflection formula Gamma(x) Gamma(1 - x) = pi / sin(pi x)
 * (DLMF 5.5.3) for x < 0.
 */
export function gammaln(x: number): number {
  if (x !== x) return NaN;
  if (x === Infinity || x === -Infinity) return Infinity;
  if (x <= 0) {
    if (Number.isInteger(x)) return Infinity;
    return Math.log(Math.PI / Math.abs(sinPi(x))) - gammaln(1 - x);
  }
  if (x < 0.5) return lgammaAt2(x) - Math.log1p(x) - Math.log(x); // ln Gamma(x + 2) - ln((x + 1) x)
  if (x < 1.5) return lgammaAt2(x - 1) - Math.log1p(x - 1); // ln Gamma(x + 1) - ln x, x - 1 exact
  if (x < 2.5) return lgammaAt2(x - 2);
  if (x < 10) {
    let z = x;
    let p = 1;
    while (z >= 2.5) {
      z -= 1; // exact: x < 10 has at least as coarse an ulp as z
      p *= z;
    }
    return lgammaAt2(z - 2) + Math.log(p);
  }
  // Stirling: (x - 1/2) ln x - x + ln(2 pi)/2 + sum_k B_2k / (2k (2k - 1) x^(2k - 1))
  const r = 1 / x;
  const r2 = r * r;
  let s = 0;
  for (let k = 9; k >= 1; k--) s = s * r2 + BERNOULLI_2K[k - 1] / (2 * k * (2 * k - 1));
  if (x > 1e17) return x * (Math.log(x) - 1);
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + s * r;
}

/** psi(2 + z) for |z| <= 0.5: the derivative of the series of ln Gamma(2 + z) (DLMF 5.7.4). */
function psiAt2(z: number): number {
  let s = 0;
  for (let k = LGAMMA_SERIES_AT_2.length - 1; k >= 1; k--) s = s * z + k * LGAMMA_SERIES_AT_2[k];
  return s;
}

/**
 * The digamma function psi(x) = Gamma'(x) / Gamma(x) (scipy's `psi`, torch's `digamma`):
 * -Infinity at +0, +Infinity at -0, NaN at the negative integers and -Infinity. Methods, chosen so
 * that no step cancels much: the Taylor series at the positive zero x0 = 1.46163... on
 * [1.16, 1.76) (relative accuracy near the zero), the series of psi at 2 on [1.76, 2.5], the
 * recurrence psi(x + 1) = psi(x) + 1/x (DLMF 5.5.2) into those ranges from below 1.16 and from
 * 2.5 up to 10, the asymptotic series (DLMF 5.11.2) from 10, and the reflection
 * psi(1 - x) - psi(x) = pi cot(pi x) (DLMF 5.5.4) for x < 0.
 */
export function psi(x: number): number {
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (x < 0) {
    if (Number.isInteger(x)) return NaN;
    return psi(1 - x) - (Math.PI * cosPi(x)) / sinPi(x);
  }
  if (x >= 10) {
    // ln x - 1/(2x) - sum_k B_2k / (2k x^2k)
    const r2 = 1 / (x * x);
    let s = 0;
    for (let k = 8; k >= 1; k--) s = s * r2 + BERNOULLI_2K[k - 1] / (2 * k);
    return Math.log(x) - 0.5 / x - s * r2;
  }
  let acc = 0;
  let y = x;
  while (y < 1.16) {
    acc -= 1 / y;
    y += 1;
  }
  while (y > 2.5) {
    y -= 1; // exact for y < 10
    acc += 1 / y;
  }
  let v: number;
  if (y < 1.76) {
    const h = y - DIGAMMA_ROOT - DIGAMMA_ROOT_LO;
    let s = 0;
    for (let k = DIGAMMA_TAYLOR_AT_ROOT.length - 1; k >= 1; k--)
      s = s * h + DIGAMMA_TAYLOR_AT_ROOT[k];
    v = s * h;
  } else v = psiAt2(y - 2);
  return v + acc;
}

/**
 * The Hurwitz zeta function zeta(s, a) = sum_k (a + k)^-s for an integer s >= 2 and real a (not
 * a pole: a = 0, -1, ... give Infinity): the first terms summed until a + N >= max(12, s + 8),
 * then the Euler-Maclaurin tail (DLMF 25.11.5 with 14 Bernoulli terms).
 */
export function hurwitzZeta(s: number, a: number): number {
  if (a !== a) return NaN;
  if (a === Infinity) return 0;
  const start = Math.max(12, s + 8);
  let n = 0;
  const head: number[] = [];
  while (a + n < start) {
    head.push(Math.pow(a + n, -s));
    n++;
  }
  const y = a + n;
  // y^(1-s)/(s-1) + y^-s/2 + sum_j B_2j/(2j)! s(s+1)...(s+2j-2) y^(-s-2j+1)
  let tail = Math.pow(y, 1 - s) / (s - 1) + 0.5 * Math.pow(y, -s);
  // g_j = (s)_(2j-1) y^(-s-2j+1) / (2j)!, with the rising factorial (s)_m = s (s+1) ... (s+m-1)
  let g = (s * Math.pow(y, -s - 1)) / 2;
  const r2 = 1 / (y * y);
  for (let j = 1; j <= 14; j++) {
    const t = BERNOULLI_2K[j - 1] * g;
    tail += t;
    if (Math.abs(t) < 1e-18 * tail) break;
    g *= ((s + 2 * j - 1) * (s + 2 * j) * r2) / ((2 * j + 1) * (2 * j + 2));
  }
  // add the head from its smallest terms (a > 0: they decrease)
  let sum = tail;
  for (let k = head.length - 1; k >= 0; k--) sum += head[k];
  return sum;
}

/**
 * The polygamma function psi^(n)(x), the n-th derivative of psi (scipy/torch `polygamma`):
 * psi for n = 0, (-1)^(n+1) n! zeta(n + 1, x) for integers n >= 1 (DLMF 5.15.2); NaN for other n.
 */
export function polygamma(n: number, x: number): number {
  if (n === 0) return psi(x);
  if (!(n >= 1) || !Number.isInteger(n)) return NaN;
  if (x !== x || x === -Infinity) return NaN;
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return (n % 2 === 1 ? f : -f) * hurwitzZeta(n + 1, x);
}

/** log(1 - exp(x)) for x <= 0, stable both near 0 and for large -x (Maechler 2012, "Accurately Computing log(1 - exp(-|a|))"). */
export function log1mexp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/**
 * NumPy's floor division (numpy.floor_divide on floats, the `npy_divmod` algorithm): the
 * quotient (a - fmod(a, b)) / b corrected to floor and rounded to the nearest integer; a / b when
 * b = 0 (±Infinity or NaN). Integer dtypes take the result rounded toward 0 and wrapped, which
 * gives 0 for a division by zero as NumPy does (Infinity and NaN become 0 in an int array).
 */
export function floorDiv(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) {
    const q = a / b;
    return q < 0 || Object.is(q, -0) ? -0 : 0; // copysign(0, a / b)
  }
  let fl = Math.floor(div);
  if (div - fl > 0.5) fl += 1;
  return fl;
}

/**
 * NumPy's remainder (numpy.remainder / mod, Python's %): the sign of the divisor; NaN when b = 0
 * for floats, which an integer dtype stores as 0 (NumPy: int % 0 = 0).
 */
export function remainder(a: number, b: number): number {
  let mod = a % b;
  if (b === 0) return mod;
  if (mod !== 0) {
    if (b < 0 !== mod < 0) mod += b;
  } else mod = b < 0 ? -0 : 0;
  return mod;
}

/** Round half to even (numpy.round / rint): -2.5 → -2, -1.5 → -2, 0.5 → 0, 1.5 → 2; keeps -0. */
export function roundHalfToEven(x: number): number {
  const r = Math.round(x); // half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Round half away from zero (C's round, Theano's round_half_away_from_zero): -2.5 → -3, 2.5 → 3. */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** The Euler-Mascheroni constant (for tests and series). */
export { EULER_GAMMA };

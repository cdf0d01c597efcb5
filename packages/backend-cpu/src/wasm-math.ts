/**
 * Vectorised float32 functions for generated WebAssembly SIMD loops: code on four float32
 * lanes (v128 locals), emitted inline into the fused loops.
 *
 * Algorithms (after Cephes' single-precision routines by S. L. Moshier, made branch-free):
 * - exp: Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, the expf.c polynomial, and 2^n
 *   applied as two exact power-of-two factors, so that subnormal results round once and
 *   overflow gives +inf.
 * - log: x = m·2^e with m in [√½, √2), log(1+f) by the logf.c polynomial, e·ln2 in two parts;
 *   subnormal inputs are scaled by 2^23 first.
 * - log1p(x) = log(u)·x/(u−1) with u = 1+x (Goldberg, "What every computer scientist should
 *   know about floating-point arithmetic", 1991, thm. 4); expm1(x) = (u−1)·x/log(u) with
 *   u = e^x (Kahan's trick).
 * - tanh: the tanhf.c odd polynomial for |x| < 0.625, else 1 − 2/(e^{2|x|}+1), sign of x.
 * - sigmoid: 1/(1+e^{−x}) for x ≥ 0, e^x/(1+e^x) below (no overflow, subnormal tails kept).
 * - softplus: max(x, 0) + log1p(e^{−|x|}).
 * NaN propagates; ±inf and ±0 give the values of the float64 functions. Accuracy against the
 * float64 functions rounded to float32 is measured by wasm-elemwise.test.ts.
 */
import type { FunctionBuilder, Local } from './wasm';

/** The vector functions available to generated loops (scalar op names). */
export const VEC_FNS = ['exp', 'log', 'log1p', 'expm1', 'tanh', 'sigmoid', 'softplus'] as const;
export type VecFn = (typeof VEC_FNS)[number];

/** An operand: a v128 local, a float32 constant in every lane, or an int32 constant ({ i }). */
export type Operand = Local | number | { readonly i: number };

/**
 * Straight-line v128 code on locals: every operation pushes its operands, applies one
 * instruction and stores the result in a fresh local, which it returns.
 */
export class Vec {
  /** Constants hoisted into locals (see {@link hoist}), by key. */
  private readonly hoisted = new Map<string, Local>();
  /** Keys of the constants pushed so far. */
  readonly used = new Set<string>();

  constructor(readonly f: FunctionBuilder) {}

  push(o: Operand): this {
    if (typeof o !== 'number' && !('i' in o)) {
      this.f.get(o);
      return this;
    }
    const key = typeof o === 'number' ? `f${Object.is(o, -0) ? '-0' : o}` : `i${o.i}`;
    this.used.add(key);
    const l = this.hoisted.get(key);
    if (l) this.f.get(l);
    else if (typeof o === 'number') this.f.f32x4Const(o, o, o, o);
    else this.f.i32x4Const(o.i, o.i, o.i, o.i);
    return this;
  }

  /**
   * Put the constants of `keys` (a {@link used} set of an earlier pass over the same code)
   * in locals now, so that code emitted later (a loop body) reads them instead of
   * rematerializing each v128.const on every iteration.
   */
  hoist(keys: Iterable<string>): void {
    for (const key of keys) {
      const v = key.slice(1);
      if (key[0] === 'f') {
        const x = v === '-0' ? -0 : Number(v);
        this.f.f32x4Const(x, x, x, x);
      } else this.f.i32x4Const(+v, +v, +v, +v);
      this.hoisted.set(key, this.keep());
    }
  }
  /** Store the value on the stack in a fresh local. */
  keep(): Local {
    const t = this.f.local('v128');
    this.f.set(t);
    return t;
  }
  op1(name: string, a: Operand): Local {
    this.push(a).f.op(name);
    return this.keep();
  }
  op2(name: string, a: Operand, b: Operand): Local {
    this.push(a).push(b).f.op(name);
    return this.keep();
  }
  add = (a: Operand, b: Operand) => this.op2('f32x4.add', a, b);
  sub = (a: Operand, b: Operand) => this.op2('f32x4.sub', a, b);
  mul = (a: Operand, b: Operand) => this.op2('f32x4.mul', a, b);
  div = (a: Operand, b: Operand) => this.op2('f32x4.div', a, b);
  /** Lanes of `a` where `mask` is set, else of `b`. */
  select(a: Operand, b: Operand, mask: Operand): Local {
    this.push(a).push(b).push(mask).f.op('v128.bitselect');
    return this.keep();
  }
  /** An i32x4 shift by a constant count. */
  shift(name: string, a: Operand, count: number): Local {
    this.push(a).f.i32Const(count).op(name);
    return this.keep();
  }
  /** Horner's scheme c[0]·t^k + … + c[k]. */
  poly(t: Operand, c: readonly number[]): Local {
    let acc: Operand = c[0];
    for (let i = 1; i < c.length; i++) acc = this.add(this.mul(acc, t), c[i]);
    return acc as Local;
  }
}

const SIGN = { i: -0x80000000 };

/** exp on four lanes (Cephes expf.c); `nonPositive`: x ≤ 0 or NaN is known (no upper clamp). */
function expBody(v: Vec, x0: Local, nonPositive = false): Local {
  // beyond these, exp is +inf / 0 in float32; the clamp keeps n in int range (NaN stays NaN)
  // pmax / pmin (one x86 instruction each; NaN in x0 passes through): x0 < -104 ? -104 : x0
  const lo = v.op2('f32x4.pmax', x0, -104);
  const x = nonPositive ? lo : v.op2('f32x4.pmin', lo, 89);
  // n = round(x·log2 e) by adding 1.5·2^23 (the integer lands in the low mantissa bits)
  const k = v.add(v.mul(x, Math.LOG2E), 12582912);
  const n = v.sub(k, 12582912);
  const r = v.sub(v.sub(x, v.mul(n, 0.693359375)), v.mul(n, -2.1219444e-4));
  const p0 = v.poly(
    r,
    [
      1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
      5.0000001201e-1,
    ],
  );
  const p = v.add(v.add(v.mul(p0, v.mul(r, r)), r), 1);
  // 2^n as 2^n1 · 2^n2, each a normal float32 (n in [-150, 128])
  const ni = v.op2('i32x4.sub', k, { i: 0x4b400000 });
  const n1 = v.shift('i32x4.shr_s', ni, 1);
  const n2 = v.op2('i32x4.sub', ni, n1);
  const s1 = v.shift('i32x4.shl', v.op2('i32x4.add', n1, { i: 127 }), 23);
  const s2 = v.shift('i32x4.shl', v.op2('i32x4.add', n2, { i: 127 }), 23);
  return v.mul(v.mul(p, s1), s2);
}

/** Natural log on four lanes (Cephes logf.c). */
function logBody(v: Vec, x: Local): Local {
  // subnormals (and 0, negatives: fixed below) scaled by 2^23
  const den = v.op2('f32x4.lt', x, 1.17549435e-38);
  const xs = v.select(v.mul(x, 8388608), x, den);
  const eAdj = v.op2('v128.and', den, { i: -23 });
  // frexp: xs = m · 2^e, m in [0.5, 1)
  const bits = v.shift('i32x4.shr_u', xs, 23);
  const e0 = v.op2(
    'i32x4.add',
    v.op2('i32x4.sub', v.op2('v128.and', bits, { i: 0xff }), { i: 126 }),
    eAdj,
  );
  const m = v.op2('v128.or', v.op2('v128.and', xs, { i: 0x007fffff }), { i: 0x3f000000 });
  // m < √½: e − 1 and f = 2m − 1; else f = m − 1 (both exact)
  const small = v.op2('f32x4.lt', m, Math.SQRT1_2);
  const e = v.op2('i32x4.add', e0, small);
  const f = v.sub(v.add(m, v.op2('v128.and', m, small)), 1);
  const z = v.mul(f, f);
  const p = v.poly(
    f,
    [
      7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1,
      -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
    ],
  );
  const fe = v.op1('f32x4.convert_i32x4_s', e);
  let y = v.mul(v.mul(p, f), z);
  y = v.add(y, v.mul(fe, -2.1219444e-4));
  y = v.sub(y, v.mul(z, 0.5));
  let r = v.add(v.add(f, y), v.mul(fe, 0.693359375));
  // x < 0: NaN; x = 0: -inf; x = inf: inf; NaN: NaN
  r = v.select(NaN, r, v.op2('f32x4.lt', x, 0));
  r = v.select(-Infinity, r, v.op2('f32x4.eq', x, 0));
  r = v.select(Infinity, r, v.op2('f32x4.eq', x, Infinity));
  return v.select(x, r, v.op2('f32x4.ne', x, x));
}

/**
 * Emits a vector function inline (a call per four lanes costs as much as exp itself):
 * `vecFn(v, name, x)` leaves name(x) in the local it returns.
 */
export function vecFn(v: Vec, name: VecFn, x: Local): Local {
  switch (name) {
    case 'exp':
      return expBody(v, x);
    case 'log':
      return logBody(v, x);
    case 'log1p':
      return log1p(v, x);
    case 'expm1': {
      const u = expBody(v, x);
      const um1 = v.sub(u, 1);
      // x / log(u) first: (u - 1) · x overflows near the top of the range
      let r = v.mul(um1, v.div(x, logBody(v, u)));
      r = v.select(-1, r, v.op2('f32x4.eq', um1, -1));
      r = v.select(Infinity, r, v.op2('f32x4.eq', u, Infinity));
      return v.select(x, r, v.op2('f32x4.eq', u, 1));
    }
    case 'tanh': {
      const ax = v.op1('f32x4.abs', x);
      const z = v.mul(x, x);
      const p = v.poly(
        z,
        [
          -5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1,
          -3.33332819422e-1,
        ],
      );
      // on |x|, then the sign of x (tanh is odd; -0 stays -0)
      const near0 = v.add(v.mul(v.mul(p, z), ax), ax);
      const big = v.sub(1, v.div(2, v.add(expBody(v, v.add(ax, ax)), 1)));
      const r = v.select(near0, big, v.op2('f32x4.lt', ax, 0.625));
      return v.op2('v128.or', r, v.op2('v128.and', x, SIGN));
    }
    case 'sigmoid': {
      // one division: 1 or e over 1 + e, chosen per lane (same rounding as two divisions)
      const e = expBody(v, v.op2('v128.or', x, SIGN), true);
      return v.div(v.select(1, e, v.op2('f32x4.ge', x, 0)), v.add(e, 1));
    }
    case 'softplus': {
      const e = expBody(v, v.op2('v128.or', x, SIGN), true);
      return v.add(v.op2('f32x4.pmax', x, 0), log1p(v, e));
    }
  }
}

/** log1p(x) = log(u)·x/(u−1), u = 1+x; x where u = 1; inf where u = inf. */
function log1p(v: Vec, x: Local): Local {
  const u = v.add(x, 1);
  const d = v.sub(u, 1);
  let r = v.mul(logBody(v, u), v.div(x, d));
  r = v.select(Infinity, r, v.op2('f32x4.eq', u, Infinity));
  return v.select(x, r, v.op2('f32x4.eq', d, 0));
}

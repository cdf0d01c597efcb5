import {
  type ElemwiseScalarOpName,
  type Variable,
  add,
  constant,
  cos,
  cosh,
  exp,
  expm1,
  ge,
  gt,
  intDiv,
  le,
  logicalAnd,
  lt,
  mul,
  neg,
  polygamma,
  psi,
  sin,
  sinh,
  sqr,
  sqrt,
  sub,
  trueDiv,
  zerosLike,
} from '@theano-ts/symbolic';

/** A scalar op's gradient: from its inputs, output and output gradient, one gradient per input (null: none). */
export type ScalarGrad = (
  ins: readonly Variable[],
  out: Variable,
  gz: Variable,
) => (Variable | null)[];

/** A constant in `like`'s (float) dtype, so that float64 gradients keep float64 constants. */
const k = (value: number, like: Variable): Variable => constant(value, undefined, like.dtype);

const none: ScalarGrad = (ins) => ins.map(() => null);
/** Piecewise-constant ops (rounding, floor division): zero gradient, as Theano. */
const zero: ScalarGrad = (ins) => ins.map((x) => zerosLike(x));

/**
 * Gradients of the elementwise scalar ops of issue 4 (Theano's scalar grad methods; PyTorch's
 * derivatives where Theano has none: mod's w.r.t. the divisor). Broadcasting and dtypes are
 * undone by the driver (sumToType).
 */
export const ELEMWISE_SCALAR_GRADS: { readonly [S in ElemwiseScalarOpName]: ScalarGrad } = {
  intDiv: zero,
  // a mod b = a - b floor(a / b)
  mod: ([a, b], _o, gz) => [gz, neg(mul(gz, intDiv(a, b)))],
  // atan2(y, x): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2)
  arctan2: ([y, x], _o, gz) => {
    const r2 = add(sqr(x), sqr(y));
    return [trueDiv(mul(gz, x), r2), neg(trueDiv(mul(gz, y), r2))];
  },
  // Theano's Clip.grad: x where lo <= x <= hi, lo below, hi above
  clip: ([x, lo, hi], _o, gz) => [
    mul(gz, logicalAnd(ge(x, lo), le(x, hi))),
    mul(gz, lt(x, lo)),
    mul(gz, gt(x, hi)),
  ],
  exp2: (_i, out, gz) => [mul(mul(gz, out), k(Math.LN2, out))],
  log2: ([x], out, gz) => [trueDiv(gz, mul(x, k(Math.LN2, out)))],
  log10: ([x], out, gz) => [trueDiv(gz, mul(x, k(Math.LN10, out)))],
  sin: ([x], _o, gz) => [mul(gz, cos(x))],
  cos: ([x], _o, gz) => [neg(mul(gz, sin(x)))],
  tan: ([x], _o, gz) => [trueDiv(gz, sqr(cos(x)))],
  arcsin: ([x], _o, gz) => [trueDiv(gz, sqrt(sub(1, sqr(x))))],
  arccos: ([x], _o, gz) => [neg(trueDiv(gz, sqrt(sub(1, sqr(x)))))],
  arctan: ([x], _o, gz) => [trueDiv(gz, add(1, sqr(x)))],
  sinh: ([x], _o, gz) => [mul(gz, cosh(x))],
  cosh: ([x], _o, gz) => [mul(gz, sinh(x))],
  arcsinh: ([x], _o, gz) => [trueDiv(gz, sqrt(add(sqr(x), 1)))],
  arccosh: ([x], _o, gz) => [trueDiv(gz, sqrt(sub(sqr(x), 1)))],
  arctanh: ([x], _o, gz) => [trueDiv(gz, sub(1, sqr(x)))],
  ceil: zero,
  floor: zero,
  trunc: zero,
  roundHalfToEven: zero,
  roundHalfAwayFromZero: zero,
  // d erf / dx = 2 / sqrt(pi) exp(-x^2)
  erf: ([x], out, gz) => [mul(gz, mul(k(2 / Math.sqrt(Math.PI), out), exp(neg(sqr(x)))))],
  erfc: ([x], out, gz) => [neg(mul(gz, mul(k(2 / Math.sqrt(Math.PI), out), exp(neg(sqr(x))))))],
  // d erfinv / dy = sqrt(pi) / 2 exp(erfinv(y)^2)
  erfinv: (_i, out, gz) => [mul(gz, mul(k(Math.sqrt(Math.PI) / 2, out), exp(sqr(out))))],
  gammaln: ([x], _o, gz) => [mul(gz, psi(x))],
  psi: ([x], _o, gz) => [mul(gz, polygamma(1, x))],
  // d/dx psi^(n)(x) = psi^(n+1)(x); n is an integer (no gradient)
  polygamma: ([n, x], _o, gz) => [null, mul(gz, polygamma(add(n, 1), x))],
  // d/dx log(1 - exp(x)) = -1 / expm1(-x)
  log1mexp: ([x], _o, gz) => [neg(trueDiv(gz, expm1(neg(x))))],
  isnan: none,
  isinf: none,
  isfinite: none,
  logicalAnd: none,
  logicalOr: none,
  logicalXor: none,
  logicalNot: none,
  bitwiseAnd: none,
  bitwiseOr: none,
  bitwiseXor: none,
  invert: none,
};

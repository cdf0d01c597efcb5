/**
 * The elementwise functions of issue 4's Elementwise list that basic.ts does not have (Theano's
 * and NumPy's names in camelCase), and the nnet activations and losses built from them. Each is
 * one Elemwise node of a scalar op (elemwise-scalar-ops.ts) or a few, which fusion turns into one
 * loop; argument checks run at graph-build time and name the function and the input.
 */
import { type DType, isFloat, isInteger, promoteTypes } from '@theano-ts/tensor';
import type { TensorLike, Variable } from './graph';
import {
  abs,
  add,
  asTensorVariable,
  cast,
  constant,
  elemwiseOp,
  eq,
  expm1,
  gt,
  le,
  log,
  mul,
  neg,
  softplus,
  sub,
  switch_,
  trueDiv,
} from './basic';
import { upgradeToFloat } from './config';
import type { ScalarOpName } from './op-params';
import { describeVar } from './op-spec';
import { TheanoTypeError, builtAt, userStackLine } from './errors';
import { all } from './reduction-fns';

const unary =
  (name: ScalarOpName) =>
  (x: TensorLike): Variable =>
    elemwiseOp(name, [x]);
const binary =
  (name: ScalarOpName) =>
  (a: TensorLike, b: TensorLike): Variable =>
    elemwiseOp(name, [a, b]);

/** A build-time error naming function `fn`, with where the user built the expression. */
function fail(fn: string, msg: string): never {
  throw new TheanoTypeError(`${fn}: ${msg}${builtAt(userStackLine())}`);
}

/** A constant of `v`'s float dtype (the dtype `v` is computed in), so that float64 math keeps float64 constants. */
const floatConst = (value: number, v: Variable): Variable =>
  constant(value, undefined, upgradeToFloat(v.dtype));

// ---------------------------------------------------------------- integer division, remainder

/**
 * Floor division a // b (numpy.floor_divide, Theano's int_div): ints stay ints (bool // bool is
 * int8). Division by zero follows NumPy: an integer x // 0 is 0 (NumPy also warns), a float
 * x // 0 is +inf, -inf or nan (0 // 0).
 */
export const intDiv = binary('intDiv');
/** Alias of intDiv (Theano's floor_div). */
export const floorDiv = intDiv;
/**
 * Remainder a % b with the sign of b (numpy.remainder / mod, Python's %); integer x % 0 is 0
 * (NumPy), float x % 0 is nan.
 */
export const mod = binary('mod');

// ---------------------------------------------------------------- exponents, logarithms, trig

/** 2 ** x (numpy.exp2). */
export const exp2 = unary('exp2');
/** Base-2 logarithm (numpy.log2). */
export const log2 = unary('log2');
/** Base-10 logarithm (numpy.log10). */
export const log10 = unary('log10');
/** Sine, x in radians (numpy.sin). */
export const sin = unary('sin');
/** Cosine, x in radians (numpy.cos). */
export const cos = unary('cos');
/** Tangent, x in radians (numpy.tan). */
export const tan = unary('tan');
/** Inverse sine, in [-pi/2, pi/2]; nan outside [-1, 1] (numpy.arcsin). */
export const arcsin = unary('arcsin');
/** Inverse cosine, in [0, pi]; nan outside [-1, 1] (numpy.arccos). */
export const arccos = unary('arccos');
/** Inverse tangent, in (-π/2, π/2) (numpy.arctan). */
export const arctan = unary('arctan');
/** The angle of the point (x, y) in (-pi, pi] (numpy.arctan2(y, x)). */
export const arctan2 = binary('arctan2');
/** Hyperbolic sine (numpy.sinh). */
export const sinh = unary('sinh');
/** Hyperbolic cosine (numpy.cosh). */
export const cosh = unary('cosh');
/** Inverse hyperbolic sine (numpy.arcsinh). */
export const arcsinh = unary('arcsinh');
/** Inverse hyperbolic cosine; nan below 1 (numpy.arccosh). */
export const arccosh = unary('arccosh');
/** Inverse hyperbolic tangent; ±inf at ±1, nan beyond (numpy.arctanh). */
export const arctanh = unary('arctanh');

// ---------------------------------------------------------------- rounding

/** Smallest integer >= x, as a float (numpy.ceil; ints give floats as in NumPy 1.x). */
export const ceil = unary('ceil');
/** Largest integer <= x, as a float (numpy.floor). */
export const floor = unary('floor');
/** x rounded toward 0, as a float (numpy.trunc). */
export const trunc = unary('trunc');
/** Round half to even: -2.5 → -2, 0.5 → 0, 1.5 → 2 (numpy.round, Theano's round_half_to_even). */
export const roundHalfToEven = unary('roundHalfToEven');
/** Round half away from zero: -2.5 → -3, 2.5 → 3 (Theano's round_half_away_from_zero). */
export const roundHalfAwayFromZero = unary('roundHalfAwayFromZero');

/**
 * Round to the nearest integer (Theano's round(a, mode)): `mode` 'half_to_even' (the default,
 * NumPy's and PyTensor's) or 'half_away_from_zero'. Ints are returned unchanged.
 * @throws TheanoTypeError for another mode.
 */
export function round(
  x: TensorLike,
  opts: { mode?: 'half_to_even' | 'half_away_from_zero' } = {},
): Variable {
  const mode = opts.mode ?? 'half_to_even';
  if (mode === 'half_to_even') return roundHalfToEven(x);
  if (mode === 'half_away_from_zero') return roundHalfAwayFromZero(x);
  return fail(
    'round',
    `mode must be 'half_to_even' or 'half_away_from_zero', got ${JSON.stringify(mode)}`,
  );
}

/**
 * Clip to [min, max]: minimum(maximum(x, min), max) (numpy.clip; nan stays nan, and min > max
 * gives max). The gradient goes to x where min <= x <= max, to min below, to max above (Theano).
 */
export const clip = (x: TensorLike, min: TensorLike, max: TensorLike): Variable =>
  elemwiseOp('clip', [x, min, max]);

// ---------------------------------------------------------------- special functions

/** The error function (scipy.special.erf). */
export const erf = unary('erf');
/** The complementary error function 1 - erf(x), accurate for large x (scipy.special.erfc). */
export const erfc = unary('erfc');
/** The inverse error function on [-1, 1] (scipy.special.erfinv). */
export const erfinv = unary('erfinv');
/** ln|Gamma(x)| (scipy.special.gammaln, Theano's gammaln). */
export const gammaln = unary('gammaln');
/** The digamma function Gamma'(x) / Gamma(x) (scipy.special.psi, Theano's psi). */
export const psi = unary('psi');
/** log(1 - exp(x)) for x <= 0, computed stably (PyTensor's log1mexp). */
export const log1mexp = unary('log1mexp');

/**
 * The polygamma function psi^(n)(x), the n-th derivative of psi (scipy.special.polygamma);
 * `n` is an integer tensor or number (polygamma(0, x) = psi(x)).
 * @throws TheanoTypeError when n is not an integer tensor.
 */
export function polygamma(n: TensorLike, x: TensorLike): Variable {
  const nv = asTensorVariable(n, 'n of polygamma');
  if (!isInteger(nv.dtype) && nv.dtype !== 'bool')
    fail('polygamma', `${describeVar(nv, 0)} must be an integer tensor (the order n)`);
  return elemwiseOp('polygamma', [nv, x]);
}
/** psi'(x) = polygamma(1, x) (Theano's tri_gamma). */
export const triGamma = (x: TensorLike): Variable => polygamma(1, x);

// ---------------------------------------------------------------- predicates

/** x is nan (numpy.isnan); bool. */
export const isnan = unary('isnan');
/** x is +inf or -inf (numpy.isinf); bool. */
export const isinf = unary('isinf');
/** x is neither inf nor nan (numpy.isfinite); bool. */
export const isfinite = unary('isfinite');

/**
 * |a - b| <= atol + rtol |b| elementwise, with infinities equal only to themselves and nan equal
 * to nan only with `equalNan` (numpy.isclose; defaults rtol 1e-5, atol 1e-8). Ints are compared
 * as floats. Built from primitives (one fused loop after rewriting).
 */
export function isclose(
  a: TensorLike,
  b: TensorLike,
  opts: { rtol?: number; atol?: number; equalNan?: boolean } = {},
): Variable {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = opts;
  if (!(rtol >= 0) || !(atol >= 0))
    fail('isclose', `rtol and atol must be >= 0, got rtol ${rtol}, atol ${atol}`);
  const va = asTensorVariable(a, 'a of isclose');
  const vb = asTensorVariable(b, 'b of isclose');
  const dtype: DType = upgradeToFloat(promoteTypes(va.dtype, vb.dtype));
  const x = cast(va, dtype);
  const y = cast(vb, dtype);
  const tol = add(constant(atol, undefined, dtype), mul(constant(rtol, undefined, dtype), abs(y)));
  const finite = logicalAnd(isfinite(x), isfinite(y));
  const close = switch_(finite, le(abs(sub(x, y)), tol), eq(x, y));
  return equalNan ? logicalOr(close, logicalAnd(isnan(x), isnan(y))) : close;
}

/** All elements are close (numpy.allclose): all(isclose(a, b, opts)), a bool scalar. */
export const allclose = (
  a: TensorLike,
  b: TensorLike,
  opts: { rtol?: number; atol?: number; equalNan?: boolean } = {},
): Variable => all(isclose(a, b, opts));

// ---------------------------------------------------------------- logical and bitwise

/** a and b, elementwise (numpy.logical_and): nonzero is true; bool. */
export const logicalAnd = binary('logicalAnd');
/** a or b (numpy.logical_or); bool. */
export const logicalOr = binary('logicalOr');
/** a xor b (numpy.logical_xor); bool. */
export const logicalXor = binary('logicalXor');
/** not x (numpy.logical_not); bool. */
export const logicalNot = unary('logicalNot');

function checkBitwise(fn: string, xs: readonly TensorLike[], allowBool: boolean): Variable[] {
  return xs.map((x, i) => {
    const v = asTensorVariable(x, `input ${i} of ${fn}`);
    if (isFloat(v.dtype) || (!allowBool && v.dtype === 'bool'))
      fail(
        fn,
        `${describeVar(v, i)} must be an integer${allowBool ? ' or bool' : ''} tensor; bitwise ops are not defined on ${v.dtype} (use logicalAnd/logicalOr/logicalXor/logicalNot for truth values)`,
      );
    return v;
  });
}

/** a & b on integer or bool tensors (numpy.bitwise_and; Theano's and_). */
export const bitwiseAnd = (a: TensorLike, b: TensorLike): Variable =>
  elemwiseOp('bitwiseAnd', checkBitwise('bitwiseAnd', [a, b], true));
/** a | b on integer or bool tensors (numpy.bitwise_or; Theano's or_). */
export const bitwiseOr = (a: TensorLike, b: TensorLike): Variable =>
  elemwiseOp('bitwiseOr', checkBitwise('bitwiseOr', [a, b], true));
/** a ^ b on integer or bool tensors (numpy.bitwise_xor; Theano's xor). */
export const bitwiseXor = (a: TensorLike, b: TensorLike): Variable =>
  elemwiseOp('bitwiseXor', checkBitwise('bitwiseXor', [a, b], true));
/**
 * ~x (numpy.invert / bitwise_not, Theano's invert): two's complement on ints; on bools NumPy's
 * invert is logical not, and so is this.
 */
export function invert(x: TensorLike): Variable {
  const v = asTensorVariable(x, 'input 0 of invert');
  if (v.dtype === 'bool') return logicalNot(v);
  return elemwiseOp('invert', checkBitwise('invert', [v], false));
}
/** Theano's and_ (bitwise and; logical on bools). */
export const and_ = bitwiseAnd;
/** Theano's or_ (bitwise or; logical on bools). */
export const or_ = bitwiseOr;
/** Theano's xor. */
export const xor = bitwiseXor;
/** numpy.bitwise_not: same as invert. */
export const bitwiseNot = invert;

// ---------------------------------------------------------------- nnet activations and losses

function floatInput(fn: string, x: TensorLike, what: string): Variable {
  const v = asTensorVariable(x, `${what} of ${fn}`);
  if (!isFloat(v.dtype)) fail(fn, `${describeVar(v, 0)} must be a float tensor (${what})`);
  return v;
}

/**
 * Exponential linear unit (Theano's nnet.elu; Clevert et al. 2015): x for x > 0, else
 * alpha (exp(x) - 1).
 */
export function elu(x: TensorLike, alpha: TensorLike = 1): Variable {
  const v = floatInput('elu', x, 'x');
  const a = typeof alpha === 'number' ? floatConst(alpha, v) : alpha;
  return switch_(gt(v, 0), v, mul(a, expm1(v)));
}

/** The SELU constants (Klambauer et al. 2017), as Theano's nnet.selu. */
const SELU_ALPHA = 1.6732632423543772; // 1.6732632423543772848170429916717...
const SELU_SCALE = 1.0507009873554805; // 1.0507009873554804934193349852946...

/** Scaled exponential linear unit (Theano's nnet.selu): scale * elu(x, alpha) with the SELU constants. */
export function selu(x: TensorLike): Variable {
  const v = floatInput('selu', x, 'x');
  return mul(floatConst(SELU_SCALE, v), elu(v, SELU_ALPHA));
}

/** x / (1 + |x|) (Theano's nnet.softsign). */
export function softsign(x: TensorLike): Variable {
  const v = floatInput('softsign', x, 'x');
  return trueDiv(v, add(1, abs(v)));
}

/** clip(0.2 x + 0.5, 0, 1) (Theano's nnet.hard_sigmoid). */
export function hardSigmoid(x: TensorLike): Variable {
  const v = floatInput('hardSigmoid', x, 'x');
  return clip(add(mul(v, floatConst(0.2, v)), floatConst(0.5, v)), 0, 1);
}

/**
 * Binary cross-entropy -(t log(p) + (1 - t) log(1 - p)) of probabilities `output` and targets
 * `target` in [0, 1] (Theano's nnet.binary_crossentropy), elementwise.
 */
export function binaryCrossentropy(output: TensorLike, target: TensorLike): Variable {
  const p = floatInput('binaryCrossentropy', output, 'output');
  const t = asTensorVariable(target, 'target of binaryCrossentropy');
  return neg(add(mul(t, log(p)), mul(sub(1, t), log(sub(1, p)))));
}

/**
 * Binary cross-entropy of sigmoid(output) and `target`, computed stably from the logits
 * (Theano's nnet.sigmoid_binary_crossentropy): softplus(-|x|) + x ((x > 0) - t). Its gradient
 * w.r.t. x is sigmoid(x) - t.
 */
export function sigmoidBinaryCrossentropy(output: TensorLike, target: TensorLike): Variable {
  const x = floatInput('sigmoidBinaryCrossentropy', output, 'output');
  const t = asTensorVariable(target, 'target of sigmoidBinaryCrossentropy');
  return add(softplus(neg(abs(x))), mul(x, sub(gt(x, 0), t)));
}

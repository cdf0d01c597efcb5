import { type DType, isFloat, promoteTypes } from '@theano-ts/tensor';
import { upgradeToFloat } from './config';
import { TheanoTypeError } from './errors';
import type { ElemwiseScalarOpName } from './elemwise-scalar-names';
import type { ScalarOpSpec } from './scalar-ops';
import {
  erf,
  erfc,
  erfinv,
  floorDiv,
  gammaln,
  log1mexp,
  polygamma,
  psi,
  remainder,
  roundHalfAwayFromZero,
  roundHalfToEven,
} from './special';

const upcast = (ins: readonly DType[]): DType => ins.reduce((a, b) => promoteTypes(a, b));
const toFloat = (ins: readonly DType[]): DType => upgradeToFloat(upcast(ins));
const toBool = (): DType => 'bool';

/** A unary op with a float result (ints are upgraded as by true division). */
const unaryFloat = (
  impl: (x: number) => number,
  js: (a: string) => string,
  helpers?: ScalarOpSpec['helpers'],
): ScalarOpSpec => ({ nin: 1, outDtype: toFloat, impl, js: ([a]) => js(a), helpers });

/** A unary op calling one helper function `$name` in generated code. */
const unaryHelper = (name: string, impl: (x: number) => number): ScalarOpSpec =>
  unaryFloat(impl, (a) => `$${name}(${a})`, { [`$${name}`]: impl });

/** NumPy's floor_divide / remainder: like `upcast`, but bool // bool is int8 (NumPy). */
const intLike = (ins: readonly DType[]): DType => {
  const d = upcast(ins);
  return d === 'bool' ? 'int8' : d;
};

/**
 * Bitwise ops take integer and bool inputs only (NumPy: "ufunc 'bitwise_and' not supported for
 * the input types"); the user functions check first, naming the variable.
 */
const bitwiseDtype =
  (name: string, allowBool: boolean) =>
  (ins: readonly DType[]): DType => {
    ins.forEach((d, i) => {
      if (isFloat(d) || (!allowBool && d === 'bool'))
        throw new TheanoTypeError(
          `Elemwise{${name}}: input ${i} has dtype ${d}; ${name} takes integer${allowBool ? ' or bool' : ''} tensors${allowBool ? '' : ' (logicalNot negates bools)'}`,
        );
    });
    return upcast(ins);
  };

const predicate = (impl: (x: number) => boolean, js: (a: string) => string): ScalarOpSpec => ({
  nin: 1,
  outDtype: toBool,
  impl: (x) => (impl(x) ? 1 : 0),
  js: ([a]) => `(${js(a)} ? 1 : 0)`,
});
const logical = (
  impl: (x: boolean, y: boolean) => boolean,
  js: (a: string, b: string) => string,
): ScalarOpSpec => ({
  nin: 2,
  outDtype: toBool,
  impl: (x, y) => (impl(x !== 0, y !== 0) ? 1 : 0),
  js: ([a, b]) => `(${js(`(${a} !== 0)`, `(${b} !== 0)`)} ? 1 : 0)`,
});

const NAN_MAX = (x: number, y: number): number => (x !== x || y !== y ? NaN : x > y ? x : y);
const NAN_MIN = (x: number, y: number): number => (x !== x || y !== y ? NaN : x < y ? x : y);
/** numpy.clip: minimum(maximum(x, lo), hi), NaN-propagating (so lo > hi gives hi). */
const clip = (x: number, lo: number, hi: number): number => NAN_MIN(NAN_MAX(x, lo), hi);

/**
 * The elementwise scalar ops of issue 4 (names in elemwise-scalar-names.ts), with NumPy's
 * semantics and dtype rules (transcendental functions of ints give floats as true division does;
 * predicates give bool; floor division and remainder keep ints, so that an integer division by
 * zero gives 0 as in NumPy) and scipy.special's for the special functions (special.ts).
 * Ops whose code needs more than an expression name helper functions (`$erf`…) in `helpers`.
 */
export const ELEMWISE_SCALAR_OPS: { readonly [K in ElemwiseScalarOpName]: ScalarOpSpec } = {
  /** numpy.floor_divide (Theano's int_div, Python's //); int // 0 = 0, float // 0 = ±inf or nan. */
  intDiv: {
    nin: 2,
    outDtype: intLike,
    impl: floorDiv,
    js: ([a, b]) => `$floorDiv(${a}, ${b})`,
    helpers: { $floorDiv: floorDiv },
  },
  /** numpy.remainder (Theano's mod, Python's %): the sign of the divisor; int % 0 = 0, float % 0 = nan. */
  mod: {
    nin: 2,
    outDtype: intLike,
    impl: remainder,
    js: ([a, b]) => `$remainder(${a}, ${b})`,
    helpers: { $remainder: remainder },
  },
  /** numpy.arctan2(y, x): the angle of the point (x, y). */
  arctan2: {
    nin: 2,
    outDtype: toFloat,
    impl: Math.atan2,
    js: ([a, b]) => `Math.atan2(${a}, ${b})`,
  },
  /** numpy.clip(x, lo, hi) = minimum(maximum(x, lo), hi). */
  clip: {
    nin: 3,
    outDtype: upcast,
    impl: clip,
    js: ([x, lo, hi]) => `$clip(${x}, ${lo}, ${hi})`,
    helpers: { $clip: clip },
  },
  exp2: unaryFloat(
    (x) => Math.pow(2, x),
    (a) => `Math.pow(2.0, ${a})`,
  ),
  log2: unaryFloat(Math.log2, (a) => `Math.log2(${a})`),
  log10: unaryFloat(Math.log10, (a) => `Math.log10(${a})`),
  sin: unaryFloat(Math.sin, (a) => `Math.sin(${a})`),
  cos: unaryFloat(Math.cos, (a) => `Math.cos(${a})`),
  tan: unaryFloat(Math.tan, (a) => `Math.tan(${a})`),
  arcsin: unaryFloat(Math.asin, (a) => `Math.asin(${a})`),
  arccos: unaryFloat(Math.acos, (a) => `Math.acos(${a})`),
  arctan: unaryFloat(Math.atan, (a) => `Math.atan(${a})`),
  sinh: unaryFloat(Math.sinh, (a) => `Math.sinh(${a})`),
  cosh: unaryFloat(Math.cosh, (a) => `Math.cosh(${a})`),
  arcsinh: unaryFloat(Math.asinh, (a) => `Math.asinh(${a})`),
  arccosh: unaryFloat(Math.acosh, (a) => `Math.acosh(${a})`),
  arctanh: unaryFloat(Math.atanh, (a) => `Math.atanh(${a})`),
  // numpy 1.24: ceil/floor/trunc of ints are floats (float16 → float32 here), -0 kept
  ceil: unaryFloat(Math.ceil, (a) => `Math.ceil(${a})`),
  floor: unaryFloat(Math.floor, (a) => `Math.floor(${a})`),
  trunc: unaryFloat(Math.trunc, (a) => `Math.trunc(${a})`),
  /** numpy.round / rint: half to even; ints are returned unchanged in their dtype (numpy.round). */
  roundHalfToEven: {
    nin: 1,
    outDtype: upcast,
    impl: roundHalfToEven,
    js: ([a]) =>
      `(Math.round(${a}) - ${a} === 0.5 && Math.round(${a}) % 2 !== 0 ? Math.round(${a}) - 1 : Math.round(${a}))`,
  },
  /** C's round (Theano's round_half_away_from_zero). */
  roundHalfAwayFromZero: {
    nin: 1,
    outDtype: upcast,
    impl: roundHalfAwayFromZero,
    js: ([a]) => `(${a} < 0 ? -Math.round(-${a}) : Math.round(${a}))`,
  },
  erf: unaryHelper('erf', erf),
  erfc: unaryHelper('erfc', erfc),
  erfinv: unaryHelper('erfinv', erfinv),
  gammaln: unaryHelper('gammaln', gammaln),
  psi: unaryHelper('psi', psi),
  /** polygamma(n, x): the n-th derivative of psi; n is an integer input (PyTensor's polygamma). */
  polygamma: {
    nin: 2,
    outDtype: (ins) => upgradeToFloat(ins[1]),
    impl: polygamma,
    js: ([n, x]) => `$polygamma(${n}, ${x})`,
    helpers: { $polygamma: polygamma },
  },
  /** log(1 - exp(x)), stable (PyTensor's log1mexp). */
  log1mexp: unaryFloat(
    log1mexp,
    (a) =>
      `(${a} > -0.6931471805599453 ? Math.log(-Math.expm1(${a})) : Math.log1p(-Math.exp(${a})))`,
  ),
  isnan: predicate(
    (x) => x !== x,
    (a) => `${a} !== ${a}`,
  ),
  isinf: predicate(
    (x) => x === Infinity || x === -Infinity,
    (a) => `(${a} === Infinity || ${a} === -Infinity)`,
  ),
  isfinite: predicate(
    (x) => x - x === 0,
    (a) => `${a} - ${a} === 0`,
  ),
  // numpy.logical_*: a value is true when nonzero (NaN included); the result is bool
  logicalAnd: logical(
    (x, y) => x && y,
    (a, b) => `${a} && ${b}`,
  ),
  logicalOr: logical(
    (x, y) => x || y,
    (a, b) => `${a} || ${b}`,
  ),
  logicalXor: logical(
    (x, y) => x !== y,
    (a, b) => `${a} !== ${b}`,
  ),
  logicalNot: predicate(
    (x) => x === 0,
    (a) => `${a} === 0`,
  ),
  // numpy.bitwise_*: two's complement on the integer values (bool & bool stays bool)
  bitwiseAnd: {
    nin: 2,
    outDtype: bitwiseDtype('bitwiseAnd', true),
    impl: (x, y) => x & y,
    js: ([a, b]) => `(${a} & ${b})`,
    infix: '&',
  },
  bitwiseOr: {
    nin: 2,
    outDtype: bitwiseDtype('bitwiseOr', true),
    impl: (x, y) => x | y,
    js: ([a, b]) => `(${a} | ${b})`,
    infix: '|',
  },
  bitwiseXor: {
    nin: 2,
    outDtype: bitwiseDtype('bitwiseXor', true),
    impl: (x, y) => x ^ y,
    js: ([a, b]) => `(${a} ^ ${b})`,
    infix: '^',
  },
  /** numpy.invert on ints (~x); on bools NumPy's invert is logical not: the user function `invert` maps it to logicalNot. */
  invert: {
    nin: 1,
    outDtype: bitwiseDtype('invert', false),
    impl: (x) => ~x,
    js: ([a]) => `(~${a})`,
  },
};

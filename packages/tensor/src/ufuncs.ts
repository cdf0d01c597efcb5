/**
 * NumPy's universal functions (https://numpy.org/doc/stable/reference/ufuncs.html) on NDArrays:
 * broadcasting, NumPy's output dtypes for theano-ts's storage dtypes, and NumPy's integer
 * semantics (wrap-around on overflow, floor division and remainder with the divisor's sign,
 * division by zero giving 0). Where NumPy would produce float16 (math on bool, int8, uint8)
 * the result is float32, as Theano's upgrade_to_float does.
 *
 * JavaScript numbers as operands are "weak" like Python scalars under NumPy's NEP 50: an
 * integer takes the other operand's dtype (and must fit it), a non-integer takes a float
 * operand's dtype or float64.
 */
import { type DType, castScalar, checkedCast, isFloat, isInteger, promoteTypes } from './dtype';
import { NDArray } from './ndarray';
import { elemwise } from './math';
import { broadcastShapesIn } from './shape';
import { describeValue } from './errors';

/** An operand of a ufunc: an NDArray or a JavaScript number/boolean (a weak scalar). */
export type Operand = NDArray | number | boolean;

function toArray(fn: string, x: Operand, dtype: DType, arg: string): NDArray {
  if (x instanceof NDArray) return x;
  if (typeof x !== 'number' && typeof x !== 'boolean')
    throw new TypeError(
      `${fn}: argument '${arg}' must be an NDArray, a number or a boolean, got ${describeValue(x)}`,
    );
  const data = new Float64Array([checkedCast(x, dtype, fn, arg)]);
  return new NDArray(data, []);
}

/** The dtype a weak scalar gets next to arrays of dtype `other` (NEP 50). */
function weakDtype(fn: string, v: number | boolean, other: DType | null, arg: string): DType {
  if (typeof v === 'boolean') return other ?? 'bool';
  if (typeof v !== 'number')
    throw new TypeError(
      `${fn}: argument '${arg}' must be an NDArray, a number or a boolean, got ${describeValue(v)}`,
    );
  if (Number.isInteger(v)) {
    if (other === null) return Math.abs(v) < 2 ** 31 ? 'int32' : 'float64';
    if (other === 'bool') return 'int32';
    if (isInteger(other)) checkedCast(v, other, fn, arg);
    return other;
  }
  if (other !== null && isFloat(other)) return other;
  return 'float64';
}

/**
 * The common dtype of ufunc operands (numpy.result_type with NEP 50 weak scalars).
 * @throws RangeError when an integer scalar does not fit the arrays' integer dtype.
 */
export function operandsDtype(fn: string, operands: readonly Operand[]): DType {
  const arrays = operands.filter((o): o is NDArray => o instanceof NDArray);
  let dtype: DType | null = arrays.length ? arrays.map((a) => a.dtype).reduce(promoteTypes) : null;
  const scalars = operands.map((o, i) => [o, i] as const).filter(([o]) => !(o instanceof NDArray));
  for (const [s, i] of scalars) {
    const w = weakDtype(fn, s as number | boolean, dtype, `x${i + 1}`);
    dtype = w;
  }
  return dtype ?? 'float64';
}

/** Theano's upgrade_to_float (NumPy's float16 becomes float32): the dtype of float math on `d`. */
export function floatDtype(d: DType): DType {
  if (isFloat(d)) return d;
  return d === 'int32' ? 'float64' : 'float32';
}

function binary(
  fn: string,
  a: Operand,
  b: Operand,
  out: (common: DType) => DType,
  f: (x: number, y: number, common: DType) => number,
): NDArray {
  const common = operandsDtype(fn, [a, b]);
  const A = toArray(fn, a, common, 'x1');
  const B = toArray(fn, b, common, 'x2');
  broadcastShapesIn(fn, [A.shape, B.shape]);
  const dtype = out(common);
  if (A.dtype === common && B.dtype === common)
    return elemwise([A, B], dtype, (x, y) => f(x, y, common));
  return elemwise([A, B], dtype, (x, y) => f(castScalar(x, common), castScalar(y, common), common));
}

function unary(
  fn: string,
  a: Operand,
  out: (d: DType) => DType,
  f: (x: number, d: DType) => number,
): NDArray {
  const d = operandsDtype(fn, [a]);
  const A = toArray(fn, a, d, 'x');
  return elemwise([A], out(d), (x) => f(x, d));
}

const same = (d: DType) => d;
const toBool = () => 'bool' as DType;
const noBool = (fn: string, what: string) => (d: DType) => {
  if (d === 'bool')
    throw new TypeError(
      `${fn}: the numpy boolean ${what} is not supported: expected numeric operands, got bool (use logicalXor / logicalNot, or cast with astype)`,
    );
  return d;
};
const boolToInt8 = (d: DType): DType => (d === 'bool' ? 'int8' : d);

/** 32-bit wrapping product for integer dtypes (exact low bits), plain product for floats. */
const mulFor = (x: number, y: number, d: DType): number =>
  isInteger(d) ? Math.imul(x, y) : d === 'bool' ? (x && y ? 1 : 0) : x * y;

/** NumPy's npy_divmod for floats: [floor quotient, remainder with the divisor's sign]. */
function divmodFloat(a: number, b: number): [number, number] {
  if (b === 0) return [a / b, NaN];
  let mod = a % b;
  let div = (a - mod) / b;
  // C's truthiness: NaN counts as non-zero
  if (mod !== 0) {
    if (b < 0 !== mod < 0) {
      mod += b;
      div -= 1;
    }
  } else mod = b < 0 ? -0 : 0;
  let floordiv: number;
  if (div !== 0) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else floordiv = a / b < 0 || Object.is(a / b, -0) ? -0 : 0;
  return [floordiv, mod];
}

/** Elementwise sum (numpy.add); bool + bool is logical or. */
export const add = (a: Operand, b: Operand): NDArray =>
  binary('add', a, b, same, (x, y, d) => (d === 'bool' ? (x || y ? 1 : 0) : x + y));
/** Elementwise difference (numpy.subtract). @throws TypeError for two bool operands. */
export const subtract = (a: Operand, b: Operand): NDArray =>
  binary('subtract', a, b, noBool('subtract', 'subtract, the `-` operator,'), (x, y) => x - y);
/** Elementwise product (numpy.multiply); integers wrap as in NumPy; bool * bool is logical and. */
export const multiply = (a: Operand, b: Operand): NDArray => binary('multiply', a, b, same, mulFor);
/** True division (numpy.divide / true_divide): integers and bool give float64. */
export const divide = (a: Operand, b: Operand): NDArray =>
  binary(
    'divide',
    a,
    b,
    (d) => (isFloat(d) ? d : 'float64'),
    (x, y) => x / y,
  );
/** Floor division (numpy.floor_divide): integers divided by 0 give 0, as NumPy. */
export const floorDivide = (a: Operand, b: Operand): NDArray =>
  binary('floorDivide', a, b, boolToInt8, (x, y, d) =>
    isFloat(d) ? divmodFloat(x, y)[0] : y === 0 ? 0 : Math.floor(x / y),
  );
/** Remainder with the divisor's sign (numpy.remainder / mod, Python's %): x % 0 is 0 for integers, NaN for floats. */
export const remainder = (a: Operand, b: Operand): NDArray =>
  binary('remainder', a, b, boolToInt8, (x, y, d) =>
    isFloat(d) ? divmodFloat(x, y)[1] : y === 0 ? 0 : x - Math.floor(x / y) * y,
  );
/** numpy.mod, the same as {@link remainder}. */
export const mod = remainder;
/** C-style remainder with the dividend's sign (numpy.fmod). */
export const fmod = (a: Operand, b: Operand): NDArray =>
  binary('fmod', a, b, boolToInt8, (x, y, d) => (isFloat(d) ? x % y : y === 0 ? 0 : x % y));

function intPow(x: number, y: number): number {
  let r = 1;
  let base = x | 0;
  let e = y;
  while (e > 0) {
    if (e & 1) r = Math.imul(r, base);
    base = Math.imul(base, base);
    e = Math.floor(e / 2);
  }
  return r;
}

/**
 * x1 ** x2 elementwise (numpy.power): integers wrap; bool gives int8.
 * @throws RangeError for an integer raised to a negative integer power (NumPy's ValueError).
 */
export const power = (a: Operand, b: Operand): NDArray =>
  binary('power', a, b, boolToInt8, (x, y, d) => {
    if (!isInteger(d) && d !== 'bool') return Math.pow(x, y);
    if (y < 0)
      throw new RangeError(
        'power: Integers to negative integer powers are not allowed (expected a non-negative exponent, or float operands)',
      );
    return intPow(x, y);
  });

/** Elementwise maximum (numpy.maximum): NaN propagates. */
export const maximum = (a: Operand, b: Operand): NDArray =>
  binary('maximum', a, b, same, (x, y) =>
    Number.isNaN(x) || x > y || (x === y && !Object.is(x, -0)) ? x : y,
  );
/** Elementwise minimum (numpy.minimum): NaN propagates. */
export const minimum = (a: Operand, b: Operand): NDArray =>
  binary('minimum', a, b, same, (x, y) =>
    Number.isNaN(x) || x < y || (x === y && Object.is(x, -0)) ? x : y,
  );
/** Elementwise maximum ignoring NaN (numpy.fmax). */
export const fmax = (a: Operand, b: Operand): NDArray =>
  binary('fmax', a, b, same, (x, y) => (Number.isNaN(y) || x >= y ? x : y));
/** Elementwise minimum ignoring NaN (numpy.fmin). */
export const fmin = (a: Operand, b: Operand): NDArray =>
  binary('fmin', a, b, same, (x, y) => (Number.isNaN(y) || x <= y ? x : y));
/** atan2(x1, x2) elementwise (numpy.arctan2); float math dtype. */
export const arctan2 = (a: Operand, b: Operand): NDArray =>
  binary('arctan2', a, b, floatDtype, Math.atan2);
/** sqrt(x1² + x2²) elementwise (numpy.hypot); float math dtype. */
export const hypot = (a: Operand, b: Operand): NDArray =>
  binary('hypot', a, b, floatDtype, (x, y) => Math.hypot(x, y));

/** x1 == x2 (numpy.equal), bool. */
export const equal = (a: Operand, b: Operand): NDArray =>
  binary('equal', a, b, toBool, (x, y) => +(x === y));
/** x1 != x2 (numpy.not_equal), bool. */
export const notEqual = (a: Operand, b: Operand): NDArray =>
  binary('notEqual', a, b, toBool, (x, y) => +(x !== y));
/** x1 < x2 (numpy.less), bool. */
export const less = (a: Operand, b: Operand): NDArray =>
  binary('less', a, b, toBool, (x, y) => +(x < y));
/** x1 <= x2 (numpy.less_equal), bool. */
export const lessEqual = (a: Operand, b: Operand): NDArray =>
  binary('lessEqual', a, b, toBool, (x, y) => +(x <= y));
/** x1 > x2 (numpy.greater), bool. */
export const greater = (a: Operand, b: Operand): NDArray =>
  binary('greater', a, b, toBool, (x, y) => +(x > y));
/** x1 >= x2 (numpy.greater_equal), bool. */
export const greaterEqual = (a: Operand, b: Operand): NDArray =>
  binary('greaterEqual', a, b, toBool, (x, y) => +(x >= y));
/** Logical and (numpy.logical_and), bool; NaN is true. */
export const logicalAnd = (a: Operand, b: Operand): NDArray =>
  binary('logicalAnd', a, b, toBool, (x, y) => +(x !== 0 && y !== 0));
/** Logical or (numpy.logical_or), bool. */
export const logicalOr = (a: Operand, b: Operand): NDArray =>
  binary('logicalOr', a, b, toBool, (x, y) => +(x !== 0 || y !== 0));
/** Logical xor (numpy.logical_xor), bool. */
export const logicalXor = (a: Operand, b: Operand): NDArray =>
  binary('logicalXor', a, b, toBool, (x, y) => +((x !== 0) !== (y !== 0)));
/** Logical not (numpy.logical_not), bool. */
export const logicalNot = (a: Operand): NDArray =>
  unary('logicalNot', a, toBool, (x) => +(x === 0));

/** -x (numpy.negative); integers wrap. @throws TypeError for bool (NumPy's rule). */
export const negative = (a: Operand): NDArray =>
  unary('negative', a, noBool('negative', 'negative, the `-` operator,'), (x) => -x);
/** |x| (numpy.absolute / abs); integers wrap (abs(-128) is -128 in int8). */
export const absolute = (a: Operand): NDArray => unary('absolute', a, same, Math.abs);
/** numpy.abs, the same as {@link absolute}. */
export const abs = absolute;
/** Sign, -1 / 0 / 1, NaN for NaN (numpy.sign). @throws TypeError for bool, as NumPy. */
export const sign = (a: Operand): NDArray =>
  unary('sign', a, noBool('sign', 'sign'), (x) =>
    Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0,
  );
/** x² (numpy.square); integers wrap; bool gives int8. */
export const square = (a: Operand): NDArray =>
  unary('square', a, boolToInt8, (x, d) => mulFor(x, x, d));

const floatUnary =
  (name: string, f: (x: number) => number) =>
  (a: Operand): NDArray =>
    unary(name, a, floatDtype, f);

/** Round half to even, as numpy.rint / around with 0 decimals. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r === 0 && x < 0 ? -0 : r;
}

/** e^x (numpy.exp). */
export const exp = floatUnary('exp', Math.exp);
/** 2^x (numpy.exp2). */
export const exp2 = floatUnary('exp2', (x) => Math.pow(2, x));
/** e^x - 1, accurate near 0 (numpy.expm1). */
export const expm1 = floatUnary('expm1', Math.expm1);
/** Natural logarithm (numpy.log): log(0) = -inf, negative → NaN. */
export const log = floatUnary('log', Math.log);
/** Base-2 logarithm (numpy.log2). */
export const log2 = floatUnary('log2', Math.log2);
/** Base-10 logarithm (numpy.log10). */
export const log10 = floatUnary('log10', Math.log10);
/** log(1 + x), accurate near 0 (numpy.log1p). */
export const log1p = floatUnary('log1p', Math.log1p);
/** Square root (numpy.sqrt): negative → NaN. */
export const sqrt = floatUnary('sqrt', Math.sqrt);
/** Cube root (numpy.cbrt). */
export const cbrt = floatUnary('cbrt', Math.cbrt);
/** 1/x for floats (numpy.reciprocal on floats; integer inputs use float math here). */
export const reciprocal = floatUnary('reciprocal', (x) => 1 / x);
/** numpy.sin. */
export const sin = floatUnary('sin', Math.sin);
/** numpy.cos. */
export const cos = floatUnary('cos', Math.cos);
/** numpy.tan. */
export const tan = floatUnary('tan', Math.tan);
/** numpy.arcsin. */
export const arcsin = floatUnary('arcsin', Math.asin);
/** numpy.arccos. */
export const arccos = floatUnary('arccos', Math.acos);
/** numpy.arctan. */
export const arctan = floatUnary('arctan', Math.atan);
/** numpy.sinh. */
export const sinh = floatUnary('sinh', Math.sinh);
/** numpy.cosh. */
export const cosh = floatUnary('cosh', Math.cosh);
/** numpy.tanh. */
export const tanh = floatUnary('tanh', Math.tanh);
/** numpy.arcsinh. */
export const arcsinh = floatUnary('arcsinh', Math.asinh);
/** numpy.arccosh. */
export const arccosh = floatUnary('arccosh', Math.acosh);
/** numpy.arctanh. */
export const arctanh = floatUnary('arctanh', Math.atanh);
/** Floor (numpy.floor; NumPy 1.24 gives floats for integer input too). */
export const floor = floatUnary('floor', Math.floor);
/** Ceiling (numpy.ceil). */
export const ceil = floatUnary('ceil', Math.ceil);
/** Truncation toward zero (numpy.trunc). */
export const trunc = floatUnary('trunc', Math.trunc);
/** Round half to even (numpy.rint). */
export const rint = floatUnary('rint', roundHalfEven);
/** 1 / (1 + e^-x) (scipy.special.expit, Theano's sigmoid), computed without overflow. */
export const sigmoid = floatUnary('sigmoid', (x) =>
  x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)),
);
/** True where x is NaN (numpy.isnan), bool. */
export const isnan = (a: Operand): NDArray => unary('isnan', a, toBool, (x) => +Number.isNaN(x));
/** True where x is ±inf (numpy.isinf), bool. */
export const isinf = (a: Operand): NDArray =>
  unary('isinf', a, toBool, (x) => +(x === Infinity || x === -Infinity));
/** True where x is finite (numpy.isfinite), bool. */
export const isfinite = (a: Operand): NDArray =>
  unary('isfinite', a, toBool, (x) => +Number.isFinite(x));

/**
 * Limit values to [lo, hi] (numpy.clip); either bound may be null. NaN stays NaN.
 * @throws TypeError when both bounds are null.
 */
export function clip(x: Operand, lo: Operand | null, hi: Operand | null): NDArray {
  if (lo === null && hi === null)
    throw new TypeError(
      "clip: arguments 'lo' and 'hi' cannot both be null (expected at least one bound)",
    );
  let out = x instanceof NDArray ? x : toArray('clip', x, operandsDtype('clip', [x]), 'x');
  if (lo !== null) out = maximum(out, lo);
  if (hi !== null) out = minimum(out, hi);
  return out;
}

/**
 * Choose from `x` where `condition` is true and from `y` elsewhere (numpy.where with three
 * arguments; Theano's switch). The dtype is the promotion of x and y.
 */
export function where(condition: Operand, x: Operand, y: Operand): NDArray {
  const dtype = operandsDtype('where', [x, y]);
  const c = toArray('where', condition, 'bool', 'condition');
  const X = toArray('where', x, dtype, 'x');
  const Y = toArray('where', y, dtype, 'y');
  return elemwise([c, X, Y], dtype, (ci, xi, yi) => (ci !== 0 ? xi : yi));
}

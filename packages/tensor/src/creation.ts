/**
 * Array creation, following NumPy's functions of the same names
 * (https://numpy.org/doc/stable/reference/routines.array-creation.html).
 */
import {
  type DType,
  type FloatX,
  type TypedArray,
  checkDType,
  checkedCast,
  dtypeOfTypedArray,
  int64ToInt32,
  typedArrayFor,
} from './dtype';
import { NDArray, type NestedArray } from './ndarray';
import { type Shape, formatShape, resolveReshape, shapeSize, validateShape } from './shape';
import { checkInt, checkNumber, describeValue } from './errors';

/** Options shared by the creation functions. */
export interface CreationOptions {
  /** Element type; defaults differ per function (see each). */
  dtype?: DType;
}

/** Options of {@link array}. */
export interface ArrayOptions extends CreationOptions {
  /** Reshape the data to this shape (one dimension may be -1); its product must equal the number of elements. */
  shape?: Shape;
  /**
   * Theano's floatX: the dtype for data whose inferred dtype would be float64 (non-integer
   * numbers). Ignored when `dtype` is given. Integers and booleans are unaffected.
   */
  floatX?: FloatX;
}

/** Typed arrays {@link array} accepts (and converts) beyond the storage ones. */
export type ConvertibleTypedArray =
  TypedArray | Uint8ClampedArray | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

/** Everything {@link array} accepts. */
export type ArrayLike = NestedArray | ConvertibleTypedArray | NDArray;

/** Infer the shape of nested JS arrays from their first elements (checked later by `flatten`). */
function nestedShape(x: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
    if (cur === undefined) break;
  }
  return shape;
}

const RAGGED = 'array: ragged nested sequence (inhomogeneous shape)';
const path = (p: number[]) => (p.length ? `x[${p.join('][')}]` : 'x');

function flatten(x: NestedArray, shape: number[], p: number[], out: (number | boolean)[]): void {
  const depth = p.length;
  if (depth === shape.length) {
    if (Array.isArray(x))
      throw new RangeError(
        `${RAGGED}: argument ${path(p)} is a sequence of length ${x.length} where a number was expected (inferred shape ${formatShape(shape)} from the first elements)`,
      );
    if (typeof x !== 'number' && typeof x !== 'boolean')
      throw new TypeError(
        `array: expected numbers or booleans, got ${describeValue(x)} at ${path(p)}`,
      );
    out.push(x);
    return;
  }
  if (!Array.isArray(x))
    throw new RangeError(
      `${RAGGED}: argument ${path(p)} is ${describeValue(x)} where a sequence of length ${shape[depth]} was expected (inferred shape ${formatShape(shape)} from the first elements)`,
    );
  if (x.length !== shape[depth])
    throw new RangeError(
      `${RAGGED}: argument ${path(p)} has length ${x.length}, expected ${shape[depth]} like its siblings (inferred shape ${formatShape(shape)} from the first elements)`,
    );
  for (let i = 0; i < x.length; i++) flatten(x[i], shape, [...p, i], out);
}

/** A copy of any accepted typed array as a storage typed array (int64/uint32 checked). */
function fromAnyTypedArray(x: ArrayBufferView, fn: string): TypedArray {
  if (x instanceof BigInt64Array || x instanceof BigUint64Array) return int64ToInt32(x, fn);
  if (x instanceof Uint16Array) return Int32Array.from(x);
  if (x instanceof Uint8ClampedArray) return Uint8Array.from(x);
  if (x instanceof Uint32Array) {
    const i = x.findIndex((v) => v > 2147483647);
    if (i >= 0)
      throw new RangeError(
        `${fn}: uint32 value ${x[i]} at flat index ${i} does not fit int32 (expected values in [0, 2147483647])`,
      );
    return Int32Array.from(x);
  }
  if (x instanceof DataView || !('length' in x))
    throw new TypeError(
      `${fn}: argument 'x' must be nested arrays, a number, a typed array or an NDArray, got ${describeValue(x)}`,
    );
  dtypeOfTypedArray(x as TypedArray); // throws for Float16Array and other unsupported kinds
  return (x as TypedArray).slice();
}

/**
 * Create an array (numpy.array): from nested JS arrays, a number, a boolean, a typed array or
 * another NDArray, always copied.
 *
 * Default dtype, as NumPy's with theano-ts's storage dtypes: bool for booleans; int32 when every
 * number is an integer in int32's range; float64 otherwise (or `floatX` when given); a typed
 * array's own dtype. Typed arrays without a storage dtype are converted: Uint8ClampedArray →
 * uint8, Uint16Array → int32, Uint32Array / BigInt64Array / BigUint64Array → int32, checking
 * that every value fits (int64 is not stored here).
 *
 * With `dtype`, JS numbers are stored like NumPy 2 stores Python scalars: fractions truncate
 * toward zero for integer dtypes, but an integer out of the dtype's range, NaN or ±Infinity
 * throws instead of wrapping. Typed arrays and NDArrays are cast like `astype`.
 *
 * @example array([[1, 2], [3, 4]], { dtype: 'float32' }); array(new Float64Array(6), { shape: [2, 3] })
 * @throws TypeError for a non-numeric element or an unsupported input; RangeError for ragged
 *   nested arrays (naming the element), a `shape` whose product differs from the data length,
 *   or a value that does not fit the dtype.
 */
export function array(x: ArrayLike, opts: ArrayOptions = {}): NDArray {
  if (opts === null || typeof opts !== 'object')
    throw new TypeError(
      `array: argument 'opts' must be an options object, got ${describeValue(opts)}`,
    );
  const dtype = opts.dtype === undefined ? undefined : checkDType(opts.dtype, 'array');
  const reshape = (a: NDArray): NDArray => {
    if (!opts.shape) return a;
    validateShapeWithUnknown(opts.shape, 'array');
    const target = resolveReshape(a.size, opts.shape, 'array');
    return a.reshape(target);
  };
  if (x instanceof NDArray) return reshape(dtype && dtype !== x.dtype ? x.astype(dtype) : x.copy());
  if (ArrayBuffer.isView(x)) {
    const ta = fromAnyTypedArray(x, 'array');
    const base = new NDArray(ta, [ta.length]);
    return reshape(dtype && dtype !== base.dtype ? base.astype(dtype) : base);
  }
  if (typeof x !== 'number' && typeof x !== 'boolean' && !Array.isArray(x))
    throw new TypeError(
      `array: argument 'x' must be nested arrays, a number, a boolean, a typed array or an NDArray, got ${describeValue(x)}`,
    );
  const shape = nestedShape(x);
  const flat: (number | boolean)[] = [];
  flatten(x, shape, [], flat);
  const isBool = flat.length > 0 && flat.every((v) => typeof v === 'boolean');
  // an empty list is float64, as in NumPy
  const isInt =
    flat.length > 0 &&
    flat.every((v) => typeof v === 'boolean' || (Number.isInteger(v) && Math.abs(v) < 2 ** 31));
  const outDtype: DType = dtype ?? (isBool ? 'bool' : isInt ? 'int32' : (opts.floatX ?? 'float64'));
  const data = new (typedArrayFor(outDtype))(flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = checkedCast(flat[i], outDtype, 'array');
  return reshape(new NDArray(data, shape, { dtype: outDtype }));
}

function validateShapeWithUnknown(shape: Shape, fn: string): void {
  if (!Array.isArray(shape))
    throw new TypeError(
      `${fn}: option 'shape' must be a list of integers, got ${describeValue(shape)}`,
    );
}

/**
 * numpy.asarray: `x` itself when it is an NDArray of the requested dtype (no copy), otherwise
 * {@link array}(x, opts).
 */
export function asarray(x: ArrayLike, opts: ArrayOptions = {}): NDArray {
  if (x instanceof NDArray && (opts.dtype === undefined || opts.dtype === x.dtype) && !opts.shape)
    return x;
  return array(x, opts);
}

/**
 * Wrap an existing typed array without copying (zero-copy, like numpy.frombuffer): the NDArray
 * reads and writes `data`. Shape defaults to `[data.length]`; dtype to the typed array's own
 * (pass 'bool' to view a Uint8Array as booleans).
 * @param shapeOrOpts the shape, or an options object `{ shape, dtype }`
 * @throws TypeError for a typed array without a storage dtype (use {@link array} to convert it)
 *   or one that does not store `dtype`; RangeError when the shape's product differs from
 *   `data.length` or has a negative dimension.
 */
export function fromTypedArray(
  data: TypedArray,
  shapeOrOpts?: Shape | { shape?: Shape; dtype?: DType },
  dtype?: DType,
): NDArray {
  if (!ArrayBuffer.isView(data) || data instanceof DataView)
    throw new TypeError(
      `fromTypedArray: argument 'data' must be a typed array, got ${describeValue(data)}`,
    );
  const opts =
    shapeOrOpts === undefined || Array.isArray(shapeOrOpts)
      ? { shape: shapeOrOpts as Shape | undefined, dtype }
      : (shapeOrOpts as { shape?: Shape; dtype?: DType });
  let own: DType;
  try {
    own = dtypeOfTypedArray(data);
  } catch {
    throw new TypeError(
      `fromTypedArray: argument 'data' must be a Float64Array, Float32Array, Int32Array, Int16Array, Int8Array or Uint8Array to be wrapped without copying, got ${describeValue(data)}; array() converts it with a copy`,
    );
  }
  const dt = opts.dtype === undefined ? own : checkDType(opts.dtype, 'fromTypedArray');
  if (!(data instanceof typedArrayFor(dt)))
    throw new TypeError(
      `fromTypedArray: dtype ${dt} needs a ${typedArrayFor(dt).name}, got ${describeValue(data)}`,
    );
  const shape = opts.shape ? validateShape(opts.shape, 'fromTypedArray') : [data.length];
  if (shapeSize(shape) !== data.length)
    throw new RangeError(
      `fromTypedArray: shape ${formatShape(shape)} needs ${shapeSize(shape)} elements, got ${describeValue(data)} (use subarray() to wrap part of a buffer)`,
    );
  return new NDArray(data, shape, { dtype: dt });
}

/** The dtype NumPy gives a scalar fill value: bool, int32 (integers in range) or float64. */
function scalarDtype(v: number | boolean): DType {
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 'int32' : 'float64';
}

/**
 * An array of `shape` filled with `value` (numpy.full). The dtype defaults to the value's, as
 * in NumPy: bool for a boolean, int32 for an integer, float64 otherwise.
 * @throws TypeError for a shape that is not a list of integers or a non-numeric value;
 *   RangeError for a negative dimension or a value that does not fit `dtype`.
 */
export function full(shape: Shape, value: number | boolean, opts: CreationOptions = {}): NDArray {
  const s = validateShape(shape, 'full');
  if (typeof value !== 'number' && typeof value !== 'boolean')
    throw new TypeError(
      `full: argument 'value' must be a number or a boolean, got ${describeValue(value)}`,
    );
  const dtype = opts.dtype === undefined ? scalarDtype(value) : checkDType(opts.dtype, 'full');
  const data = new (typedArrayFor(dtype))(shapeSize(s));
  const v = checkedCast(value, dtype, 'full');
  if (v !== 0 || Object.is(v, -0)) data.fill(v);
  return new NDArray(data, s, { dtype });
}

function filled(fn: string, shape: Shape, value: number, opts: CreationOptions): NDArray {
  const s = validateShape(shape, fn);
  const dtype = opts.dtype === undefined ? 'float64' : checkDType(opts.dtype, fn);
  const data = new (typedArrayFor(dtype))(shapeSize(s));
  if (value !== 0) data.fill(value);
  return new NDArray(data, s, { dtype });
}

/** Zeros of `shape` (numpy.zeros; dtype default float64). @throws like {@link full}. */
export const zeros = (shape: Shape, opts: CreationOptions = {}): NDArray =>
  filled('zeros', shape, 0, opts);
/** Ones of `shape` (numpy.ones; dtype default float64). @throws like {@link full}. */
export const ones = (shape: Shape, opts: CreationOptions = {}): NDArray =>
  filled('ones', shape, 1, opts);
/**
 * An array of `shape` (numpy.empty; dtype default float64). NumPy leaves it uninitialised;
 * typed arrays are always zero-filled, so here it holds zeros (do not rely on that).
 */
export const empty = (shape: Shape, opts: CreationOptions = {}): NDArray =>
  filled('empty', shape, 0, opts);

function checkArray(a: unknown, fn: string): NDArray {
  if (!(a instanceof NDArray))
    throw new TypeError(`${fn}: argument 'a' must be an NDArray, got ${describeValue(a)}`);
  return a;
}

/** Zeros with the shape and dtype of `a` (numpy.zeros_like); `dtype` overrides. */
export const zerosLike = (a: NDArray, opts: CreationOptions = {}): NDArray =>
  filled('zerosLike', checkArray(a, 'zerosLike').shape, 0, { dtype: opts.dtype ?? a.dtype });
/** Ones with the shape and dtype of `a` (numpy.ones_like); `dtype` overrides. */
export const onesLike = (a: NDArray, opts: CreationOptions = {}): NDArray =>
  filled('onesLike', checkArray(a, 'onesLike').shape, 1, { dtype: opts.dtype ?? a.dtype });
/** An array like `a` (numpy.empty_like; zero-filled here, see {@link empty}). */
export const emptyLike = (a: NDArray, opts: CreationOptions = {}): NDArray =>
  filled('emptyLike', checkArray(a, 'emptyLike').shape, 0, { dtype: opts.dtype ?? a.dtype });
/** `value` with the shape of `a` and its dtype (numpy.full_like: the value is cast to a's dtype). */
export const fullLike = (
  a: NDArray,
  value: number | boolean,
  opts: CreationOptions = {},
): NDArray => full(checkArray(a, 'fullLike').shape, value, { dtype: opts.dtype ?? a.dtype });

/** Largest number of elements a creation function makes (2^31 - 1, typed-array indexable everywhere). */
const MAX_SIZE = 2 ** 31 - 1;

/**
 * Evenly spaced values in [start, stop) (numpy.arange). With one argument, start = 0 and the
 * argument is `stop`. Values are `start + i * delta` with delta = (start + step) - start, as
 * NumPy computes them. dtype defaults to int32 when all arguments are integers (NumPy's int64;
 * a range beyond int32 throws), else float64.
 * @throws TypeError for non-numbers; RangeError for step 0, non-finite arguments, a length
 *   over 2^31 - 1, or integers beyond int32.
 */
export function arange(
  start: number,
  stop?: number,
  step = 1,
  opts: CreationOptions = {},
): NDArray {
  checkNumber('arange', 'start', start);
  if (stop === undefined || stop === null) [start, stop] = [0, start];
  checkNumber('arange', 'stop', stop);
  checkNumber('arange', 'step', step);
  for (const [name, v] of [
    ['start', start],
    ['stop', stop],
    ['step', step],
  ] as const)
    if (!Number.isFinite(v))
      throw new RangeError(`arange: argument '${name}' must be finite, got ${v}`);
  if (step === 0)
    throw new RangeError('arange: step must not be zero (expected a non-zero number, got 0)');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  if (n > MAX_SIZE)
    throw new RangeError(`arange: the range has ${n} elements, expected at most ${MAX_SIZE}`);
  const intArgs = [start, stop, step].every(Number.isInteger);
  const dtype =
    opts.dtype === undefined ? (intArgs ? 'int32' : 'float64') : checkDType(opts.dtype, 'arange');
  const delta = start + step - start;
  const data = new (typedArrayFor(dtype))(n);
  for (let i = 0; i < n; i++) data[i] = checkedCast(start + i * delta, dtype, 'arange');
  return new NDArray(data, [n], { dtype });
}

/** Options of {@link linspace}. */
export interface LinspaceOptions extends CreationOptions {
  /** Include `stop` as the last value (default true). */
  endpoint?: boolean;
}

/**
 * `num` evenly spaced values from start to stop (numpy.linspace): `start + i * step` with
 * step = (stop - start) / (num - 1), or / num without the endpoint; the last value is exactly
 * `stop` when `endpoint`. For integer dtypes the values are floored, as NumPy does.
 * @throws TypeError for non-numbers; RangeError for a negative or non-integer `num`.
 */
export function linspace(
  start: number,
  stop: number,
  num = 50,
  opts: LinspaceOptions = {},
): NDArray {
  checkNumber('linspace', 'start', start);
  checkNumber('linspace', 'stop', stop);
  if (typeof num !== 'number' || !Number.isSafeInteger(num) || num < 0)
    throw new RangeError(
      `linspace: argument 'num' (the number of samples) must be a non-negative integer, got ${describeValue(num)}`,
    );
  const dtype = opts.dtype === undefined ? 'float64' : checkDType(opts.dtype, 'linspace');
  const endpoint = opts.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const delta = stop - start;
  const step = div > 0 ? delta / div : NaN;
  const vals = new Float64Array(num);
  for (let i = 0; i < num; i++)
    vals[i] = div > 0 ? (step === 0 ? (i / div) * delta : i * step) + start : i * delta + start;
  if (endpoint && num > 1) vals[num - 1] = stop;
  const data = new (typedArrayFor(dtype))(num);
  const isInt = dtype !== 'float32' && dtype !== 'float64' && dtype !== 'bool';
  for (let i = 0; i < num; i++)
    data[i] = checkedCast(isInt ? Math.floor(vals[i]) : vals[i], dtype, 'linspace');
  return new NDArray(data, [num], { dtype });
}

/**
 * An n×m array with ones on diagonal k and zeros elsewhere (numpy.eye; dtype default float64).
 * k > 0 is above the main diagonal, k < 0 below.
 * @throws TypeError / RangeError for non-integer or negative sizes.
 */
export function eye(n: number, m?: number, k = 0, opts: CreationOptions = {}): NDArray {
  checkInt('eye', 'n', n, 0);
  const cols = m === undefined || m === null ? n : checkInt('eye', 'm', m, 0);
  checkInt('eye', 'k', k);
  const out = filled('eye', [n, cols], 0, opts);
  for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < cols) out.data[i * cols + i + k] = 1;
  return out;
}

/** The n×n identity (numpy.identity; dtype default float64). */
export function identity(n: number, opts: CreationOptions = {}): NDArray {
  return eye(n, n, 0, opts);
}

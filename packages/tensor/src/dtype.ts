import { describeValue } from './errors';

/**
 * Data types, as NumPy names them. `int64` is not a storage dtype here (JavaScript numbers hold
 * integers exactly only up to 2^53 and typed-array int64 needs BigInt): int64 data given as a
 * `BigInt64Array` / `BigUint64Array` or read from a .npy file is converted to int32, and a value
 * that does not fit int32 throws a RangeError ({@link int64ToInt32}). See the package README.
 */
export type DType = 'bool' | 'int8' | 'int16' | 'int32' | 'uint8' | 'float32' | 'float64';

/** Every storage dtype, from bool to float64 (NumPy's names). */
export const DTYPES: readonly DType[] = [
  'bool',
  'int8',
  'int16',
  'int32',
  'uint8',
  'float32',
  'float64',
];

/** The typed arrays that store the dtypes (bool in a Uint8Array of 0s and 1s). */
export type TypedArray =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** The constructor of the typed array that stores one dtype (see {@link typedArrayFor}). */
export interface TypedArrayConstructorOf {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  /** A new typed array holding `source`'s values, converted by the typed array's rules. */
  from(source: ArrayLike<number>): TypedArray;
  /** Bytes per element. */
  readonly BYTES_PER_ELEMENT: number;
}

const CTORS: Record<DType, TypedArrayConstructorOf> = {
  bool: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** The typed-array constructor that stores `dtype`. */
export function typedArrayFor(dtype: DType): TypedArrayConstructorOf {
  const c = isDType(dtype) ? CTORS[dtype] : undefined;
  if (!c)
    throw new TypeError(
      `Unknown dtype '${String(dtype)}'; expected one of ${DTYPES.join(', ')}` +
        (String(dtype) === 'int64'
          ? ' (int64 data is converted to int32 on input: see int64ToInt32)'
          : ''),
    );
  return c;
}

/**
 * Check a `dtype` argument. @throws TypeError `fn: argument 'dtype' must be one of ..., got 'x'`.
 */
export function checkDType(dtype: unknown, fn: string, arg = 'dtype'): DType {
  if (!isDType(dtype))
    throw new TypeError(
      `${fn}: argument '${arg}' must be one of ${DTYPES.join(', ')}, got ${describeValue(dtype)}` +
        (dtype === 'int64' ? ' (int64 is stored as int32 here: convert with int64ToInt32)' : ''),
    );
  return dtype;
}

/** The dtype a typed array stores by default (Uint8Array → uint8). */
export function dtypeOfTypedArray(a: TypedArray): DType {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  throw new TypeError(
    `dtypeOfTypedArray: expected a Float64Array, Float32Array, Int32Array, Int16Array, Int8Array or Uint8Array, got ${describeValue(a)}` +
      ' (array() converts other typed arrays, checking that every value fits)',
  );
}

/** True when `x` is the name of a storage dtype ({@link DTYPES}). */
export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

/** True for float32 and float64. */
export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';
/** True for the integer dtypes (int8, int16, int32, uint8); false for bool. */
export const isInteger = (d: DType): boolean => !isFloat(d) && d !== 'bool';
/** True for uint8 and bool (NumPy's unsigned kinds). */
export const isUnsigned = (d: DType): boolean => d === 'uint8' || d === 'bool';

/** Bytes per element. */
export const itemsize = (d: DType): number => typedArrayFor(d).BYTES_PER_ELEMENT;

const RANGES: Record<DType, [number, number]> = {
  bool: [0, 1],
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  float64: [-Number.MAX_VALUE, Number.MAX_VALUE],
};

/** [min, max] representable by `dtype`. */
export const dtypeRange = (d: DType): [number, number] => RANGES[d];

/** NumPy's `result_type` of several dtypes: {@link promoteTypes} folded over the list. */
export function resultType(...dtypes: DType[]): DType {
  if (dtypes.length === 0) throw new TypeError('resultType: expected at least one dtype, got none');
  return dtypes.reduce((a, b) => promoteTypes(a, b));
}

/** True when every value of dtype `from` is exactly representable in `to` (NumPy's can_cast 'safe'). */
export function canCastSafely(from: DType, to: DType): boolean {
  if (from === to) return true;
  if (from === 'bool') return true;
  if (to === 'bool') return false;
  if (isFloat(from)) return to === 'float64' || (from === 'float32' && to === 'float32');
  // from is an integer
  if (isFloat(to)) return to === 'float64' || itemsize(from) <= 2;
  const [fmin, fmax] = RANGES[from];
  const [tmin, tmax] = RANGES[to];
  return fmin >= tmin && fmax <= tmax;
}

/**
 * NumPy's type promotion (`np.result_type` for arrays) restricted to the dtypes above.
 * Source: https://numpy.org/doc/stable/reference/generated/numpy.result_type.html
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (canCastSafely(a, b)) return b;
  if (canCastSafely(b, a)) return a;
  // mixed signed/unsigned ints or int + float32
  if (isFloat(a) || isFloat(b)) return 'float64';
  // uint8 with int8 → int16
  return 'int16';
}

/** Round and wrap `v` the way a typed array of `dtype` stores it (bool: v != 0, so NaN is true as in NumPy). */
export function castScalar(v: number, dtype: DType): number {
  switch (dtype) {
    case 'bool':
      return v !== 0 ? 1 : 0;
    case 'float64':
      return v;
    case 'float32':
      return Math.fround(v);
    case 'int32':
      return Math.trunc(v) | 0;
    case 'int16':
      return (Math.trunc(v) << 16) >> 16;
    case 'int8':
      return (Math.trunc(v) << 24) >> 24;
    case 'uint8':
      return Math.trunc(v) & 255;
  }
}

/**
 * Store a JavaScript number as `dtype` the way NumPy 2 stores a Python scalar (`np.array(v,
 * dtype)`, `a[i] = v`): floats are truncated toward zero for integer dtypes (a cast), but an
 * integer that does not fit, NaN or an infinity is an error instead of a silent wrap.
 * @param fn the calling function, for the message
 * @throws TypeError for a value that is not a number or boolean; RangeError when it does not fit.
 */
export function checkedCast(v: unknown, dtype: DType, fn: string, arg = 'value'): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'number')
    throw new TypeError(
      `${fn}: argument '${arg}' must be a number or a boolean, got ${describeValue(v)}`,
    );
  if (isFloat(dtype) || dtype === 'bool') return castScalar(v, dtype);
  const t = Math.trunc(v);
  const [lo, hi] = RANGES[dtype];
  if (!Number.isFinite(v) || t < lo || t > hi)
    throw new RangeError(
      `${fn}: ${arg} ${v} does not fit ${dtype}: expected a finite number in [${lo}, ${hi}], got ${v}`,
    );
  return t;
}

/** The dtype of Theano's floatX setting: 'float32' (theano-ts's default, what GPUs run) or 'float64'. */
export type FloatX = 'float32' | 'float64';

/**
 * Theano's autocasting of a Python-like scalar (theano.scalar.convert with
 * `config.cast_policy = 'custom'`, Theano's default), applied to a JavaScript number:
 * - an integer value becomes the smallest of int8, int16, int32 that holds it (Theano's
 *   `autocast_int`; a value beyond int32 is a RangeError, since int64 is not stored here);
 * - any other number (NaN and ±Infinity included) becomes `floatX` when floatX is float32
 *   (Theano downcasts Python floats to float32), and with floatX float64 the first of float32,
 *   float64 that holds it exactly (Theano's `autocast_float`: 0.5 → float32, 0.1 → float64);
 * - a boolean becomes bool.
 * @throws TypeError for a non-number; RangeError for an integer beyond int32.
 */
export function autocastDtype(value: number | boolean, floatX: FloatX = 'float32'): DType {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value !== 'number')
    throw new TypeError(
      `autocastDtype: argument 'value' must be a number or a boolean, got ${describeValue(value)}`,
    );
  if (floatX !== 'float32' && floatX !== 'float64')
    throw new TypeError(
      `autocastDtype: argument 'floatX' must be 'float32' or 'float64', got ${describeValue(floatX)}`,
    );
  if (Number.isInteger(value)) {
    for (const d of ['int8', 'int16', 'int32'] as const) {
      const [lo, hi] = RANGES[d];
      if (value >= lo && value <= hi) return d;
    }
    throw new RangeError(
      `autocastDtype: integer ${value} does not fit int32, the widest integer dtype stored here (expected a value in [-2147483648, 2147483647]); pass it as a float or choose a dtype`,
    );
  }
  if (floatX === 'float32') return 'float32';
  // NaN != NaN in NumPy, so NaN falls through to the last dtype tried
  return !Number.isNaN(value) && Math.fround(value) === value ? 'float32' : 'float64';
}

/**
 * Convert int64 (or uint64) data to int32, checking every value (theano-ts stores no int64).
 * Accepts a BigInt64Array, a BigUint64Array or a list of bigints.
 * @throws RangeError naming the first value that does not fit int32 and its position.
 */
export function int64ToInt32(
  data: BigInt64Array | BigUint64Array | readonly bigint[],
  fn = 'int64ToInt32',
): Int32Array {
  if (!(data instanceof BigInt64Array) && !(data instanceof BigUint64Array) && !Array.isArray(data))
    throw new TypeError(
      `${fn}: argument 'data' must be a BigInt64Array, a BigUint64Array or a list of bigints, got ${describeValue(data)}`,
    );
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== 'bigint')
      throw new TypeError(`${fn}: element ${i} must be a bigint, got ${describeValue(v)}`);
    if (v < -2147483648n || v > 2147483647n)
      throw new RangeError(
        `${fn}: int64 value ${v} at flat index ${i} does not fit int32 (expected values in [-2147483648, 2147483647]); theano-ts stores integers as int32 at most`,
      );
    out[i] = Number(v);
  }
  return out;
}

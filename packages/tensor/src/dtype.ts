/**
 * Data types, as NumPy names them. `int64` is not a storage dtype here (JavaScript numbers hold
 * integers exactly only up to 2^53 and typed-array int64 needs BigInt); see the package README.
 */
export type DType = 'bool' | 'int8' | 'int16' | 'int32' | 'uint8' | 'float32' | 'float64';

export const DTYPES: readonly DType[] = [
  'bool',
  'int8',
  'int16',
  'int32',
  'uint8',
  'float32',
  'float64',
];

export type TypedArray =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface TypedArrayConstructorOf {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  from(source: ArrayLike<number>): TypedArray;
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
  const c = CTORS[dtype];
  if (!c)
    throw new TypeError(`Unknown dtype '${String(dtype)}'; expected one of ${DTYPES.join(', ')}`);
  return c;
}

/** The dtype a typed array stores by default (Uint8Array → uint8). */
export function dtypeOfTypedArray(a: TypedArray): DType {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  throw new TypeError(`Unsupported typed array ${Object.prototype.toString.call(a)}`);
}

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';
export const isInteger = (d: DType): boolean => !isFloat(d) && d !== 'bool';
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

import {
  type DType,
  type TypedArray,
  castScalar,
  dtypeOfTypedArray,
  isDType,
  typedArrayFor,
} from './dtype';
import { NDArray, type NestedArray } from './ndarray';
import { type Shape, resolveReshape, shapeSize } from './shape';

/** Options shared by the creation functions. */
export interface CreationOptions {
  /** Element type; defaults differ per function (see each). */
  dtype?: DType;
}

function checkShape(shape: Shape, fn: string): number[] {
  const s = [...shape];
  for (const d of s)
    if (!Number.isInteger(d) || d < 0)
      throw new RangeError(`${fn}: invalid shape [${s.join(', ')}]`);
  return s;
}

/** Infer shape of nested JS arrays, checking that they are rectangular. */
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

function flatten(x: NestedArray, shape: number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (Array.isArray(x))
      throw new RangeError('array: ragged nested sequence (inhomogeneous shape)');
    if (typeof x !== 'number' && typeof x !== 'boolean')
      throw new TypeError(`array: expected numbers or booleans, got ${typeof x}`);
    out.push(typeof x === 'boolean' ? (x ? 1 : 0) : x);
    return;
  }
  if (!Array.isArray(x) || x.length !== shape[depth])
    throw new RangeError(`array: ragged nested sequence (inhomogeneous shape) at depth ${depth}`);
  for (const e of x) flatten(e, shape, depth + 1, out);
}

/**
 * Create an array from nested JS arrays, a number, a boolean, a typed array or another NDArray
 * (copied). Default dtype, as NumPy: bool for booleans, float64 for numbers (int32 if all are
 * integers), the typed array's own dtype for typed arrays.
 * @throws TypeError / RangeError for ragged input or non-numeric elements.
 */
export function array(
  x: NestedArray | TypedArray | NDArray,
  opts: CreationOptions & { shape?: Shape } = {},
): NDArray {
  if (opts.dtype !== undefined && !isDType(opts.dtype))
    throw new TypeError(`array: unknown dtype '${opts.dtype}'`);
  if (x instanceof NDArray)
    return opts.dtype && opts.dtype !== x.dtype ? x.astype(opts.dtype) : x.copy();
  if (ArrayBuffer.isView(x)) {
    const ta = x as TypedArray;
    const own = dtypeOfTypedArray(ta);
    const shape = opts.shape ? resolveReshape(ta.length, opts.shape) : [ta.length];
    const base = new NDArray(ta.slice(), shape, { dtype: own });
    return opts.dtype && opts.dtype !== own ? base.astype(opts.dtype) : base;
  }
  const shape = nestedShape(x);
  const flat: number[] = [];
  flatten(x, shape, 0, flat);
  const isBool = typeof x === 'boolean' || (flat.length > 0 && allBooleans(x));
  // an empty list is float64, as in NumPy
  const isInt = flat.length > 0 && flat.every((v) => Number.isInteger(v) && Math.abs(v) < 2 ** 31);
  const dtype = opts.dtype ?? (isBool ? 'bool' : isInt ? 'int32' : 'float64');
  const data = new (typedArrayFor(dtype))(flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = castScalar(flat[i], dtype);
  const out = new NDArray(data, shape, { dtype });
  return opts.shape ? out.reshape(opts.shape) : out;
}

function allBooleans(x: NestedArray): boolean {
  return Array.isArray(x) ? x.every(allBooleans) : typeof x === 'boolean';
}

/**
 * Wrap an existing typed array without copying (zero-copy). Shape defaults to `[data.length]`.
 */
export function fromTypedArray(data: TypedArray, shape?: Shape, dtype?: DType): NDArray {
  return new NDArray(data, shape, { dtype });
}

/** An array of `shape` filled with `value` (dtype default float64). */
export function full(shape: Shape, value: number, opts: CreationOptions = {}): NDArray {
  const s = checkShape(shape, 'full');
  const dtype = opts.dtype ?? 'float64';
  const data = new (typedArrayFor(dtype))(shapeSize(s));
  if (value !== 0) data.fill(castScalar(value, dtype));
  return new NDArray(data, s, { dtype });
}

/** Zeros of `shape` (dtype default float64). */
export const zeros = (shape: Shape, opts: CreationOptions = {}): NDArray => full(shape, 0, opts);
/** Ones of `shape` (dtype default float64). */
export const ones = (shape: Shape, opts: CreationOptions = {}): NDArray => full(shape, 1, opts);
/** Uninitialised in NumPy; zero-filled here (typed arrays always are). */
export const empty = zeros;
export const zerosLike = (a: NDArray, opts: CreationOptions = {}): NDArray =>
  zeros(a.shape, { dtype: opts.dtype ?? a.dtype });
export const onesLike = (a: NDArray, opts: CreationOptions = {}): NDArray =>
  ones(a.shape, { dtype: opts.dtype ?? a.dtype });

/**
 * Evenly spaced values in [start, stop) (numpy.arange). With one argument, start = 0.
 * dtype defaults to int32 when all arguments are integers, else float64.
 */
export function arange(
  start: number,
  stop?: number,
  step = 1,
  opts: CreationOptions = {},
): NDArray {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new RangeError('arange: step must not be zero');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = opts.dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float64');
  const data = new (typedArrayFor(dtype))(n);
  for (let i = 0; i < n; i++) data[i] = castScalar(start + i * step, dtype);
  return new NDArray(data, [n], { dtype });
}

/** `num` evenly spaced values from start to stop inclusive (numpy.linspace). */
export function linspace(
  start: number,
  stop: number,
  num = 50,
  opts: CreationOptions = {},
): NDArray {
  const dtype = opts.dtype ?? 'float64';
  const data = new (typedArrayFor(dtype))(num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++)
    data[i] = castScalar(i === num - 1 && num > 1 ? stop : start + i * step, dtype);
  return new NDArray(data, [num], { dtype });
}

/** Identity-like matrix of n×m with ones on diagonal k (numpy.eye). */
export function eye(n: number, m = n, k = 0, opts: CreationOptions = {}): NDArray {
  const out = zeros([n, m], opts);
  for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < m) out.data[i * m + i + k] = 1;
  return out;
}

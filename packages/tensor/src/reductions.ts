/**
 * Named reductions and cumulative operations with NumPy's `axis` / `keepdims` semantics
 * (https://numpy.org/doc/stable/reference/routines.math.html#sums-products-differences,
 * https://numpy.org/doc/stable/reference/routines.statistics.html). Built on {@link reduce} and
 * {@link argReduce}: plain loops, accumulation in float64, one rounding to the output dtype.
 *
 * Output dtypes follow NumPy with theano-ts's storage dtypes: sums and products of bool and
 * integers are int32 (NumPy's int64; a result that does not fit int32 throws a RangeError instead
 * of wrapping); mean/var/std of bool and integers are float64; float32 stays float32 (NumPy
 * accumulates float32 pairwise in float32, here in float64, so the last bit may differ).
 */
import { type DType, checkDType, isFloat, typedArrayFor } from './dtype';
import { NDArray } from './ndarray';
import { argReduce, checkArray, elemwise, reduce, reducedShape } from './math';
import { normalizeAxes, normalizeAxis } from './shape';
import { describeValue } from './errors';

/** Options of the reductions: NumPy's `axis` (null = all axes), `keepdims` and `dtype`. */
export interface ReduceOptions {
  /** An axis, a list of axes, or null/undefined for all of them (negative axes count from the end). */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes as length-1 dimensions (default false). */
  keepdims?: boolean;
  /** Output dtype (default: see each function). */
  dtype?: DType;
}

/** Options of {@link variance} / {@link std}. */
export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom: the divisor is n - ddof (default 0). */
  ddof?: number;
}

/** Options of {@link argmax} / {@link argmin}: one axis or null (the flattened array). */
export interface ArgReduceOptions {
  /** The axis to search along; null or omitted: the flattened array (NumPy's default). */
  axis?: number | null;
  /** Keep the reduced axis with length 1 (default false). */
  keepdims?: boolean;
}

/** Options of the cumulative operations: one axis, or null to run over the flattened array. */
export interface CumulativeOptions {
  /** The axis to accumulate along; null or omitted: the flattened array. */
  axis?: number | null;
  /** dtype of the result (default: NumPy's accumulator dtype for the input). */
  dtype?: DType;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The dtype NumPy's add.reduce gives (int64 → int32 here). */
function sumDtype(d: DType): DType {
  return isFloat(d) ? d : 'int32';
}

function checkOpts(fn: string, opts: unknown): void {
  if (opts === null || typeof opts !== 'object')
    throw new TypeError(
      `${fn}: argument 'opts' must be an options object, got ${describeValue(opts)}`,
    );
}

/** reduce() computing in float64, checking integer results instead of wrapping them. */
function reduceChecked(
  fn: string,
  x: NDArray,
  opts: ReduceOptions,
  init: number,
  f: (acc: number, v: number) => number,
  defaultDtype: DType,
  identityRequired?: string,
): NDArray {
  checkOpts(fn, opts);
  checkArray(fn, 'x', x);
  normalizeAxes(opts.axis, x.ndim, fn);
  const dtype = opts.dtype === undefined ? defaultDtype : checkDType(opts.dtype, fn);
  const r = reduce(x, opts.axis, {
    keepdims: opts.keepdims,
    init,
    fn: f,
    dtype: 'float64',
    identityRequired,
  });
  if (!isFloat(dtype) && dtype !== 'bool') {
    const [lo, hi] = rangeOf(dtype);
    for (const v of r.data)
      if (!(v >= lo && v <= hi))
        throw new RangeError(
          `${fn}: the result ${v} does not fit ${dtype}: expected results in [${lo}, ${hi}] (NumPy computes int64 here; theano-ts stores int32 at most): cast the input to float64 first`,
        );
  }
  return r.astype(dtype);
}

function rangeOf(d: DType): [number, number] {
  switch (d) {
    case 'int8':
      return [-128, 127];
    case 'int16':
      return [-32768, 32767];
    case 'uint8':
      return [0, 255];
    default:
      return [INT32_MIN, INT32_MAX];
  }
}

/** Sum over axes (numpy.sum). Empty axes sum to 0. */
export function sum(x: NDArray, opts: ReduceOptions = {}): NDArray {
  return reduceChecked('sum', x, opts, 0, (a, v) => a + v, sumDtype(x?.dtype));
}

/** Product over axes (numpy.prod). Empty axes multiply to 1. */
export function prod(x: NDArray, opts: ReduceOptions = {}): NDArray {
  return reduceChecked('prod', x, opts, 1, (a, v) => a * v, sumDtype(x?.dtype));
}

const maxFn = (a: number, v: number) => (a > v || Number.isNaN(a) ? a : v);
const minFn = (a: number, v: number) => (a < v || Number.isNaN(a) ? a : v);

/**
 * Maximum over axes (numpy.max / amax): NaN propagates; keeps the dtype.
 * @throws RangeError for an empty axis (no identity).
 */
export function max(x: NDArray, opts: ReduceOptions = {}): NDArray {
  return reduceChecked('max', x, opts, -Infinity, maxFn, x?.dtype, 'maximum');
}

/** Minimum over axes (numpy.min / amin): NaN propagates; keeps the dtype. @throws RangeError for an empty axis. */
export function min(x: NDArray, opts: ReduceOptions = {}): NDArray {
  return reduceChecked('min', x, opts, Infinity, minFn, x?.dtype, 'minimum');
}

/** Peak to peak, max - min (numpy.ptp); keeps the dtype. @throws RangeError for an empty axis. */
export function ptp(x: NDArray, opts: ReduceOptions = {}): NDArray {
  const hi = max(x, { ...opts, dtype: 'float64' });
  const lo = min(x, { ...opts, dtype: 'float64' });
  return elemwise([hi, lo], opts.dtype ?? x.dtype, (a, b) => a - b);
}

/** True where every element is non-zero (numpy.all; NaN counts as true). Output bool. */
export function all(x: NDArray, opts: ReduceOptions = {}): NDArray {
  return reduceChecked('all', x, opts, 1, (a, v) => (a && v !== 0 ? 1 : 0), 'bool');
}

/** True where some element is non-zero (numpy.any; NaN counts as true). Output bool. */
export function any(x: NDArray, opts: ReduceOptions = {}): NDArray {
  return reduceChecked('any', x, opts, 0, (a, v) => (a || v !== 0 ? 1 : 0), 'bool');
}

/** Number of elements reduced into each output element. */
function countOf(x: NDArray, axis: ReduceOptions['axis'], fn: string): number {
  return normalizeAxes(axis, x.ndim, fn).reduce((n, a) => n * x.shape[a], 1);
}

/** float32 stays float32; everything else computes as float64 (NumPy's mean/var/std). */
const floatOut = (d: DType): DType => (d === 'float32' ? 'float32' : 'float64');

/** Arithmetic mean over axes (numpy.mean): float64 for bool/integers; an empty axis gives NaN. */
export function mean(x: NDArray, opts: ReduceOptions = {}): NDArray {
  checkOpts('mean', opts);
  checkArray('mean', 'x', x);
  const n = countOf(x, opts.axis, 'mean');
  const s = reduce(x, opts.axis, {
    keepdims: opts.keepdims,
    init: 0,
    fn: (a, v) => a + v,
    dtype: 'float64',
  });
  const dtype = opts.dtype === undefined ? floatOut(x.dtype) : checkDType(opts.dtype, 'mean');
  return elemwise([s], dtype, (v) => v / n);
}

/**
 * Variance over axes (numpy.var): mean(|x - mean(x)|²) · n / (n - ddof), computed in two passes
 * in float64. float64 for bool/integers; n - ddof <= 0 gives inf or NaN, as NumPy (which warns).
 */
export function variance(x: NDArray, opts: VarOptions = {}): NDArray {
  checkOpts('var', opts);
  checkArray('var', 'x', x);
  const ddof = opts.ddof ?? 0;
  if (typeof ddof !== 'number' || !Number.isFinite(ddof))
    throw new TypeError(`var: option 'ddof' must be a finite number, got ${describeValue(ddof)}`);
  const n = countOf(x, opts.axis, 'var');
  const m = reduce(x, opts.axis, {
    keepdims: true,
    init: 0,
    fn: (a, v) => a + v,
    dtype: 'float64',
  });
  const meanKeep = elemwise([m], 'float64', (v) => v / n);
  const dev = elemwise([x, meanKeep], 'float64', (v, mu) => (v - mu) * (v - mu));
  const ss = reduce(dev, opts.axis, {
    keepdims: opts.keepdims,
    init: 0,
    fn: (a, v) => a + v,
    dtype: 'float64',
  });
  const dtype = opts.dtype === undefined ? floatOut(x.dtype) : checkDType(opts.dtype, 'var');
  const div = Math.max(n - ddof, 0);
  return elemwise([ss], dtype, (v) => v / div);
}

/** numpy.var under its NumPy name (`var` is a reserved word in JavaScript). */
export { variance as var };

/** Standard deviation over axes (numpy.std): sqrt of {@link variance}. */
export function std(x: NDArray, opts: VarOptions = {}): NDArray {
  checkOpts('std', opts);
  const v = variance(x, { ...opts, dtype: 'float64' });
  const dtype = opts.dtype === undefined ? floatOut(x.dtype) : checkDType(opts.dtype, 'std');
  return elemwise([v], dtype, Math.sqrt);
}

/**
 * log(sum(exp(x))) over axes, computed stably as m + log(sum(exp(x - m))) with m the maximum
 * (scipy.special.logsumexp): all -inf gives -inf, +inf gives +inf, NaN propagates.
 * float64 for bool/integers. An empty axis gives -inf.
 */
export function logsumexp(x: NDArray, opts: ReduceOptions = {}): NDArray {
  checkOpts('logsumexp', opts);
  checkArray('logsumexp', 'x', x);
  normalizeAxes(opts.axis, x.ndim, 'logsumexp');
  const m = reduce(x, opts.axis, { keepdims: true, init: -Infinity, fn: maxFn, dtype: 'float64' });
  const shift = elemwise([m], 'float64', (v) => (Number.isFinite(v) ? v : 0));
  const e = elemwise([x, shift], 'float64', (v, s) => Math.exp(v - s));
  const s = reduce(e, opts.axis, {
    keepdims: true,
    init: 0,
    fn: (a, v) => a + v,
    dtype: 'float64',
  });
  const outKeep = elemwise([s, shift], 'float64', (v, sh) => Math.log(v) + sh);
  const dtype = opts.dtype === undefined ? floatOut(x.dtype) : checkDType(opts.dtype, 'logsumexp');
  const axes = normalizeAxes(opts.axis, x.ndim);
  return outKeep.reshape(reducedShape(x.shape, axes, opts.keepdims ?? false)).astype(dtype);
}

function argOpts(fn: string, opts: ArgReduceOptions): [number | null, boolean] {
  checkOpts(fn, opts);
  const axis = opts.axis ?? null;
  if (axis !== null && typeof axis !== 'number')
    throw new TypeError(
      `${fn}: option 'axis' must be an integer or null, got ${describeValue(axis)}`,
    );
  return [axis, opts.keepdims ?? false];
}

/** Index of the maximum along an axis, or of the flattened array (numpy.argmax): first occurrence, NaN wins. int32. */
export function argmax(x: NDArray, opts: ArgReduceOptions = {}): NDArray {
  const [axis, keep] = argOpts('argmax', opts);
  checkArray('argmax', 'x', x);
  if (axis !== null) normalizeAxis(axis, x.ndim, 'axis', 'argmax');
  else if (x.size === 0)
    throw new RangeError('argmax: attempt to get argmax of an empty sequence (the array is empty)');
  return argReduce(x, axis, (a, b) => a > b, keep);
}

/** Index of the minimum along an axis, or of the flattened array (numpy.argmin): first occurrence, NaN wins. int32. */
export function argmin(x: NDArray, opts: ArgReduceOptions = {}): NDArray {
  const [axis, keep] = argOpts('argmin', opts);
  checkArray('argmin', 'x', x);
  if (axis !== null) normalizeAxis(axis, x.ndim, 'axis', 'argmin');
  else if (x.size === 0)
    throw new RangeError('argmin: attempt to get argmin of an empty sequence (the array is empty)');
  return argReduce(x, axis, (a, b) => a < b, keep);
}

/**
 * A generic cumulative operation along one axis (numpy.ufunc.accumulate): out[..., i, ...] =
 * fn(out[..., i-1, ...], x[..., i, ...]), out[..., 0, ...] = x[..., 0, ...]. With `axis` null the
 * flattened array is used (as numpy.cumsum does). Computes in float64 and casts once to `dtype`
 * (default: the input's), throwing when an integer result does not fit.
 * @throws TypeError for a non-function `fn`; RangeError for an axis out of range.
 */
export function cumulative(
  x: NDArray,
  fn: (acc: number, v: number) => number,
  opts: CumulativeOptions & { name?: string } = {},
): NDArray {
  const name = opts.name ?? 'cumulative';
  checkOpts(name, opts);
  checkArray(name, 'x', x);
  if (typeof fn !== 'function')
    throw new TypeError(`${name}: argument 'fn' must be a function, got ${describeValue(fn)}`);
  const src = opts.axis === null || opts.axis === undefined ? (x.ndim === 1 ? x : x.ravel()) : x;
  if (opts.axis !== null && opts.axis !== undefined && typeof opts.axis !== 'number')
    throw new TypeError(
      `${name}: option 'axis' must be an integer or null, got ${describeValue(opts.axis)}`,
    );
  if (src.ndim === 0)
    throw new RangeError(`${name}: expected an array with at least one dimension, got a 0-d array`);
  const ax =
    opts.axis === null || opts.axis === undefined
      ? 0
      : normalizeAxis(opts.axis, src.ndim, 'axis', name);
  const dtype = opts.dtype === undefined ? x.dtype : checkDType(opts.dtype, name);
  const moved = src.swapaxes(ax, src.ndim - 1).contiguous();
  const len = moved.shape[moved.ndim - 1];
  const acc = new Float64Array(moved.size);
  for (let o = 0; o < moved.size; o += len) {
    let a = 0;
    for (let j = 0; j < len; j++) {
      a = j === 0 ? moved.data[o] : fn(a, moved.data[o + j]);
      acc[o + j] = a;
    }
  }
  if (!isFloat(dtype) && dtype !== 'bool') {
    const [lo, hi] = rangeOf(dtype);
    for (const v of acc)
      if (!(v >= lo && v <= hi))
        throw new RangeError(
          `${name}: the result ${v} does not fit ${dtype} (expected values in [${lo}, ${hi}]; NumPy would compute int64): cast the input to float64 first`,
        );
  }
  const out = new (typedArrayFor(dtype))(acc.length);
  if (dtype === 'bool') for (let i = 0; i < acc.length; i++) out[i] = acc[i] !== 0 ? 1 : 0;
  else out.set(acc);
  return new NDArray(out, moved.shape, { dtype }).swapaxes(ax, src.ndim - 1).copy();
}

/** Cumulative sum (numpy.cumsum); bool/integers give int32 (NumPy's int64, checked). */
export function cumsum(x: NDArray, opts: CumulativeOptions = {}): NDArray {
  checkArray('cumsum', 'x', x);
  return cumulative(x, (a, v) => a + v, {
    ...opts,
    dtype: opts.dtype ?? sumDtype(x.dtype),
    name: 'cumsum',
  });
}

/** Cumulative product (numpy.cumprod); bool/integers give int32 (NumPy's int64, checked). */
export function cumprod(x: NDArray, opts: CumulativeOptions = {}): NDArray {
  checkArray('cumprod', 'x', x);
  return cumulative(x, (a, v) => a * v, {
    ...opts,
    dtype: opts.dtype ?? sumDtype(x.dtype),
    name: 'cumprod',
  });
}

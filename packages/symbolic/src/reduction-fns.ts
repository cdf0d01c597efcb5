/**
 * Reductions beyond sum/prod/max/min/mean/argmax (basic.ts): var, std, argmin, all, any,
 * logsumexp, cumsum, cumprod, with NumPy's `axis` (a number, a list, or null/undefined for all)
 * and `keepdims`. var and std are built from primitives; the others are the ops of
 * ops/reductions.ts.
 */
import { type DType, isFloat, normalizeAxes, normalizeAxis } from '@theano-ts/tensor';
import type { ReduceOptions, TensorLike, Variable } from './graph';
import {
  argReduce,
  applyOp,
  asTensorVariable,
  cast,
  constant,
  dimshuffle,
  maximum,
  mean,
  mul,
  reshape,
  shapeI,
  sqr,
  sqrt,
  sub,
  sum,
  trueDiv,
} from './basic';
import { TheanoTypeError, builtAt, userStackLine } from './errors';

function axesOf(v: Variable, axis: ReduceOptions['axis'], fn: string): number[] {
  try {
    return normalizeAxes(axis, v.ndim);
  } catch (e) {
    throw new TheanoTypeError(
      `${fn}: ${(e as Error).message} (for ${v.type})${builtAt(userStackLine())}`,
    );
  }
}

/** Put the reduced axes back as broadcastable dims when keepdims. */
function keepdimsOf(
  v: Variable,
  reduced: Variable,
  axes: readonly number[],
  keepdims?: boolean,
): Variable {
  if (!keepdims) return reduced;
  let k = 0;
  return dimshuffle(
    reduced,
    v.type.shape.map((_, i) => (axes.includes(i) ? 'x' : k++)),
  );
}

/** The number of elements reduced over `axes`: a number when static, else a 0-d int32 variable. */
function countOf(v: Variable, axes: readonly number[]): number | Variable {
  const statics = axes.map((a) => v.type.shape[a]);
  if (statics.every((d) => d !== null)) return (statics as number[]).reduce((p, d) => p * d, 1);
  return axes.map((a) => shapeI(v, a)).reduce((p, d) => mul(p, d));
}

/** Options of var and std: NumPy's `ddof` (divide by N - ddof; 0 by default, as NumPy and Theano). */
export interface VarianceOptions extends ReduceOptions {
  /** Delta degrees of freedom: divide by N - ddof (default 0). */
  ddof?: number;
}

/**
 * Variance over `axis` (numpy.var, Theano's var): sum((x - mean)^2) / (N - ddof). Ints give
 * float64 (as mean). N - ddof <= 0 gives inf or nan, as NumPy (which also warns).
 * @throws TheanoTypeError for an axis out of range or a ddof that is not a non-negative integer.
 */
export function var_(x: TensorLike, opts: VarianceOptions = {}): Variable {
  const v = asTensorVariable(x);
  const ddof = opts.ddof ?? 0;
  if (!Number.isInteger(ddof) || ddof < 0)
    throw new TheanoTypeError(
      `var: ddof must be a non-negative integer, got ${ddof}${builtAt(userStackLine())}`,
    );
  const axes = axesOf(v, opts.axis, 'var');
  const m = mean(v, { axis: axes, keepdims: true });
  const ss = sum(sqr(sub(v, m)), { axis: axes, keepdims: opts.keepdims });
  const dtype: DType = isFloat(ss.dtype) ? ss.dtype : 'float64';
  const n = countOf(v, axes);
  // NumPy divides by max(N - ddof, 0)
  const denom =
    typeof n === 'number'
      ? constant(Math.max(n - ddof, 0), undefined, dtype)
      : cast(maximum(sub(n, ddof), 0), dtype);
  return trueDiv(ss, denom);
}

/** Standard deviation: sqrt(var(x, opts)) (numpy.std, Theano's std), with `ddof`. */
export function std(x: TensorLike, opts: VarianceOptions = {}): Variable {
  return sqrt(var_(x, opts));
}

/**
 * Index of the minimum along `axis` (numpy.argmin; null/undefined = over the flattened array);
 * the first minimum wins; int32.
 */
export const argmin = (
  x: TensorLike,
  opts: { axis?: number | null; keepdims?: boolean } = {},
): Variable => argReduce('Argmin', x, opts);

/** Whether all elements over `axis` are nonzero (numpy.all, Theano's all); bool. */
export function all(x: TensorLike, opts: ReduceOptions = {}): Variable {
  const v = asTensorVariable(x);
  const axes = axesOf(v, opts.axis, 'all');
  return keepdimsOf(v, applyOp('All', { axes }, [v]).outputs[0], axes, opts.keepdims);
}

/** Whether any element over `axis` is nonzero (numpy.any, Theano's any); bool. */
export function any(x: TensorLike, opts: ReduceOptions = {}): Variable {
  const v = asTensorVariable(x);
  const axes = axesOf(v, opts.axis, 'any');
  return keepdimsOf(v, applyOp('Any', { axes }, [v]).outputs[0], axes, opts.keepdims);
}

/**
 * log(sum(exp(x))) over `axis`, stable for large |x| (scipy.special.logsumexp, PyTensor's
 * logsumexp); its gradient is softmax(x) along the reduced axes.
 */
export function logsumexp(x: TensorLike, opts: ReduceOptions = {}): Variable {
  const v = asTensorVariable(x);
  const axes = axesOf(v, opts.axis, 'logsumexp');
  return keepdimsOf(v, applyOp('LogSumExp', { axes }, [v]).outputs[0], axes, opts.keepdims);
}

function cumOp(fn: string, mode: 'add' | 'mul', x: TensorLike, axis?: number | null): Variable {
  const v = asTensorVariable(x);
  if (axis === undefined || axis === null) {
    const flat = v.ndim === 1 ? v : reshape(v, [-1]);
    return applyOp('CumOp', { axis: 0, mode, reverse: false }, [flat]).outputs[0];
  }
  let ax: number;
  try {
    ax = normalizeAxis(axis, v.ndim);
  } catch (e) {
    throw new TheanoTypeError(
      `${fn}: ${(e as Error).message} (for ${v.type})${builtAt(userStackLine())}`,
    );
  }
  return applyOp('CumOp', { axis: ax, mode, reverse: false }, [v]).outputs[0];
}

/**
 * Cumulative sum along `axis` (numpy.cumsum, Theano's cumsum; null/undefined = over the
 * flattened array). Small ints accumulate in int32 (NumPy: int64).
 */
export const cumsum = (x: TensorLike, opts: { axis?: number | null } = {}): Variable =>
  cumOp('cumsum', 'add', x, opts.axis);
/**
 * Cumulative product along `axis` (numpy.cumprod, Theano's cumprod). Its gradient divides by x
 * (Theano's formula), so zeros in x give nan gradients.
 */
export const cumprod = (x: TensorLike, opts: { axis?: number | null } = {}): Variable =>
  cumOp('cumprod', 'mul', x, opts.axis);

export { var_ as var };

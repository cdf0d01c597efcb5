/**
 * The convolution, pooling and batch-normalization functions users call (Theano's
 * tensor.nnet.conv2d / conv2d_transpose / abstract_conv.conv2d_grad_wrt_*, signal.pool.pool_2d,
 * tensor.nnet.bn.batch_normalization_train/test) and the gradient modifiers of theano.gradient
 * (zero_grad, disconnected_grad, grad_clip, grad_scale), in camelCase.
 */
import { type DType, type PoolMode, isFloat, normalizeAxis } from '@theano-ts/tensor';
import { type TensorLike, Variable } from './graph';
import {
  add,
  applyOp,
  asTensorVariable,
  cast,
  constant,
  dimshuffle,
  mean,
  mul,
  reciprocal,
  sqr,
  sqrt,
  sub,
  trueDiv,
} from './basic';
import { type DimLike, dimOf, shapeVector } from './shape-fns';
import { type BorderMode, type Conv2dParams, convPadding } from './ops/nnet';
import { TheanoTypeError, builtAt, userStackLine } from './errors';

const typeError = (msg: string): TheanoTypeError =>
  new TheanoTypeError(msg + builtAt(userStackLine()));

const pair = (v: number | readonly [number, number]): [number, number] =>
  typeof v === 'number' ? [v, v] : [v[0], v[1]];

/** Options of conv2d and its relatives (Theano's keyword arguments, camelCase). */
export interface Conv2dOptions {
  /** 'valid' (default), 'full', 'half', an int or an int pair of zero padding. */
  borderMode?: BorderMode | number;
  /** Stride (default [1, 1]). */
  subsample?: number | readonly [number, number];
  /** true (default, as Theano): flip the filters, a true convolution; false: cross-correlation. */
  filterFlip?: boolean;
  /** Filter dilation (default [1, 1]). */
  filterDilation?: number | readonly [number, number];
  /** Channel groups (default 1). */
  numGroups?: number;
  /** Optional static shape hints (Theano's input_shape / filter_shape), checked against the types. */
  inputShape?: readonly (number | null)[];
  /**
   * Static shape hint of the filters (Theano's filter_shape): (out channels, in channels / groups,
   * rows, columns).
   */
  filterShape?: readonly (number | null)[];
}

function convParams(o: Conv2dOptions): Conv2dParams {
  const bm = o.borderMode ?? 'valid';
  return {
    borderMode: typeof bm === 'number' ? [bm, bm] : typeof bm === 'string' ? bm : [bm[0], bm[1]],
    subsample: pair(o.subsample ?? 1),
    filterDilation: pair(o.filterDilation ?? 1),
    filterFlip: o.filterFlip ?? true,
    numGroups: o.numGroups ?? 1,
  };
}

function checkHint(
  fn: string,
  what: string,
  v: Variable,
  hint: readonly (number | null)[] | undefined,
): void {
  if (!hint) return;
  if (
    hint.length !== 4 ||
    hint.some((d, i) => d !== null && v.type.shape[i] !== null && v.type.shape[i] !== d)
  )
    throw typeError(
      `${fn}: ${what} [${hint.map((d) => d ?? 'null').join(', ')}] does not match ${v.type}`,
    );
}

/**
 * 2-D convolution (Theano's tensor.nnet.conv2d): images (N, C, H, W) with filters
 * (O, C / numGroups, kh, kw) → (N, O, oh, ow). Filters are flipped by default (a true
 * convolution, as Theano); `filterFlip: false` gives the cross-correlation deep-learning
 * libraries call convolution.
 */
export function conv2d(input: TensorLike, filters: TensorLike, opts: Conv2dOptions = {}): Variable {
  const x = asTensorVariable(input, 'input of conv2d');
  const w = asTensorVariable(filters, 'filters of conv2d');
  checkHint('conv2d', 'inputShape', x, opts.inputShape);
  checkHint('conv2d', 'filterShape', w, opts.filterShape);
  return applyOp('Conv2d', convParams(opts), [x, w]).outputs[0];
}

/** The last two entries of a shape given as 2 or 4 lengths (or an int vector of 2 or 4). */
function spatial(fn: string, shp: readonly DimLike[] | Variable, what: string): Variable {
  if (shp instanceof Variable) {
    const n = shp.type.shape[0];
    if (shp.ndim !== 1 || (n !== 2 && n !== 4))
      throw typeError(`${fn}: ${what} must be an int vector of length 2 or 4, got ${shp.type}`);
    if (n === 2) return cast(shp, 'int32');
    return shapeVector(
      [2, 3].map((i) => applyOp('Subtensor', { idxList: [{ int: i }] }, [shp]).outputs[0]),
    );
  }
  if (shp.length !== 2 && shp.length !== 4)
    throw typeError(`${fn}: ${what} must have 2 or 4 entries, got ${shp.length}`);
  return shapeVector(shp.slice(-2));
}

/**
 * Gradient of conv2d with respect to its input (Theano's conv2d_grad_wrt_inputs): the output
 * gradient (N, O, oh, ow), the filters and the input's shape (4 or its last 2 lengths).
 */
export function conv2dGradWrtInputs(
  outputGrad: TensorLike,
  filters: TensorLike,
  inputShape: readonly DimLike[] | Variable,
  opts: Conv2dOptions = {},
): Variable {
  const gz = asTensorVariable(outputGrad, 'outputGrad of conv2dGradWrtInputs');
  const w = asTensorVariable(filters, 'filters of conv2dGradWrtInputs');
  return applyOp('Conv2dGradInputs', convParams(opts), [
    w,
    gz,
    spatial('conv2dGradWrtInputs', inputShape, 'inputShape'),
  ]).outputs[0];
}

/**
 * Gradient of conv2d with respect to its filters (Theano's conv2d_grad_wrt_weights): the input,
 * the output gradient and the filters' shape (4 or its last 2 lengths).
 */
export function conv2dGradWrtWeights(
  input: TensorLike,
  outputGrad: TensorLike,
  filterShape: readonly DimLike[] | Variable,
  opts: Conv2dOptions = {},
): Variable {
  const x = asTensorVariable(input, 'input of conv2dGradWrtWeights');
  const gz = asTensorVariable(outputGrad, 'outputGrad of conv2dGradWrtWeights');
  return applyOp('Conv2dGradWeights', convParams(opts), [
    x,
    gz,
    spatial('conv2dGradWrtWeights', filterShape, 'filterShape'),
  ]).outputs[0];
}

/**
 * Transposed convolution (Theano's conv2d_transpose): the gradient of conv2d(·, filters) with
 * respect to its input, applied to `input` (N, C, h, w). Filters are (C, O / numGroups, kh, kw)
 * in conv2d's layout for the output's channels O. `outputShape` (4 lengths or the last 2)
 * resolves the ambiguity of strided convolutions; by default the smallest output,
 * (h - 1)·s - 2·pad + dilation·(kh - 1) + 1.
 */
export function conv2dTranspose(
  input: TensorLike,
  filters: TensorLike,
  outputShape?: readonly DimLike[] | Variable,
  opts: Conv2dOptions = {},
): Variable {
  const x = asTensorVariable(input, 'input of conv2dTranspose');
  const w = asTensorVariable(filters, 'filters of conv2dTranspose');
  const p = convParams(opts);
  let imshp: Variable;
  if (outputShape !== undefined) imshp = spatial('conv2dTranspose', outputShape, 'outputShape');
  else {
    if (x.ndim !== 4 || w.ndim !== 4)
      throw typeError(
        `conv2dTranspose: input and filters must be 4-d, got ${x.type} and ${w.type}`,
      );
    const dims = [0, 1].map((a) => {
      const k = w.type.shape[2 + a];
      const pad =
        typeof p.borderMode === 'string'
          ? convPadding(p.borderMode, k, p.filterDilation[a])
          : p.borderMode[a];
      if (pad === null || k === null)
        throw typeError(
          `conv2dTranspose: borderMode '${String(p.borderMode)}' needs the filter size; give outputShape or filters of static shape`,
        );
      const extra = p.filterDilation[a] * (k - 1) + 1 - 2 * pad;
      const h = dimOf(x, 2 + a);
      if (typeof h === 'number') return (h - 1) * p.subsample[a] + extra;
      return add(mul(sub(h, 1), p.subsample[a]), extra);
    });
    imshp = shapeVector(dims);
  }
  return applyOp('Conv2dGradInputs', p, [w, x, imshp]).outputs[0];
}

/** Options of pool2d (Theano's pool_2d). */
export interface Pool2dOptions {
  /** Window (rows, columns). */
  ws: number | readonly [number, number];
  /** Only full windows (default true; Theano 1.0 warned its default would become true). */
  ignoreBorder?: boolean;
  /** Default: the window size. */
  stride?: number | readonly [number, number];
  /** Zero padding on both sides (needs ignoreBorder: true; must be smaller than the window). */
  pad?: number | readonly [number, number];
  /** How a window is reduced: 'max' (default), 'sum', 'average_inc_pad' or 'average_exc_pad'. */
  mode?: PoolMode;
}

/**
 * Pooling over the last two dimensions (Theano's signal.pool.pool_2d): 'max' (default), 'sum',
 * 'average_inc_pad' (divides by the window size, padding included) or 'average_exc_pad'.
 */
export function pool2d(input: TensorLike, opts: Pool2dOptions): Variable {
  const x = asTensorVariable(input, 'input of pool2d');
  if (opts === undefined || opts.ws === undefined)
    throw typeError('pool2d: the window size ws is required');
  const ws = pair(opts.ws);
  return applyOp(
    'Pool',
    {
      ws,
      stride: pair(opts.stride ?? ws),
      pad: pair(opts.pad ?? 0),
      ignoreBorder: opts.ignoreBorder ?? true,
      mode: opts.mode ?? 'max',
    },
    [x],
  ).outputs[0];
}

// ---------------------------------------------------------------- batch normalization

/** Normalization axes: 'per-activation' (axis 0), 'spatial' (0 and 2…), or a list. */
export type BatchNormAxes = 'per-activation' | 'spatial' | readonly number[];

function bnAxes(fn: string, x: Variable, axes: BatchNormAxes): number[] {
  if (axes === 'per-activation') return [0];
  if (axes === 'spatial')
    return [0, ...Array.from({ length: Math.max(0, x.ndim - 2) }, (_, i) => i + 2)];
  if (!Array.isArray(axes))
    throw typeError(
      `${fn}: axes must be 'per-activation', 'spatial' or a list of axes, got ${JSON.stringify(axes)}`,
    );
  const list = axes.map((a) => {
    try {
      return normalizeAxis(a, x.ndim);
    } catch (e) {
      throw typeError(`${fn}: ${(e as Error).message} (for ${x.type})`);
    }
  });
  if (new Set(list).size !== list.length)
    throw typeError(`${fn}: repeated axis in [${list.join(', ')}]`);
  return [...list].sort((a, b) => a - b);
}

/** A parameter of x's rank: given so, or without the normalization axes (they are inserted). */
function bnParam(
  fn: string,
  what: string,
  p: TensorLike,
  x: Variable,
  axes: readonly number[],
): { v: Variable; full: boolean } {
  const v = asTensorVariable(p, `${what} of ${fn}`);
  if (v.ndim === x.ndim) {
    axes.forEach((a) => {
      if (v.type.shape[a] !== 1)
        throw typeError(
          `${fn}: ${what} (${v.type}) must be broadcastable (static length 1) in the normalization axis ${a}`,
        );
    });
    return { v, full: true };
  }
  if (v.ndim === x.ndim - axes.length) {
    let k = 0;
    return {
      v: dimshuffle(
        v,
        Array.from({ length: x.ndim }, (_, i) => (axes.includes(i) ? 'x' : k++)),
      ),
      full: false,
    };
  }
  throw typeError(
    `${fn}: ${what} (${v.type}) must have ${x.ndim} dimensions, or ${x.ndim - axes.length} without the normalization axes`,
  );
}

/** Drop the (broadcastable) normalization axes again when the parameters came without them. */
const bnOut = (v: Variable, full: boolean, axes: readonly number[], ndim: number): Variable =>
  full
    ? v
    : dimshuffle(
        v,
        Array.from({ length: ndim }, (_, i) => i).filter((i) => !axes.includes(i)),
      );

function bnEpsilon(fn: string, eps: number, dtype: DType): Variable {
  if (!(eps >= 1e-5))
    throw typeError(
      `${fn}: epsilon must be at least 1e-5 (as Theano and cuDNN require), got ${eps}`,
    );
  return constant(eps, undefined, dtype);
}

/** Options of batchNormalizationTrain. */
export interface BatchNormTrainOptions {
  /** Axes to normalize over (default 'per-activation'). */
  axes?: BatchNormAxes;
  /** Added to the variance (default 1e-4, at least 1e-5). */
  epsilon?: number;
  /** Weight of the batch statistics in the running averages (default 0.1). */
  runningAverageFactor?: number;
  /**
   * The running mean to update; when given with runningVar, the outputs add the new running mean
   * and variance.
   */
  runningMean?: TensorLike;
  /** The running variance to update (with runningMean). */
  runningVar?: TensorLike;
}

/**
 * Batch normalization for training (Theano's bn.batch_normalization_train): normalizes with the
 * batch's mean and (biased) variance over `axes`, then scales by gamma and shifts by beta.
 * Returns [out, mean, invstd] and, when running averages are given, [..., newRunningMean,
 * newRunningVar] (the running variance uses the unbiased batch variance). gamma, beta, the
 * statistics and the running averages have x's rank with length 1 on the normalization axes,
 * or omit those axes (then the returned statistics omit them too).
 */
export function batchNormalizationTrain(
  inputs: TensorLike,
  gamma: TensorLike,
  beta: TensorLike,
  opts: BatchNormTrainOptions = {},
): Variable[] {
  const fn = 'batchNormalizationTrain';
  const x = asTensorVariable(inputs, `inputs of ${fn}`);
  if (!isFloat(x.dtype)) throw typeError(`${fn}: inputs must be a float tensor, got ${x.type}`);
  const axes = bnAxes(fn, x, opts.axes ?? 'per-activation');
  const g = bnParam(fn, 'gamma', gamma, x, axes);
  const b = bnParam(fn, 'beta', beta, x, axes);
  const eps = bnEpsilon(fn, opts.epsilon ?? 1e-4, x.dtype);
  const mu = mean(x, { axis: axes, keepdims: true });
  const centered = sub(x, mu);
  const variance = mean(sqr(centered), { axis: axes, keepdims: true });
  const invstd = reciprocal(sqrt(add(variance, eps)));
  const out = add(mul(centered, mul(g.v, invstd)), b.v);
  const res = [out, bnOut(mu, g.full, axes, x.ndim), bnOut(invstd, g.full, axes, x.ndim)];
  if (opts.runningMean === undefined && opts.runningVar === undefined) return res;
  if (opts.runningMean === undefined || opts.runningVar === undefined)
    throw typeError(`${fn}: give both runningMean and runningVar, or neither`);
  const f = opts.runningAverageFactor ?? 0.1;
  const rm = bnParam(fn, 'runningMean', opts.runningMean, x, axes);
  const rv = bnParam(fn, 'runningVar', opts.runningVar, x, axes);
  const fc = constant(f, undefined, x.dtype);
  const keep = constant(1 - f, undefined, x.dtype);
  const counts = axes.map((a) => dimOf(x, a));
  const m: Variable = counts.every((d) => typeof d === 'number')
    ? constant(
        (counts as number[]).reduce((p, d) => p * d, 1),
        undefined,
        x.dtype,
      )
    : cast(counts.reduce<DimLike>((p, d) => (p === 1 ? d : mul(p, d)), 1) as Variable, x.dtype);
  const unbiased = mul(variance, trueDiv(m, sub(m, 1)));
  const newMean = add(mul(rm.v, keep), mul(mu, fc));
  const newVar = add(mul(rv.v, keep), mul(unbiased, fc));
  return [...res, bnOut(newMean, rm.full, axes, x.ndim), bnOut(newVar, rv.full, axes, x.ndim)];
}

/**
 * Batch normalization at test time (Theano's bn.batch_normalization_test): (x - mean) ·
 * gamma / sqrt(var + epsilon) + beta with given statistics (shapes as batchNormalizationTrain).
 */
export function batchNormalizationTest(
  inputs: TensorLike,
  gamma: TensorLike,
  beta: TensorLike,
  mean_: TensorLike,
  var_: TensorLike,
  opts: { axes?: BatchNormAxes; epsilon?: number } = {},
): Variable {
  const fn = 'batchNormalizationTest';
  const x = asTensorVariable(inputs, `inputs of ${fn}`);
  if (!isFloat(x.dtype)) throw typeError(`${fn}: inputs must be a float tensor, got ${x.type}`);
  const axes = bnAxes(fn, x, opts.axes ?? 'per-activation');
  const [g, b, m, v] = [
    ['gamma', gamma],
    ['beta', beta],
    ['mean', mean_],
    ['var', var_],
  ].map(([n, p]) => bnParam(fn, n as string, p as TensorLike, x, axes).v);
  const eps = bnEpsilon(fn, opts.epsilon ?? 1e-4, x.dtype);
  return add(mul(sub(x, m), trueDiv(g, sqrt(add(v, eps)))), b);
}

// ---------------------------------------------------------------- gradient modifiers

/** x, with a zero gradient (Theano's theano.gradient.zero_grad). */
export const zeroGrad = (x: TensorLike): Variable =>
  applyOp('ZeroGrad', {}, [asTensorVariable(x)]).outputs[0];

/**
 * x, through which no gradient flows: what reaches the cost only through it is disconnected
 * (Theano's disconnected_grad).
 */
export const disconnectedGrad = (x: TensorLike): Variable =>
  applyOp('DisconnectedGrad', {}, [asTensorVariable(x)]).outputs[0];

/** x, whose gradient is clipped to [lower, upper] elementwise (Theano's grad_clip). */
export const gradClip = (x: TensorLike, lower: number, upper: number): Variable =>
  applyOp('GradClip', { lower, upper }, [asTensorVariable(x)]).outputs[0];

/** x, whose gradient is multiplied by `multiplier` (Theano's grad_scale). */
export const gradScale = (x: TensorLike, multiplier: number): Variable =>
  applyOp('GradScale', { multiplier }, [asTensorVariable(x)]).outputs[0];

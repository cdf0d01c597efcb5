/**
 * Losses (scalar by default, the mean over the batch), regularisers and metrics, as symbolic
 * expressions. The formulas are PyTorch's (torch.nn.functional) and a committed fixture checks
 * values and gradients against it.
 */
import {
  type Variable,
  type TensorLike,
  TheanoTypeError,
  abs,
  argmax,
  asTensorVariable,
  cast,
  categoricalCrossentropy as xentProbs,
  constant,
  crossentropySoftmax1Hot,
  dimshuffle,
  eq,
  gt,
  config,
  le,
  log,
  logSoftmax,
  mean,
  mul,
  neg,
  softplus,
  sqr,
  sub,
  sum,
  switch_,
  add,
  lt,
  builtAt,
  userStackLine,
} from '@theano-ts/symbolic';
import { type DType, arange, isFloat, isInteger } from '@theano-ts/tensor';

/** How per-sample losses are reduced: the mean (default), the sum, or not at all ('none'). */
export type Reduction = 'mean' | 'sum' | 'none';

/** A loss: (predictions, targets) → a scalar (or per-sample values with reduction 'none'). */
export type Loss = (predictions: Variable, targets: Variable) => Variable;

const at = (): string => builtAt(userStackLine());
function fail(what: string, msg: string): never {
  throw new TheanoTypeError(`${what}: ${msg}${at()}`);
}

function reduce(what: string, x: Variable, reduction: Reduction = 'mean'): Variable {
  if (reduction === 'mean') return mean(x);
  if (reduction === 'sum') return sum(x);
  if (reduction === 'none') return x;
  return fail(what, `reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
}

function vars(what: string, p: TensorLike, t: TensorLike): [Variable, Variable] {
  const pv = asTensorVariable(p, `the predictions of ${what}`);
  const tv = asTensorVariable(t, `the targets of ${what}`);
  if (!isFloat(pv.dtype)) fail(what, `the predictions must be floats, got ${pv.type}`);
  return [pv, tv];
}

/** Targets of the predictions' dtype (ints and bools cast). */
const asFloat = (t: Variable, like: Variable): Variable =>
  t.dtype === like.dtype ? t : cast(t, like.dtype);

function sameRank(what: string, p: Variable, t: Variable): void {
  if (p.ndim !== t.ndim)
    fail(what, `predictions ${p.type} and targets ${t.type} must have the same rank`);
}

/** Options of categoricalCrossentropy. */
export interface CrossentropyOptions {
  /** The predictions are logits (softmax is applied inside, stably). Default false: probabilities. */
  fromLogits?: boolean;
  /** 'mean' over the samples (default), 'sum', or 'none' (per-sample values). */
  reduction?: Reduction;
}

/**
 * Categorical cross-entropy of N×K predictions against int labels (N) or one-hot /
 * probability targets (N×K): per row −Σₖ tₖ·log pₖ (= −log p[y] for labels), averaged over the
 * rows. With `fromLogits` the predictions are logits x and log p = logSoftmax(x) (for int labels,
 * the fused CrossentropySoftmax1Hot op). Probabilities from a softmax are stabilised by the
 * optimizer's softmax/cross-entropy rewrites. As torch.nn.functional.nll_loss(log(p), y) and
 * cross_entropy(x, y).
 */
export function categoricalCrossentropy(
  predictions: TensorLike,
  targets: TensorLike,
  opts: CrossentropyOptions = {},
): Variable {
  const what = 'categoricalCrossentropy';
  const [p, t] = vars(what, predictions, targets);
  if (p.ndim !== 2) fail(what, `the predictions must be an N×K matrix, got ${p.type}`);
  let perRow: Variable;
  if (t.ndim === 1) {
    if (!isInteger(t.dtype)) fail(what, `label targets must be ints, got ${t.type}`);
    perRow = opts.fromLogits ? crossentropySoftmax1Hot(p, t) : xentProbs(p, t);
  } else if (t.ndim === 2) {
    const tf = asFloat(t, p);
    perRow = opts.fromLogits
      ? neg(sum(mul(tf, logSoftmax(p, { axis: -1 })), { axis: -1 }))
      : xentProbs(p, tf);
  } else fail(what, `the targets must be int labels (N) or an N×K matrix, got ${t.type}`);
  return reduce(what, perRow, opts.reduction);
}

/**
 * Binary cross-entropy: −(t·log p + (1 − t)·log(1 − p)) per entry, averaged. With `fromLogits`
 * the predictions are logits z and the loss is the stable softplus(z) − t·z
 * (torch.nn.functional.binary_cross_entropy / binary_cross_entropy_with_logits; unlike
 * PyTorch, log is not clamped at −100).
 */
export function binaryCrossentropy(
  predictions: TensorLike,
  targets: TensorLike,
  opts: CrossentropyOptions = {},
): Variable {
  const what = 'binaryCrossentropy';
  const [p, t0] = vars(what, predictions, targets);
  sameRank(what, p, t0);
  const t = asFloat(t0, p);
  const one = constant(1, undefined, p.dtype);
  const per = opts.fromLogits
    ? sub(softplus(p), mul(t, p))
    : neg(add(mul(t, log(p)), mul(sub(one, t), log(sub(one, p)))));
  return reduce(what, per, opts.reduction);
}

/** Mean squared error, mean((p − t)²) (torch.nn.functional.mse_loss). */
export function meanSquaredError(
  predictions: TensorLike,
  targets: TensorLike,
  opts: { reduction?: Reduction } = {},
): Variable {
  const [p, t] = vars('meanSquaredError', predictions, targets);
  sameRank('meanSquaredError', p, t);
  return reduce('meanSquaredError', sqr(sub(p, asFloat(t, p))), opts.reduction);
}

/** Mean absolute error, mean(|p − t|) (torch.nn.functional.l1_loss). */
export function meanAbsoluteError(
  predictions: TensorLike,
  targets: TensorLike,
  opts: { reduction?: Reduction } = {},
): Variable {
  const [p, t] = vars('meanAbsoluteError', predictions, targets);
  sameRank('meanAbsoluteError', p, t);
  return reduce('meanAbsoluteError', abs(sub(p, asFloat(t, p))), opts.reduction);
}

/**
 * Huber loss with threshold δ (default 1): per entry 0.5·r² where |r| ≤ δ, else δ·(|r| − 0.5·δ),
 * r = p − t (Huber 1964; torch.nn.functional.huber_loss).
 */
export function huber(
  predictions: TensorLike,
  targets: TensorLike,
  opts: { delta?: number; reduction?: Reduction } = {},
): Variable {
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) fail('huber', `delta must be positive, got ${delta}`);
  const [p, t] = vars('huber', predictions, targets);
  sameRank('huber', p, t);
  const r = abs(sub(p, asFloat(t, p)));
  const d = constant(delta, undefined, p.dtype);
  const per = switch_(
    le(r, d),
    mul(sqr(r), constant(0.5, undefined, p.dtype)),
    mul(d, sub(r, constant(0.5 * delta, undefined, p.dtype))),
  );
  return reduce('huber', per, opts.reduction);
}

/** Losses by name, for `fit`. */
export const LOSSES = {
  /** {@link categoricalCrossentropy} on probabilities (one-hot or int targets). */
  categoricalCrossentropy: (p: Variable, t: Variable) => categoricalCrossentropy(p, t),
  /** {@link binaryCrossentropy} on probabilities. */
  binaryCrossentropy: (p: Variable, t: Variable) => binaryCrossentropy(p, t),
  /** {@link meanSquaredError}. */
  meanSquaredError: (p: Variable, t: Variable) => meanSquaredError(p, t),
  /** Alias of meanSquaredError. */
  mse: (p: Variable, t: Variable) => meanSquaredError(p, t),
  /** {@link meanAbsoluteError}. */
  meanAbsoluteError: (p: Variable, t: Variable) => meanAbsoluteError(p, t),
  /** Alias of meanAbsoluteError. */
  mae: (p: Variable, t: Variable) => meanAbsoluteError(p, t),
  /** {@link huber} with its default delta (1). */
  huber: (p: Variable, t: Variable) => huber(p, t),
} as const satisfies Record<string, Loss>;
/** The name of a built-in loss. */
export type LossName = keyof typeof LOSSES;

// ---------------------------------------------------------------- regularisers

/** A regulariser: a parameter → a scalar penalty added to the cost. */
export type Regularizer = (w: Variable) => Variable;

/** L1 penalty λ·Σ|w| (Keras L1, Lasagne regularization.l1 scaled). */
export function l1(lambda = 0.01): Regularizer {
  if (!(lambda >= 0)) fail('l1', `lambda must be non-negative, got ${lambda}`);
  return (w) => mul(sum(abs(w)), constant(lambda, undefined, w.dtype));
}

/** L2 penalty λ·Σw² (Keras L2; note: no factor ½). */
export function l2(lambda = 0.01): Regularizer {
  if (!(lambda >= 0)) fail('l2', `lambda must be non-negative, got ${lambda}`);
  return (w) => mul(sum(sqr(w)), constant(lambda, undefined, w.dtype));
}

/** L1 + L2 penalty λ₁·Σ|w| + λ₂·Σw² (Keras L1L2). */
export function l1l2(l1Lambda = 0.01, l2Lambda = 0.01): Regularizer {
  const a = l1(l1Lambda);
  const b = l2(l2Lambda);
  return (w) => add(a(w), b(w));
}

// ---------------------------------------------------------------- metrics

/** A metric: (predictions, targets) → a scalar, averaged over the batch. */
export type Metric = (predictions: Variable, targets: Variable) => Variable;

/**
 * Classification accuracy, the fraction of rows predicted right (float64 unless the predictions
 * are float32): for N×K predictions, argmax against int labels (N) or against the argmax of
 * one-hot targets (N×K); for binary predictions (N or N×1 probabilities), p > 0.5 against t
 * (with `fromLogits`, z > 0).
 */
export function accuracy(
  predictions: TensorLike,
  targets: TensorLike,
  opts: { fromLogits?: boolean } = {},
): Variable {
  const what = 'accuracy';
  const [p, t] = vars(what, predictions, targets);
  const binary = p.ndim === 1 || (p.ndim === 2 && p.type.shape[1] === 1 && t.ndim === 2);
  let hits: Variable;
  if (binary) {
    sameRank(what, p, t);
    const threshold = constant(opts.fromLogits ? 0 : 0.5, undefined, p.dtype);
    hits = eq(gt(p, threshold), gt(asFloat(t, p), constant(0.5, undefined, p.dtype)));
  } else if (p.ndim === 2 && t.ndim === 1) hits = eq(argmax(p, { axis: 1 }), t);
  else if (p.ndim === 2 && t.ndim === 2) hits = eq(argmax(p, { axis: 1 }), argmax(t, { axis: 1 }));
  else
    fail(what, `expected N×K predictions and N labels or N×K targets, got ${p.type} and ${t.type}`);
  return mean(cast(hits, p.dtype));
}

/**
 * Top-k accuracy: the fraction of rows whose true class is among the k largest predictions
 * (tf.math.in_top_k / Keras top_k_categorical_accuracy: ties at the boundary count as in).
 * Targets are int labels (N) or one-hot rows (N×K). The number of classes K must be known
 * statically (from the predictions' static shape, or `numClasses`) for int labels.
 */
export function topKAccuracy(
  predictions: TensorLike,
  targets: TensorLike,
  opts: { k?: number; numClasses?: number } = {},
): Variable {
  const what = 'topKAccuracy';
  const k = opts.k ?? 5;
  if (!Number.isInteger(k) || k < 1) fail(what, `k must be a positive integer, got ${k}`);
  const [p, t] = vars(what, predictions, targets);
  if (p.ndim !== 2) fail(what, `the predictions must be an N×K matrix, got ${p.type}`);
  let onehot: Variable;
  if (t.ndim === 2) onehot = asFloat(t, p);
  else if (t.ndim === 1 && isInteger(t.dtype)) {
    const K = opts.numClasses ?? p.type.shape[1];
    if (K === null || K === undefined)
      fail(
        what,
        `the number of classes is not known statically from ${p.type}; pass { numClasses }`,
      );
    onehot = oneHot(t, K, p.dtype);
  } else fail(what, `the targets must be int labels (N) or an N×K matrix, got ${t.type}`);
  // the true class's score, and how many classes score strictly higher
  const trueScore = sum(mul(p, onehot), { axis: 1, keepdims: true });
  const higher = sum(cast(gt(p, trueScore), 'int32'), { axis: 1 });
  return mean(cast(lt(higher, constant(k, undefined, 'int32')), p.dtype));
}

/**
 * One-hot rows of int labels: an N×K matrix of `dtype` (floatX by default) with 1 at (i, y[i])
 * and 0 elsewhere (labels outside [0, K) give zero rows), built as y[:, None] == arange(K).
 */
export function oneHot(labels: TensorLike, numClasses: number, dtype?: DType): Variable {
  const y = asTensorVariable(labels, 'the labels of oneHot');
  if (!isInteger(y.dtype) || y.ndim !== 1)
    fail('oneHot', `the labels must be an int vector, got ${y.type}`);
  if (!Number.isInteger(numClasses) || numClasses < 1)
    fail('oneHot', `numClasses must be a positive integer, got ${numClasses}`);
  const classes = constant(arange(0, numClasses, 1, { dtype: 'int32' }).reshape([1, numClasses]));
  const out = eq(dimshuffle(y, [0, 'x']), classes);
  return cast(out, dtype ?? config.floatX);
}

/** Metrics by name, for `fit` and `evaluate`. */
export const METRICS = {
  /** {@link accuracy}. */
  accuracy: (p: Variable, t: Variable) => accuracy(p, t),
  /** {@link topKAccuracy} with its default k (5). */
  topKAccuracy: (p: Variable, t: Variable) => topKAccuracy(p, t),
} as const satisfies Record<string, Metric>;
/** The name of a built-in metric. */
export type MetricName = keyof typeof METRICS;

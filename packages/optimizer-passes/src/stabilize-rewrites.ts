/**
 * Stabilizations of log / exp expressions (pytensor/tensor/rewriting/math.py and special.py;
 * Theano theano/tensor/opt.py and nnet/sigm.py): rewrites that compute the same function
 * without the overflow, underflow or cancellation of the expression as written.
 * They run in every mode (FAST_COMPILE included), before constant folding.
 */
import {
  type Variable,
  abs,
  add,
  applyOp,
  dimshuffle,
  eq,
  exp,
  expm1,
  ge,
  log,
  log1p,
  sigmoid,
  softplus,
  sub,
  sum,
  switch_,
} from '@theano-ts/symbolic';
import { isFloat } from '@theano-ts/tensor';
import { fillLike, isConstantValue, isElemwise, isOp, negated, scalarConstant } from './match';
import { type NodeRewriter, nodeRewriter } from './rewriter';

const one = (v: Variable | null): Variable[] | null => (v ? [v] : null);

/** The other operand when `v` is `1 + x` or `x + 1` computed in a float dtype. */
function onePlus(v: Variable): Variable | null {
  const a = v.owner;
  if (!isElemwise(a, 'add') || !isFloat(v.dtype)) return null;
  if (isConstantValue(a.inputs[0], 1)) return a.inputs[1];
  if (isConstantValue(a.inputs[1], 1)) return a.inputs[0];
  return null;
}

/** The argument of `exp(x)` when `v` is one. */
const expArg = (v: Variable): Variable | null => {
  const e = v.owner;
  return isElemwise(e, 'exp') ? e.inputs[0] : null;
};

/**
 * log(1 + x) → log1p(x) and log(1 − x) → log1p(−x) for float x (Theano's `local_log1p`):
 * exact for |x| below the float's epsilon, where 1 + x rounds to 1 (log(1 + 1e-20) is 0,
 * log1p gives 1e-20).
 */
export const localLog1p: NodeRewriter = nodeRewriter(
  'local_log1p',
  ['Elemwise:log'],
  (_fg, node) => {
    const out = node.outputs[0];
    const s = node.inputs[0];
    const x = onePlus(s);
    if (x) return one(fillLike(log1p(x), out, [s]));
    const d = s.owner;
    if (isElemwise(d, 'sub') && isFloat(s.dtype) && isConstantValue(d.inputs[0], 1))
      return one(fillLike(log1p(negated(d.inputs[1])), out, [d.inputs[0]]));
    return null;
  },
  { depth: 4 },
);

/** exp(x) − 1 → expm1(x) for float x (Theano's `local_expm1`): exact near x = 0. */
export const localExpm1: NodeRewriter = nodeRewriter(
  'local_expm1',
  ['Elemwise:sub'],
  (_fg, node) => {
    const [a, b] = node.inputs;
    const out = node.outputs[0];
    const x = expArg(a);
    if (!x || !isFloat(out.dtype) || !isConstantValue(b, 1)) return null;
    return one(fillLike(expm1(x), out, [b]));
  },
  { depth: 3 },
);

/**
 * log1p(exp(x)) → softplus(x) and log(1 + exp(x)) → softplus(x) (Theano's
 * `log1pexp_to_softplus`): exp(x) overflows from x ≈ 89 (float32) or 710 (float64), softplus
 * does not.
 */
export const log1pexpToSoftplus: NodeRewriter = nodeRewriter(
  'log1pexp_to_softplus',
  ['Elemwise:log1p', 'Elemwise:log'],
  (_fg, node) => {
    const out = node.outputs[0];
    const arg = isElemwise(node, 'log1p') ? node.inputs[0] : onePlus(node.inputs[0]);
    const x = arg && expArg(arg);
    return x ? one(fillLike(softplus(x), out, [node.inputs[0]])) : null;
  },
  { depth: 4 },
);

/** 1 − sigmoid(x) → sigmoid(−x) (Theano's `local_1msigmoid`): no cancellation where sigmoid(x) ≈ 1. */
export const local1msigmoid: NodeRewriter = nodeRewriter(
  'local_1msigmoid',
  ['Elemwise:sub'],
  (_fg, node) => {
    const [a, b] = node.inputs;
    const s = b.owner;
    const out = node.outputs[0];
    if (!isElemwise(s, 'sigmoid') || !isConstantValue(a, 1) || !isFloat(s.inputs[0].dtype))
      return null;
    return one(fillLike(sigmoid(negated(s.inputs[0])), out, [a]));
  },
  { depth: 3 },
);

/**
 * exp(x) / (1 + exp(x)) → sigmoid(x) (Theano's `local_exp_over_1_plus_exp`): inf / inf = NaN
 * for large x, sigmoid gives 1.
 */
export const localExpOver1PlusExp: NodeRewriter = nodeRewriter(
  'local_exp_over_1_plus_exp',
  ['Elemwise:trueDiv'],
  (_fg, node) => {
    const [n, d] = node.inputs;
    const x = expArg(n);
    const e = onePlus(d);
    if (!x || e !== n) return null;
    return one(fillLike(sigmoid(x), node.outputs[0], [d]));
  },
  { depth: 4 },
);

/**
 * 1 / (1 + exp(−x)) → sigmoid(x), also written reciprocal(1 + exp(−x)) (Theano's
 * `local_inv_1_plus_exp`): the hand-written sigmoid becomes the op whose softplus
 * stabilizations and gradient apply.
 */
export const localInv1PlusExp: NodeRewriter = nodeRewriter(
  'local_inv_1_plus_exp',
  ['Elemwise:trueDiv', 'Elemwise:reciprocal'],
  (_fg, node) => {
    let d: Variable;
    if (isElemwise(node, 'reciprocal')) d = node.inputs[0];
    else if (isConstantValue(node.inputs[0], 1)) d = node.inputs[1];
    else return null;
    const e = onePlus(d);
    const y = e && expArg(e);
    if (!y) return null;
    return one(fillLike(sigmoid(negated(y)), node.outputs[0], [node.inputs[0]]));
  },
  { depth: 5 },
);

/** log(exp(x)) → x for float x (PyTensor's `local_log_exp`): exp(1000) is inf, the rewrite gives 1000. */
export const localLogExp: NodeRewriter = nodeRewriter(
  'local_log_exp',
  ['Elemwise:log'],
  (_fg, node) => {
    const x = expArg(node.inputs[0]);
    return x && isFloat(x.dtype) ? one(fillLike(x, node.outputs[0])) : null;
  },
  { depth: 2 },
);

/**
 * exp(log(x)) → switch(x ≥ 0, x, NaN) (PyTensor's `local_exp_log_nan_switch`): log of a
 * negative number is NaN, which exp keeps; rounding through log and exp is gone.
 */
export const localExpLogNanSwitch: NodeRewriter = nodeRewriter(
  'local_exp_log_nan_switch',
  ['Elemwise:exp'],
  (_fg, node) => {
    const l = node.inputs[0].owner;
    if (!isElemwise(l, 'log')) return null;
    const x = l.inputs[0];
    const out = node.outputs[0];
    const nan = scalarConstant(NaN, out.dtype);
    return one(fillLike(switch_(ge(x, 0), x, nan), out));
  },
  { depth: 2 },
);

/** sqrt(sqr(x)) → |x| for float x (PyTensor's `local_sqrt_sqr`): sqr(1e200) overflows to inf. */
export const localSqrtSqr: NodeRewriter = nodeRewriter(
  'local_sqrt_sqr',
  ['Elemwise:sqrt'],
  (_fg, node) => {
    const s = node.inputs[0].owner;
    if (!isElemwise(s, 'sqr') || !isFloat(s.outputs[0].dtype)) return null;
    return one(fillLike(abs(s.inputs[0]), node.outputs[0]));
  },
  { depth: 2 },
);

/** The order of a DimShuffle that restores reduced `axes` as broadcastable dims (keepdims). */
function keepdimsOrder(ndim: number, axes: readonly number[]): (number | 'x')[] {
  let k = 0;
  return Array.from({ length: ndim }, (_, i) => (axes.includes(i) ? 'x' : k++));
}

const sameOrder = (a: readonly (number | 'x')[], b: readonly (number | 'x')[]) =>
  a.length === b.length && a.every((o, i) => o === b[i]);

/**
 * `sum(v, axes)` or `sum(v, axes, keepdims)` (a CAReduce{add} under a keepdims DimShuffle):
 * the summed variable, the axes and whether the dims were kept.
 */
function matchSum(s: Variable): { v: Variable; axes: readonly number[]; keepdims: boolean } | null {
  let o = s.owner;
  let keepdims = false;
  if (isOp(o, 'DimShuffle')) {
    const red = o.inputs[0].owner;
    if (!isOp(red, 'CAReduce')) return null;
    const nd = red.inputs[0].ndim;
    if (!sameOrder(o.op.params.order, keepdimsOrder(nd, red.op.params.axes))) return null;
    keepdims = true;
    o = red;
  }
  if (!isOp(o, 'CAReduce') || o.op.params.scalarOp !== 'add') return null;
  return { v: o.inputs[0], axes: o.op.params.axes, keepdims };
}

/**
 * exp(x) / sum(exp(x), axis, keepdims) → softmax(x, axis) (Theano's `local_softmax` pattern
 * of a hand-written softmax), for one axis and float x: exp overflows from x ≈ 89 (float32),
 * the Softmax op subtracts the maximum first.
 */
export const localSoftmax: NodeRewriter = nodeRewriter(
  'local_softmax',
  ['Elemwise:trueDiv'],
  (_fg, node) => {
    const [n, d] = node.inputs;
    const x = expArg(n);
    const s = matchSum(d);
    if (!x || !s || s.v !== n || !s.keepdims || s.axes.length !== 1) return null;
    if (!isFloat(x.dtype) || x.dtype !== n.dtype) return null;
    const sm = applyOp('Softmax', { axis: s.axes[0] }, [x]).outputs[0];
    return one(fillLike(sm, node.outputs[0]));
  },
  { depth: 4 },
);

/** Is `v` x − max(x) as this rewrite builds it (so that it does not apply to its own result)? */
function isShiftedByMax(v: Variable): boolean {
  const d = v.owner;
  if (!isElemwise(d, 'sub')) return false;
  let m = d.inputs[1];
  while (isOp(m.owner, 'DimShuffle')) m = m.owner.inputs[0];
  if (isElemwise(m.owner, 'switch')) m = m.owner.inputs[2];
  const red = m.owner;
  return (
    isOp(red, 'CAReduce') && red.op.params.scalarOp === 'maximum' && red.inputs[0] === d.inputs[0]
  );
}

/**
 * log(sum(exp(x), axes)) → m + log(sum(exp(x − m), axes)) with m = max(x, axes), with or
 * without keepdims (PyTensor's `local_log_sum_exp`): exp(x) overflows for x ≈ 89 (float32) or
 * 710 (float64); shifted, the largest term is exp(0) = 1. Where m is ±inf it is replaced by 0
 * (x − m would be NaN; the unshifted sum is already right there).
 */
export const localLogSumExp: NodeRewriter = nodeRewriter(
  'local_log_sum_exp',
  ['Elemwise:log'],
  (_fg, node) => {
    const s = matchSum(node.inputs[0]);
    const x = s && expArg(s.v);
    if (!s || !x || !isFloat(x.dtype) || x.dtype !== s.v.dtype || isShiftedByMax(x)) return null;
    const dtype = x.dtype;
    const m0 = applyOp('CAReduce', { scalarOp: 'maximum', axes: [...s.axes] }, [x]).outputs[0];
    const inf = scalarConstant(Infinity, dtype);
    const m = switch_(eq(abs(m0), inf), scalarConstant(0, dtype), m0);
    const mk = dimshuffle(m, keepdimsOrder(x.ndim, s.axes));
    const lse = add(m, log(sum(exp(sub(x, mk)), { axis: [...s.axes] })));
    const r = s.keepdims ? dimshuffle(lse, keepdimsOrder(x.ndim, s.axes)) : lse;
    return one(fillLike(r, node.outputs[0]));
  },
);

/** Stabilizations of this file, in the order they are tried on a node. */
export const STABILIZE_REWRITES: readonly NodeRewriter[] = [
  localLogSumExp,
  log1pexpToSoftplus,
  localLog1p,
  localExpm1,
  local1msigmoid,
  localExpOver1PlusExp,
  localInv1PlusExp,
  localLogExp,
  localExpLogNanSwitch,
  localSqrtSqr,
  localSoftmax,
];

/**
 * Stabilizations around softmax (PyTensor pytensor/tensor/rewriting/special.py; Theano
 * theano/tensor/nnet/nnet.py): log(softmax) → logSoftmax, categorical cross-entropy of a
 * softmax → the fused CrossentropySoftmax1Hot, and the same for their gradients.
 */
import { type Apply, type Variable, applyOp, mul, sub, sum } from '@theano-ts/symbolic';
import { isElemwise, isOp } from './match';
import { type NodeRewriter, matchType, nodeRewriter } from './rewriter';

/**
 * log(softmax(x)) → logSoftmax(x) on the same axis (PyTensor's `local_logsoftmax`), which
 * computes x - max - log(sum(exp(x - max))) and never takes log(0).
 */
export const localLogSoftmax: NodeRewriter = nodeRewriter(
  'local_log_softmax',
  ['Elemwise:log'],
  (_fg, node) => {
    const sm = node.inputs[0].owner;
    if (!isOp(sm, 'Softmax')) return null;
    const ls = applyOp('LogSoftmax', { axis: sm.op.params.axis }, [sm.inputs[0]]).outputs[0];
    const r = matchType(ls, node.outputs[0]);
    return r ? [r] : null;
  },
  { depth: 2 },
);

/** The parts of an expanded softmax gradient, see {@link matchSoftmaxGrad}. */
export interface SoftmaxGradMatch {
  /** The gradient flowing into the softmax output. */
  g: Variable;
  /** The softmax output. */
  sm: Variable;
  /** The Softmax node. */
  softmax: Apply<'Softmax'>;
}

/**
 * Match the softmax gradient as autodiff builds it (Theano's SoftmaxGrad, expanded):
 * `mul(sub(g, dimshuffle(sum(mul(g, sm), axis), keepdims)), sm)`, with either operand order
 * in both products. Returns its parts, or null.
 */
export function matchSoftmaxGrad(node: Apply): SoftmaxGradMatch | null {
  if (!isElemwise(node, 'mul')) return null;
  for (let si = 1; si >= 0; si--) {
    const ai = 1 - si;
    const sm = node.inputs[si];
    const softmax = sm.owner;
    if (!isOp(softmax, 'Softmax')) continue;
    const axis = softmax.op.params.axis;
    const subNode = node.inputs[ai].owner;
    if (!isElemwise(subNode, 'sub')) continue;
    const [g, d] = subNode.inputs;
    const ds = d.owner;
    if (!isOp(ds, 'DimShuffle')) continue;
    const keep = Array.from({ length: sm.ndim }, (_, i) =>
      i === axis ? 'x' : i < axis ? i : i - 1,
    );
    const order = ds.op.params.order;
    if (order.length !== keep.length || order.some((o, i) => o !== keep[i])) continue;
    const red = ds.inputs[0].owner;
    if (!isOp(red, 'CAReduce')) continue;
    const { scalarOp, axes } = red.op.params;
    if (scalarOp !== 'add' || axes.length !== 1 || axes[0] !== axis) continue;
    const m = red.inputs[0].owner;
    if (!isElemwise(m, 'mul')) continue;
    const [p, q] = m.inputs;
    if (!((p === g && q === sm) || (p === sm && q === g))) continue;
    return { g, sm, softmax };
  }
  return null;
}

/**
 * The gradient of log(softmax(x)) as autodiff builds it, softmax-grad(gz / sm), becomes
 * gz - sum(gz, axis, keepdims) * sm (Theano's `local_logsoftmax_grad`): no division by a
 * softmax output that may underflow to 0.
 */
export const localLogSoftmaxGrad: NodeRewriter = nodeRewriter(
  'local_log_softmax_grad',
  ['Elemwise:mul'],
  (_fg, node) => {
    const m = matchSoftmaxGrad(node);
    if (!m) return null;
    const div = m.g.owner;
    if (!isElemwise(div, 'trueDiv') || div.inputs[1] !== m.sm) return null;
    const gz = div.inputs[0];
    if (gz.ndim !== m.sm.ndim) return null;
    const axis = m.softmax.op.params.axis;
    const r = matchType(sub(gz, mul(sum(gz, { axis, keepdims: true }), m.sm)), node.outputs[0]);
    return r ? [r] : null;
  },
);

/**
 * CrossentropyCategorical1Hot(softmax(x), y) → CrossentropySoftmax1Hot(x, y) (Theano's
 * `crossentropy_to_crossentropy_with_softmax`): -log(softmax(x))[i, y[i]] computed from
 * log-softmax, which neither underflows nor divides.
 */
export const crossentropyToCrossentropyWithSoftmax: NodeRewriter = nodeRewriter(
  'crossentropy_to_crossentropy_with_softmax',
  ['CrossentropyCategorical1Hot'],
  (_fg, node) => {
    const [p, y] = node.inputs;
    const sm = p.owner;
    if (!isOp(sm, 'Softmax') || sm.op.params.axis !== 1 || p.ndim !== 2) return null;
    const out = applyOp('CrossentropySoftmax1Hot', {}, [sm.inputs[0], y]).outputs[0];
    const r = matchType(out, node.outputs[0]);
    return r ? [r] : null;
  },
  { depth: 2 },
);

/**
 * The gradient of CrossentropyCategorical1Hot(softmax(x), y) w.r.t. x, as autodiff builds it
 * — softmax-grad(CrossentropyCategorical1HotGrad(gy, sm, y)), which computes -gy/p and is
 * unstable when p underflows — becomes CrossentropySoftmax1HotDx(gy, x, y) =
 * (softmax(x) - onehot(y)) * gy[:, None] (Theano's
 * `local_softmax_grad_to_crossentropy_with_softmax_grad`). Applies only when the softmax
 * receives no other gradient (the cross-entropy is its only differentiated use).
 */
export const localSoftmaxGradToCrossentropyWithSoftmaxGrad: NodeRewriter = nodeRewriter(
  'local_softmax_grad_to_crossentropy_with_softmax_grad',
  ['Elemwise:mul'],
  (_fg, node) => {
    const m = matchSoftmaxGrad(node);
    if (!m || m.softmax.op.params.axis !== 1 || m.sm.ndim !== 2) return null;
    const xg = m.g.owner;
    if (!isOp(xg, 'CrossentropyCategorical1HotGrad')) return null;
    const [gy, p, y] = xg.inputs;
    if (p !== m.sm) return null;
    const dx = applyOp('CrossentropySoftmax1HotDx', {}, [gy, m.softmax.inputs[0], y]).outputs[0];
    const r = matchType(dx, node.outputs[0]);
    return r ? [r] : null;
  },
);

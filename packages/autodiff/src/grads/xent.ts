import {
  type Variable,
  applyOp,
  dimshuffle,
  mul,
  neg,
  onesLike,
  softmax,
  sqr,
  sub,
  sum,
  trueDiv,
} from '@theano-ts/symbolic';
import type { GradRule } from '../grad-rule';

// Gradients of the cross-entropy gradient ops (so that hessians and double backprop work
// through categoricalCrossentropy and the fused softmax cross-entropy). The one-hot matrix of
// the labels is CrossentropyCategorical1HotGrad(-1, 1, y), whose own gradient is 0 almost
// everywhere (its inputs here are constants of the graph's shapes).

/** One-hot rows of the int labels y for a matrix like `like` (N×K). */
const oneHot = (like: Variable, y: Variable, gy: Variable): Variable =>
  applyOp('CrossentropyCategorical1HotGrad', {}, [neg(onesLike(gy)), onesLike(like), y]).outputs[0];
const col = (v: Variable): Variable => dimshuffle(v, [0, 'x']);

/**
 * out = scatter of -gy[i] / p[i, y_i] at (i, y_i): d/dgy = -G[i, y_i] / p[i, y_i];
 * d/dp at (i, y_i) = G[i, y_i] · gy[i] / p[i, y_i]².
 */
export const crossentropyCategorical1HotGradGrad: GradRule<'CrossentropyCategorical1HotGrad'> = (
  node,
  [g],
) => {
  const [gy, p, y] = node.inputs;
  const m = oneHot(p, y, gy);
  const gAt = sum(mul(g, m), { axis: 1 });
  const pAt = sum(mul(p, m), { axis: 1 });
  return [neg(trueDiv(gAt, pAt)), mul(m, col(trueDiv(mul(gAt, gy), sqr(pAt)))), null];
};

/**
 * out = (softmax(x) - onehot(y)) · gy[:, None]: d/dgy = Σ_j G · (softmax(x) - onehot(y));
 * d/dx = the softmax Jacobian applied to H = G · gy[:, None]: s · (H - Σ_j H · s).
 */
export const crossentropySoftmax1HotDxGrad: GradRule<'CrossentropySoftmax1HotDx'> = (node, [g]) => {
  const [gy, x, y] = node.inputs;
  const s = softmax(x, { axis: 1 });
  const h = mul(g, col(gy));
  return [
    sum(mul(g, sub(s, oneHot(x, y, gy))), { axis: 1 }),
    mul(s, sub(h, sum(mul(h, s), { axis: 1, keepdims: true }))),
    null,
  ];
};

import {
  type ReductionOpParams,
  type Variable,
  applyOp,
  dimshuffle,
  eq,
  exp,
  mul,
  prod,
  sub,
  sum,
  switch_,
  trueDiv,
} from '@theano-ts/symbolic';
import { type GradRule, type NonDifferentiable, nonDifferentiable } from '../grad-rule';

/** A reduced variable re-expanded to rank `ndim` (reduced axes as broadcastable dims). */
function expandReduced(v: Variable, ndim: number, axes: readonly number[]): Variable {
  let k = 0;
  return dimshuffle(
    v,
    Array.from({ length: ndim }, (_, i) => (axes.includes(i) ? 'x' : k++)),
  );
}

/**
 * Gradient of prod(x) over `axes` (CAReduce mul) that is right with zeros in x (Theano's Prod
 * gradient without no_zeros_in_input; `g` is the output gradient expanded to x's rank): the
 * product of the other elements of the group, i.e. g prod / x where a group has no zero; where
 * it has one zero z, the product of the others at z, and elsewhere (prod / x) * x_z, which is 0
 * but has the right derivative w.r.t. x_z, so that second derivatives are right too; where it
 * has two zeros or more, 0 (second derivatives between two zeros are then 0, not the product of
 * the others). Divisions use x with its zeros replaced by 1: no branch computes inf or nan.
 */
export function prodGrad(x: Variable, g: Variable, axes: readonly number[]): Variable {
  const isZero = eq(x, 0);
  const nZeros = sum(isZero, { axis: axes, keepdims: true });
  const safeX = switch_(isZero, 1, x);
  const prodNonZero = prod(safeX, { axis: axes, keepdims: true });
  const others = trueDiv(prodNonZero, safeX);
  // the value of the group's zero (0), as a function of it
  const zero = sum(mul(x, isZero), { axis: axes, keepdims: true });
  const oneZero = switch_(isZero, prodNonZero, mul(others, zero));
  return mul(g, switch_(eq(nZeros, 0), others, switch_(eq(nZeros, 1), oneZero, 0)));
}

/** A cumulative op of the same kind along the same axis, in the other direction. */
const cumOp = (x: Variable, axis: number, mode: 'add' | 'mul', reverse: boolean): Variable =>
  applyOp('CumOp', { axis, mode, reverse }, [x]).outputs[0];

/** Gradients of the reductions ops (one entry per op of ReductionOpParams). */
export const REDUCTIONS_GRADS: {
  readonly [K in keyof ReductionOpParams]: GradRule<K> | NonDifferentiable;
} = {
  Argmin: nonDifferentiable('argmin returns integer indices'),
  All: nonDifferentiable('all returns booleans'),
  Any: nonDifferentiable('any returns booleans'),
  // d/dx log(sum(exp(x))) = exp(x - logsumexp(x)): the softmax along the reduced axes
  LogSumExp(node, [gz]) {
    const [x] = node.inputs;
    const { axes } = node.op.params;
    const out = expandReduced(node.outputs[0], x.ndim, axes);
    return [mul(expandReduced(gz, x.ndim, axes), exp(sub(x, out)))];
  },
  CumOp(node, [gz]) {
    const [x] = node.inputs;
    const { axis, mode, reverse } = node.op.params;
    // out[i] = sum_{j<=i} x[j]: dx[j] = sum_{i>=j} gz[i], a cumulative sum in the other direction
    if (mode === 'add') return [cumOp(gz, axis, 'add', !reverse)];
    // cumprod (Theano's CumOp grad): dx[j] = sum_{i>=j} gz[i] out[i] / x[j]
    return [trueDiv(cumOp(mul(gz, node.outputs[0]), axis, 'add', !reverse), x)];
  },
};

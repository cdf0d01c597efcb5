import {
  opLabel,
  type CoreOpParams,
  type OpName,
  type ScalarOpName,
  type Variable,
  add,
  applyOp,
  cast,
  constant,
  dimshuffle,
  dot,
  eq,
  exp,
  gt,
  log,
  mul,
  neg,
  pow,
  reshape,
  second,
  sgn,
  shape,
  sigmoid,
  sub,
  sum,
  switch_,
  trueDiv,
  zerosLike,
} from '@theano-ts/symbolic';
import { isFloat } from '@theano-ts/tensor';
import { type GradRule, type NonDifferentiable, nonDifferentiable } from './grad-rule';
import { REDUCTIONS_GRADS } from './grads/reductions';
import { SHAPE_GRADS } from './grads/shape';
import { INDEXING_GRADS } from './grads/indexing';
import { LINALG_GRADS } from './grads/linalg';
import { NNET_GRADS } from './grads/nnet';
import { RANDOM_GRADS } from './grads/random';
import { CONTROL_GRADS } from './grads/control';
import { crossentropyCategorical1HotGradGrad, crossentropySoftmax1HotDxGrad } from './grads/xent';
import { ELEMWISE_SCALAR_GRADS } from './grads/elemwise';
import { prodGrad } from './grads/reductions';

export { type GradRule, type NonDifferentiable, nonDifferentiable } from './grad-rule';

type ScalarGrad = (ins: readonly Variable[], out: Variable, gz: Variable) => (Variable | null)[];

const none = () => [null, null, null];

/** Gradients of the scalar ops that Elemwise applies (Theano's scalar grad methods). */
export const SCALAR_GRADS: { readonly [S in ScalarOpName]: ScalarGrad } = {
  add: (_i, _o, gz) => [gz, gz],
  sub: (_i, _o, gz) => [gz, neg(gz)],
  mul: ([a, b], _o, gz) => [mul(gz, b), mul(gz, a)],
  trueDiv: ([a, b], _o, gz) => [trueDiv(gz, b), neg(trueDiv(mul(gz, a), mul(b, b)))],
  pow: ([a, b], out, gz) => [mul(mul(gz, b), pow(a, sub(b, 1))), mul(mul(gz, log(a)), out)],
  // Theano: every argument equal to the result gets the gradient (ties included)
  maximum: ([a, b], out, gz) => [mul(gz, eq(out, a)), mul(gz, eq(out, b))],
  minimum: ([a, b], out, gz) => [mul(gz, eq(out, a)), mul(gz, eq(out, b))],
  neg: (_i, _o, gz) => [neg(gz)],
  sqr: ([x], _o, gz) => [mul(mul(gz, x), 2)],
  sqrt: (_i, out, gz) => [trueDiv(mul(gz, 0.5), out)],
  exp: (_i, out, gz) => [mul(gz, out)],
  log: ([x], _o, gz) => [trueDiv(gz, x)],
  log1p: ([x], _o, gz) => [trueDiv(gz, add(x, 1))],
  expm1: (_i, out, gz) => [mul(gz, add(out, 1))],
  tanh: (_i, out, gz) => [mul(gz, sub(1, mul(out, out)))],
  sigmoid: (_i, out, gz) => [mul(mul(gz, out), sub(1, out))],
  softplus: ([x], _o, gz) => [mul(gz, sigmoid(x))],
  relu: ([x], _o, gz) => [mul(gz, gt(x, 0))],
  abs: ([x], _o, gz) => [mul(gz, sgn(x))],
  sgn: ([x]) => [zerosLike(x)],
  reciprocal: (_i, out, gz) => [neg(mul(gz, mul(out, out)))],
  gt: none,
  ge: none,
  lt: none,
  le: none,
  eq: none,
  neq: none,
  switch: ([c], _o, gz) => [null, switch_(c, gz, zerosLike(gz)), switch_(c, zerosLike(gz), gz)],
  second: (_i, _o, gz) => [null, gz],
  identity: (_i, _o, gz) => [gz],
  cast: ([x], _o, gz) => [isFloat(x.dtype) ? cast(gz, x.dtype) : null],
  ...ELEMWISE_SCALAR_GRADS,
};

/** gz of a reduction re-expanded to x's rank (reduced axes as broadcastable dims). */
function expandReduced(gz: Variable, ndim: number, axes: readonly number[]): Variable {
  let k = 0;
  return dimshuffle(
    gz,
    Array.from({ length: ndim }, (_, i) => (axes.includes(i) ? 'x' : k++)),
  );
}

/** Gradients of the core (first slice) ops. */
const CORE_GRADS: { readonly [K in keyof CoreOpParams]: GradRule<K> | NonDifferentiable } = {
  Elemwise(node, outGrads) {
    const s = node.op.params.scalarOp;
    if (s.name === 'composite')
      throw new Error(
        'grad: Composite (fused) nodes appear only after compilation; take gradients of the user graph',
      );
    return SCALAR_GRADS[s.name](node.inputs, node.outputs[0], outGrads[0]);
  },
  DimShuffle(node, [gz]) {
    const { order, inputNdim } = node.op.params;
    const back = Array.from({ length: inputNdim }, (_, d) => {
      const j = order.indexOf(d);
      return j < 0 ? ('x' as const) : j;
    });
    // gz's 'x' dimensions are dropped by omission (they are static 1)
    return [dimshuffle(gz, back)];
  },
  CAReduce(node, [gz]) {
    const [x] = node.inputs;
    const { scalarOp, axes, elemwise } = node.op.params;
    if (elemwise)
      throw new TypeError(
        `grad: ${opLabel(node.op)} is a fused reduction made by the reduce_fusion rewrite, which has no gradient rule; take gradients of the graph before it is optimized (theano.grad on the user's graph)`,
      );
    const g = expandReduced(gz, x.ndim, axes);
    const out = expandReduced(node.outputs[0], x.ndim, axes);
    switch (scalarOp) {
      case 'add':
        return [second(x, g)];
      case 'mul':
        // right with zeros in x (g * out / x is not): see prodGrad
        return [prodGrad(x, g, axes)];
      case 'maximum':
      case 'minimum':
        return [mul(g, eq(x, out))];
    }
  },
  Argmax: nonDifferentiable('argmax returns integer indices'),
  Dot(node, [gz]) {
    const [a, b] = node.inputs;
    if (a.ndim === 1 && b.ndim === 1) return [mul(gz, b), mul(gz, a)];
    if (a.ndim === 2 && b.ndim === 2) return [dot(gz, b.T), dot(a.T, gz)];
    if (a.ndim === 1) return [dot(b, gz), dot(dimshuffle(a, [0, 'x']), dimshuffle(gz, ['x', 0]))];
    return [dot(dimshuffle(gz, [0, 'x']), dimshuffle(b, ['x', 0])), dot(a.T, gz)];
  },
  Reshape: (node, [gz]) => [reshape(gz, shape(node.inputs[0])), null],
  Shape: nonDifferentiable('shapes are integers'),
  ShapeI: nonDifferentiable('shapes are integers'),
  MakeVector: nonDifferentiable('MakeVector builds integer shape vectors'),
  Softmax(node, [gz]) {
    const sm = node.outputs[0];
    const axis = node.op.params.axis;
    return [mul(sub(gz, sum(mul(gz, sm), { axis, keepdims: true })), sm)];
  },
  LogSoftmax(node, [gz]) {
    const axis = node.op.params.axis;
    return [sub(gz, mul(exp(node.outputs[0]), sum(gz, { axis, keepdims: true })))];
  },
  CrossentropyCategorical1Hot: (node, [gy]) => [
    applyOp('CrossentropyCategorical1HotGrad', {}, [gy, node.inputs[0], node.inputs[1]]).outputs[0],
    null,
  ],
  CrossentropyCategorical1HotGrad: crossentropyCategorical1HotGradGrad,
  CrossentropySoftmax1Hot: (node, [gy]) => [
    applyOp('CrossentropySoftmax1HotDx', {}, [gy, node.inputs[0], node.inputs[1]]).outputs[0],
    null,
  ],
  CrossentropySoftmax1HotDx: crossentropySoftmax1HotDxGrad,
};

/** THE gradient table: one entry per op, checked by tsc. */
export const GRADS: { readonly [K in OpName]: GradRule<K> | NonDifferentiable } = {
  ...CORE_GRADS,
  ...REDUCTIONS_GRADS,
  ...SHAPE_GRADS,
  ...INDEXING_GRADS,
  ...LINALG_GRADS,
  ...NNET_GRADS,
  ...RANDOM_GRADS,
  ...CONTROL_GRADS,
};

/** Used by the driver: a 0-d constant 1 of `dtype`. */
export const one = (dtype: Variable['dtype']): Variable => constant(1, undefined, dtype);

import type { DType } from '@theano-ts/tensor';

import type { ReductionOpParams } from './ops/reductions';
import type { ShapeOpParams } from './ops/shape';
import type { IndexingOpParams } from './ops/indexing';
import type { LinalgOpParams } from './ops/linalg';
import type { NnetOpParams } from './ops/nnet';
import type { RandomOpParams } from './ops/random';
import type { ControlOpParams } from './ops/control';
import { ELEMWISE_SCALAR_OP_NAMES } from './elemwise-scalar-names';

/**
 * THE list of ops: every op name is a key of OpParams, whose parts are grouped by family
 * (core here; reductions, shape, indexing, linalg, nnet, random in ./ops/). Each op's parts live in
 * typed tables keyed by its name (type inference and reference implementation in symbolic's
 * OP_SPECS, gradient in autodiff's GRADS, kernels in the backends), so adding a key without its
 * parts fails `tsc`.
 */
export interface OpParams
  extends
    CoreOpParams,
    ReductionOpParams,
    ShapeOpParams,
    IndexingOpParams,
    LinalgOpParams,
    NnetOpParams,
    RandomOpParams,
    ControlOpParams {}

/** The first slice's ops. */
export interface CoreOpParams {
  /** Elementwise application of a scalar op (or a fused Composite) with broadcasting. */
  Elemwise: { scalarOp: ScalarOp };
  /** Transpose / add broadcastable dims ('x') / drop broadcastable dims. */
  DimShuffle: { order: readonly (number | 'x')[]; inputNdim: number };
  /** Commutative-associative reduction over axes (sum, prod, max, min). No keepdims: see sum(). */
  CAReduce: { scalarOp: 'add' | 'mul' | 'maximum' | 'minimum'; axes: readonly number[] };
  /** Index of the maximum along one axis (int32). */
  Argmax: { axis: number };
  /** numpy.dot for 1-D/2-D operands. */
  Dot: Record<string, never>;
  /** Reshape to a runtime shape vector (second input, int); `ndim` is the output rank. */
  Reshape: { ndim: number };
  /** x.shape as an int32 vector. */
  Shape: Record<string, never>;
  /** int32 scalars joined into an int32 vector (Theano's MakeVector). */
  MakeVector: Record<string, never>;
  /** x.shape[i] as an int32 scalar. */
  ShapeI: { i: number };
  /** Softmax along `axis`. */
  Softmax: { axis: number };
  /** log(softmax(x)) along `axis`, computed stably. */
  LogSoftmax: { axis: number };
  /** -log(p[i, y[i]]) for a matrix of probabilities p and int labels y: a vector. */
  CrossentropyCategorical1Hot: Record<string, never>;
  /** Gradient of CrossentropyCategorical1Hot w.r.t. p: inputs (gy, p, y). */
  CrossentropyCategorical1HotGrad: Record<string, never>;
  /** Fused, stable -log(softmax(x))[i, y[i]] (Theano's CrossentropySoftmaxArgmax1HotWithBias). */
  CrossentropySoftmax1Hot: Record<string, never>;
  /** Gradient of CrossentropySoftmax1Hot w.r.t. x: inputs (gy, x, y) → (softmax(x) - onehot(y)) * gy[:, None]. */
  CrossentropySoftmax1HotDx: Record<string, never>;
}

export type OpName = keyof OpParams;

/** Names of the primitive scalar ops that Elemwise applies. */
export const SCALAR_OP_NAMES = [
  'add',
  'sub',
  'mul',
  'trueDiv',
  'pow',
  'maximum',
  'minimum',
  'neg',
  'sqr',
  'sqrt',
  'exp',
  'log',
  'log1p',
  'expm1',
  'tanh',
  'sigmoid',
  'softplus',
  'relu',
  'abs',
  'sgn',
  'reciprocal',
  'gt',
  'ge',
  'lt',
  'le',
  'eq',
  'neq',
  'switch',
  'second',
  'identity',
  'cast',
  ...ELEMWISE_SCALAR_OP_NAMES,
] as const;

export type ScalarOpName = (typeof SCALAR_OP_NAMES)[number];

/** A primitive scalar op; `dtype` is the target of `cast`. */
export interface PrimitiveScalarOp {
  name: ScalarOpName;
  dtype?: DType;
}

/**
 * A fused scalar graph (Theano's Composite). Values are numbered: 0..nin-1 are the inputs,
 * nin+j is the output of nodes[j]. A node's op may be 'constant' with a literal value.
 */
export interface CompositeScalarOp {
  name: 'composite';
  nin: number;
  nodes: readonly CompositeNode[];
  outputs: readonly number[];
}

export interface CompositeNode {
  op: PrimitiveScalarOp | { name: 'constant'; value: number; dtype: DType };
  args: readonly number[];
  dtype: DType;
}

export type ScalarOp = PrimitiveScalarOp | CompositeScalarOp;

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
  /**
   * Elementwise application of a scalar op (or a fused Composite) with broadcasting.
   * `inplacePattern` (Theano's inplace_pattern / destroy_map), set only by the `inplace`
   * rewrite: output index → index of the input whose buffer that output overwrites (an input
   * of the output's shape and dtype that nothing reads afterwards). A backend may ignore it and
   * return a fresh output; backend-cpu writes into that input's NDArray and returns it.
   */
  Elemwise: {
    /** The scalar op applied to every element (or a fused Composite). */
    scalarOp: ScalarOp;
    /** Output index → the input whose buffer it overwrites (set by the inplace rewrite). */
    inplacePattern?: Readonly<Record<number, number>>;
  };
  /** Transpose / add broadcastable dims ('x') / drop broadcastable dims. */
  DimShuffle: {
    /** For each output dimension: the input dimension it takes, or 'x' for a new broadcastable one. */
    order: readonly (number | 'x')[];
    /** Number of dimensions of the input. */
    inputNdim: number;
  };
  /**
   * Commutative-associative reduction over axes (sum, prod, max, min). No keepdims: see sum().
   * With `elemwise` (made only by the reduce-fusion rewrite, PyTensor's
   * `local_careduce_fusion`), the node takes that scalar op's inputs, applies it elementwise
   * with broadcasting as Elemwise would (each value rounded to its dtype), and reduces the
   * result: one pass, no intermediate array.
   */
  CAReduce: {
    /** The binary scalar op that combines the elements. */
    scalarOp: 'add' | 'mul' | 'maximum' | 'minimum';
    /** The input axes reduced (sorted, non-negative). */
    axes: readonly number[];
    /** The fused elementwise scalar op applied before reducing (reduce-fusion rewrite only). */
    elemwise?: ScalarOp;
  };
  /** Index of the maximum along one axis (int32). */
  Argmax: {
    /** The axis searched. */
    axis: number;
  };
  /** numpy.dot for 1-D/2-D operands. */
  Dot: Record<string, never>;
  /** Reshape to a runtime shape vector (second input, int); `ndim` is the output rank. */
  Reshape: {
    /** Number of dimensions of the output. */
    ndim: number;
  };
  /** x.shape as an int32 vector. */
  Shape: Record<string, never>;
  /** int32 scalars joined into an int32 vector (Theano's MakeVector). */
  MakeVector: Record<string, never>;
  /** x.shape[i] as an int32 scalar. */
  ShapeI: {
    /** The dimension whose length is returned. */
    i: number;
  };
  /** Softmax along `axis`. */
  Softmax: {
    /** The axis normalised. */
    axis: number;
  };
  /** log(softmax(x)) along `axis`, computed stably. */
  LogSoftmax: {
    /** The axis normalised. */
    axis: number;
  };
  /** -log(p[i, y[i]]) for a matrix of probabilities p and int labels y: a vector. */
  CrossentropyCategorical1Hot: Record<string, never>;
  /** Gradient of CrossentropyCategorical1Hot w.r.t. p: inputs (gy, p, y). */
  CrossentropyCategorical1HotGrad: Record<string, never>;
  /** Fused, stable -log(softmax(x))[i, y[i]] (Theano's CrossentropySoftmaxArgmax1HotWithBias). */
  CrossentropySoftmax1Hot: Record<string, never>;
  /** Gradient of CrossentropySoftmax1Hot w.r.t. x: inputs (gy, x, y) → (softmax(x) - onehot(y)) * gy[:, None]. */
  CrossentropySoftmax1HotDx: Record<string, never>;
}

/** The name of an op: a key of {@link OpParams}. */
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

/** The name of a primitive scalar op (what Elemwise maps, or a Composite node runs). */
export type ScalarOpName = (typeof SCALAR_OP_NAMES)[number];

/** A primitive scalar op; `dtype` is the target of `cast`. */
export interface PrimitiveScalarOp {
  /** Which scalar op. */
  name: ScalarOpName;
  /** For 'cast': the dtype to convert to. */
  dtype?: DType;
}

/**
 * A fused scalar graph (Theano's Composite). Values are numbered: 0..nin-1 are the inputs,
 * nin+j is the output of nodes[j]. A node's op may be 'constant' with a literal value.
 */
export interface CompositeScalarOp {
  /** Marks a Composite. */
  name: 'composite';
  /** Number of inputs. */
  nin: number;
  /** The scalar nodes, in evaluation order. */
  nodes: readonly CompositeNode[];
  /** The value numbers of the outputs. */
  outputs: readonly number[];
}

/** One scalar node of a {@link CompositeScalarOp}. */
export interface CompositeNode {
  /** The scalar op, or a literal constant. */
  op:
    | PrimitiveScalarOp
    | {
        /** Marks a literal. */
        name: 'constant';
        /** The literal's value. */
        value: number;
        /** The literal's dtype. */
        dtype: DType;
      };
  /** The value numbers of its arguments. */
  args: readonly number[];
  /** dtype of its result. */
  dtype: DType;
}

/** A scalar op: primitive, or a fused Composite. */
export type ScalarOp = PrimitiveScalarOp | CompositeScalarOp;

/**
 * `theano.tensor` (imported as T): variable constructors, tensor functions, and the `nnet`
 * module, with Theano's names in camelCase.
 */
export {
  // constructors
  scalar,
  vector,
  row,
  col,
  matrix,
  tensor3,
  tensor4,
  tensor,
  bscalar,
  bvector,
  bmatrix,
  wscalar,
  wvector,
  wmatrix,
  iscalar,
  ivector,
  imatrix,
  irow,
  icol,
  itensor3,
  itensor4,
  fscalar,
  fvector,
  fmatrix,
  frow,
  fcol,
  ftensor3,
  ftensor4,
  dscalar,
  dvector,
  dmatrix,
  drow,
  dcol,
  dtensor3,
  dtensor4,
  scalars,
  vectors,
  matrices,
  dscalars,
  dvectors,
  dmatrices,
  fscalars,
  fvectors,
  fmatrices,
  iscalars,
  ivectors,
  imatrices,
  constant,
  asTensorVariable,
  // elementwise
  add,
  sub,
  mul,
  trueDiv,
  div,
  pow,
  maximum,
  minimum,
  neg,
  sqr,
  sqrt,
  exp,
  log,
  log1p,
  expm1,
  tanh,
  abs,
  sgn,
  reciprocal,
  gt,
  ge,
  lt,
  le,
  eq,
  neq,
  switch_ as switch,
  second,
  second as fill,
  zerosLike,
  onesLike,
  cast,
  sigmoid,
  softplus,
  relu,
  // shape
  dimshuffle,
  transpose,
  reshape,
  flatten,
  shape,
  shapeI,
  makeVector,
  // reductions and linear algebra
  sum,
  prod,
  max,
  min,
  mean,
  argmax,
  dot,
  softmax,
  logSoftmax,
  categoricalCrossentropy,
  TensorType,
  Variable,
  Constant,
  SharedVariable,
} from '@theano-ts/symbolic';

import {
  sigmoid,
  softplus,
  relu,
  softmax,
  logSoftmax,
  categoricalCrossentropy,
  crossentropySoftmax1Hot,
} from '@theano-ts/symbolic';

import {
  elu,
  selu,
  softsign,
  hardSigmoid,
  binaryCrossentropy,
  sigmoidBinaryCrossentropy,
} from '@theano-ts/symbolic';

import {
  conv2d,
  conv2dTranspose,
  conv2dGradWrtInputs,
  conv2dGradWrtWeights,
  batchNormalizationTrain,
  batchNormalizationTest,
  pool2d,
  inv,
  det,
  slogdet,
  solve,
  cholesky,
  qr,
  svd,
  eigh,
  eigvalsh,
  norm,
  matrixInverse,
} from '@theano-ts/symbolic';

/** Theano's tensor.nnet: activations and losses. */
export const nnet = {
  sigmoid,
  softplus,
  /** max(x, 0) (Theano's nnet.relu). */
  relu,
  /** Softmax along an axis (Theano's nnet.softmax). */
  softmax,
  /** log(softmax(x)), computed stably (Theano's nnet.logsoftmax). */
  logSoftmax,
  /**
   * Cross-entropy of probabilities against one-hot or int targets (Theano's
   * nnet.categorical_crossentropy).
   */
  categoricalCrossentropy,
  /** Stable -log(softmax(x))[i, y[i]] (Theano's crossentropy_softmax_1hot). */
  crossentropySoftmax1Hot,
  /** Exponential linear unit (Theano's nnet.elu). */
  elu,
  /** Scaled exponential linear unit (Theano's nnet.selu). */
  selu,
  /** x / (1 + |x|) (Theano's nnet.softsign). */
  softsign,
  /** Piecewise-linear sigmoid (Theano's nnet.hard_sigmoid). */
  hardSigmoid,
  /** Binary cross-entropy of probabilities (Theano's nnet.binary_crossentropy). */
  binaryCrossentropy,
  /**
   * Binary cross-entropy of logits, computed stably (Theano's nnet.sigmoid_binary_crossentropy).
   */
  sigmoidBinaryCrossentropy,
  // conv2d, pooling, batch normalization (issue 4: nnet/signal)
  /** 2-D convolution of a batch of images (Theano's nnet.conv2d). */
  conv2d,
  /** Transposed 2-D convolution (Theano's nnet.conv2d_transpose). */
  conv2dTranspose,
  /** Gradient of conv2d with respect to its inputs (Theano's conv2d_grad_wrt_inputs). */
  conv2dGradWrtInputs,
  /** Gradient of conv2d with respect to its filters (Theano's conv2d_grad_wrt_weights). */
  conv2dGradWrtWeights,
  /** Batch normalization with the batch's statistics (Theano's bn.batch_normalization_train). */
  batchNormalizationTrain,
  /** Batch normalization with given statistics (Theano's bn.batch_normalization_test). */
  batchNormalizationTest,
} as const;

// issue 4: the elementwise functions, reductions and nnet losses of @theano-ts/symbolic
export {
  intDiv,
  floorDiv,
  mod,
  exp2,
  log2,
  log10,
  sin,
  cos,
  tan,
  arcsin,
  arccos,
  arctan,
  arctan2,
  sinh,
  cosh,
  arcsinh,
  arccosh,
  arctanh,
  ceil,
  floor,
  trunc,
  round,
  roundHalfToEven,
  roundHalfAwayFromZero,
  clip,
  erf,
  erfc,
  erfinv,
  gammaln,
  psi,
  polygamma,
  triGamma,
  log1mexp,
  isnan,
  isinf,
  isfinite,
  isclose,
  allclose,
  logicalAnd,
  logicalOr,
  logicalXor,
  logicalNot,
  bitwiseAnd,
  bitwiseOr,
  bitwiseXor,
  bitwiseNot,
  invert,
  and_,
  or_,
  xor,
  var_,
  var,
  std,
  argmin,
  all,
  any,
  logsumexp,
  cumsum,
  cumprod,
  elu,
  selu,
  softsign,
  hardSigmoid,
  binaryCrossentropy,
  sigmoidBinaryCrossentropy,
} from '@theano-ts/symbolic';

// issue 4: linear algebra (tensor.basic / nlinalg / slinalg) and signal.pool
export {
  matmul,
  tensordot,
  outer,
  batchedDot,
  batchedTensordot,
  inv,
  matrixInverse,
  det,
  slogdet,
  solve,
  cholesky,
  qr,
  svd,
  eigh,
  eigvalsh,
  norm,
  LinAlgError,
} from '@theano-ts/symbolic';

/** Theano's tensor.nlinalg. */
export const nlinalg = {
  matrixInverse,
  inv,
  det,
  /** Sign and log |determinant| (numpy.linalg.slogdet). */
  slogdet,
  /** QR decomposition (numpy.linalg.qr). */
  qr,
  /** Singular value decomposition (numpy.linalg.svd). */
  svd,
  /** Eigenvalues and eigenvectors of a symmetric matrix (numpy.linalg.eigh). */
  eigh,
  eigvalsh,
  /** Vector or matrix norm (numpy.linalg.norm). */
  norm,
} as const;
/** Theano's tensor.slinalg. */
export const slinalg = { cholesky, solve } as const;
/** Theano's tensor.signal (pool.pool_2d as pool2d). */
export const signal = {
  /** 2-D pooling of a batch of images (Theano's pool.pool_2d). */
  pool2d,
  /** Theano's tensor.signal.pool. */
  pool: {
    /** Same as signal.pool2d. */
    pool2d,
  },
} as const;

/** Shape functions and indexing (Theano's join, stack, tile…, Subtensor and friends). */
export {
  swapaxes,
  moveaxis,
  squeeze,
  expandDims,
  shapePadleft,
  shapePadright,
  shapePadaxis,
  concatenate,
  join,
  stack,
  horizontalStack,
  verticalStack,
  split,
  alloc,
  broadcastTo,
  full,
  zeros,
  ones,
  fullLike,
  tile,
  repeat,
  roll,
  flip,
  arange,
  eye,
  tri,
  tril,
  triu,
  diagonal,
  diag,
  slice,
  getItem,
  setSubtensor,
  incSubtensor,
  take,
  takeAlongAxis,
  nonzero,
  flatnonzero,
  nonzeroValues,
} from '@theano-ts/symbolic';

// issue 8: random streams (Theano's theano.tensor.shared_randomstreams; MRG_RandomStreams and
// PyTensor's RandomStream have the same interface here)
import { RandomStreams } from '@theano-ts/symbolic';
export { RandomStreams };
/** Theano's tensor.shared_randomstreams. */
export const sharedRandomstreams = {
  /** Random streams whose state lives in shared variables (Theano's RandomStreams). */
  RandomStreams,
} as const;

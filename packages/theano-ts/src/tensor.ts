/**
 * `theano.tensor` (imported as T): variable constructors, tensor functions, and the `nnet`
 * module, with Theano's names in camelCase.
 */
export {
  // constructors
  scalar, vector, row, col, matrix, tensor3, tensor4, tensor,
  bscalar, bvector, bmatrix, wscalar, wvector, wmatrix,
  iscalar, ivector, imatrix, irow, icol, itensor3, itensor4,
  fscalar, fvector, fmatrix, frow, fcol, ftensor3, ftensor4,
  dscalar, dvector, dmatrix, drow, dcol, dtensor3, dtensor4,
  scalars, vectors, matrices, dscalars, dvectors, dmatrices, fscalars, fvectors, fmatrices, iscalars, ivectors, imatrices,
  constant, asTensorVariable,
  // elementwise
  add, sub, mul, trueDiv, div, pow, maximum, minimum, neg, sqr, sqrt, exp, log, log1p, expm1, tanh, abs, sgn, reciprocal,
  gt, ge, lt, le, eq, neq, switch_ as switch, second, second as fill, zerosLike, onesLike, cast,
  sigmoid, softplus, relu,
  // shape
  dimshuffle, transpose, reshape, flatten, shape, shapeI, makeVector,
  // reductions and linear algebra
  sum, prod, max, min, mean, argmax, dot,
  softmax, logSoftmax, categoricalCrossentropy,
  TensorType, Variable, Constant, SharedVariable,
} from '@theano-ts/symbolic';

import { sigmoid, softplus, relu, softmax, logSoftmax, categoricalCrossentropy, crossentropySoftmax1Hot } from '@theano-ts/symbolic';

/** Theano's tensor.nnet: activations and losses. */
export const nnet = { sigmoid, softplus, relu, softmax, logSoftmax, categoricalCrossentropy, crossentropySoftmax1Hot } as const;

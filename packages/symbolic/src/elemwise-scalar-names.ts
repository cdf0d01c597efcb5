/**
 * Names of the elementwise scalar ops of issue 4's Elementwise list (integer division and
 * remainder, trigonometric, hyperbolic, rounding, special functions, predicates, logical and
 * bitwise ops), appended to SCALAR_OP_NAMES (op-params.ts). Their specs are in
 * elemwise-scalar-ops.ts, their gradients in autodiff's grads/elemwise.ts, their user functions in
 * elemwise-fns.ts.
 */
export const ELEMWISE_SCALAR_OP_NAMES = [
  'intDiv',
  'mod',
  'arctan2',
  'clip',
  'exp2',
  'log2',
  'log10',
  'sin',
  'cos',
  'tan',
  'arcsin',
  'arccos',
  'arctan',
  'sinh',
  'cosh',
  'arcsinh',
  'arccosh',
  'arctanh',
  'ceil',
  'floor',
  'trunc',
  'roundHalfToEven',
  'roundHalfAwayFromZero',
  'erf',
  'erfc',
  'erfinv',
  'gammaln',
  'psi',
  'polygamma',
  'log1mexp',
  'isnan',
  'isinf',
  'isfinite',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
  'logicalNot',
  'bitwiseAnd',
  'bitwiseOr',
  'bitwiseXor',
  'invert',
] as const;

/**
 * The name of a scalar operation that Elemwise maps over tensors (one of ELEMWISE_SCALAR_OP_NAMES).
 */
export type ElemwiseScalarOpName = (typeof ELEMWISE_SCALAR_OP_NAMES)[number];

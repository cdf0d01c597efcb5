/**
 * Algebraic simplifications (pytensor/tensor/rewriting/math.py): x*1 → x, x+0 → x,
 * neg(neg(x)) → x, and the specializations of x**c (local_pow_specialize).
 */
import { type Variable, cast, reciprocal, sqr, sqrt } from '@theano-ts/symbolic';
import { isFloat } from '@theano-ts/tensor';
import {
  fillLike,
  getScalarConstantValue,
  isConstantValue,
  isElemwise,
  scalarConstant,
} from './match';
import { type NodeRewriter, matchType, nodeRewriter } from './rewriter';

/** The replacement `by` for the node's single output, typed like it, or null. */
const single = (by: Variable | null, like: Variable): Variable[] | null => {
  const v = by && matchType(by, like);
  return v ? [v] : null;
};

/**
 * x * 1 → x and 1 * x → x (part of Theano's `local_mul_specialize` / the mul canonizer). The
 * constant may be broadcast (DimShuffle'd or of any all-ones shape); the rewrite applies only
 * when x already has the product's broadcast pattern, and casts x to the product's dtype.
 */
export const localMulOne: NodeRewriter = nodeRewriter(
  'local_mul_one',
  ['Elemwise:mul'],
  (_fg, node) => {
    const [a, b] = node.inputs;
    const out = node.outputs[0];
    if (isConstantValue(b, 1)) {
      const r = single(a, out);
      if (r) return r;
    }
    return isConstantValue(a, 1) ? single(b, out) : null;
  },
  { depth: 3 },
);

/**
 * x + 0 → x, 0 + x → x and x - 0 → x (Theano's `local_add_remove_zeros`), when x already has
 * the result's broadcast pattern; casts x to the result's dtype.
 */
export const localAddRemoveZeros: NodeRewriter = nodeRewriter(
  'local_add_remove_zeros',
  ['Elemwise:add', 'Elemwise:sub'],
  (_fg, node) => {
    const [a, b] = node.inputs;
    const out = node.outputs[0];
    if (isConstantValue(b, 0)) {
      const r = single(a, out);
      if (r) return r;
    }
    return isElemwise(node, 'add') && isConstantValue(a, 0) ? single(b, out) : null;
  },
  { depth: 3 },
);

/** neg(neg(x)) → x (PyTensor's `local_neg_neg`). */
export const localNegNeg: NodeRewriter = nodeRewriter(
  'local_neg_neg',
  ['Elemwise:neg'],
  (_fg, node) => {
    const inner = node.inputs[0].owner;
    return isElemwise(inner, 'neg') ? single(inner.inputs[0], node.outputs[0]) : null;
  },
  { depth: 2 },
);

/**
 * x ** 2 → sqr(x), x ** 1 → x, x ** 0 → 1 (filled to the result's shape; NaN ** 0 is 1 too),
 * and for float results x ** 0.5 → sqrt(x), x ** -1 → reciprocal(x) (Theano's
 * `local_pow_specialize`). x is cast to the result's dtype first, so
 * an int8 x raised to a float32 2.0 squares in float32, as pow did.
 */
export const localPowSpecialize: NodeRewriter = nodeRewriter(
  'local_pow_specialize',
  ['Elemwise:pow'],
  (_fg, node) => {
    const [x, e] = node.inputs;
    const out = node.outputs[0];
    const c = getScalarConstantValue(e);
    if (c === undefined) return null;
    const xc = () => (x.dtype === out.dtype ? x : cast(x, out.dtype));
    const float = isFloat(out.dtype);
    if (c === 0) return single(fillLike(scalarConstant(1, out.dtype), out, [x, e]), out);
    if (c === 2) return single(sqr(xc()), out);
    if (c === 1) return single(xc(), out);
    if (c === 0.5 && float) return single(sqrt(xc()), out);
    if (c === -1 && float) return single(reciprocal(xc()), out);
    return null;
  },
  { depth: 3 },
);

/** x · x → sqr(x) (Theano's `local_mul_to_sqr`): one multiplication of one input. */
export const localMulToSqr: NodeRewriter = nodeRewriter(
  'local_mul_to_sqr',
  ['Elemwise:mul'],
  (_fg, node) => {
    const [a, b] = node.inputs;
    return a === b ? single(sqr(a), node.outputs[0]) : null;
  },
  { depth: 1 },
);

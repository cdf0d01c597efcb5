/**
 * dot + scaled add → Gemm (Theano's `gemm_optimizer`, pytensor/tensor/rewriting/blas.py):
 * b·z + a·dot(x, y) computed in the product's buffer, one pass fewer over the result.
 */
import { type Apply, type Variable, applyOp, cast, neg } from '@theano-ts/symbolic';
import { isFloat } from '@theano-ts/tensor';
import {
  fillLike,
  hasSingleClient,
  isElemwise,
  isOp,
  isScalarLike,
  scalarConstant,
  toScalar,
} from './match';
import { type NodeRewriter, nodeRewriter } from './rewriter';
import type { FunctionGraph } from '@theano-ts/symbolic';

/** `α · dot(x, y)` (or the bare dot) of matrices, each used only here. */
function dotTerm(
  fgraph: FunctionGraph,
  v: Variable,
): { alpha: Variable | null; dot: Apply<'Dot'> } | null {
  if (!hasSingleClient(fgraph, v)) return null;
  const o = v.owner;
  const isMatDot = (d: Apply | null): d is Apply<'Dot'> =>
    isOp(d, 'Dot') && d.inputs[0].ndim === 2 && d.inputs[1].ndim === 2;
  if (isMatDot(o)) return { alpha: null, dot: o };
  if (!isElemwise(o, 'mul')) return null;
  for (const [s, d] of [
    [o.inputs[0], o.inputs[1]],
    [o.inputs[1], o.inputs[0]],
  ]) {
    const dn = d.owner;
    if (isScalarLike(s) && isMatDot(dn) && hasSingleClient(fgraph, d) && d.dtype === v.dtype)
      return { alpha: s, dot: dn };
  }
  return null;
}

/** `β · z` (or z alone, β null) for a matrix z. */
function scaledTerm(v: Variable): { beta: Variable | null; z: Variable } {
  const o = v.owner;
  if (isElemwise(o, 'mul'))
    for (const [s, z] of [
      [o.inputs[0], o.inputs[1]],
      [o.inputs[1], o.inputs[0]],
    ])
      if (isScalarLike(s) && !isScalarLike(z) && z.dtype === v.dtype) return { beta: s, z };
  return { beta: null, z: v };
}

/**
 * z + a·dot(x, y), z − a·dot(x, y), a·dot(x, y) − z, and the same with b·z, in either operand
 * order → Gemm(z, ±a, x, y, ±b) (Theano's `gemm_optimizer`, for matrices: a row bias
 * z broadcasts). All operands of one float dtype; the dot and its scaling used only here (else
 * the product would be computed twice). Rounds as the nodes it replaces, so the value is the
 * same bit for bit.
 */
export const localDotToGemm: NodeRewriter = nodeRewriter(
  'local_dot_to_gemm',
  ['Elemwise:add', 'Elemwise:sub'],
  (fgraph, node) => {
    const out = node.outputs[0];
    const dtype = out.dtype;
    if (!isFloat(dtype) || out.ndim !== 2) return null;
    const [l, r] = node.inputs;
    const sub = isElemwise(node, 'sub');
    for (const [dv, zv, dotSign, zSign] of [
      [r, l, sub ? -1 : 1, 1],
      [l, r, 1, sub ? -1 : 1],
    ] as const) {
      if (dv.dtype !== dtype || zv.dtype !== dtype) continue;
      const t = dotTerm(fgraph, dv);
      if (!t) continue;
      const [x, y] = t.dot.inputs;
      const { beta, z } = scaledTerm(zv);
      if (x.dtype !== dtype || y.dtype !== dtype || z.dtype !== dtype || z.ndim !== 2) continue;
      const coef = (s: Variable | null, sign: number): Variable => {
        if (!s) return scalarConstant(sign, dtype);
        const c = cast(toScalar(s), dtype);
        return sign < 0 ? neg(c) : c;
      };
      const g = applyOp('Gemm', {}, [z, coef(t.alpha, dotSign), x, y, coef(beta, zSign)]);
      const rep = fillLike(g.outputs[0], out, [zv]);
      if (rep) return [rep];
    }
    return null;
  },
  { depth: 4, tags: ['blas', 'gemm'] },
);

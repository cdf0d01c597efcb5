/**
 * Stabilizations of log∘sigmoid (Theano theano/tensor/nnet/sigm.py; PyTensor
 * pytensor/tensor/rewriting/math.py): log(sigmoid(x)) = -softplus(-x) and
 * log(1 - sigmoid(x)) = log1p(-sigmoid(x)) = -softplus(x), which stay finite where sigmoid saturates.
 */
import { type Variable, cast, neg, softplus } from '@theano-ts/symbolic';
import { isFloat } from '@theano-ts/tensor';
import { isConstantValue, isElemwise, negated } from './match';
import { type NodeRewriter, matchType, nodeRewriter } from './rewriter';

/** The argument of sigmoid(x), cast to `dtype` when not a float (so that -x cannot overflow). */
function sigmoidArg(v: Variable, dtype: Variable['dtype']): Variable | null {
  const s = v.owner;
  if (!isElemwise(s, 'sigmoid')) return null;
  const x = s.inputs[0];
  return isFloat(x.dtype) ? x : cast(x, dtype);
}

/** log(sigmoid(x)) → -softplus(-x) (Theano's `logsigm_to_softplus`). */
export const logsigmToSoftplus: NodeRewriter = nodeRewriter(
  'logsigm_to_softplus',
  ['Elemwise:log'],
  (_fg, node) => {
    const out = node.outputs[0];
    const x = sigmoidArg(node.inputs[0], out.dtype);
    if (!x) return null;
    const r = matchType(neg(softplus(negated(x))), out);
    return r ? [r] : null;
  },
  { depth: 3 },
);

/**
 * log(1 - sigmoid(x)) → -softplus(x) and log1p(-sigmoid(x)) → -softplus(x) (Theano's
 * `log1msigm_to_softplus`).
 */
export const log1msigmToSoftplus: NodeRewriter = nodeRewriter(
  'log1msigm_to_softplus',
  ['Elemwise:log', 'Elemwise:log1p'],
  (_fg, node) => {
    const out = node.outputs[0];
    const d = node.inputs[0].owner;
    let s: Variable;
    if (isElemwise(node, 'log1p')) {
      if (!isElemwise(d, 'neg')) return null;
      s = d.inputs[0];
    } else {
      if (!isElemwise(d, 'sub') || !isConstantValue(d.inputs[0], 1)) return null;
      s = d.inputs[1];
    }
    const x = sigmoidArg(s, out.dtype);
    if (!x) return null;
    const r = matchType(neg(softplus(x)), out);
    return r ? [r] : null;
  },
  { depth: 4 },
);

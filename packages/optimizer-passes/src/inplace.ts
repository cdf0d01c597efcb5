/**
 * Inplace elementwise (Theano's `InplaceElemwiseOptimizer`, `inplace_elemwise`,
 * pytensor/tensor/rewriting/elemwise.py): an Elemwise writes its output into the buffer of an
 * input that nothing reads afterwards, saving one allocation per call.
 */
import { Apply, type FunctionGraph, Op, type Variable, viewedInputs } from '@theano-ts/symbolic';
import { isOp } from './match';
import { type NodeRewriter, nodeRewriter } from './rewriter';

/**
 * Whether `node` may overwrite the buffer of its input `i` with output `k`. The input must be
 * dead after the node, whatever the schedule: computed inside the graph (not a function input,
 * shared variable or constant, which belong to the caller), not a graph output, used by no
 * other node (a view of it would be another client), and not itself a view of another value
 * (Theano's view_map: DimShuffle, Reshape, Subtensor… outputs share their input's buffer, which
 * may be live). It must have the output's dtype and broadcast pattern (a broadcast operand is
 * smaller than the output).
 */
export function canDestroy(fgraph: FunctionGraph, node: Apply, i: number, k: number): boolean {
  const v: Variable = node.inputs[i];
  const out = node.outputs[k];
  const p = v.owner;
  if (!p || fgraph.isInput(v)) return false;
  if (v.dtype !== out.dtype || v.ndim !== out.ndim) return false;
  for (let d = 0; d < v.ndim; d++)
    if ((v.type.shape[d] === 1) !== (out.type.shape[d] === 1)) return false;
  const clients = fgraph.clients(v);
  if (clients.length === 0 || clients.some(([c]) => c !== node)) return false;
  return viewedInputs(p, v.index).length === 0;
}

/**
 * `inplace_elemwise`: give each Elemwise an `inplacePattern` (output → input it overwrites)
 * for the first input of each output that {@link canDestroy} allows, each input used once.
 * Runs last (after merge2: merging two nodes would give a destroyed value a second client).
 */
export const inplaceElemwise: NodeRewriter = nodeRewriter(
  'inplace_elemwise',
  ['Elemwise'],
  (fgraph, node) => {
    if (!isOp(node, 'Elemwise') || node.op.params.inplacePattern) return null;
    const pattern: Record<number, number> = {};
    const taken = new Set<number>();
    node.outputs.forEach((_, k) => {
      for (let i = 0; i < node.inputs.length; i++)
        if (!taken.has(i) && canDestroy(fgraph, node, i, k)) {
          pattern[k] = i;
          taken.add(i);
          return;
        }
    });
    if (taken.size === 0) return null;
    // same inputs and output types: no type inference to redo
    const op = new Op('Elemwise', { ...node.op.params, inplacePattern: pattern });
    return new Apply(
      op,
      node.inputs,
      node.outputs.map((o) => o.type),
      node.trace,
    ).outputs;
  },
  { depth: 1, tags: ['inplace'] },
);

/**
 * Reduction fusion (PyTensor's `local_careduce_fusion`, pytensor/tensor/rewriting/elemwise.py):
 * a CAReduce whose input is an Elemwise used by nothing else becomes ONE CAReduce carrying the
 * Elemwise's scalar op (`params.elemwise`), which a backend runs as one loop that never
 * materializes the elementwise result: `sum(exp(x))` reads x once and writes one number.
 *
 * Only made for backends that say they run it (`RewriteRun.supports`, from
 * `Backend.supports`): others keep the two nodes.
 */
import { type Apply, type FunctionGraph, Op, type Variable, applyOp } from '@theano-ts/symbolic';
import { isOp } from './match';
import { type GraphRewriter, type RewriteRun, describeNode, graphRewriter } from './rewriter';

/**
 * What fusing `red` with the Elemwise producing its input takes: the fused op, and the
 * replacements of the Elemwise output's other users, which may only be `Shape_i{d}` (mean's
 * divisor): each reads dimension d of an Elemwise input declared non-broadcastable there
 * (Elemwise requires that its length equal the output's; Theano's ShapeFeature lifts shapes
 * the same way). Undefined when the input is not a one-output Elemwise, is a graph input or
 * output, has other users, or when `red` is already fused.
 */
function fusionPlan(
  fgraph: FunctionGraph,
  red: Apply<'CAReduce'>,
): { op: Op<'CAReduce'>; shapeUsers: [Variable, Variable][] } | undefined {
  const { scalarOp, axes, elemwise } = red.op.params;
  if (elemwise) return undefined;
  const x = red.inputs[0];
  const e = x.owner;
  if (!isOp(e, 'Elemwise') || e.outputs.length !== 1 || !fgraph.hasNode(e)) return undefined;
  if (fgraph.inputs.includes(x)) return undefined;
  const shapeUsers: [Variable, Variable][] = [];
  for (const [c] of fgraph.clients(x)) {
    if (c === red) continue;
    if (c === 'output' || !isOp(c, 'ShapeI')) return undefined;
    const d = c.op.params.i;
    const from = e.inputs.find((v) => v.type.shape[d] !== 1);
    if (!from) return undefined; // every input broadcasts there: rare, left unfused
    shapeUsers.push([c.outputs[0], applyOp('ShapeI', { i: d }, [from]).outputs[0]]);
  }
  if (fgraph.clients(x).filter(([c]) => c === red).length !== 1) return undefined;
  return {
    op: new Op('CAReduce', { scalarOp, axes, elemwise: e.op.params.scalarOp }),
    shapeUsers,
  };
}

/**
 * The reduce-fusion pass (run in the fusion phase after elemwise fusion, so that the Elemwise
 * it absorbs is already the whole fused Composite): each CAReduce{add, mul, maximum, minimum}
 * of an Elemwise (Composite or primitive) with no other user becomes
 * `CAReduce{…, elemwise=<the scalar op>}` applied to the Elemwise's inputs, when
 * `run.supports` says the backend runs that op (Shape_i users of the Elemwise's output read
 * an input's shape instead). Value-neutral: the fused node's reference
 * implementation computes the Elemwise (rounded to its dtype) and then the same reduction.
 * mean is sum / n here, so it fuses through its sum.
 */
export function makeReduceFusionRewriter(name = 'reduce_fusion'): GraphRewriter {
  return graphRewriter(
    name,
    (fgraph: FunctionGraph, run: RewriteRun) => {
      let changes = 0;
      for (const node of fgraph.toposort()) {
        run.work.visits++;
        if (!isOp(node, 'CAReduce') || !fgraph.hasNode(node)) continue;
        const plan = fusionPlan(fgraph, node);
        if (!plan || !run.supports(plan.op)) continue;
        const inputs = node.inputs[0].owner!.inputs;
        const fused = applyOp('CAReduce', plan.op.params, inputs).outputs[0];
        fused.name = node.outputs[0].name;
        if (run.replace(fgraph, [[node.outputs[0], fused], ...plan.shapeUsers], name, node)) {
          run.record(fgraph, name, `${describeNode(node)}: elemwise fused into the reduction`);
          changes++;
        }
      }
      return changes;
    },
    { tags: ['fusion', 'reduce_fusion'] },
  );
}

/** The default reduce-fusion pass, registered as 'reduce_fusion' in the fusion phase. */
export const reduceFusion: GraphRewriter = makeReduceFusionRewriter();

/**
 * Scan rewrites (Theano's scan_opt.py, `scan_eqopt1`): loop-invariant code motion.
 */
import {
  type Apply,
  Constant,
  ScanInfo,
  type Variable,
  applyOp,
  cloneGraph,
  cloneVariable,
  graphInputs,
} from '@theano-ts/symbolic';
import { type NodeRewriter, nodeRewriter } from './rewriter';

/**
 * Theano's `scan_push_out_non_seq` (PushOutNonSeqScan): inner nodes that depend only on
 * non-sequences (and constants) compute the same value at every step, so they move out of the
 * loop and their results enter it as new non-sequences; non-sequences the loop no longer reads
 * are dropped. Loops whose inner graph has an IfElse are left alone (hoisting would compute a
 * branch the loop may never take).
 */
export const scanPushOutNonSeqs: NodeRewriter = nodeRewriter(
  'scan_push_out_non_seq',
  ['Scan'],
  (_fgraph, node) => {
    const { info } = (node as Apply<'Scan'>).op.params;
    const inner = info.innerInputs;
    const nsStart = inner.length - info.nNonSeqs;
    const order = info.innerOrder;
    if (order.some((n) => n.op.kind === 'IfElse')) return null;
    const invariant = new Set<Variable>(inner.slice(nsStart));
    const hoisted = new Set<Apply>();
    for (const n of order)
      if (
        n.inputs.every((i) => invariant.has(i) || i instanceof Constant) &&
        n.inputs.some((i) => invariant.has(i))
      ) {
        hoisted.add(n);
        n.outputs.forEach((o) => invariant.add(o));
      }
    const frontier = new Set<Variable>();
    const isHoisted = (v: Variable) => v.owner !== null && hoisted.has(v.owner);
    for (const n of order)
      if (!hoisted.has(n)) for (const i of n.inputs) if (isHoisted(i)) frontier.add(i);
    for (const o of info.innerOutputs) if (isHoisted(o)) frontier.add(o);
    const outerNs = node.inputs.slice(info.nOuterInputs - info.nNonSeqs);
    const unused = () => {
      const used = new Set(graphInputs(info.innerOutputs));
      return inner.slice(nsStart).some((v) => !used.has(v));
    };
    if (frontier.size === 0 && !unused()) return null;
    const front = [...frontier];
    // the hoisted computations, on the outer non-sequences
    const outerMemo = cloneGraph(
      front,
      new Map(inner.slice(nsStart).map((v, q) => [v, outerNs[q]] as [Variable, Variable])),
    );
    const placeholders = front.map(cloneVariable);
    const innerMemo = cloneGraph(
      info.innerOutputs,
      new Map(front.map((v, i) => [v, placeholders[i]] as [Variable, Variable])),
    );
    const outs = info.innerOutputs.map((o) => innerMemo.get(o) ?? o);
    const used = new Set(graphInputs(outs));
    const keep = inner.slice(nsStart).flatMap((v, q) => (used.has(v) ? [q] : []));
    const newFront = front.flatMap((v, i) => (used.has(placeholders[i]) ? [i] : []));
    const newInfo = new ScanInfo({
      nSeqs: info.nSeqs,
      stateTaps: info.stateTaps,
      nMap: info.nMap,
      nNonSeqs: keep.length + newFront.length,
      until: info.until,
      truncateGradient: info.truncateGradient,
      lastOnly: info.lastOnly,
      name: info.name,
      innerInputs: [
        ...inner.slice(0, nsStart),
        ...keep.map((q) => inner[nsStart + q]),
        ...newFront.map((i) => placeholders[i]),
      ],
      innerOutputs: outs,
    });
    const rebuilt = applyOp('Scan', { info: newInfo }, [
      ...node.inputs.slice(0, info.nOuterInputs - info.nNonSeqs),
      ...keep.map((q) => outerNs[q]),
      ...newFront.map((i) => outerMemo.get(front[i]) ?? front[i]),
    ]);
    rebuilt.trace = node.trace;
    return rebuilt.outputs;
  },
  { tags: ['scan'] },
);

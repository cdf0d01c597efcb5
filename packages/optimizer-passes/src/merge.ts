/**
 * Common-subexpression elimination (Theano's `MergeOptimizer`, pytensor/graph/rewriting/basic.py).
 */
import { type Apply, Constant, type FunctionGraph, type Variable } from '@theano-ts/symbolic';
import { type GraphRewriter, graphRewriter, type RewriteRun } from './rewriter';

/** Constants with more elements than this are never compared (and so never merged). */
export const MERGE_CONSTANT_LIMIT = 10_000;

/** Identity of a constant's type and value; undefined when too large to compare. */
function constantKey(c: Constant): string | undefined {
  const d = c.data;
  if (d.size > MERGE_CONSTANT_LIMIT) return undefined;
  const vals = Array.from(d.toFlat(), (x) => (Object.is(x, -0) ? '-0' : String(x)));
  return `${c.type.dtype}(${c.type.shape.join(',')})[${d.shape.join(',')}]${vals.join(',')}`;
}

/** Merge equal constants (same type, same values) used in `fgraph`; returns how many. */
function mergeConstants(fgraph: FunctionGraph, run: RewriteRun, name: string): number {
  const graphInputs = new Set<Variable>(fgraph.inputs);
  const consts = new Set<Constant>();
  for (const node of fgraph.applyNodes)
    for (const v of node.inputs) if (v instanceof Constant && !graphInputs.has(v)) consts.add(v);
  for (const v of fgraph.outputs) if (v instanceof Constant && !graphInputs.has(v)) consts.add(v);
  const seen = new Map<string, Constant>();
  let changes = 0;
  for (const c of consts) {
    const key = constantKey(c);
    if (key === undefined) continue;
    const first = seen.get(key);
    if (!first) seen.set(key, c);
    else if (run.replace(fgraph, [[c, first]], name, undefined, false)) {
      run.record(fgraph, name, `constant ${c}`);
      changes++;
    }
  }
  return changes;
}

/** Merge Apply nodes with the same op (`op.key`) and the same inputs; returns how many. */
function mergeNodes(fgraph: FunctionGraph, run: RewriteRun, name: string): number {
  const seen = new Map<string, Apply>();
  let changes = 0;
  // topological order: when a node is visited its inputs are already merged
  for (const node of fgraph.toposort()) {
    if (!fgraph.applyNodes.has(node)) continue;
    const key = `${node.op.key}(${node.inputs.map((v) => v.id).join(',')})`;
    const first = seen.get(key);
    if (!first || !fgraph.applyNodes.has(first)) {
      seen.set(key, node);
      continue;
    }
    const pairs = node.outputs.map((o, i) => [o, first.outputs[i]] as const);
    if (run.replace(fgraph, pairs, name, node, false)) {
      run.record(fgraph, name, node);
      changes++;
    }
  }
  return changes;
}

/**
 * Merge equal constants and identical Apply nodes (same op, same inputs), so that each value
 * is computed once: in `(x+y)*2` and `(x+y)*3` both products share one `x+y` (Theano's
 * `MergeOptimizer`). Merging is skipped, not reported, when the stored output types of the
 * two nodes could not stand for each other.
 */
export function makeMergeRewriter(name = 'merge'): GraphRewriter {
  return graphRewriter(
    name,
    (fgraph, run) => mergeConstants(fgraph, run, name) + mergeNodes(fgraph, run, name),
    { tags: ['merge'] },
  );
}

/** The merge pass (Theano's `MergeOptimizer`); registered as 'merge' in phases merge1/merge2. */
export const mergeRewriter: GraphRewriter = makeMergeRewriter('merge');

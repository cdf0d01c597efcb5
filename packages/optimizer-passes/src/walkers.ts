/**
 * Ways to run node rewriters over a graph: one walk from inputs to outputs or back (Theano's
 * `in2out` / `out2in`, i.e. `WalkingGraphRewriter`), and an equilibrium that repeats walks
 * until nothing changes (Theano's `EquilibriumGraphRewriter`), with a loop guard.
 */
import type { Apply, FunctionGraph, Variable } from '@theano-ts/symbolic';
import {
  type GraphRewriter,
  type NodeRewriter,
  type RewriteRun,
  type Track,
  graphRewriter,
} from './rewriter';

/** Direction of a walk: inputs first (Theano's in2out) or outputs first (out2in). */
export type WalkOrder = 'in_to_out' | 'out_to_in';

/** The track keys a node answers to: its op kind, and for Elemwise `Elemwise:<scalar op>`. */
function trackKeys(node: Apply): string[] {
  if (node.op.kind !== 'Elemwise') return [node.op.kind];
  const s = (node as Apply<'Elemwise'>).op.params.scalarOp.name;
  return ['Elemwise', `Elemwise:${s}`];
}

/** Rewriters indexed by what they track, so each node only meets the ones that apply. */
class TrackIndex {
  private readonly byKey = new Map<string, NodeRewriter[]>();
  private readonly always: NodeRewriter[] = [];
  private readonly rank = new Map<NodeRewriter, number>();

  constructor(rewriters: readonly NodeRewriter[]) {
    rewriters.forEach((rw, i) => {
      this.rank.set(rw, i);
      if (!rw.tracks || rw.tracks.length === 0) this.always.push(rw);
      else
        for (const t of rw.tracks as readonly (Track | string)[]) {
          const l = this.byKey.get(t);
          if (l) l.push(rw);
          else this.byKey.set(t, [rw]);
        }
    });
  }

  /** Rewriters for `node`, in registration order. */
  for(node: Apply): NodeRewriter[] {
    const found = new Set<NodeRewriter>(this.always);
    for (const k of trackKeys(node)) for (const rw of this.byKey.get(k) ?? []) found.add(rw);
    return [...found].sort((a, b) => this.rank.get(a)! - this.rank.get(b)!);
  }
}

/**
 * Try one node rewriter on one node and apply its result. Exceptions and replacements of the
 * wrong type are reported through `run.fail` (raised by default).
 * @returns whether the graph changed.
 */
export function applyNodeRewriter(
  fgraph: FunctionGraph,
  rw: NodeRewriter,
  node: Apply,
  run: RewriteRun,
): boolean {
  let result: ReturnType<NodeRewriter['transform']>;
  try {
    result = rw.transform(fgraph, node);
  } catch (e) {
    run.fail(rw.name, node, (e as Error)?.message ?? String(e), e);
    return false;
  }
  if (!result) return false;
  if (result.length !== node.outputs.length) {
    run.fail(
      rw.name,
      node,
      `returned ${result.length} replacements for ${node.outputs.length} outputs`,
    );
    return false;
  }
  const pairs: [Variable, Variable][] = [];
  node.outputs.forEach((o, i) => {
    const r = result[i];
    if (r && r !== o) pairs.push([o, r]);
  });
  if (pairs.length === 0) return false;
  if (!run.replace(fgraph, pairs, rw.name, node)) return false;
  run.record(fgraph, rw.name, node);
  return true;
}

/**
 * One walk over the graph's nodes (a snapshot of the topological order, reversed for
 * out_to_in), applying the first matching rewriter to each node still in the graph.
 * @returns the number of replacements made.
 */
export function walkGraph(
  fgraph: FunctionGraph,
  rewriters: readonly NodeRewriter[],
  run: RewriteRun,
  order: WalkOrder = 'in_to_out',
): number {
  if (rewriters.length === 0) return 0;
  const index = new TrackIndex(rewriters);
  const nodes = fgraph.toposort();
  if (order === 'out_to_in') nodes.reverse();
  let changes = 0;
  for (const node of nodes) {
    if (!fgraph.applyNodes.has(node)) continue;
    for (const rw of index.for(node))
      if (applyNodeRewriter(fgraph, rw, node, run)) {
        changes++;
        break;
      }
  }
  return changes;
}

/** A graph rewriter making one inputs-to-outputs walk with `rewriters` (Theano's `in2out`). */
export function inToOut(name: string, rewriters: readonly NodeRewriter[]): GraphRewriter {
  return graphRewriter(name, (fg, run) => walkGraph(fg, rewriters, run, 'in_to_out'));
}

/** A graph rewriter making one outputs-to-inputs walk with `rewriters` (Theano's `out2in`). */
export function outToIn(name: string, rewriters: readonly NodeRewriter[]): GraphRewriter {
  return graphRewriter(name, (fg, run) => walkGraph(fg, rewriters, run, 'out_to_in'));
}

/** Options of {@link equilibrium}. */
export interface EquilibriumOptions {
  /** Node rewriters tried on each node, in order. */
  rewriters: readonly NodeRewriter[];
  /** Node rewriters run in a second walk of each pass (Theano's final rewriters: constant folding). */
  finalRewriters?: readonly NodeRewriter[];
  /** Graph rewriters run after each pass that changed something (Theano's cleanup: merge). */
  cleanup?: readonly GraphRewriter[];
  /** Walk direction. Default 'in_to_out'. */
  order?: WalkOrder;
  /** Loop guard: at most this many passes. Default 50. */
  maxIterations?: number;
  /** Loop guard: at most this many replacements in all. Default 1000 + 50 × the node count. */
  maxRewrites?: number;
}

/** Default number of passes an equilibrium may make. */
export const DEFAULT_MAX_ITERATIONS = 50;

/**
 * A graph rewriter that repeats passes of `rewriters` (then `finalRewriters`, then `cleanup`)
 * until a pass changes nothing (Theano's `EquilibriumGraphRewriter`). It never hangs: after
 * `maxIterations` passes or `maxRewrites` replacements it stops, records its name in
 * `run.limitsHit` and, when tracing, a trace entry saying so. Rewrites that undo each other
 * end there instead of looping forever (Theano #5585: canonicalize running >100 iterations).
 */
export function equilibrium(name: string, opts: EquilibriumOptions): GraphRewriter {
  const maxIterations = opts.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  return graphRewriter(name, (fgraph, run) => {
    const budget = opts.maxRewrites ?? 1000 + 50 * fgraph.applyNodes.size;
    let total = 0;
    for (let pass = 0; ; pass++) {
      if (pass >= maxIterations || total >= budget) {
        run.limitsHit.push(name);
        if (run.trace)
          fgraph.trace.push({
            rewrite: name,
            node: `stopped by the loop guard after ${pass} passes and ${total} rewrites`,
          });
        return total;
      }
      let changed = walkGraph(fgraph, opts.rewriters, run, opts.order);
      changed += walkGraph(fgraph, opts.finalRewriters ?? [], run, opts.order);
      if (changed > 0) for (const c of opts.cleanup ?? []) changed += c.apply(fgraph, run);
      total += changed;
      if (changed === 0) return total;
    }
  });
}

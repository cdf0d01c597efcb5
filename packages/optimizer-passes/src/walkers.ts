/**
 * Ways to run node rewriters over a graph: one walk from inputs to outputs or back (Theano's
 * `in2out` / `out2in`, i.e. `WalkingGraphRewriter`), and an equilibrium that repeats walks
 * until nothing changes (Theano's `EquilibriumGraphRewriter`), with a loop guard.
 */
import type { Apply, FunctionGraph, Variable } from '@theano-ts/symbolic';
import {
  DIRTY_DEPTH,
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

/**
 * Rewriters indexed by what they track, so each node only meets the ones that apply: the
 * rewriters of a walk and, for an equilibrium, its final rewriters. The entry of a node is
 * computed once per op kind / scalar op, and cached on the node itself (`Apply.scratch`):
 * a pass asks for it at every node it visits or marks dirty.
 */
class TrackIndex {
  private readonly byKey = new Map<string, NodeRewriter[]>();
  private readonly always: NodeRewriter[] = [];
  private readonly rank = new Map<NodeRewriter, number>();
  /** Per op kind (non-Elemwise) and per scalar op (Elemwise): the entry. */
  private readonly byKind = new Map<string, TrackEntry>();
  private readonly byScalar = new Map<string, TrackEntry>();

  /** The walk's rewriters, and the equilibrium's final rewriters. */
  private readonly mainSet: ReadonlySet<NodeRewriter>;
  private readonly finalSet: ReadonlySet<NodeRewriter>;

  constructor(rewriters: readonly NodeRewriter[], finals: readonly NodeRewriter[] = []) {
    this.mainSet = new Set(rewriters);
    this.finalSet = new Set(finals);
    [...rewriters, ...finals].forEach((rw, i) => {
      if (this.rank.has(rw)) return;
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

  /** What applies to `node`: its rewriters and final rewriters, and their deepest pattern. */
  entry(node: Apply): TrackEntry {
    if (node.scratchOwner === this) return node.scratch as TrackEntry;
    const elemwise = node.op.kind === 'Elemwise';
    const cache = elemwise ? this.byScalar : this.byKind;
    const id = elemwise
      ? (node as Apply<'Elemwise'>).op.params.scalarOp.name
      : (node.op.kind as string);
    let e = cache.get(id);
    if (!e) {
      const found = new Set<NodeRewriter>(this.always);
      for (const k of trackKeys(node)) for (const rw of this.byKey.get(k) ?? []) found.add(rw);
      const all = [...found].sort((a, b) => this.rank.get(a)! - this.rank.get(b)!);
      let depth = 0;
      for (const rw of all) depth = Math.max(depth, rw.depth ?? DIRTY_DEPTH);
      e = {
        rewriters: all.filter((rw) => this.mainSet.has(rw)),
        finals: all.filter((rw) => this.finalSet.has(rw)),
        depth,
      };
      cache.set(id, e);
    }
    node.scratchOwner = this;
    node.scratch = e;
    return e;
  }

  /** The deepest pattern (`NodeRewriter.depth`) among the rewriters for `node`; 0 if none. */
  depthOf(node: Apply): number {
    return this.entry(node).depth;
  }

  /** Whether there are final rewriters. */
  get hasFinals(): boolean {
    return this.finalSet.size > 0;
  }
}

/** What a {@link TrackIndex} knows of one op kind or scalar op. */
interface TrackEntry {
  /** The rewriters tracking it, in registration order. */
  rewriters: NodeRewriter[];
  /** The final rewriters tracking it, in registration order. */
  finals: NodeRewriter[];
  /** The deepest pattern among both. */
  depth: number;
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
  run.work.attempts++;
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
  const nodes = fgraph.toposort();
  if (order === 'out_to_in') nodes.reverse();
  return walkNodes(fgraph, nodes, new TrackIndex(rewriters), run);
}

/** Try `index`'s rewriters (its final rewriters if `final`) on each of `nodes` still in the graph, in order. */
function walkNodes(
  fgraph: FunctionGraph,
  nodes: readonly Apply[],
  index: TrackIndex,
  run: RewriteRun,
  final = false,
): number {
  let changes = 0;
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k];
    if (!fgraph.hasNode(node)) continue;
    run.work.visits++;
    const e = index.entry(node);
    const rewriters = final ? e.finals : e.rewriters;
    for (let i = 0; i < rewriters.length; i++)
      if (applyNodeRewriter(fgraph, rewriters[i], node, run)) {
        changes++;
        break;
      }
  }
  return changes;
}

/** The nodes of `subset` still in the graph, in topological order (inputs first). */
function toposortSubset(fgraph: FunctionGraph, subset: ReadonlySet<Apply>): Apply[] {
  const order: Apply[] = [];
  const done = new Set<Apply>();
  const inSubset = (n: Apply | null): n is Apply =>
    n !== null && subset.has(n) && fgraph.hasNode(n) && !done.has(n);
  // iterative DFS over inputs produced by subset nodes; two parallel stacks, no frame objects
  const nodes: Apply[] = [];
  const next: number[] = [];
  for (const start of subset) {
    if (!inSubset(start)) continue;
    done.add(start);
    nodes.push(start);
    next.push(0);
    while (nodes.length) {
      const top = nodes.length - 1;
      const n = nodes[top];
      const i = next[top];
      if (i < n.inputs.length) {
        next[top] = i + 1;
        const p = n.inputs[i].owner;
        if (inSubset(p)) {
          done.add(p);
          nodes.push(p);
          next.push(0);
        }
      } else {
        order.push(n);
        nodes.pop();
        next.pop();
      }
    }
  }
  return order;
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
 * A graph rewriter that repeats passes of `rewriters` (then `finalRewriters` on the same
 * nodes, then `cleanup` if something changed) until a pass changes nothing (Theano's
 * `EquilibriumGraphRewriter`). The first pass visits every node; each later pass visits only
 * the nodes the previous one may have made rewritable (see `RewriteRun.dirty`), in topological
 * order, so the cost of a run is the graph once plus what changed. It never hangs: after
 * `maxIterations` passes or `maxRewrites` replacements it stops, records its name in
 * `run.limitsHit` and, when tracing, a trace entry saying so. Rewrites that undo each other
 * end there instead of looping forever (Theano #5585: canonicalize running >100 iterations).
 */
export function equilibrium(name: string, opts: EquilibriumOptions): GraphRewriter {
  const maxIterations = opts.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  const index = new TrackIndex(opts.rewriters, opts.finalRewriters ?? []);
  const hasFinal = index.hasFinals;
  // the deepest pattern among the rewriters: how far downstream of a change to look again
  const depth = Math.max(
    1,
    ...[...opts.rewriters, ...(opts.finalRewriters ?? [])].map((r) => r.depth ?? DIRTY_DEPTH),
  );
  return graphRewriter(name, (fgraph, run) => {
    // cleanup runs only after a pass that changed something: nothing to do without rewriters
    if (opts.rewriters.length === 0 && !hasFinal) return 0;
    const budget = opts.maxRewrites ?? 1000 + 50 * fgraph.applyNodes.size;
    let total = 0;
    // the first pass visits every node; later passes only those the previous pass may have
    // made rewritable (RewriteRun.dirty), so a pass costs what it changed, not the graph size
    let nodes = fgraph.toposort();
    const outer = run.dirty;
    const outerDepth = run.dirtyDepth;
    const outerDepthOf = run.depthOf;
    const outerTouched = run.touched;
    const depthOf = (n: Apply) => index.depthOf(n);
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
      if (opts.order === 'out_to_in') nodes.reverse();
      const dirty = new Set<Apply>();
      run.dirty = dirty;
      run.dirtyDepth = depth;
      run.depthOf = depthOf;
      run.touched = new Set();
      let changed: number;
      try {
        changed = walkNodes(fgraph, nodes, index, run);
        if (hasFinal) changed += walkNodes(fgraph, nodes, index, run, true);
        if (changed > 0) for (const c of opts.cleanup ?? []) changed += c.apply(fgraph, run);
      } finally {
        if (outerTouched) for (const n of run.touched) outerTouched.add(n);
        run.dirty = outer;
        run.dirtyDepth = outerDepth;
        run.depthOf = outerDepthOf;
        run.touched = outerTouched;
        if (outer) for (const n of dirty) outer.add(n);
      }
      total += changed;
      if (changed === 0) return total;
      nodes = toposortSubset(fgraph, dirty);
    }
  });
}

/**
 * Common-subexpression elimination (Theano's `MergeOptimizer`, pytensor/graph/rewriting/basic.py).
 */
import { type Apply, Constant, type FunctionGraph, type Variable } from '@theano-ts/symbolic';
import { type GraphRewriter, graphRewriter, type RewriteRun } from './rewriter';

/** Constants with more elements than this are never compared (and so never merged). */
export const MERGE_CONSTANT_LIMIT = 10_000;

const constantKeys = new WeakMap<Constant, string | null>();

/** Identity of a constant's type and value; undefined when too large to compare. */
function constantKey(c: Constant): string | undefined {
  // symbolic's signature holds every value of constants up to 64 elements
  if (c.data.size <= 64) return c.signature;
  let key = constantKeys.get(c);
  if (key === undefined) {
    const d = c.data;
    if (d.size > MERGE_CONSTANT_LIMIT) key = null;
    else {
      const vals = Array.from(d.toFlat(), (x) => (Object.is(x, -0) ? '-0' : String(x)));
      key = `${c.type.dtype}(${c.type.shape.join(',')})[${d.shape.join(',')}]${vals.join(',')}`;
    }
    constantKeys.set(c, key);
  }
  return key ?? undefined;
}

/**
 * Per graph: the first constant seen with each key. It outlives a merge run, so that later
 * (incremental) runs find the twin of a new constant without scanning the graph; an entry no
 * longer used in the graph is still a valid replacement (a constant is a leaf).
 */
const constantIndex = new WeakMap<FunctionGraph, Map<string, Constant>>();

/** Replace `c` by an equal constant already indexed for `fgraph` (or index it); true if merged. */
function mergeConstant(fgraph: FunctionGraph, c: Constant, run: RewriteRun, name: string): boolean {
  const key = constantKey(c);
  if (key === undefined) return false;
  let index = constantIndex.get(fgraph);
  if (!index) constantIndex.set(fgraph, (index = new Map()));
  const first = index.get(key);
  if (!first || first === c) {
    index.set(key, c);
    return false;
  }
  if (!run.replace(fgraph, [[c, first]], name, undefined, false)) return false;
  run.record(fgraph, name, run.trace ? `constant ${c}` : '');
  return true;
}

/** Merge equal constants (same type, same values) used in `fgraph`; returns how many. */
function mergeConstants(
  fgraph: FunctionGraph,
  run: RewriteRun,
  name: string,
  nodes: ReadonlySet<Apply> | readonly Apply[],
  outputs: readonly Variable[],
): number {
  const consts = new Set<Constant>();
  const add = (v: Variable) => {
    if (v instanceof Constant && !fgraph.isInput(v)) consts.add(v);
  };
  nodes.forEach((node: Apply) => {
    for (let i = 0; i < node.inputs.length; i++) add(node.inputs[i]);
  });
  outputs.forEach(add);
  let changes = 0;
  for (const c of consts) if (mergeConstant(fgraph, c, run, name)) changes++;
  return changes;
}

/**
 * A hash of a node's computation: its op (by a small id per distinct `op.key`) and its
 * inputs' ids, kept in the small-integer range (no string or heap number per node).
 */
function nodeHash(node: Apply, opIds: Map<string, number>): number {
  let id = opIds.get(node.op.key);
  if (id === undefined) opIds.set(node.op.key, (id = opIds.size));
  let h = (id * 31 + node.inputs.length) & 0x3fffffff;
  for (let i = 0; i < node.inputs.length; i++)
    h = (Math.imul(h, 0x9e3779b1) + node.inputs[i].id) & 0x3fffffff;
  return h;
}

/** Whether `a` and `b` compute the same thing: the same op and the same inputs. */
function sameComputation(a: Apply, b: Apply): boolean {
  if (a.inputs.length !== b.inputs.length || (a.op !== b.op && a.op.key !== b.op.key)) return false;
  for (let i = 0; i < a.inputs.length; i++) if (a.inputs[i] !== b.inputs[i]) return false;
  return true;
}

/**
 * Nodes by {@link nodeHash}, open addressing over typed arrays (no entry object, array or map
 * bucket per node: a full merge of 100k nodes allocates three arrays).
 */
class NodeTable {
  /** Per slot: 1 + the node's index in `nodes`, 0 when empty. */
  private slots: Int32Array;
  /** Per slot: the node's hash. */
  private hashes: Int32Array;
  private readonly nodes: Apply[] = [];

  constructor(expected: number) {
    let cap = 16;
    while (cap < 2 * expected) cap *= 2;
    this.slots = new Int32Array(cap);
    this.hashes = new Int32Array(cap);
  }

  /**
   * A node of the table, other than `node`, still in the graph and computing what `node`
   * computes (same op, same inputs); when there is none, `node` is added (once) and the
   * result is undefined.
   */
  twinOrAdd(
    node: Apply,
    h: number,
    fgraph: FunctionGraph,
    work: RewriteRun['work'],
  ): Apply | undefined {
    const mask = this.slots.length - 1;
    let i = h & mask;
    let present = false;
    for (let s = this.slots[i]; s !== 0; i = (i + 1) & mask, s = this.slots[i]) {
      if (this.hashes[i] !== h) continue;
      const b = this.nodes[s - 1];
      work.visits++;
      if (b === node) present = true;
      else if (fgraph.hasNode(b) && sameComputation(b, node)) return b;
    }
    if (present) return undefined;
    this.slots[i] = this.nodes.push(node);
    this.hashes[i] = h;
    if (2 * this.nodes.length > this.slots.length) this.grow();
    return undefined;
  }

  private grow(): void {
    const { slots, hashes } = this;
    this.slots = new Int32Array(2 * slots.length);
    this.hashes = new Int32Array(2 * slots.length);
    const mask = this.slots.length - 1;
    for (let j = 0; j < slots.length; j++) {
      if (slots[j] === 0) continue;
      let i = hashes[j] & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = slots[j];
      this.hashes[i] = hashes[j];
    }
  }
}

/**
 * Merge Apply nodes with the same op (`op.key`) and the same inputs; returns how many. A
 * worklist instead of a topological walk: when a node is merged away, its users are looked at
 * again (their inputs changed, they may now be duplicates). Nodes are looked up by
 * {@link nodeHash}; an entry whose inputs were replaced since no longer compares equal to
 * anything with its hash, and entries no longer in the graph are skipped.
 */
function mergeNodes(fgraph: FunctionGraph, run: RewriteRun, name: string): number {
  const live = fgraph.applyNodes;
  const table = new NodeTable(live.size);
  const opIds = new Map<string, number>();
  let changes = 0;
  const queue = [...live];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    if (!fgraph.hasNode(node)) continue;
    run.work.visits++;
    const twin = table.twinOrAdd(node, nodeHash(node, opIds), fgraph, run.work);
    if (twin) changes += mergeInto(fgraph, run, name, node, twin, queue);
  }
  return changes;
}

/** Replace `node`'s outputs by `twin`'s; its users join `queue`. Returns 1 if merged. */
function mergeInto(
  fgraph: FunctionGraph,
  run: RewriteRun,
  name: string,
  node: Apply,
  twin: Apply,
  queue: Apply[],
): number {
  const pairs = node.outputs.map((o, k) => [o, twin.outputs[k]] as const);
  // the users of the merged-away outputs get new inputs: they may now be duplicates
  const users = node.outputs.flatMap((o) => fgraph.clients(o));
  if (!run.replace(fgraph, pairs, name, node, false)) return 0;
  run.record(fgraph, name, node);
  for (const [c] of users) if (c !== 'output') queue.push(c);
  return 1;
}

/**
 * A node computing what `node` computes: a user of one of its inputs with the same op and the
 * same inputs. The users searched are those of a computed input if there is one (few users,
 * usually), else of a free input, else of a constant (a shared constant 1 may have thousands).
 */
function findTwin(fgraph: FunctionGraph, node: Apply, work: RewriteRun['work']): Apply | undefined {
  const rank = (v: Variable) => (v.owner ? 0 : v instanceof Constant ? 2 : 1);
  let pick: Variable | undefined;
  for (const v of node.inputs) if (!pick || rank(v) < rank(pick)) pick = v;
  if (!pick) return undefined;
  const clients = fgraph.clients(pick);
  for (let i = 0; i < clients.length; i++) {
    work.visits++;
    const c = clients[i][0];
    if (c !== 'output' && c !== node && sameComputation(c, node)) return c;
  }
  return undefined;
}

/**
 * The cleanup merge of an equilibrium pass: only the nodes the pass changed (`run.touched`:
 * new nodes, nodes with a replaced input) can have become duplicates, so only they are looked at (each against the users of its least
 * used input), and their constant inputs against the graph's constant index.
 */
function mergeDirty(
  fgraph: FunctionGraph,
  run: RewriteRun,
  name: string,
  dirty: ReadonlySet<Apply>,
): number {
  const live = [...dirty].filter((n) => fgraph.hasNode(n));
  let changes = mergeConstants(fgraph, run, name, live, []);
  const queue = live.filter((n) => fgraph.hasNode(n));
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    if (!fgraph.hasNode(node)) continue;
    run.work.visits++;
    const twin = findTwin(fgraph, node, run.work);
    if (twin) changes += mergeInto(fgraph, run, name, node, twin, queue);
  }
  return changes;
}

/**
 * Merge equal constants and identical Apply nodes (same op, same inputs), so that each value
 * is computed once: in `(x+y)*2` and `(x+y)*3` both products share one `x+y` (Theano's
 * `MergeOptimizer`). As the cleanup of an equilibrium (`run.touched` set), only the nodes the
 * pass changed are looked at. Merging is skipped, not reported, when the stored output types of the
 * two nodes could not stand for each other.
 */
export function makeMergeRewriter(name = 'merge'): GraphRewriter {
  return graphRewriter(
    name,
    (fgraph, run) => {
      if (run.touched) return mergeDirty(fgraph, run, name, new Set(run.touched));
      constantIndex.delete(fgraph); // a full run rebuilds it
      return (
        mergeConstants(fgraph, run, name, fgraph.applyNodes, fgraph.outputs) +
        mergeNodes(fgraph, run, name)
      );
    },
    { tags: ['merge'] },
  );
}

/** The merge pass (Theano's `MergeOptimizer`); registered as 'merge' in phases merge1/merge2. */
export const mergeRewriter: GraphRewriter = makeMergeRewriter('merge');

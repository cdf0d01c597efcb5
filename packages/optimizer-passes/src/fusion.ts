/**
 * Elementwise fusion (Theano's `FusionOptimizer` / `elemwise_fusion`,
 * pytensor/tensor/rewriting/elemwise.py): a cluster of Elemwise nodes becomes ONE
 * Elemwise(Composite) that a backend runs as one loop / one kernel.
 */
import {
  type Apply,
  type CompositeNode,
  type CompositeScalarOp,
  Constant,
  type FunctionGraph,
  type Variable,
  applyOp,
} from '@theano-ts/symbolic';
import type { DType } from '@theano-ts/tensor';
import { isOp } from './match';
import { type GraphRewriter, type RewriteRun, describeNode, graphRewriter } from './rewriter';

/** Options of {@link makeFusionRewriter}. */
export interface FusionOptions {
  /** Most inputs a fused node may have (Theano limits them for C / GPU kernels). Default 32. */
  maxInputs?: number;
  /**
   * Largest scalar expression, written out as a tree, that a fused node may compute (its
   * printed size; see expandedSize). Default 1024.
   */
  maxSize?: number;
}

/** An Elemwise with one output (a primitive scalar op or a one-output Composite). */
function isFusible(node: Apply | null | undefined): node is Apply<'Elemwise'> {
  if (!isOp(node, 'Elemwise') || node.outputs.length !== 1) return false;
  const s = node.op.params.scalarOp;
  return s.name !== 'composite' || s.outputs.length === 1;
}

/**
 * The scalar value of `v` when it may become a 'constant' node of the composite: a constant
 * of one element (possibly behind DimShuffles) whose type is broadcastable in every dimension,
 * so that dropping it as an input cannot change the output's shape.
 */
function inlinableConstant(v: Variable): { value: number; dtype: DType } | undefined {
  const c = inlinableConstantOf(v);
  return c && { value: c.data.item(), dtype: c.dtype };
}

/** The constant behind `v` when {@link inlinableConstant} has a value for it (no copy of data). */
function inlinableConstantOf(v: Variable): Constant | undefined {
  let c = v;
  while (isOp(c.owner, 'DimShuffle')) c = c.owner.inputs[0];
  if (!(c instanceof Constant) || c.data.size !== 1) return undefined;
  for (const d of v.type.shape) if (d !== 1) return undefined;
  return c;
}

/** Whether `v` becomes a literal of the composite rather than one of its inputs. */
const isInlinable = (v: Variable): boolean => inlinableConstantOf(v) !== undefined;

/** Inputs of the cluster (variables used by members but not computed by them), in order. */
function clusterLeaves(members: readonly Apply[]): Variable[] {
  const computed = new Set(members.map((m) => m.outputs[0]));
  const leaves = new Set<Variable>();
  for (const m of members) for (const v of m.inputs) if (!computed.has(v)) leaves.add(v);
  return [...leaves];
}

/**
 * The Composite computing `root` from the cluster `members` (in topological order), and the
 * variables it takes as inputs. One-element constants become 'constant' nodes, except that
 * at least one input is kept (the Elemwise needs one to know its rank).
 */
export function buildComposite(
  members: readonly Apply<'Elemwise'>[],
  root: Apply<'Elemwise'>,
): {
  /** The Composite computing the cluster. */
  scalarOp: CompositeScalarOp;
  /** The fused node's inputs (the cluster's leaves, constants inlined). */
  inputs: Variable[];
} {
  const leaves = clusterLeaves(members);
  const consts = leaves.filter(isInlinable);
  const inputs = leaves.filter((v) => !isInlinable(v));
  if (inputs.length === 0) inputs.push(consts.shift()!);
  const nin = inputs.length;
  const val = new Map<Variable, number>(inputs.map((v, i) => [v, i]));
  const nodes: CompositeNode[] = [];
  const push = (n: CompositeNode): number => nodes.push(n) - 1 + nin;
  const constIdx = new Map<string, number>();
  for (const v of consts) {
    const { value, dtype } = inlinableConstant(v)!;
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
    let idx = constIdx.get(key);
    if (idx === undefined)
      constIdx.set(key, (idx = push({ op: { name: 'constant', value, dtype }, args: [], dtype })));
    val.set(v, idx);
  }
  for (const m of members) {
    const s = m.op.params.scalarOp;
    const args = m.inputs.map((v) => val.get(v)!);
    if (s.name !== 'composite') {
      val.set(m.outputs[0], push({ op: s, args, dtype: m.outputs[0].dtype }));
      continue;
    }
    // inline a Composite made by an earlier fusion
    const local = [...args];
    for (const n of s.nodes)
      local.push(push({ op: n.op, args: n.args.map((a) => local[a]), dtype: n.dtype }));
    val.set(m.outputs[0], local[s.outputs[0]]);
  }
  return {
    scalarOp: { name: 'composite', nin, nodes, outputs: [val.get(root.outputs[0])!] },
    inputs,
  };
}

/**
 * Size of a member's own scalar expression written out as a tree, its inputs counted 1 each
 * (a primitive op: 1 + its inputs; a Composite from an earlier fusion: its expanded size).
 */
function ownExpandedSize(m: Apply<'Elemwise'>): number {
  const s = m.op.params.scalarOp;
  if (s.name !== 'composite') return 1 + m.inputs.length;
  const vals: number[] = Array.from({ length: s.nin }, () => 1);
  for (const n of s.nodes)
    vals.push(
      n.op.name === 'constant'
        ? 1
        : Math.min(1 + n.args.reduce((a, i) => a + vals[i], 0), Number.MAX_SAFE_INTEGER),
    );
  return vals[s.outputs[0]];
}

/**
 * Grow the cluster rooted at `root` backwards: an input's producer joins when it is a fusible
 * Elemwise whose output is used only by members (not by other nodes, not as a graph output),
 * and the fused node stays within `maxInputs` inputs and `maxSize`, the size of the root's
 * scalar expression written out as a tree (shared subexpressions counted each time they are
 * used: printing a Composite, which symbolic does for labels, has this size, and chains of
 * diamonds would make it exponential).
 *
 * Linear in the cluster's size and edges: a joining node's inputs are never members (a
 * member's output is used only by members, and the joining node was not one), so the tree
 * size grows by paths(o) × (own size(o) − 1), where paths(o), the number of paths from o to
 * the root, is fixed once o's clients are all members; the leaves change by o's output and
 * inputs only.
 *
 * Elemwise inputs all have the output's rank, so every member and every composite input has
 * the same rank; a member whose output is broadcast by a later member is computed over the
 * broadcast shape, which is still elementwise-correct.
 * @returns the members in topological order.
 */
function growCluster(
  fgraph: FunctionGraph,
  root: Apply<'Elemwise'>,
  taken: ReadonlySet<Apply>,
  position: ReadonlyMap<Apply, number>,
  graphInputs: ReadonlySet<Variable>,
  limits: { maxInputs: number; maxSize: number },
  work: RewriteRun['work'],
): Apply<'Elemwise'>[] {
  const sat = (x: number) => Math.min(x, Number.MAX_SAFE_INTEGER);
  const members = new Set<Apply<'Elemwise'>>([root]);
  const paths = new Map<Apply, number>([[root, 1]]);
  /** Leaf variable → number of member input slots using it. */
  const leafUses = new Map<Variable, number>();
  let realInputs = 0;
  const addLeafUse = (v: Variable) => {
    const k = leafUses.get(v) ?? 0;
    if (k === 0 && !isInlinable(v)) realInputs++;
    leafUses.set(v, k + 1);
  };
  for (const v of root.inputs) addLeafUse(v);
  let size = ownExpandedSize(root);
  const queue: Variable[] = [...root.inputs];
  while (queue.length) {
    const v = queue.pop()!;
    work.visits++;
    const o = v.owner;
    if (!isFusible(o) || members.has(o) || taken.has(o) || !position.has(o)) continue;
    if (graphInputs.has(v) || !fgraph.hasNode(o)) continue;
    // used only by members, and by how many paths to the root
    const clients = fgraph.clients(v);
    let p = 0;
    let onlyMembers = clients.length > 0;
    for (const c of clients) {
      if (c[0] === 'output' || !members.has(c[0] as Apply<'Elemwise'>)) {
        onlyMembers = false;
        break;
      }
      p = sat(p + paths.get(c[0])!);
    }
    if (!onlyMembers) continue; // retried when another of its clients joins
    const newSize = sat(size + sat(p * (ownExpandedSize(o) - 1)));
    // v stops being a leaf (all its uses are members'); o's inputs become leaves
    let newReal = realInputs - (isInlinable(v) ? 0 : 1);
    const fresh = new Set<Variable>();
    for (const u of o.inputs)
      if (!leafUses.get(u) && !fresh.has(u)) {
        fresh.add(u);
        if (!isInlinable(u)) newReal++;
      }
    if (newSize > limits.maxSize || newReal > limits.maxInputs) continue;
    members.add(o);
    paths.set(o, p);
    size = newSize;
    leafUses.delete(v);
    realInputs -= isInlinable(v) ? 0 : 1;
    for (const u of o.inputs) addLeafUse(u);
    queue.push(...o.inputs);
  }
  return [...members].sort((a, b) => position.get(a)! - position.get(b)!);
}

/**
 * The fusion pass: visits Elemwise nodes from the outputs back, grows a maximal cluster from
 * each (see growCluster) and replaces every cluster of two or more nodes by one
 * Elemwise(Composite). Multi-output clusters (an intermediate also used outside) are not
 * formed: the intermediate then ends its own cluster.
 */
export function makeFusionRewriter(
  opts: FusionOptions = {},
  name = 'elemwise_fusion',
): GraphRewriter {
  const limits = { maxInputs: opts.maxInputs ?? 32, maxSize: opts.maxSize ?? 1024 };
  return graphRewriter(
    name,
    (fgraph, run) => {
      const order = fgraph.toposort();
      const position = new Map<Apply, number>();
      order.forEach((n, i) => position.set(n, i));
      const graphInputs = new Set(fgraph.inputs);
      const taken = new Set<Apply>();
      let changes = 0;
      for (let k = order.length - 1; k >= 0; k--) {
        const root = order[k];
        run.work.visits++;
        if (taken.has(root) || !fgraph.hasNode(root) || !isFusible(root)) continue;
        const members = growCluster(fgraph, root, taken, position, graphInputs, limits, run.work);
        members.forEach((m) => taken.add(m));
        if (members.length < 2) continue;
        const { scalarOp, inputs } = buildComposite(members, root);
        const fused = applyOp('Elemwise', { scalarOp }, inputs).outputs[0];
        fused.name = root.outputs[0].name;
        if (run.replace(fgraph, [[root.outputs[0], fused]], name, root, false)) {
          run.record(fgraph, name, `${describeNode(root)}: ${members.length} nodes fused`);
          changes++;
        }
      }
      return changes;
    },
    { tags: ['fusion', 'elemwise'] },
  );
}

/** The default fusion pass, registered as 'elemwise_fusion' in the fusion phase. */
export const elemwiseFusion: GraphRewriter = makeFusionRewriter();

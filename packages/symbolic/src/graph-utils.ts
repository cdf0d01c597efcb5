import { Apply, Constant, SharedVariable, Variable } from './graph';
import { TensorType } from './type';

let walkCount = 0;

/**
 * Apply nodes needed to compute `outputs`, in topological order (inputs before users),
 * stopping at `stopAt` variables (treated as inputs).
 */
export function toposort(
  outputs: readonly Variable[],
  stopAt: Pick<ReadonlySet<Variable>, 'has'> = new Set(),
): Apply[] {
  const order: Apply[] = [];
  // visited nodes carry this walk's number (Apply.walkMark): no Set of 100k nodes to grow
  const mark = ++walkCount;
  // iterative DFS (graphs can be deep); two parallel stacks, no per-frame objects
  const nodes: Apply[] = [];
  const next: number[] = [];
  for (const v of outputs) {
    if (!v.owner || v.owner.walkMark === mark || stopAt.has(v)) continue;
    v.owner.walkMark = mark;
    nodes.push(v.owner);
    next.push(0);
    while (nodes.length) {
      const top = nodes.length - 1;
      const node = nodes[top];
      const i = next[top];
      if (i < node.inputs.length) {
        next[top] = i + 1;
        const inp = node.inputs[i];
        const o = inp.owner;
        if (o && o.walkMark !== mark && !stopAt.has(inp)) {
          o.walkMark = mark;
          nodes.push(o);
          next.push(0);
        }
      } else {
        order.push(node);
        nodes.pop();
        next.pop();
      }
    }
  }
  return order;
}

/** Variables without owner (inputs, constants, shared) that `outputs` depend on. */
export function graphInputs(
  outputs: readonly Variable[],
  stopAt: ReadonlySet<Variable> = new Set(),
): Variable[] {
  const res = new Set<Variable>();
  for (const o of outputs) if (!o.owner || stopAt.has(o)) res.add(o);
  for (const node of toposort(outputs, stopAt))
    for (const i of node.inputs) if (!i.owner || stopAt.has(i)) res.add(i);
  return [...res];
}

/**
 * Copy the graph computing `outputs`, substituting `replace` (givens) on the way. Variables not
 * computed from a replaced one are still copied as new Apply nodes, except leaves (inputs,
 * constants, shared), which are kept. Returns the map old → new.
 */
export function cloneGraph(
  outputs: readonly Variable[],
  replace: ReadonlyMap<Variable, Variable> = new Map(),
): Map<Variable, Variable> {
  const memo = new Map<Variable, Variable>(replace);
  const order = toposort(outputs, new Set(replace.keys()));
  for (const node of order) {
    const inputs = node.inputs.map((i) => memo.get(i) ?? i);
    const clone = new Apply(
      node.op,
      inputs,
      node.outputs.map((o) => o.type),
      node.trace,
    );
    node.outputs.forEach((o, k) => {
      clone.outputs[k].name = o.name;
      memo.set(o, clone.outputs[k]);
    });
  }
  return memo;
}

/** True when `v` is a leaf the compiler may treat as known data. */
export const isConstant = (v: Variable): v is Constant => v instanceof Constant;
/** True when `v` is a shared variable (a type guard). */
export const isShared = (v: Variable): v is SharedVariable => v instanceof SharedVariable;

/**
 * The graph being compiled and rewritten (Theano's FunctionGraph): fixed inputs and outputs,
 * the Apply nodes between them, and for each variable its clients. `replace` swaps a variable
 * for another of the same type everywhere, keeping the client lists consistent.
 *
 * `replace` rewrites the nodes' `inputs` in place, so a graph owns its nodes: build it over a
 * copy ({@link cloneGraph}) unless the expression is yours to change. Two graphs over the same
 * nodes each keep their own bookkeeping, but a replacement in one changes the nodes the other
 * sees without updating it (call its `rebuild()`).
 */
export class FunctionGraph {
  /** The graph's inputs (fixed when it is built). */
  readonly inputs: Variable[];
  /** The graph's outputs (rewrites may replace them). */
  outputs: Variable[];
  private readonly inputSet: Set<Variable>;
  /**
   * Bookkeeping lives on the nodes and variables this graph owns ({@link Apply.fgId}: the first
   * graph to import a node owns its slots): membership, client lists and client positions are
   * field reads there. The maps below hold the same for what it does not own: leaves (shared
   * by graphs) and nodes another graph owns.
   */
  private readonly id = nextGraphId++;
  private clientMap = new Map<Variable, Client[]>();
  /**
   * Per node, where each of its input entries sits in that input's client list (O(1) removal
   * without a map keyed by entries; ['output', i] entries are never removed one by one).
   */
  private nodePos = new Map<Apply, number[]>();
  private nodes = new Set<Apply>();
  /** Names of rewrites applied, with the nodes they touched (filled when tracing). */
  readonly trace: {
    /** The rewrite's name. */
    rewrite: string;
    /** The node it rewrote, as debugprint labels it. */
    node: string;
  }[] = [];

  constructor(inputs: readonly Variable[], outputs: readonly Variable[]) {
    this.inputs = [...inputs];
    this.inputSet = new Set(inputs);
    this.outputs = [...outputs];
    this.rebuild();
  }

  /** Recompute node set and clients from the outputs. */
  rebuild(): void {
    for (const node of this.nodes)
      if (node.fgId === this.id) {
        node.fgIn = false;
        node.fgPos = null;
        for (const o of node.outputs) o.fgClients = null;
      }
    this.clientMap.clear();
    this.nodePos.clear();
    this.nodes = new Set();
    this.importFrom(this.outputs);
    this.outputs.forEach((v, i) => this.addClient(v, ['output', i]));
  }

  /** Whether `node` is one of the graph's Apply nodes (O(1), a field read for its own nodes). */
  hasNode(node: Apply): boolean {
    return node.fgId === this.id ? node.fgIn : this.nodes.has(node);
  }

  /** Whether the graph already has `v` (an input, a leaf, or computed by one of its nodes). */
  private has(v: Variable): boolean {
    return !v.owner || this.hasNode(v.owner) || this.inputSet.has(v);
  }

  /** Add the nodes computing `vars` that are not in the graph yet, with their clients. */
  private importFrom(vars: readonly Variable[]): void {
    // most replacements (merges, rewrites returning an existing variable) bring no new node
    let fresh = false;
    for (let i = 0; i < vars.length && !fresh; i++) fresh = !this.has(vars[i]);
    if (!fresh) return;
    // stop at variables the graph already computes: the cost is the new nodes, not the ancestors
    const order = toposort(vars, { has: (v: Variable) => v.owner !== null && this.has(v) });
    for (const node of order) {
      if (this.hasNode(node)) continue;
      this.nodes.add(node);
      if (node.fgId === 0) {
        node.fgId = this.id;
        for (const o of node.outputs) {
          o.fgId = this.id;
          // an output the graph already had clients for (a graph input computed by this
          // node, whose sibling output brought the node in): its list moves into the field
          const list = this.clientMap.get(o);
          if (list) {
            o.fgClients = list;
            this.clientMap.delete(o);
          }
        }
      }
      const pos: number[] = new Array(node.inputs.length);
      for (let i = 0; i < node.inputs.length; i++)
        pos[i] = this.addClient(node.inputs[i], [node, i]);
      if (node.fgId === this.id) node.fgIn = true;
      this.setPositions(node, pos);
    }
  }

  /** Drop nodes that no longer reach an output, starting from `v`. */
  private prune(v: Variable): void {
    const stack = [v];
    while (stack.length) {
      const node = stack.pop()!.owner;
      if (!node || !this.hasNode(node) || this.isUsed(node)) continue;
      this.nodes.delete(node);
      const own = node.fgId === this.id;
      if (own) {
        node.fgIn = false;
        for (const o of node.outputs) o.fgClients = null;
      } else for (const o of node.outputs) this.clientMap.delete(o);
      // (positions dropped after its entries: two inputs of one node may be the same value,
      // and swap-removing the first moves the second)
      const pos = this.positions(node);
      for (let i = 0; i < node.inputs.length; i++) {
        const inp = node.inputs[i];
        // swap-remove: a value used by thousands of nodes (a constant, a weight) costs O(1) per user
        const list = this.clientList(inp);
        const k = pos?.[i];
        if (list && k !== undefined && list[k]?.[0] === node && list[k][1] === i) {
          const last = list.pop()!;
          if (k < list.length) {
            list[k] = last;
            this.setPos(last, k);
          }
        }
        if (inp.owner) stack.push(inp);
      }
      this.setPositions(node, undefined);
    }
  }

  /** Whether some output of `node` still has a client. */
  private isUsed(node: Apply): boolean {
    for (const o of node.outputs) if ((this.clientList(o)?.length ?? 0) > 0) return true;
    return false;
  }

  /** Record that client entry `c` sits at position `k` of its variable's list. */
  private setPos(c: Client, k: number): void {
    if (c[0] === 'output') return;
    const node = c[0];
    const pos = this.positions(node);
    if (pos) pos[c[1]] = k;
  }

  /** Where each of `node`'s input entries sits in that input's client list (if in the graph). */
  private positions(node: Apply): number[] | undefined {
    return node.fgId === this.id ? (node.fgPos ?? undefined) : this.nodePos.get(node);
  }

  /** Set (or drop, with undefined) `node`'s client positions. */
  private setPositions(node: Apply, pos: number[] | undefined): void {
    if (node.fgId === this.id) node.fgPos = pos ?? null;
    else if (pos) this.nodePos.set(node, pos);
    else this.nodePos.delete(node);
  }

  /** `v`'s client list, if it has one (the graph's own array). */
  private clientList(v: Variable): Client[] | undefined {
    return v.fgId === this.id ? (v.fgClients ?? undefined) : this.clientMap.get(v);
  }

  /** Set `v`'s client list. */
  private setClientList(v: Variable, list: Client[]): void {
    if (v.fgId === this.id) v.fgClients = list;
    else this.clientMap.set(v, list);
  }

  /** Append `c` to `v`'s clients; returns its position. */
  private addClient(v: Variable, c: Client): number {
    let list = this.clientList(v);
    if (!list) this.setClientList(v, (list = []));
    return list.push(c) - 1;
  }

  /**
   * The (node, input index) pairs using `v`, plus ['output', i] when v is graph output i. The
   * list is the graph's own (no copy: rewrites ask for it on every node they look at): it
   * changes when the graph does, so copy it before replacing while iterating over it.
   */
  clients(v: Variable): readonly Client[] {
    return this.clientList(v) ?? NO_CLIENTS;
  }

  /** Apply nodes in topological order. */
  toposort(): Apply[] {
    return toposort(this.outputs, this.inputSet);
  }

  /** Whether `v` is one of the graph's inputs (O(1); `inputs.includes` is O(inputs)). */
  isInput(v: Variable): boolean {
    return this.inputSet.has(v);
  }

  /** Every Apply node of the graph, in no particular order. */
  get applyNodes(): ReadonlySet<Apply> {
    return this.nodes;
  }

  /**
   * Replace `v` by `by` in all its clients, updating clients and nodes incrementally. `by` must
   * have the same dtype, rank and broadcastable dimensions (static lengths may only be refined).
   * @throws TypeError when the types differ, naming `reason` (the rewrite).
   */
  replace(v: Variable, by: Variable, reason = 'replace'): void {
    if (v === by) return;
    if (!replaceableBy(v.type, by.type))
      throw new TypeError(`${reason}: cannot replace ${v} (${v.type}) by ${by} (${by.type})`);
    const users = this.clientList(v) ?? [];
    this.setClientList(v, []);
    this.importFrom([by]);
    for (const c of users) {
      // Apply inputs are readonly for users; the graph owns them during rewriting
      if (c[0] === 'output') this.outputs[c[1]] = by;
      else (c[0].inputs as Variable[])[c[1]] = by;
      this.setPos(c, this.addClient(by, c));
    }
    this.prune(v);
    // `v` had no users (not in the graph, or an unused output): the nodes imported for `by`
    // reach no output
    if (users.length === 0) this.prune(by);
  }

  /** Replace several pairs, in order. */
  replaceAll(pairs: readonly (readonly [Variable, Variable])[], reason = 'replace'): void {
    for (const [a, b] of pairs) this.replace(a, b, reason);
  }
}

/** Ids of FunctionGraphs ({@link Apply.fgId}; 0 means none). */
let nextGraphId = 1;

const NO_CLIENTS: readonly Client[] = Object.freeze([]);

/** Same dtype and rank, the same broadcastable (length-1) dimensions, no conflicting length. */
function replaceableBy(t: TensorType, by: TensorType): boolean {
  if (t === by) return true;
  if (t.dtype !== by.dtype || t.ndim !== by.ndim) return false;
  for (let i = 0; i < t.ndim; i++) {
    const d = t.shape[i];
    const e = by.shape[i];
    if ((d === 1) !== (e === 1) || (d !== null && e !== null && d !== e)) return false;
  }
  return true;
}

/** A user of a variable: an Apply node and the input position, or graph output i. */
export type Client = [Apply, number] | ['output', number];

/** A fresh variable of the same type (for graph inputs). */
export const cloneVariable = (v: Variable): Variable =>
  new Variable(new TensorType(v.type.dtype, v.type.shape), v.name);

import { Apply, Constant, SharedVariable, Variable } from './graph';
import { TensorType } from './type';

/**
 * Apply nodes needed to compute `outputs`, in topological order (inputs before users),
 * stopping at `stopAt` variables (treated as inputs).
 */
export function toposort(
  outputs: readonly Variable[],
  stopAt: Pick<ReadonlySet<Variable>, 'has'> = new Set(),
): Apply[] {
  const order: Apply[] = [];
  const seen = new Set<Apply>();
  // iterative DFS (graphs can be deep)
  const stack: { node: Apply; i: number }[] = [];
  const visit = (v: Variable) => {
    if (!v.owner || stopAt.has(v) || seen.has(v.owner)) return;
    seen.add(v.owner);
    stack.push({ node: v.owner, i: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i < top.node.inputs.length) {
        const inp = top.node.inputs[top.i++];
        if (inp.owner && !stopAt.has(inp) && !seen.has(inp.owner)) {
          seen.add(inp.owner);
          stack.push({ node: inp.owner, i: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  };
  outputs.forEach(visit);
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
 */
export class FunctionGraph {
  /** The graph's inputs (fixed when it is built). */
  readonly inputs: Variable[];
  /** The graph's outputs (rewrites may replace them). */
  outputs: Variable[];
  private readonly inputSet: Set<Variable>;
  private clientMap = new Map<Variable, Client[]>();
  /** Where each client entry sits in its variable's list, and each node's entries (O(1) removal). */
  private clientPos = new Map<Client, number>();
  private nodeEntries = new Map<Apply, Client[]>();
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
    this.clientMap.clear();
    this.clientPos.clear();
    this.nodeEntries.clear();
    this.nodes = new Set();
    this.importFrom(this.outputs);
    this.outputs.forEach((v, i) => this.addClient(v, ['output', i]));
  }

  /** Add the nodes computing `vars` that are not in the graph yet, with their clients. */
  private importFrom(vars: readonly Variable[]): void {
    // stop at variables the graph already computes: the cost is the new nodes, not the ancestors
    const known = {
      has: (v: Variable) => this.inputSet.has(v) || (v.owner !== null && this.nodes.has(v.owner)),
    };
    for (const node of toposort(vars, known)) {
      if (this.nodes.has(node)) continue;
      this.nodes.add(node);
      const entries = node.inputs.map((v, i) => this.addClient(v, [node, i]));
      this.nodeEntries.set(node, entries);
    }
  }

  /** Drop nodes that no longer reach an output, starting from `v`. */
  private prune(v: Variable): void {
    const stack = [v];
    while (stack.length) {
      const node = stack.pop()!.owner;
      if (
        !node ||
        !this.nodes.has(node) ||
        node.outputs.some((o) => (this.clientMap.get(o)?.length ?? 0) > 0)
      )
        continue;
      this.nodes.delete(node);
      node.outputs.forEach((o) => this.clientMap.delete(o));
      const entries = this.nodeEntries.get(node) ?? [];
      this.nodeEntries.delete(node);
      node.inputs.forEach((inp, i) => {
        // swap-remove: a value used by thousands of nodes (a constant, a weight) costs O(1) per user
        const list = this.clientMap.get(inp);
        const k = this.clientPos.get(entries[i]);
        if (list && k !== undefined && list[k] === entries[i]) {
          const last = list.pop()!;
          if (k < list.length) {
            list[k] = last;
            this.clientPos.set(last, k);
          }
        }
        this.clientPos.delete(entries[i]);
        stack.push(inp);
      });
    }
  }

  private clientsOf(v: Variable): Client[] {
    let s = this.clientMap.get(v);
    if (!s) this.clientMap.set(v, (s = []));
    return s;
  }

  /** Append `c` to `v`'s clients, remembering its position. */
  private addClient(v: Variable, c: Client): Client {
    const list = this.clientsOf(v);
    this.clientPos.set(c, list.length);
    list.push(c);
    return c;
  }

  /** The (node, input index) pairs using `v`, plus ['output', i] when v is graph output i. */
  clients(v: Variable): readonly Client[] {
    return [...(this.clientMap.get(v) ?? [])];
  }

  /** Apply nodes in topological order. */
  toposort(): Apply[] {
    return toposort(this.outputs, this.inputSet);
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
    const bv = v.type.broadcastable;
    if (
      v.type.dtype !== by.type.dtype ||
      v.type.ndim !== by.type.ndim ||
      by.type.broadcastable.some((b, i) => b !== bv[i]) ||
      v.type.shape.some((d, i) => d !== null && by.type.shape[i] !== null && by.type.shape[i] !== d)
    )
      throw new TypeError(`${reason}: cannot replace ${v} (${v.type}) by ${by} (${by.type})`);
    const users = this.clientMap.get(v) ?? [];
    this.clientMap.set(v, []);
    this.importFrom([by]);
    for (const c of users) {
      // Apply inputs are readonly for users; the graph owns them during rewriting
      if (c[0] === 'output') this.outputs[c[1]] = by;
      else (c[0].inputs as Variable[])[c[1]] = by;
      this.addClient(by, c);
    }
    this.prune(v);
  }

  /** Replace several pairs, in order. */
  replaceAll(pairs: readonly (readonly [Variable, Variable])[], reason = 'replace'): void {
    for (const [a, b] of pairs) this.replace(a, b, reason);
  }
}

/** A user of a variable: an Apply node and the input position, or graph output i. */
export type Client = [Apply, number] | ['output', number];

/** A fresh variable of the same type (for graph inputs). */
export const cloneVariable = (v: Variable): Variable =>
  new Variable(new TensorType(v.type.dtype, v.type.shape), v.name);

/**
 * Where each node of a compiled graph comes from: the clone of the user's graph (with givens)
 * and a FunctionGraph that records, for every replacement a rewrite makes, which user
 * expression the new nodes stand for and which rewrites produced them. Errors and DebugMode use
 * it to point at the expression the user wrote, not only at the rewritten node.
 */
import {
  Apply,
  FunctionGraph,
  OP_SPECS,
  TheanoTypeError,
  type TensorType,
  type Variable,
  builtAt,
  opLabel,
  toposort,
} from '@theano-ts/symbolic';

/**
 * A FunctionGraph that remembers, through every `replace` the rewrites make:
 * - `standsFor`: for a variable of the optimized graph, the user variable whose value it
 *   computes (set for the clone of the user's graph and for each replacement);
 * - `originOf`: for a node, the user's node it was cloned from or rewritten from;
 * - `rewritesOf`: for a node made by rewrites, their names, oldest first.
 */
export class TrackedFunctionGraph extends FunctionGraph {
  /** A variable of the optimized graph → the user variable whose value it computes. */
  readonly standsFor = new Map<Variable, Variable>();
  /** Each compiled node → the user's node it was cloned or rewritten from. */
  readonly originOf = new Map<Apply, Apply>();
  /** A node made by rewrites → their names, oldest first. */
  readonly rewritesOf = new Map<Apply, readonly string[]>();

  override replace(v: Variable, by: Variable, reason = 'replace'): void {
    if (v === by) return;
    // nodes computing `by` that the graph does not have yet: the rewrite's new nodes
    const created: Apply[] = [];
    const seen = new Set<Apply>();
    const stack = [by];
    while (stack.length) {
      const n = stack.pop()!.owner;
      if (!n || seen.has(n) || this.hasNode(n)) continue;
      seen.add(n);
      created.push(n);
      for (const i of n.inputs) stack.push(i);
    }
    const byIsNew = by.owner ? seen.has(by.owner) : !this.standsFor.has(by);
    super.replace(v, by, reason);
    const from = v.owner ?? undefined;
    const origin = from ? (this.originOf.get(from) ?? from) : undefined;
    // the new nodes inherit the rewrite history of the nodes the replacement removed (a fused
    // node keeps the history of every node of its cluster)
    const history: string[] = [];
    const gone = new Set<Apply>();
    const walk = from ? [from] : [];
    while (walk.length) {
      const n = walk.pop()!;
      if (gone.has(n) || this.hasNode(n)) continue;
      gone.add(n);
      for (const r of this.rewritesOf.get(n) ?? []) if (!history.includes(r)) history.push(r);
      for (const i of n.inputs) if (i.owner) walk.push(i.owner);
    }
    history.push(reason);
    for (const n of created) {
      if (origin && !this.originOf.has(n)) this.originOf.set(n, origin);
      if (!this.rewritesOf.has(n)) this.rewritesOf.set(n, history);
    }
    const user = this.standsFor.get(v);
    if (byIsNew && user && !this.standsFor.has(by)) this.standsFor.set(by, user);
  }
}

/** The result of {@link cloneForFunction}. */
export interface CloneResult {
  /** The clones of `roots`, in order. */
  cloned: Variable[];
  /** User variable → its clone (givens keys → the clone of their replacement). */
  memo: Map<Variable, Variable>;
  /** Clone → the user variable it was made from (the inverse of `memo`, without givens keys). */
  userOf: Map<Variable, Variable>;
  /** Cloned node → the user's node. */
  nodeOf: Map<Apply, Apply>;
}

/**
 * Copy the graph computing `roots`, with `givens` substituted (Theano's rebuild_collect_shared).
 * Replacement expressions are copied too (never rewritten in place) and are not themselves
 * subject to givens. Leaves (inputs, constants, shared variables) are kept. With
 * `strict` false, a node whose input types changed gets its output types inferred again (a
 * float64 replacement for a float32 variable makes the expressions above it float64).
 * @throws TheanoTypeError when a node cannot be rebuilt on the new input types.
 */
export function cloneForFunction(
  roots: readonly Variable[],
  givens: ReadonlyMap<Variable, Variable>,
  strict: boolean,
): CloneResult {
  const memo = new Map<Variable, Variable>();
  const userOf = new Map<Variable, Variable>();
  const nodeOf = new Map<Apply, Apply>();
  const copyNodes = (order: readonly Apply[], lookup: Map<Variable, Variable>) => {
    for (const node of order) {
      if (node.outputs.every((o) => lookup.has(o))) continue;
      const inputs = node.inputs.map((i) => lookup.get(i) ?? i);
      const changed = inputs.some((v, k) => v.type !== node.inputs[k].type);
      let types: readonly TensorType[] = node.outputs.map((o) => o.type);
      if (changed && !strict) {
        try {
          types = (
            OP_SPECS[node.op.kind] as {
              infer(p: unknown, i: readonly Variable[]): TensorType[];
            }
          ).infer(node.op.params, inputs);
        } catch (e) {
          throw new TheanoTypeError(
            `function: givens (rebuildStrict: false) changed the input types of ${opLabel(node.op)}, which cannot take them: ${(e as Error).message}${builtAt(node.trace)}`,
          );
        }
      }
      const clone = new Apply(node.op, inputs, types, node.trace);
      nodeOf.set(clone, node);
      node.outputs.forEach((o, k) => {
        clone.outputs[k].name = o.name;
        lookup.set(o, clone.outputs[k]);
        userOf.set(clone.outputs[k], o);
      });
    }
  };
  // replacement expressions: copied as they are (givens do not apply inside them)
  const inner = new Map<Variable, Variable>();
  const values = [...givens.values()];
  copyNodes(toposort(values), inner);
  for (const [k, v] of givens) memo.set(k, inner.get(v) ?? v);
  copyNodes(toposort(roots, new Set(givens.keys())), memo);
  // user variables inside replacements map to their copies too (DebugMode looks them up)
  for (const [u, c] of inner) if (!memo.has(u)) memo.set(u, c);
  return { cloned: roots.map((r) => memo.get(r) ?? r), memo, userOf, nodeOf };
}

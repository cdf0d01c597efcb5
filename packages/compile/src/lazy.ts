/**
 * Lazy evaluation for IfElse (Theano's VM with lazy thunks, done at link time instead): each
 * node gets a guard, the condition under which some output needs it, as a disjunction of
 * conjunctions of "IfElse condition c is true/false" literals. A node only the `then` branch of
 * an IfElse uses is guarded by that IfElse's condition being true, and so on through nested
 * IfElses; a node something unconditional needs has no guard. The schedule is reordered so that
 * every condition a guard reads is computed before the guarded node, and both the generated core
 * and `runInterpreted` skip a node whose guard is false.
 */
import { type Apply, type FunctionGraph, type Variable, isTrue } from '@theano-ts/symbolic';
import type { NDArray } from '@theano-ts/tensor';

/** One literal of a guard: the IfElse condition `cond` is `value`. */
export interface Literal {
  readonly cond: Variable;
  readonly value: boolean;
}
/** A guard: true when one of its conjunctions holds (all its literals). Empty conjunction = always. */
export type Guard = readonly (readonly Literal[])[];

/** Guards with more conjunctions than this are dropped (the node runs always: correct, not lazy). */
const MAX_TERMS = 16;

const key = (l: Literal) => `${l.cond.id}:${l.value ? 1 : 0}`;

/** `g` ∧ literal, with contradictions dropped. */
function andLit(g: Guard, l: Literal): Guard {
  const opposite = `${l.cond.id}:${l.value ? 0 : 1}`;
  const out: Literal[][] = [];
  for (const c of g) {
    if (c.some((x) => key(x) === opposite)) continue;
    out.push(c.some((x) => key(x) === key(l)) ? [...c] : [...c, l]);
  }
  return out;
}

/** `a` ∨ `b` with absorption (a conjunction that contains another is dropped). */
function or(a: Guard, b: Guard): Guard {
  const all = [...a, ...b].map((c) => ({ c, keys: new Set(c.map(key)) }));
  all.sort((x, y) => x.keys.size - y.keys.size);
  const kept: typeof all = [];
  for (const t of all) if (!kept.some((k) => [...k.keys].every((x) => t.keys.has(x)))) kept.push(t);
  return kept.map((t) => t.c);
}

const ALWAYS: Guard = [[]];

/**
 * The schedule of `fgraph` with IfElse laziness: nodes in an order where each guard's conditions
 * come first, and each node's guard (null: always runs). Without IfElse nodes, the plain
 * topological order and no guards.
 */
export function lazySchedule(fgraph: FunctionGraph): {
  nodes: Apply[];
  guards: (Guard | null)[];
} {
  const order = fgraph.toposort();
  if (!order.some((n) => n.op.kind === 'IfElse'))
    return { nodes: order, guards: order.map(() => null) };
  // need of each variable, from the outputs backwards
  const need = new Map<Variable, Guard>();
  for (const o of fgraph.outputs) need.set(o, ALWAYS);
  const nodeGuard = new Map<Apply, Guard>();
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    let g: Guard = [];
    for (const o of node.outputs) {
      const n = need.get(o);
      if (n) g = or(g, n);
    }
    if (g.length > MAX_TERMS) g = ALWAYS;
    nodeGuard.set(node, g);
    const nOut = node.op.kind === 'IfElse' ? (node.op.params as { nOut: number }).nOut : 0;
    node.inputs.forEach((v, i) => {
      let use = g;
      if (nOut && i > 0) use = andLit(g, { cond: node.inputs[0], value: i <= nOut });
      const prev = need.get(v);
      need.set(v, prev ? or(prev, use) : use);
    });
  }
  // order: inputs and the owners of the guard's conditions first (iterative DFS)
  const guardOf = (n: Apply) => nodeGuard.get(n) ?? ALWAYS;
  const condOwners = (n: Apply) => {
    const owners: Apply[] = [];
    for (const c of guardOf(n)) for (const l of c) if (l.cond.owner) owners.push(l.cond.owner);
    return owners;
  };
  const inGraph = new Set(order);
  const done = new Set<Apply>();
  const onStack = new Set<Apply>();
  const nodes: Apply[] = [];
  for (const root of order) {
    if (done.has(root)) continue;
    const stack: { node: Apply; deps: Apply[]; i: number }[] = [];
    const push = (n: Apply) => {
      onStack.add(n);
      const deps = [
        ...n.inputs.flatMap((v) => (v.owner && inGraph.has(v.owner) ? [v.owner] : [])),
        ...condOwners(n).filter((o) => inGraph.has(o)),
      ];
      stack.push({ node: n, deps, i: 0 });
    };
    push(root);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i < top.deps.length) {
        const d = top.deps[top.i++];
        if (!done.has(d) && !onStack.has(d)) push(d);
      } else {
        stack.pop();
        onStack.delete(top.node);
        done.add(top.node);
        nodes.push(top.node);
      }
    }
  }
  const pos = new Map(nodes.map((n, k) => [n, k]));
  const guards = nodes.map((n) => {
    const g = guardOf(n);
    if (g.some((c) => c.length === 0)) return null;
    // a condition computed after the node (a cycle through it): run it always
    const k = pos.get(n)!;
    if (g.some((c) => c.some((l) => l.cond.owner && (pos.get(l.cond.owner) ?? -1) > k)))
      return null;
    if (g.length === 0) return null; // needed by nothing (cannot happen for graph nodes)
    const at = (l: Literal) => (l.cond.owner ? (pos.get(l.cond.owner) ?? -1) : -1);
    return g.map((c) => [...c].sort((a, b) => at(a) - at(b)));
  });
  return { nodes, guards };
}

/** A guard in terms of slots (what planProgram stores). */
export type SlotGuard = readonly (readonly { slot: number; value: boolean }[])[];

/** JS expression of a slot guard; `cond(s)` names the cached truthiness of slot s. */
export function guardSource(g: SlotGuard, cond: (slot: number) => string): string {
  return g
    .map((c) => c.map((l) => `${l.value ? '' : '!'}${cond(l.slot)}`).join(' && '))
    .map((c) => `(${c})`)
    .join(' || ');
}

/** Evaluate a slot guard on the current slot values. */
export function evalGuard(
  g: SlotGuard,
  vals: readonly unknown[],
  truthy: (v: unknown) => boolean,
): boolean {
  return g.some((c) => c.every((l) => truthy(vals[l.slot]) === l.value));
}

/** Truthiness of a backend value holding a scalar condition. */
export const truthyVia =
  (toHost: (v: unknown) => NDArray) =>
  (v: unknown): boolean =>
    isTrue(toHost(v));

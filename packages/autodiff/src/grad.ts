import {
  type Apply,
  type OpName,
  TheanoTypeError,
  Variable,
  add,
  builtAt,
  cast,
  opLabel,
  sum,
  toposort,
  userStackLine,
  zerosLike,
} from '@theano-ts/symbolic';
import { isFloat } from '@theano-ts/tensor';
import { GRADS, type GradRule, type NonDifferentiable, one } from './grad-rules';

/** Options of `grad`, as Theano's (camelCase). */
export interface GradOptions {
  /** Variables through which no gradient flows (Theano's consider_constant). */
  considerConstant?: readonly Variable[];
  /** What to do when a `wrt` does not influence the cost: 'raise' (default), 'warn', 'ignore' (zeros). */
  disconnectedInputs?: 'raise' | 'warn' | 'ignore';
  /** Gradients already known for some variables, used as the starting point (Theano's known_grads). */
  knownGrads?: ReadonlyMap<Variable, Variable>;
  /**
   * What a `wrt` the cost does not depend on gets, once `disconnectedInputs` allowed it (Theano's
   * return_disconnected): 'zero' (default) zeros of its type, 'none' null, 'disconnected' a
   * DisconnectedType marker.
   */
  returnDisconnected?: 'zero' | 'none' | 'disconnected';
}

/** What grad returns for a disconnected wrt with returnDisconnected: 'disconnected' (Theano's DisconnectedType()()). */
export class DisconnectedType {
  /** 'DisconnectedType', as Theano prints it. */
  toString(): string {
    return 'DisconnectedType';
  }
}

/** Raised when a `wrt` variable is not part of the cost's graph (Theano's DisconnectedInputError). */
export class DisconnectedInputError extends Error {
  /** The error's name, as printed. */
  override name = 'DisconnectedInputError';
}

/**
 * Bring a gradient contribution to the type of the variable it is for: sum over the dimensions
 * that were broadcast (static 1 in `x`, not in `g`), and cast to x's dtype. This is the one
 * central place that undoes broadcasting, so gradient rules never have to.
 */
export function sumToType(g: Variable, x: Variable): Variable {
  if (g.ndim !== x.ndim)
    throw new Error(
      `grad: a gradient of rank ${g.ndim} reached ${x} of rank ${x.ndim} (a bug in a gradient rule)`,
    );
  const axes = x.type.shape.flatMap((d, i) => (d === 1 && g.type.shape[i] !== 1 ? [i] : []));
  const out = axes.length ? sum(g, { axis: axes, keepdims: true }) : g;
  return out.dtype === x.dtype ? out : cast(out, x.dtype);
}

function isNonDifferentiable(r: GradRule<OpName> | NonDifferentiable): r is NonDifferentiable {
  return (r as NonDifferentiable | undefined)?.nonDifferentiable === true;
}

/**
 * Symbolic gradient of a scalar `cost` with respect to `wrt` by reverse-mode accumulation
 * (Theano's theano.grad / tensor.grad). Returns one variable per `wrt`, of the same type. `cost`
 * may be null when `knownGrads` gives the starting gradients (as Theano's cost=None; see Lop).
 * Source: https://theano-pymc.readthedocs.io/en/latest/library/gradient.html
 * @throws TheanoTypeError if cost is not a float scalar or a wrt is not a float variable;
 *   DisconnectedInputError if a wrt does not influence the cost (unless disconnectedInputs),
 *   its message naming the non-differentiable op (an int random draw) when the cost reaches the
 *   wrt only through one;
 *   TypeError if the gradient must flow through a non-differentiable op.
 */
export function grad(
  cost: Variable | null,
  wrt: Variable,
  opts: GradOptions & { returnDisconnected: 'none' },
): Variable | null;
export function grad(
  cost: Variable | null,
  wrt: readonly Variable[],
  opts: GradOptions & { returnDisconnected: 'none' },
): (Variable | null)[];
export function grad(
  cost: Variable | null,
  wrt: Variable,
  opts: GradOptions & { returnDisconnected: 'disconnected' },
): Variable | DisconnectedType;
export function grad(
  cost: Variable | null,
  wrt: readonly Variable[],
  opts: GradOptions & { returnDisconnected: 'disconnected' },
): (Variable | DisconnectedType)[];
export function grad(
  cost: Variable | null,
  wrt: Variable,
  opts?: GradOptions & { returnDisconnected?: 'zero' },
): Variable;
export function grad(
  cost: Variable | null,
  wrt: readonly Variable[],
  opts?: GradOptions & { returnDisconnected?: 'zero' },
): Variable[];
export function grad(
  cost: Variable | null,
  wrt: Variable | readonly Variable[],
  opts: GradOptions = {},
): Variable | null | DisconnectedType | (Variable | null | DisconnectedType)[] {
  const where = builtAt(userStackLine());
  const list = wrt instanceof Variable ? [wrt] : [...wrt];
  const known = opts.knownGrads ?? new Map<Variable, Variable>();
  if (cost === null || cost === undefined) {
    if (known.size === 0)
      throw new TheanoTypeError(
        `grad: give a cost, or knownGrads to start from (cost null)${where}`,
      );
  } else {
    if (!(cost instanceof Variable))
      throw new TheanoTypeError(
        `grad: cost must be a symbolic Variable, got ${typeof cost}${where}`,
      );
    if (cost.ndim !== 0)
      throw new TheanoTypeError(
        `grad: cost must be a scalar (0-d), got ${cost.type}; reduce it first with sum() or mean()${where}`,
      );
    if (!isFloat(cost.dtype))
      throw new TheanoTypeError(`grad: cost must be a float scalar, got ${cost.type}${where}`);
  }
  for (const [v, g] of known)
    if (!(v instanceof Variable) || !(g instanceof Variable) || g.ndim !== v.ndim)
      throw new TheanoTypeError(
        `grad: knownGrads must map variables to gradients of the same rank, got ${g instanceof Variable ? g.type : typeof g} for ${v instanceof Variable ? `${v.name ?? 'a variable'} (${v.type})` : typeof v}${where}`,
      );
  list.forEach((w, i) => {
    if (!(w instanceof Variable))
      throw new TheanoTypeError(`grad: wrt[${i}] is not a Variable${where}`);
    if (!isFloat(w.dtype))
      throw new TheanoTypeError(
        `grad: cannot differentiate with respect to ${w.name ?? `wrt[${i}]`} of integer type ${w.type}${where}`,
      );
  });

  const stop = new Set(opts.considerConstant ?? []);
  const { totals, blocked } = backprop(cost ?? null, list, known, stop);
  const mode = opts.returnDisconnected ?? 'zero';
  const results = list.map((w, i) => {
    const g = totals[i];
    if (g) return g;
    const label = w.name ? `'${w.name}'` : `wrt[${i}]`;
    // the cost may reach w only through a non-differentiable op with integer outputs (an int
    // random draw): say so rather than that the cost does not depend on w
    const via = blocked.find((b) => b.node.inputs.some((x) => dependsOn(x, w, stop)));
    const msg = via
      ? `grad: ${opLabel(via.node.op)} is not differentiable: ${via.why}; the cost depends on ${label} (${w.type}) only through it${builtAt(via.node.trace)}`
      : `grad: the cost does not depend on ${label} (${w.type}); pass disconnectedInputs: 'ignore' to get zeros${where}`;
    if ((opts.disconnectedInputs ?? 'raise') === 'raise') throw new DisconnectedInputError(msg);
    if (opts.disconnectedInputs === 'warn') console.warn(msg);
    return mode === 'zero' ? zerosLike(w) : mode === 'none' ? null : new DisconnectedType();
  });
  return wrt instanceof Variable ? results[0] : results;
}

/** Whether `v` is `w` or computed from it (not through a variable in `stop`). */
function dependsOn(v: Variable, w: Variable, stop: ReadonlySet<Variable>): boolean {
  const seen = new Set<Variable>();
  const todo = [v];
  while (todo.length) {
    const x = todo.pop()!;
    if (x === w) return true;
    if (seen.has(x) || stop.has(x)) continue;
    seen.add(x);
    if (x.owner) todo.push(...x.owner.inputs);
  }
  return false;
}

/**
 * Reverse accumulation from the cost (gradient 1) and the known gradients: the total gradient of
 * each `wrt`, or undefined where none flows; and the non-differentiable nodes between a wrt and
 * the cost that no gradient reached (their outputs are integers), with why they are not.
 */
function backprop(
  cost: Variable | null,
  list: readonly Variable[],
  known: ReadonlyMap<Variable, Variable>,
  stop: ReadonlySet<Variable>,
): { totals: (Variable | undefined)[]; blocked: { node: Apply; why: string }[] } {
  const blocked: { node: Apply; why: string }[] = [];
  const order = toposort([...(cost ? [cost] : []), ...known.keys()], stop);
  // variables that depend on some wrt: only those nodes need gradients
  const connected = new Set<Variable>(list);
  for (const node of order)
    if (node.inputs.some((i) => connected.has(i) && !stop.has(i)))
      node.outputs.forEach((o) => connected.add(o));

  const contribs = new Map<Variable, Variable[]>();
  const push = (v: Variable, g: Variable) => {
    const l = contribs.get(v);
    if (l) l.push(g);
    else contribs.set(v, [g]);
  };
  const total = (v: Variable): Variable | undefined => {
    const l = contribs.get(v);
    return l && l.length ? l.reduce((a, b) => add(a, b)) : undefined;
  };
  if (cost) push(cost, one(cost.dtype));
  for (const [v, g] of known) push(v, sumToType(g, v));

  for (let k = order.length - 1; k >= 0; k--) {
    const node: Apply = order[k];
    if (!node.outputs.some((o) => connected.has(o))) continue;
    const outGrads = node.outputs.map((o) => total(o));
    const rule = GRADS[node.op.kind] as GradRule<OpName> | NonDifferentiable;
    const noGrad = outGrads.every((g) => g === undefined);
    if (isNonDifferentiable(rule)) {
      if (node.inputs.some((i) => connected.has(i) && isFloat(i.dtype))) {
        if (noGrad) blocked.push({ node, why: rule.why });
        else
          throw new TypeError(
            `grad: ${opLabel(node.op)} is not differentiable: ${rule.why}${builtAt(node.trace)}`,
          );
      }
      continue;
    }
    if (noGrad) continue;
    const filled = node.outputs.map((o, i) => outGrads[i] ?? zerosLike(o));
    const inGrads = rule(node, filled);
    node.inputs.forEach((inp, i) => {
      const g = inGrads[i];
      if (!g || stop.has(inp) || !connected.has(inp) || !isFloat(inp.dtype)) return;
      push(inp, sumToType(g, inp));
    });
  }
  return { totals: list.map(total), blocked };
}

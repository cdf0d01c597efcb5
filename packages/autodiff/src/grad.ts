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
}

/** Raised when a `wrt` variable is not part of the cost's graph (Theano's DisconnectedInputError). */
export class DisconnectedInputError extends Error {
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
  return (r as NonDifferentiable).nonDifferentiable === true;
}

/**
 * Symbolic gradient of a scalar `cost` with respect to `wrt` by reverse-mode accumulation
 * (Theano's theano.grad / tensor.grad). Returns one variable per `wrt`, of the same type.
 * Source: https://theano-pymc.readthedocs.io/en/latest/library/gradient.html
 * @throws TheanoTypeError if cost is not a float scalar or a wrt is not a float variable;
 *   DisconnectedInputError if a wrt does not influence the cost (unless disconnectedInputs);
 *   TypeError if the gradient must flow through a non-differentiable op.
 */
export function grad(cost: Variable, wrt: Variable, opts?: GradOptions): Variable;
export function grad(cost: Variable, wrt: readonly Variable[], opts?: GradOptions): Variable[];
export function grad(
  cost: Variable,
  wrt: Variable | readonly Variable[],
  opts: GradOptions = {},
): Variable | Variable[] {
  const where = builtAt(userStackLine());
  const list = wrt instanceof Variable ? [wrt] : [...wrt];
  if (!(cost instanceof Variable))
    throw new TheanoTypeError(`grad: cost must be a symbolic Variable, got ${typeof cost}${where}`);
  if (cost.ndim !== 0)
    throw new TheanoTypeError(
      `grad: cost must be a scalar (0-d), got ${cost.type}; reduce it first with sum() or mean()${where}`,
    );
  if (!isFloat(cost.dtype))
    throw new TheanoTypeError(`grad: cost must be a float scalar, got ${cost.type}${where}`);
  list.forEach((w, i) => {
    if (!(w instanceof Variable))
      throw new TheanoTypeError(`grad: wrt[${i}] is not a Variable${where}`);
    if (!isFloat(w.dtype))
      throw new TheanoTypeError(
        `grad: cannot differentiate with respect to ${w.name ?? `wrt[${i}]`} of integer type ${w.type}${where}`,
      );
  });

  const stop = new Set(opts.considerConstant ?? []);
  const order = toposort([cost], stop);
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
  push(cost, one(cost.dtype));
  for (const [v, g] of opts.knownGrads ?? []) push(v, sumToType(g, v));

  for (let k = order.length - 1; k >= 0; k--) {
    const node: Apply = order[k];
    if (!node.outputs.some((o) => connected.has(o))) continue;
    const outGrads = node.outputs.map((o) => total(o));
    if (outGrads.every((g) => g === undefined)) continue;
    const rule = GRADS[node.op.kind] as GradRule<OpName> | NonDifferentiable;
    if (isNonDifferentiable(rule)) {
      if (node.inputs.some((i) => connected.has(i) && isFloat(i.dtype)))
        throw new TypeError(
          `grad: ${opLabel(node.op)} is not differentiable: ${rule.why}${builtAt(node.trace)}`,
        );
      continue;
    }
    const filled = node.outputs.map((o, i) => outGrads[i] ?? zerosLike(o));
    const inGrads = rule(node, filled);
    node.inputs.forEach((inp, i) => {
      const g = inGrads[i];
      if (!g || stop.has(inp) || !connected.has(inp) || !isFloat(inp.dtype)) return;
      push(inp, sumToType(g, inp));
    });
  }

  const results = list.map((w, i) => {
    const g = total(w);
    if (g) return g;
    const msg = `grad: the cost does not depend on ${w.name ? `'${w.name}'` : `wrt[${i}]`} (${w.type}); pass disconnectedInputs: 'ignore' to get zeros${where}`;
    if ((opts.disconnectedInputs ?? 'raise') === 'raise') throw new DisconnectedInputError(msg);
    if (opts.disconnectedInputs === 'warn') console.warn(msg);
    return zerosLike(w);
  });
  return wrt instanceof Variable ? results[0] : results;
}

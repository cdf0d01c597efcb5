/**
 * Theano's theano.gradient extras built on `grad`: Lop (vector-Jacobian products), Rop
 * (Jacobian-vector products, by the "double Lop" trick), jacobian and hessian.
 * Source: https://theano-pymc.readthedocs.io/en/latest/tutorial/gradients.html
 */
import {
  Constant,
  JacobianGraph,
  type TensorLike,
  TheanoTypeError,
  TensorType,
  Variable,
  add,
  applyOp,
  asTensorVariable,
  builtAt,
  cast,
  cloneGraph,
  flatten,
  graphInputs,
  userStackLine,
  zerosLike,
} from '@theano-ts/symbolic';
import { isFloat } from '@theano-ts/tensor';
import { DisconnectedInputError, type GradOptions, grad } from './grad';

type OneOrMany = Variable | readonly Variable[];
const listOf = <T>(x: T | readonly T[]): T[] =>
  Array.isArray(x) ? [...(x as readonly T[])] : [x as T];

/** Options of Lop, Rop, jacobian and hessian (grad's, without knownGrads). */
export type DerivativeOptions = Pick<GradOptions, 'considerConstant' | 'disconnectedInputs'>;

/** Eval points as variables of the types of `like` (numbers and arrays become constants of its dtype). */
function evalPointsFor(
  fn: string,
  like: readonly Variable[],
  points: readonly TensorLike[],
  what: string,
): Variable[] {
  const where = builtAt(userStackLine());
  if (points.length !== like.length)
    throw new TheanoTypeError(
      `${fn}: ${like.length} ${what} but ${points.length} eval points${where}`,
    );
  return points.map((p, i) => {
    const v =
      p instanceof Variable
        ? p
        : cast(asTensorVariable(p, `eval point ${i} of ${fn}`), like[i].dtype);
    if (v.ndim !== like[i].ndim)
      throw new TheanoTypeError(
        `${fn}: eval point ${i} (${v.type}) must have the type of ${like[i].name ? `'${like[i].name}'` : `${what} ${i}`} (${like[i].type})${where}`,
      );
    return v;
  });
}

/**
 * The L-operator (vector-Jacobian product, Theano's Lop): Σ_i vᵢ · ∂fᵢ/∂wrt for outputs f and
 * eval points v of f's types — what backpropagation computes, without a scalar cost.
 * Lop(dot(x, W), W, v) is outer(x, v).
 */
export function Lop(
  f: Variable,
  wrt: Variable,
  evalPoints: TensorLike,
  opts?: DerivativeOptions,
): Variable;
export function Lop(
  f: OneOrMany,
  wrt: readonly Variable[],
  evalPoints: TensorLike | readonly TensorLike[],
  opts?: DerivativeOptions,
): Variable[];
export function Lop(
  f: OneOrMany,
  wrt: OneOrMany,
  evalPoints: TensorLike | readonly TensorLike[],
  opts?: DerivativeOptions,
): Variable | Variable[];
export function Lop(
  f: OneOrMany,
  wrt: OneOrMany,
  evalPoints: TensorLike | readonly TensorLike[],
  opts: DerivativeOptions = {},
): Variable | Variable[] {
  const fs = listOf(f);
  const vs = evalPointsFor(
    'Lop',
    fs,
    f instanceof Variable ? [evalPoints as TensorLike] : [...(evalPoints as readonly TensorLike[])],
    'outputs',
  );
  const known = new Map<Variable, Variable>();
  fs.forEach((fi, i) => known.set(fi, known.has(fi) ? add(known.get(fi)!, vs[i]) : vs[i]));
  const ws = listOf(wrt);
  const res = grad(null, ws, { ...opts, knownGrads: known });
  return wrt instanceof Variable ? res[0] : res;
}

/**
 * The R-operator (Jacobian-vector product, Theano's Rop): Σ_j ∂f/∂wrtⱼ · vⱼ for eval points v of
 * the wrt's types, one result per f (of f's type). Computed as Lop(Lop(f, wrt, u), u, v) for a
 * placeholder u (the inner Lop is linear in u, so the result does not depend on it; u is then
 * replaced by zeros of f's shape), so every op with a gradient has an R-operator.
 * Rop(dot(x, W), W, V) is dot(x, V).
 */
export function Rop(
  f: Variable,
  wrt: OneOrMany,
  evalPoints: TensorLike | readonly TensorLike[],
  opts?: DerivativeOptions,
): Variable;
export function Rop(
  f: readonly Variable[],
  wrt: OneOrMany,
  evalPoints: TensorLike | readonly TensorLike[],
  opts?: DerivativeOptions,
): Variable[];
export function Rop(
  f: OneOrMany,
  wrt: OneOrMany,
  evalPoints: TensorLike | readonly TensorLike[],
  opts: DerivativeOptions = {},
): Variable | Variable[] {
  const fs = listOf(f);
  const ws = listOf(wrt);
  const vs = evalPointsFor(
    'Rop',
    ws,
    wrt instanceof Variable
      ? [evalPoints as TensorLike]
      : [...(evalPoints as readonly TensorLike[])],
    'wrt',
  );
  const us = fs.map(
    (fi) => new Variable(new TensorType(fi.dtype, fi.type.shape), `${fi.name ?? 'f'}_cotangent`),
  );
  fs.forEach((fi, i) => {
    if (!isFloat(fi.dtype))
      throw new TheanoTypeError(
        `Rop: f[${i}] must be a float tensor, got ${fi.type}${builtAt(userStackLine())}`,
      );
  });
  // g_j = Σ_i J_ijᵀ u_i, linear in the u's
  const gs = grad(null, ws, {
    considerConstant: opts.considerConstant,
    knownGrads: new Map(fs.map((fi, i) => [fi, us[i]])),
    disconnectedInputs: 'ignore',
  });
  const known = new Map<Variable, Variable>();
  gs.forEach((g, j) => known.set(g, known.has(g) ? add(known.get(g)!, vs[j]) : vs[j]));
  // ∂/∂u_i Σ_j <g_j, v_j> = Σ_j J_ij v_j
  const rs = grad(null, us, { knownGrads: known, disconnectedInputs: 'ignore' });
  if ((opts.disconnectedInputs ?? 'raise') === 'raise')
    fs.forEach((fi, i) => {
      if (!dependsOn(fi, ws))
        throw new DisconnectedInputError(
          `Rop: f[${i}]${fi.name ? ` '${fi.name}'` : ''} does not depend on any wrt; pass disconnectedInputs: 'ignore' to get zeros${builtAt(userStackLine())}`,
        );
    });
  // the placeholders only carry shapes: replace them by zeros of f's shapes
  const memo = cloneGraph(rs, new Map(us.map((u, k) => [u, zerosLike(fs[k])])));
  const outs = rs.map((r) => memo.get(r) ?? r);
  return f instanceof Variable ? outs[0] : outs;
}

/** True when `v` is computed from one of `vars` (or is one). */
function dependsOn(v: Variable, vars: readonly Variable[]): boolean {
  const targets = new Set(vars);
  const seen = new Set<Variable>();
  const stack = [v];
  while (stack.length) {
    const x = stack.pop()!;
    if (targets.has(x)) return true;
    if (seen.has(x) || !x.owner) continue;
    seen.add(x);
    stack.push(...x.owner.inputs);
  }
  return false;
}

/**
 * The Jacobian of `expression` with respect to `wrt` (Theano's theano.gradient.jacobian): for a
 * vector expression of length n and a wrt of shape s, an array of shape (n, ...s); an N-d
 * expression is flattened first and a scalar one gives grad. Computed by one vector-Jacobian
 * product per element (the Jacobian op runs them, as Theano's scan does).
 */
export function jacobian(expression: Variable, wrt: Variable, opts?: DerivativeOptions): Variable;
export function jacobian(
  expression: Variable,
  wrt: readonly Variable[],
  opts?: DerivativeOptions,
): Variable[];
export function jacobian(
  expression: Variable,
  wrt: OneOrMany,
  opts: DerivativeOptions = {},
): Variable | Variable[] {
  const where = builtAt(userStackLine());
  if (!(expression instanceof Variable))
    throw new TheanoTypeError(
      `jacobian: expression must be a symbolic Variable, got ${typeof expression}${where}`,
    );
  if (!isFloat(expression.dtype))
    throw new TheanoTypeError(
      `jacobian: expression must be a float tensor, got ${expression.type}${where}`,
    );
  const ws = listOf(wrt);
  if (expression.ndim === 0) {
    const gs = grad(expression, ws, opts);
    return wrt instanceof Variable ? gs[0] : gs;
  }
  const y = expression.ndim > 1 ? flatten(expression) : expression;
  const e = new Variable(new TensorType(y.dtype, y.type.shape), 'cotangent');
  const outs = grad(null, ws, {
    considerConstant: opts.considerConstant,
    disconnectedInputs: opts.disconnectedInputs,
    knownGrads: new Map([[y, e]]),
  });
  const leaves = graphInputs([y, ...outs]).filter((v) => v !== e && !(v instanceof Constant));
  const inner = new JacobianGraph({ expression: y, cotangent: e, wrt: ws, outputs: outs, leaves });
  const res = applyOp('Jacobian', { inner }, leaves).outputs;
  return wrt instanceof Variable ? res[0] : res;
}

/**
 * The Hessian of a scalar `cost` (Theano's theano.gradient.hessian): for each wrt x, the
 * Jacobian of grad(cost, x) with respect to x, of shape (x.size, ...x.shape) (n×n for a vector).
 */
export function hessian(cost: Variable, wrt: Variable, opts?: DerivativeOptions): Variable;
export function hessian(
  cost: Variable,
  wrt: readonly Variable[],
  opts?: DerivativeOptions,
): Variable[];
export function hessian(
  cost: Variable,
  wrt: OneOrMany,
  opts: DerivativeOptions = {},
): Variable | Variable[] {
  const where = builtAt(userStackLine());
  if (!(cost instanceof Variable) || cost.ndim !== 0)
    throw new TheanoTypeError(
      `hessian: cost must be a scalar (0-d) variable, got ${cost instanceof Variable ? cost.type : typeof cost}${where}`,
    );
  const res = listOf(wrt).map((x) => {
    const g = grad(cost, x, opts);
    return jacobian(g, x, {
      considerConstant: opts.considerConstant,
      disconnectedInputs: 'ignore',
    });
  });
  return wrt instanceof Variable ? res[0] : res;
}

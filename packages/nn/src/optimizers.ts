import {
  type SharedVariable,
  type Variable,
  TheanoTypeError,
  add,
  constant,
  mul,
  sub,
  shared,
  builtAt,
  userStackLine,
} from '@theano-ts/symbolic';
import { zeros } from '@theano-ts/tensor';
import { grad } from '@theano-ts/autodiff';

/** A hyper-parameter as a constant of the parameter's dtype, so updates keep the parameter's type. */
const hyper = (x: number, p: SharedVariable): Variable => constant(x, undefined, p.dtype);

/** Updates as `theano.function` takes them. */
export type UpdateList = [SharedVariable, Variable][];

function gradsOf(cost: Variable, params: readonly SharedVariable[], what: string): Variable[] {
  if (params.length === 0)
    throw new TheanoTypeError(`${what}: no parameters to optimize${builtAt(userStackLine())}`);
  return grad(cost, [...params]);
}

/**
 * Plain stochastic gradient descent: p ← p − lr · ∂cost/∂p.
 * @returns updates for theano.function.
 */
export function sgd(
  cost: Variable,
  params: readonly SharedVariable[],
  opts: { lr: number },
): UpdateList {
  const gs = gradsOf(cost, params, 'sgd');
  return params.map((p, i) => [p, sub(p, mul(gs[i], hyper(opts.lr, p)))]);
}

/**
 * SGD with momentum, PyTorch's formulation: v ← μ·v + g; p ← p − lr·v (with `nesterov`:
 * p ← p − lr·(g + μ·v)). One velocity shared variable per parameter, zero-initialised.
 * Source: https://pytorch.org/docs/stable/generated/torch.optim.SGD.html (Sutskever et al. 2013).
 * @returns updates for theano.function (parameters and velocities).
 */
export function momentum(
  cost: Variable,
  params: readonly SharedVariable[],
  opts: { lr: number; momentum?: number; nesterov?: boolean },
): UpdateList {
  const mu = opts.momentum ?? 0.9;
  if (!(mu >= 0 && mu < 1))
    throw new TheanoTypeError(
      `momentum: momentum must be in [0, 1), got ${mu}${builtAt(userStackLine())}`,
    );
  const gs = gradsOf(cost, params, 'momentum');
  const updates: UpdateList = [];
  params.forEach((p, i) => {
    const value = p.getValue({ borrow: true });
    const v = shared(zeros(value.shape, { dtype: value.dtype }), `${p.name ?? 'param'}.velocity`);
    const vNew = add(mul(v, hyper(mu, p)), gs[i]);
    const step = opts.nesterov ? add(gs[i], mul(vNew, hyper(mu, p))) : vNew;
    updates.push([v, vNew], [p, sub(p, mul(step, hyper(opts.lr, p)))]);
  });
  return updates;
}

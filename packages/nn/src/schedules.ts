/**
 * Learning-rate schedules as per-step functions, and a shared learning rate that they drive.
 * An optimizer given a shared scalar as `lr` reads its current value at every call of the
 * compiled function; setting it between calls changes the rate without recompiling.
 */
import { type SharedVariable, TheanoTypeError, config, shared } from '@theano-ts/symbolic';
import { type DType, array } from '@theano-ts/tensor';

/** A schedule: the learning rate at step (or epoch) `t` = 0, 1, 2, … */
export type Schedule = (t: number) => number;

function check(what: string, name: string, v: number, ok: boolean): void {
  if (typeof v !== 'number' || !ok)
    throw new TheanoTypeError(`${what}: invalid ${name} ${String(v)}`);
}

/**
 * Step decay (torch.optim.lr_scheduler.StepLR): lr₀·γ^⌊t / stepSize⌋.
 * Source: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.StepLR.html
 */
export function stepDecay(lr0: number, opts: { stepSize: number; gamma?: number }): Schedule {
  const gamma = opts.gamma ?? 0.1;
  check('stepDecay', 'lr0', lr0, lr0 >= 0);
  check(
    'stepDecay',
    'stepSize',
    opts.stepSize,
    Number.isInteger(opts.stepSize) && opts.stepSize > 0,
  );
  check('stepDecay', 'gamma', gamma, gamma > 0);
  return (t) => lr0 * gamma ** Math.floor(t / opts.stepSize);
}

/**
 * Exponential decay (torch.optim.lr_scheduler.ExponentialLR): lr₀·γᵗ.
 * Source: https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.ExponentialLR.html
 */
export function exponentialDecay(lr0: number, opts: { gamma: number }): Schedule {
  check('exponentialDecay', 'lr0', lr0, lr0 >= 0);
  check('exponentialDecay', 'gamma', opts.gamma, opts.gamma > 0);
  return (t) => lr0 * opts.gamma ** t;
}

/**
 * Cosine annealing (torch.optim.lr_scheduler.CosineAnnealingLR, closed form; SGDR without
 * restarts): η_min + (lr₀ − η_min)·(1 + cos(π·t / tMax)) / 2.
 * Source: Loshchilov & Hutter, "SGDR", ICLR 2017, eq. 5;
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.CosineAnnealingLR.html
 */
export function cosineDecay(lr0: number, opts: { tMax: number; etaMin?: number }): Schedule {
  const etaMin = opts.etaMin ?? 0;
  check('cosineDecay', 'lr0', lr0, lr0 >= 0);
  check('cosineDecay', 'tMax', opts.tMax, opts.tMax > 0);
  return (t) => etaMin + ((lr0 - etaMin) * (1 + Math.cos((Math.PI * t) / opts.tMax))) / 2;
}

/**
 * A learning rate held in a shared scalar (floatX unless `dtype`), to pass as an optimizer's
 * `lr` and set between steps, e.g. from a schedule: `lr.setValue(schedule(epoch))`, or with
 * the `lrScheduler` callback of `fit`.
 */
export function learningRate(
  value: number,
  opts: { dtype?: DType; name?: string } = {},
): SharedVariable {
  return shared(array(value, { dtype: opts.dtype ?? config.floatX }), opts.name ?? 'lr');
}

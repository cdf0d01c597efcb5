import type { ReductionOpParams } from '@theano-ts/symbolic';
import type { GradRule, NonDifferentiable } from '../grad-rule';

/** Gradients of the reductions ops (one entry per op of ReductionOpParams). */
export const REDUCTIONS_GRADS: {
  readonly [K in keyof ReductionOpParams]: GradRule<K> | NonDifferentiable;
} = {};

import type { LinalgOpParams } from '@theano-ts/symbolic';
import type { GradRule, NonDifferentiable } from '../grad-rule';

/** Gradients of the linalg ops (one entry per op of LinalgOpParams). */
export const LINALG_GRADS: {
  readonly [K in keyof LinalgOpParams]: GradRule<K> | NonDifferentiable;
} = {};

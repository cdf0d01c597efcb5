import type { NnetOpParams } from '@theano-ts/symbolic';
import type { GradRule, NonDifferentiable } from '../grad-rule';

/** Gradients of the nnet ops (one entry per op of NnetOpParams). */
export const NNET_GRADS: { readonly [K in keyof NnetOpParams]: GradRule<K> | NonDifferentiable } =
  {};

import type { IndexingOpParams } from '@theano-ts/symbolic';
import type { GradRule, NonDifferentiable } from '../grad-rule';

/** Gradients of the indexing ops (one entry per op of IndexingOpParams). */
export const INDEXING_GRADS: {
  readonly [K in keyof IndexingOpParams]: GradRule<K> | NonDifferentiable;
} = {};

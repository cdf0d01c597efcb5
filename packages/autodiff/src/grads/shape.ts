import type { ShapeOpParams } from '@theano-ts/symbolic';
import type { GradRule, NonDifferentiable } from '../grad-rule';

/** Gradients of the shape ops (one entry per op of ShapeOpParams). */
export const SHAPE_GRADS: { readonly [K in keyof ShapeOpParams]: GradRule<K> | NonDifferentiable } =
  {};

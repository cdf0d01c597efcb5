import type { RandomOpParams } from '@theano-ts/symbolic';
import { type NonDifferentiable, nonDifferentiable } from '../grad-rule';

const WHY =
  'a random sample is not differentiable w.r.t. the parameters of its distribution ' +
  "(PyTensor's RandomVariable.grad is grad_undefined); write the sample as a differentiable " +
  'function of a parameter-free draw instead (reparameterization: avg + std * srng.normal(size))';

/** Gradients of the random ops: none (one entry per op of RandomOpParams). */
export const RANDOM_GRADS: { readonly [K in keyof RandomOpParams]: NonDifferentiable } = {
  RandomUniform: nonDifferentiable(WHY),
  RandomNormal: nonDifferentiable(WHY),
  RandomTruncatedNormal: nonDifferentiable(WHY),
  RandomBinomial: nonDifferentiable(WHY),
  RandomRandint: nonDifferentiable(WHY),
  RandomChoice: nonDifferentiable(WHY),
  RandomPermutation: nonDifferentiable(WHY),
};

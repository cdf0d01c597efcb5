import type { Apply, OpName, Variable } from '@theano-ts/symbolic';

/**
 * A vector-Jacobian product: given the node and the gradients of the cost w.r.t. its outputs
 * (same types as the outputs), the gradients w.r.t. its inputs (null = none flows). Results may
 * be broadcast: the driver sums them back to each input's shape and casts to its dtype, in one
 * place, so rules stay one line.
 */
export type GradRule<K extends OpName> = (
  node: Apply<K>,
  outGrads: readonly Variable[],
) => (Variable | null)[];

/** Marks an op with no gradient; `why` is shown if a gradient is requested through it. */
export interface NonDifferentiable {
  /** Marks the record. */
  nonDifferentiable: true;
  /** Why there is no gradient, for the error message. */
  why: string;
}
/** A {@link NonDifferentiable} record: the gradient rule's answer for an input with no gradient. */
export const nonDifferentiable = (why: string): NonDifferentiable => ({
  nonDifferentiable: true,
  why,
});

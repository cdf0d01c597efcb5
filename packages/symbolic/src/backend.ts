import type { NDArray } from '@theano-ts/tensor';
import type { Apply } from './graph';

/**
 * Runs one Apply node of an optimized graph. Receives input values in the backend's own storage
 * and returns output values in it.
 */
export type Thunk = (inputs: readonly unknown[]) => unknown[];

/**
 * A backend turns the nodes of an optimized FunctionGraph into thunks. A custom backend
 * implements this interface and passes the conformance suite (`@theano-ts/backend-cpu/testing`).
 */
export interface Backend {
  /** Short name used in Mode ('cpu', 'gpujs'). */
  readonly name: string;
  /** Compile one node; called once per node at compile time. */
  makeThunk(node: Apply): Thunk;
  /** Bring a host array into the backend's storage (inputs, constants, shared values). */
  fromHost(a: NDArray): unknown;
  /** Read a value back to the host. */
  toHost(v: unknown): NDArray;
  /** Per-node notes for debugprint (e.g. "cpu fallback"). */
  describeNode?(node: Apply): string | undefined;
}

import type { NDArray } from '@theano-ts/tensor';
import type { Apply, Op, SharedVariable } from './graph';

/**
 * Runs one Apply node of an optimized graph. Receives input values in the backend's own storage
 * and returns output values in it.
 */
export type Thunk = (inputs: readonly unknown[]) => unknown[];

/**
 * A backend turns the nodes of an optimized FunctionGraph into thunks. A custom backend
 * implements this interface; the repository's conformance run (backend-gpujs's
 * `src/conformance.ts`, test-only) shows how to check one against the CPU backend: every op
 * case of autodiff's tables, forward and through its gradient.
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
  /**
   * Whether this backend runs `op` with a kernel of its own. Rewrites that create ops only some
   * backends implement ask first through the compiler (optimizeGraph's `supports` option): the
   * reduce-fusion rewrite makes a CAReduce with a fused `elemwise` only when this returns true
   * for it. Absent: such rewrites never fire (every node stays one that all backends run).
   * Called at compile time, with ops not yet in any graph.
   */
  supports?(op: Op): boolean;
  /** Per-node notes for debugprint (e.g. "cpu fallback"). */
  describeNode?(node: Apply): string | undefined;
  /**
   * Residency hook (optional, together with {@link Backend.storeShared}): the value of shared
   * variable `sv` for one call, in the backend's storage. A backend whose storage is not the
   * host (a GPU) keeps shared variables there between calls: it loads `sv.getValue({ borrow:
   * true })` once, registers a syncer (`sv.addSyncer`) so that a later `setValue` is noticed and
   * `getValue()` can read a newer device value back, and returns the kept value on later calls.
   *
   * When a backend has both hooks, the compile package's linker calls `loadShared` instead of
   * `fromHost(sv.getValue())` for every shared variable a function reads. Without them it uses
   * `fromHost` (the CPU backend: its storage is the host `NDArray`). The returned value must not
   * be changed by the call's nodes (inplace ops only write values they own).
   */
  loadShared?(sv: SharedVariable): unknown;
  /**
   * Residency hook (optional, together with {@link Backend.loadShared}): make `value` (an
   * update's result, in this backend's storage) the new value of `sv` without reading it back to
   * the host. `sv.getValue()` reads it back later, when asked (once, through the syncer).
   *
   * The linker calls it for every update of a shared variable at the end of a call, all of them
   * after every output has been read back, and none when the call threw. It must not throw, and
   * the stored value must not alias anything the caller can see (the call's inputs and outputs,
   * other shared variables, constants): a backend copies host data it did not make itself.
   */
  storeShared?(sv: SharedVariable, value: unknown): void;
  /**
   * Buffer-reuse hook (optional): the end of a call of a compiled function. `dead` holds values
   * nothing will read again — the call's intermediates and the shared values its updates
   * replaced (Theano's rule: a value got with `getValue({ borrow: true })` or a borrowed output
   * may be overwritten by later calls); `live` the new shared values; `returned` the outputs
   * handed to the caller. The backend may reuse the storage of a dead value it made itself, in
   * later calls, unless a live or returned value shares it (views); it must never reuse the
   * storage of a returned value. Called only after a call that did not throw, after the
   * updates were stored. Must not throw.
   */
  recycle?(dead: readonly unknown[], live: readonly unknown[], returned: readonly unknown[]): void;
}

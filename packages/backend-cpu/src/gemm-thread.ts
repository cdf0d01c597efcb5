/**
 * The GEMM's second thread (issue 10: "an optional second thread (worker_threads +
 * SharedArrayBuffer) for large GEMMs"). In Node with at least two cores, the wasm arena is a
 * shared WebAssembly.Memory and one worker thread instantiates the same GEMM module on it; a
 * large product is split by rows of C: the worker computes rows m1…mPad while the main thread
 * computes 0…m1, on the same packed operands, then the main thread waits for it. Each row is
 * computed by the same kernel code either way, so results are bit-identical to one thread.
 * The protocol (a shared control block, Atomics) is second-thread.ts's. Browsers, engines
 * without worker_threads or SharedArrayBuffer, one core, or THEANO_TS_GEMM_THREADS=1 in the
 * environment: no thread, everything as before.
 */
import { FIRST_ARG, startSecondThread, workerSource, workerThreads } from './second-thread';

/** The job's control slots. */
const DTYPE = FIRST_ARG; // 0 float32, 1 float64
const ARGS = FIRST_ARG + 1; // 9 kernel arguments
const SLOTS = ARGS + 9;

/** The worker's source. */
const WORKER_SOURCE = workerSource(
  `
const { workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const c = new Int32Array(control);
const inst = new WebAssembly.Instance(module, { env: { memory } });
const fns = [inst.exports.gemm_float32, inst.exports.gemm_float64];`,
  `    fns[c[${DTYPE}]](${Array.from({ length: 9 }, (_, i) => `c[${ARGS + i}]`).join(', ')});`,
);

/** A started second thread for the GEMM kernel. */
export interface GemmThread {
  /** Whether the worker is up (before that, products run on the main thread alone). */
  ready(): boolean;
  /** Starts `gemm_<dtype>(...args)` (9 integer arguments) on the worker; returns at once. */
  start(dtype: 'float32' | 'float64', args: readonly number[]): void;
  /** Waits for the job started last. @throws Error when it failed in the worker. */
  wait(): void;
}

/** Whether a second thread can be started here (decides whether the arena is shared). */
export const gemmThreadPossible = (): boolean => workerThreads() !== undefined;

/**
 * Starts the worker on `module` (the GEMM module importing `env.memory`) and the shared
 * `memory`, or returns undefined when that fails (the caller then runs on one thread).
 */
export function startGemmThread(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): GemmThread | undefined {
  const t = startSecondThread(WORKER_SOURCE, SLOTS, { module, memory });
  if (!t) return undefined;
  const { c } = t;
  return {
    ready: t.ready,
    start(dtype, args) {
      c[DTYPE] = dtype === 'float32' ? 0 : 1;
      for (let i = 0; i < 9; i++) c[ARGS + i] = args[i];
      t.post();
    },
    wait: () => t.wait('gemm'),
  };
}

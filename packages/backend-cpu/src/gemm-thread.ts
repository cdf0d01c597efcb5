/**
 * The GEMM's second thread (issue 10: "an optional second thread (worker_threads +
 * SharedArrayBuffer) for large GEMMs"). In Node with at least two cores, the wasm arena is a
 * shared WebAssembly.Memory and one worker thread instantiates the same GEMM module on it; a
 * large product is split by rows of C: the worker computes rows m1…mPad while the main thread
 * computes 0…m1, on the same packed operands, then the main thread waits for it. Each row is
 * computed by the same kernel code either way, so results are bit-identical to one thread.
 *
 * Synchronisation is a small shared Int32Array: the main thread writes the job's arguments,
 * bumps a sequence number and notifies; the worker (blocked in Atomics.wait) runs the kernel,
 * stores the sequence number it finished and notifies; the main thread waits for it
 * (Atomics.wait is allowed on Node's main thread). The worker is unref'd (it never keeps the
 * process alive). Browsers, engines without worker_threads or SharedArrayBuffer, one core, or
 * THEANO_TS_GEMM_THREADS=1 in the environment: no thread, everything as before.
 */

/** Control block layout (Int32 slots). */
const SEQ = 0; // job number posted by the main thread (-1: exit)
const DONE = 1; // job number the worker finished
const READY = 2; // 1 once the worker has instantiated the module
const FAILED = 3; // 1 when the last job threw in the worker
const DTYPE = 4; // 0 float32, 1 float64
const ARGS = 5; // 9 kernel arguments
const SLOTS = ARGS + 9;

/** The worker's source (CommonJS, run with `eval: true`). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const c = new Int32Array(control);
const inst = new WebAssembly.Instance(module, { env: { memory } });
const fns = [inst.exports.gemm_float32, inst.exports.gemm_float64];
Atomics.store(c, ${READY}, 1);
let seen = 0;
for (;;) {
  Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  if (seen < 0) break;
  try {
    fns[c[${DTYPE}]](${Array.from({ length: 9 }, (_, i) => `c[${ARGS + i}]`).join(', ')});
    Atomics.store(c, ${FAILED}, 0);
  } catch (e) {
    Atomics.store(c, ${FAILED}, 1);
  }
  Atomics.store(c, ${DONE}, seen);
  Atomics.notify(c, ${DONE});
}
`;

/** A started second thread for the GEMM kernel. */
export interface GemmThread {
  /** Whether the worker is up (before that, products run on the main thread alone). */
  ready(): boolean;
  /** Starts `gemm_<dtype>(...args)` (9 integer arguments) on the worker; returns at once. */
  start(dtype: 'float32' | 'float64', args: readonly number[]): void;
  /** Waits for the job started last. @throws Error when it failed in the worker. */
  wait(): void;
}

/** Node's worker_threads where a second thread may run (never imported statically: browsers), else undefined. */
export function workerThreads(): typeof import('node:worker_threads') | undefined {
  const p = (globalThis as { process?: NodeJS.Process }).process;
  if (!p?.versions?.node || typeof SharedArrayBuffer !== 'function') return undefined;
  if (p.env?.['THEANO_TS_GEMM_THREADS'] === '1') return undefined;
  const get = (p as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof get !== 'function') return undefined;
  const os = get('node:os') as typeof import('node:os') | undefined;
  const cores = os?.availableParallelism?.() ?? os?.cpus().length ?? 1;
  if (cores < 2) return undefined;
  return get('node:worker_threads') as typeof import('node:worker_threads') | undefined;
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
  const wt = workerThreads();
  if (!wt) return undefined;
  const control = new SharedArrayBuffer(SLOTS * 4);
  const c = new Int32Array(control);
  let worker: import('node:worker_threads').Worker;
  try {
    worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control } });
  } catch {
    return undefined;
  }
  worker.unref();
  let dead = false;
  worker.on('error', () => (dead = true));
  worker.on('exit', () => (dead = true));
  let seq = 0;
  return {
    ready: () => !dead && Atomics.load(c, READY) === 1,
    start(dtype, args) {
      c[DTYPE] = dtype === 'float32' ? 0 : 1;
      for (let i = 0; i < 9; i++) c[ARGS + i] = args[i];
      seq = seq === 0x7ffffffe ? 1 : seq + 1;
      Atomics.store(c, SEQ, seq);
      Atomics.notify(c, SEQ);
    },
    wait() {
      for (let d = Atomics.load(c, DONE); d !== seq; d = Atomics.load(c, DONE))
        Atomics.wait(c, DONE, d);
      if (Atomics.load(c, FAILED) === 1)
        throw new Error('gemm: the second thread failed (a bug in theano-ts)');
    },
  };
}

/**
 * What the GEMM's and the elementwise loops' second threads share (gemm-thread.ts,
 * elemwise-thread.ts): whether a worker may run here, the worker's job loop, and the main
 * thread's side of the protocol.
 *
 * Synchronisation is a small shared Int32Array: the main thread writes the job's arguments,
 * bumps a sequence number and notifies; the worker (blocked in Atomics.wait) runs the job,
 * stores the sequence number it finished and notifies; the main thread waits for it
 * (Atomics.wait is allowed on Node's main thread). A job that throws in the worker is reported
 * to the main thread, which throws. The worker is unref'd (it never keeps the process alive).
 */

/** Control slots every worker uses (a job's own arguments follow, from {@link FIRST_ARG}). */
const SEQ = 0; // job number posted by the main thread (-1: exit)
const DONE = 1; // job number the worker finished
const READY = 2; // 1 once the worker runs its loop
const FAILED = 3; // 1 when the last job threw in the worker
/** The first control slot free for a job's arguments. */
export const FIRST_ARG = 4;

/**
 * Node's worker_threads where a second thread may run (never imported statically: browsers),
 * else undefined: engines without worker_threads or SharedArrayBuffer, one core, or
 * THEANO_TS_GEMM_THREADS=1 in the environment.
 */
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

/**
 * A worker's source (CommonJS, run with `eval: true`): `prelude` (it must define `c`, the
 * control Int32Array, from `workerData.control`), then the loop that waits for a job, runs
 * `job` (which reads its arguments from `c` and the job number from `seen`) and reports.
 */
export function workerSource(prelude: string, job: string): string {
  return `${prelude}
Atomics.store(c, ${READY}, 1);
let seen = 0;
for (;;) {
  Atomics.wait(c, ${SEQ}, seen);
  seen = Atomics.load(c, ${SEQ});
  if (seen < 0) break;
  try {
${job}
    Atomics.store(c, ${FAILED}, 0);
  } catch (e) {
    Atomics.store(c, ${FAILED}, 1);
  }
  Atomics.store(c, ${DONE}, seen);
  Atomics.notify(c, ${DONE});
}
`;
}

/** The main thread's side of a started worker. */
export interface SecondThread {
  /** The control block (a job's arguments go from {@link FIRST_ARG} on). */
  readonly c: Int32Array;
  /** Whether the worker is up (before that, work runs on the main thread alone). */
  ready(): boolean;
  /** Posts the job whose arguments are in `c`; returns its number at once. */
  post(): number;
  /**
   * Waits for the job posted last.
   * @throws Error naming `what` when it failed in the worker.
   */
  wait(what: string): void;
}

/**
 * Starts a worker running `source` with `workerData` plus `control` (a shared block of `slots`
 * Int32 slots), or returns undefined where no second thread can run.
 */
export function startSecondThread(
  source: string,
  slots: number,
  workerData: Record<string, unknown>,
  transferList: readonly import('node:worker_threads').TransferListItem[] = [],
): SecondThread | undefined {
  const wt = workerThreads();
  if (!wt) return undefined;
  const control = new SharedArrayBuffer(slots * 4);
  const c = new Int32Array(control);
  let worker: import('node:worker_threads').Worker;
  try {
    worker = new wt.Worker(source, {
      eval: true,
      workerData: { ...workerData, control },
      transferList: [...transferList],
    });
  } catch {
    return undefined;
  }
  worker.unref();
  let dead = false;
  worker.on('error', () => (dead = true));
  worker.on('exit', () => (dead = true));
  let seq = 0;
  return {
    c,
    ready: () => !dead && Atomics.load(c, READY) === 1,
    post() {
      seq = seq === 0x7ffffffe ? 1 : seq + 1;
      Atomics.store(c, SEQ, seq);
      Atomics.notify(c, SEQ);
      return seq;
    },
    wait(what) {
      for (let d = Atomics.load(c, DONE); d !== seq; d = Atomics.load(c, DONE))
        Atomics.wait(c, DONE, d);
      if (Atomics.load(c, FAILED) === 1)
        throw new Error(`${what}: the second thread failed (a bug in theano-ts)`);
    },
  };
}

/**
 * The elementwise loops' second thread (issue 10: the fused sigmoid chain spends 3/4 of its
 * time in the SIMD loop itself, not in copies). In Node with at least two cores, one worker
 * thread runs the same compiled loop modules as the main thread. A large map loop is split into
 * its chunks, and both threads claim chunks one at a time from a shared counter until none is
 * left: the split follows what each thread really gets done (the worker may share a core, or
 * be descheduled), and the main thread never waits for more than the chunk the worker holds.
 * Each element is computed by the same code either way, so results are bit-identical to one
 * thread. Reductions are not split (that would change the order of the sums).
 *
 * The loops work in their own module memory, so data passes through a shared staging buffer:
 * the main thread copies the inputs there (memory-speed work), the worker copies the chunks it
 * claims into its instance of the loop and its results back, marking them as its own, and the
 * main thread copies those into the output at the end. Modules (and a grown staging buffer)
 * reach the worker as messages, which it reads synchronously (`receiveMessageOnPort`) when the
 * next job starts; jobs are posted and awaited as second-thread.ts does it. The worker is unref'd. Browsers, one core, THEANO_TS_GEMM_THREADS=1 or
 * `setGemmThreadsAllowed(false)`: no thread, everything on the main thread.
 */
import { FIRST_ARG, startSecondThread, workerSource, workerThreads } from './second-thread';

/** The job's control slots. */
const ID = FIRST_ARG; // the loop's id
const N = FIRST_ARG + 1; // elements of the job
const NIN = FIRST_ARG + 2; // inputs of the loop
const SCALARS = FIRST_ARG + 3; // bit i: input i is a scalar (its value at the start of its region)
const NEXT = FIRST_ARG + 4; // the next chunk to claim (both threads: Atomics.add)
const SLOTS = FIRST_ARG + 5;

/** The worker's source: loop modules and the staging buffer arrive as messages. */
const WORKER_SOURCE = workerSource(
  `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { control, port } = workerData;
const c = new Int32Array(control);
const loops = [];
let stage = new Float32Array(0);
let owner = new Int32Array(0);`,
  `    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const msg = m.message;
      if (msg.stage) {
        stage = new Float32Array(msg.stage);
        owner = new Int32Array(msg.owner);
      }
      if (msg.module) {
        const inst = new WebAssembly.Instance(msg.module, {});
        loops[msg.id] = { mem: new Float32Array(inst.exports.mem.buffer), run: inst.exports.run, inBase: msg.inBase, outBase: msg.outBase, chunk: msg.chunk };
      }
    }
    const L = loops[c[${ID}]];
    const n = c[${N}], nin = c[${NIN}], scalars = c[${SCALARS}], chunks = Math.ceil(n / L.chunk);
    for (let i = 0; i < nin; i++) if (scalars & (1 << i)) L.mem[L.inBase[i]] = stage[i * n];
    for (let k = Atomics.add(c, ${NEXT}, 1); k < chunks; k = Atomics.add(c, ${NEXT}, 1)) {
      const s = k * L.chunk, len = Math.min(L.chunk, n - s);
      for (let i = 0; i < nin; i++)
        if (!(scalars & (1 << i))) L.mem.set(stage.subarray(i * n + s, i * n + s + len), L.inBase[i]);
      L.run(len);
      stage.set(L.mem.subarray(L.outBase, L.outBase + len), nin * n + s);
      owner[k] = seen;
    }`,
);

/**
 * Largest staging buffer (bytes): a loop whose inputs and output need more stays on one thread
 * (the buffer is kept for the next loop, so this bounds what the thread holds).
 */
export const THREAD_MAX_STAGE_BYTES = 64 * 1024 * 1024;

/** What the worker needs of a compiled loop (see wasm-elemwise.ts's `WasmLoop`). */
export interface ThreadLoop {
  /** The compiled module (its instance's memory holds the chunks). */
  readonly module: WebAssembly.Module;
  /** Float32 index of input i's region. */
  readonly inBase: readonly number[];
  /** Float32 index of the output region. */
  readonly outBase: number;
  /** Elements per chunk. */
  readonly chunk: number;
}

/** An input of a split loop: contiguous float32 data from `offset`, or a scalar. */
export interface ThreadInput {
  readonly data: Float32Array;
  readonly offset: number;
  readonly scalar: boolean;
}

/** A started worker for the elementwise loops. */
export interface ElemwiseThread {
  /** Whether the worker is up (before that, loops run on the main thread alone). */
  ready(): boolean;
  /**
   * Runs `loop` over n elements of `inputs` (scalars: their one value) on both threads: each
   * claims chunks of `loop.chunk` elements until none is left; `mainChunk(start, len)` computes
   * one on this thread, into `out`; the worker's chunks are copied into `out` (from
   * `outOffset`) before it returns.
   * @throws Error when the worker failed.
   */
  run(
    loop: ThreadLoop,
    inputs: readonly ThreadInput[],
    out: Float32Array,
    outOffset: number,
    n: number,
    mainChunk: (start: number, len: number) => void,
  ): void;
}

/** Starts the worker, or returns undefined where no second thread can run. */
export function startElemwiseThread(): ElemwiseThread | undefined {
  const wt = workerThreads();
  if (!wt) return undefined;
  const { port1, port2 } = new wt.MessageChannel();
  const t = startSecondThread(WORKER_SOURCE, SLOTS, { port: port2 }, [port2]);
  if (!t) return undefined;
  port1.unref();
  const { c } = t;
  const ids = new Map<WebAssembly.Module, number>();
  let stage: Float32Array<ArrayBufferLike> = new Float32Array(0);
  let owner: Int32Array<ArrayBufferLike> = new Int32Array(0);
  return {
    ready: t.ready,
    run(loop, inputs, out, outOffset, n, mainChunk) {
      let id = ids.get(loop.module);
      if (id === undefined) {
        ids.set(loop.module, (id = ids.size));
        const { module, inBase, outBase, chunk } = loop;
        port1.postMessage({ id, module, inBase: [...inBase], outBase, chunk });
      }
      const nin = inputs.length;
      const chunks = Math.ceil(n / loop.chunk);
      if (stage.length < (nin + 1) * n || owner.length < chunks) {
        const floats = Math.max(
          (nin + 1) * n,
          Math.min(2 * stage.length, THREAD_MAX_STAGE_BYTES / 4),
        );
        stage = new Float32Array(new SharedArrayBuffer(4 * floats));
        owner = new Int32Array(new SharedArrayBuffer(4 * Math.max(chunks, 2 * owner.length)));
        port1.postMessage({ stage: stage.buffer, owner: owner.buffer });
      }
      let scalars = 0;
      inputs.forEach((a, i) => {
        if (a.scalar) {
          scalars |= 1 << i;
          stage[i * n] = a.data[a.offset];
        } else stage.set(a.data.subarray(a.offset, a.offset + n), i * n);
      });
      c[ID] = id;
      c[N] = n;
      c[NIN] = nin;
      c[SCALARS] = scalars;
      Atomics.store(c, NEXT, 0);
      const seq = t.post();
      try {
        for (let k = Atomics.add(c, NEXT, 1); k < chunks; k = Atomics.add(c, NEXT, 1)) {
          const s = k * loop.chunk;
          mainChunk(s, Math.min(loop.chunk, n - s));
        }
      } finally {
        // the worker finishes the chunk it holds (even when this thread threw)
        t.wait('elementwise loop');
      }
      for (let k = 0; k < chunks; k++)
        if (owner[k] === seq) {
          const s = k * loop.chunk;
          const e = Math.min(s + loop.chunk, n);
          out.set(stage.subarray(nin * n + s, nin * n + e), outOffset + s);
        }
    },
  };
}

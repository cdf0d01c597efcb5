/**
 * General matrix product on the CPU: C = A · B for float32 and float64 matrices given as
 * strided views (any strides, so transposed operands — Aᵀ·B, A·Bᵀ — need no copy), through a
 * packed, register-blocked WebAssembly SIMD kernel (wasm/gemm-module.ts). Where WebAssembly
 * SIMD is absent or disabled the caller runs its JavaScript loop (kernels.ts's matmul).
 *
 * Memory: one WebAssembly.Memory per process, grown (never shrunk) to the largest product
 * seen; each call packs A and B into it, runs the kernel and copies C out into a typed array
 * from the buffer pool (buffer-pool.ts), so no NDArray ever aliases wasm memory.
 */
import { buildGemmModule, GEMM_F32, GEMM_F64 } from './wasm/gemm-module';
import { hasWasmSimd } from './wasm/features';
import { allocate } from './buffer-pool';
import { type GemmThread, gemmThreadPossible, startGemmThread } from './gemm-thread';

/** A 2-d strided operand: element (i, j) is data[offset + i·s0 + j·s1]. */
export interface MatrixView {
  readonly data: ArrayLike<number>;
  readonly offset: number;
  readonly rows: number;
  readonly cols: number;
  readonly s0: number;
  readonly s1: number;
}

type GemmFn = (
  aPack: number,
  bPack: number,
  c: number,
  mPad: number,
  nPad: number,
  k: number,
  accumulate: number,
  m0: number,
  m1: number,
) => void;
type ConvFn = (...args: number[]) => void;

/** The instantiated kernels and their memory (one per process). */
export interface WasmEngine {
  memory: WebAssembly.Memory;
  gemm: Record<'float32' | 'float64', GemmFn>;
  conv: Record<'float32' | 'float64', ConvFn>;
  axpby: Record<
    'float32' | 'float64',
    (c: number, z: number, len: number, alpha: number, beta: number) => void
  >;
  compactRows: (base: number, rows: number, srcRowBytes: number, dstRowBytes: number) => void;
  /** `pack_steps_1` / `pack_steps_2` (gemm-module.ts). */
  packSteps: Record<1 | 2, (src: number, srcStep: number, dst: number, steps: number) => void>;
  /** `pack_gather4_f32` (gemm-module.ts). */
  packGather4: (
    src: number,
    rowStride: number,
    dst: number,
    dstStep: number,
    steps: number,
  ) => void;
  /** The second thread (gemm-thread.ts), when there is one. */
  thread: GemmThread | undefined;
}

/**
 * How many products and convolutions ran on the wasm kernels, and how many products were split
 * with the second thread (tests check the fast path ran).
 */
export const wasmKernelRuns = { gemm: 0, conv: 0, threaded: 0 };

/** Most pages of a shared arena (2 GiB; reserved, not committed, until grown). */
const MAX_PAGES = 32768;
let gemmThreadsAllowed = true;
/**
 * Products with m·n·k at least this large are split between the main thread and the second
 * thread (when there is one): below it, waking the worker costs more than half the product.
 */
export const GEMM_THREAD_MIN_WORK = 1 << 21;
/**
 * Allows (true, the default) or forbids a second GEMM thread. Takes effect before the first
 * wasm product of the process only (the arena's kind is fixed then); returns the previous
 * setting. THEANO_TS_GEMM_THREADS=1 in the environment forbids it too.
 */
export function setGemmThreadsAllowed(allowed: boolean): boolean {
  const prev = gemmThreadsAllowed;
  gemmThreadsAllowed = allowed;
  return prev;
}
/** Whether a second thread is allowed (also read by the elementwise loops' thread). */
export const threadsAllowed = (): boolean => gemmThreadsAllowed;
let splitDisabled = false;
/**
 * Runs every product on the main thread (true) or lets large ones use the second thread (false,
 * the default) — for tests comparing the two; returns the previous setting.
 */
export function setGemmSplitDisabled(disabled: boolean): boolean {
  const prev = splitDisabled;
  splitDisabled = disabled;
  return prev;
}

let engine: WasmEngine | undefined;
/** The process's kernel instance (built on first use). */
export function wasmEngine(): WasmEngine {
  if (!engine) {
    // a shared memory when a second thread can run the kernel on it (gemm-thread.ts)
    const shared = gemmThreadsAllowed && gemmThreadPossible();
    const memory = shared
      ? new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 16 });
    const module = buildGemmModule({ shared, maximum: MAX_PAGES }).compile();
    const e = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<
      string,
      GemmFn
    >;
    engine = {
      memory,
      thread: shared ? startGemmThread(module, memory) : undefined,
      gemm: { float32: e['gemm_float32']!, float64: e['gemm_float64']! },
      conv: { float32: e['conv_float32']!, float64: e['conv_float64']! },
      axpby: {
        float32: e['axpby_float32']! as WasmEngine['axpby']['float32'],
        float64: e['axpby_float64']! as WasmEngine['axpby']['float64'],
      },
      compactRows: e['compact_rows']! as WasmEngine['compactRows'],
      packSteps: {
        1: e['pack_steps_1']! as WasmEngine['packSteps'][1],
        2: e['pack_steps_2']! as WasmEngine['packSteps'][2],
      },
      packGather4: e['pack_gather4_f32']! as WasmEngine['packGather4'],
    };
  }
  return engine;
}

/**
 * Grows the arena (once per new maximum) to hold `bytes` and returns a view of it of the
 * dtype's array type (views are stale after a later grow, so take one per call).
 */
export function arenaView(
  eng: WasmEngine,
  bytes: number,
  dtype: 'float32' | 'float64',
): Float32Array | Float64Array {
  const have = eng.memory.buffer.byteLength;
  if (bytes > have) eng.memory.grow(Math.ceil((bytes - have) / 65536));
  return dtype === 'float32'
    ? new Float32Array(eng.memory.buffer)
    : new Float64Array(eng.memory.buffer);
}

/** Bytes of wasm memory the GEMM arena holds now (0 before the first wasm product). */
export function gemmArenaBytes(): number {
  return engine ? engine.memory.buffer.byteLength : 0;
}

let minWork = 4096;
/** Current threshold of {@link setGemmMinWork}. */
export const gemmMinWork = (): number => minWork;
/**
 * Products with m·n·k below this run the JavaScript loop (the wasm call and packing cost more
 * than they save). Returns the previous value; tests set 0 to send every shape to the kernel.
 */
export function setGemmMinWork(work: number): number {
  const prev = minWork;
  minWork = work;
  return prev;
}

export const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;

/**
 * Packs a matrix whose rows are the panel dimension (A's rows, or B's columns given as Bᵀ) into
 * `width`-row panels per k block: block pc (kc steps) starts at at + pc·rowsPad, panel ir at
 * + ir·kc, step p at + p·width. Rows past `rows` are zero (the arena is reused).
 * With `wasm`, when the operand's span is not much larger than its values, it is copied into
 * the arena at `wasm.scratch` (one memcpy) and each full panel is packed there in WebAssembly:
 * panel rows adjacent in memory (s0 = 1: B given as Bᵀ of a row-major B, or a transposed A)
 * by `pack_steps` (1 or 2 v128 per step); float32 rows contiguous along k (s1 = 1: a row-major
 * A, or a transposed B) by `pack_gather4_f32` (4×4 transposes in registers). x·W, x 128×784, W
 * 784×256: packing W 0.7 → 0.1 ms. Otherwise one source row at a time along k, in JS.
 */
function packPanels(
  dst: Float32Array | Float64Array,
  at: number,
  x: MatrixView,
  rowsPad: number,
  width: number,
  KC: number,
  wasm?: { eng: WasmEngine; scratch: number },
): void {
  const { data, offset, rows, cols: k, s0, s1 } = x;
  const E = dst.BYTES_PER_ELEMENT;
  const mode = wasm && rows >= width && data instanceof dst.constructor ? fastPack(x, width, E) : 0;
  if (mode) {
    const span = spanOf(x);
    dst.set((data as typeof dst).subarray(offset, offset + span), wasm!.scratch);
  }
  for (let pc = 0; pc < k; pc += KC) {
    const kc = Math.min(KC, k - pc);
    const blk = at + pc * rowsPad;
    for (let ir = 0; ir < rowsPad; ir += width) {
      const pan = blk + ir * kc;
      const live = Math.min(width, rows - ir);
      if (mode && live === width) {
        const { eng, scratch } = wasm!;
        const src = scratch + ir * s0 + pc * s1;
        if (mode === ADJACENT)
          eng.packSteps[((width * E) / 16) as 1 | 2](src * E, s1 * E, pan * E, kc);
        else
          for (let q = 0; q < width; q += 4)
            eng.packGather4((src + q * s0) * E, s0 * E, (pan + q) * E, width * E, kc);
        continue;
      }
      for (let r = 0; r < width; r++) {
        const end = pan + r + kc * width;
        if (r < live) {
          let src = offset + (ir + r) * s0 + pc * s1;
          for (let o = pan + r; o < end; o += width, src += s1) dst[o] = data[src];
        } else for (let o = pan + r; o < end; o += width) dst[o] = 0;
      }
    }
  }
}

const ADJACENT = 1;
const GATHER = 2;
/** Elements from the first to the last value of a view with non-negative strides. */
const spanOf = (x: MatrixView) => (x.rows - 1) * x.s0 + (x.cols - 1) * x.s1 + 1;
/**
 * How {@link packPanels} can pack `x` in WebAssembly: ADJACENT (s0 = 1), GATHER (float32, s1 =
 * 1, width a multiple of 4), or 0 (JS); only when its span is at most about twice its values.
 */
function fastPack(x: MatrixView, width: number, E: number): number {
  if (x.s0 < 0 || x.s1 < 0 || spanOf(x) > 2 * x.rows * x.cols + 64) return 0;
  if (x.s0 === 1 && (width * E === 16 || width * E === 32)) return ADJACENT;
  if (x.s1 === 1 && E === 4 && width % 4 === 0 && x.s0 > 0) return GATHER;
  return 0;
}

/** Arena elements {@link packPanels} needs past the packed panels for `x` (its wasm copy). */
const scratchFor = (x: MatrixView, width: number, E: number): number =>
  fastPack(x, width, E) ? spanOf(x) : 0;

/**
 * Gemm's epilogue: C ← beta·Z + alpha·C with Z contiguous row-major m×n (data from `offset`),
 * each product and the sum rounded to the element type.
 */
export interface GemmEpilogue {
  readonly z: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> };
  readonly offset: number;
  /** Z is one row of n values (from `offset`) broadcast to every row (a bias). */
  readonly rowBroadcast?: boolean;
  readonly alpha: number;
  readonly beta: number;
}

/**
 * C (m×n, a fresh row-major typed array of `dtype`) = A (m×k) · B (k×n) (then the epilogue, if
 * given), or undefined when the product should run elsewhere (no WebAssembly SIMD, m·n·k below
 * the threshold, or an empty product with an epilogue).
 * float32 products accumulate in float32 (like BLAS sgemm), float64 in float64; the order of
 * additions differs from a plain loop, so results agree with it to rounding, not bit for bit.
 * @throws RangeError when the inner dimensions differ.
 */
export function gemm(
  a: MatrixView,
  b: MatrixView,
  dtype: 'float32' | 'float64',
  epilogue?: GemmEpilogue,
): Float32Array | Float64Array | undefined {
  if (b.rows !== a.cols)
    throw new RangeError(
      `gemm: A is ${a.rows}×${a.cols} but B is ${b.rows}×${b.cols} (inner ${a.cols} != ${b.rows})`,
    );
  const work = a.rows * b.cols * a.cols;
  if (work === 0 && !epilogue)
    return new (dtype === 'float32' ? Float32Array : Float64Array)(a.rows * b.cols);
  if (work === 0 || !hasWasmSimd() || work < minWork) return undefined;
  return gemmSum([[a, b]], a.rows, b.cols, dtype, epilogue);
}

/**
 * C (m×n) = Σ_t A_t (m×k_t) · B_t (k_t×n) on the wasm kernel, C kept in the arena between terms
 * (a term's operands may be produced lazily: each pair is packed before the next is read).
 * The caller checks hasWasmSimd(). Operand shapes are the caller's responsibility.
 */
export function gemmSum(
  terms: Iterable<readonly [MatrixView, MatrixView]>,
  m: number,
  n: number,
  dtype: 'float32' | 'float64',
  epilogue?: GemmEpilogue,
): Float32Array | Float64Array {
  const cfg = dtype === 'float32' ? GEMM_F32 : GEMM_F64;
  const mPad = roundUp(m, cfg.mr);
  const nPad = roundUp(n, cfg.nr);
  const E = cfg.bytes;
  const eng = wasmEngine();
  const cLen = mPad * nPad;
  let heap = arenaView(eng, cLen * E, dtype);
  let first = true;
  for (const [a, b] of terms) {
    const k = a.cols;
    if (k === 0) continue;
    const aLen = mPad * k;
    const bt = { data: b.data, offset: b.offset, rows: n, cols: k, s0: b.s1, s1: b.s0 };
    const scratch = cLen + aLen + k * nPad;
    const need = Math.max(scratchFor(a, cfg.mr, E), scratchFor(bt, cfg.nr, E));
    heap = arenaView(eng, (scratch + need) * E, dtype);
    packPanels(heap, cLen, a, mPad, cfg.mr, cfg.kc, { eng, scratch });
    packPanels(heap, cLen + aLen, bt, nPad, cfg.nr, cfg.kc, { eng, scratch });
    const acc = first ? 0 : 1;
    const args = [cLen * E, (cLen + aLen) * E, 0, mPad, nPad, k, acc];
    const th = eng.thread;
    const split = roundUp(mPad / 2, cfg.mr);
    if (th && !splitDisabled && m * n * k >= GEMM_THREAD_MIN_WORK && split < mPad && th.ready()) {
      // rows split..mPad on the second thread, 0..split here, then wait for it
      th.start(dtype, [...args, split, mPad]);
      eng.gemm[dtype](args[0], args[1], args[2], mPad, nPad, k, acc, 0, split);
      th.wait();
      wasmKernelRuns.threaded++;
    } else eng.gemm[dtype](args[0], args[1], args[2], mPad, nPad, k, acc, 0, mPad);
    first = false;
  }
  wasmKernelRuns.gemm++;
  if (first) return new (dtype === 'float32' ? Float32Array : Float64Array)(m * n);
  const out = allocate(dtype, m * n) as Float32Array | Float64Array;
  if (epilogue) {
    if (nPad !== n) eng.compactRows(0, m, nPad * E, n * E);
    heap = arenaView(eng, (cLen + m * n) * E, dtype);
    const { z, offset: zo } = epilogue;
    if (epilogue.rowBroadcast) {
      const row = z.subarray(zo, zo + n);
      for (let i = 0; i < m; i++) heap.set(row, cLen + i * n);
    } else heap.set(z.subarray(zo, zo + m * n), cLen);
    eng.axpby[dtype](0, cLen * E, m * n, epilogue.alpha, epilogue.beta);
    out.set(heap.subarray(0, m * n));
  } else if (nPad === n) out.set(heap.subarray(0, m * n));
  else for (let i = 0; i < m; i++) out.set(heap.subarray(i * nPad, i * nPad + n), i * n);
  return out;
}

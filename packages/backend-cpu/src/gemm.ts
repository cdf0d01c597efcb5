/**
 * General matrix product on the CPU: C = A · B for float32 and float64 matrices given as
 * strided views (any strides, so transposed operands — Aᵀ·B, A·Bᵀ — need no copy), through a
 * packed, register-blocked WebAssembly SIMD kernel (wasm/gemm-module.ts). Where WebAssembly
 * SIMD is absent or disabled the caller runs its JavaScript loop (kernels.ts's matmul).
 *
 * Memory: one WebAssembly.Memory per process, grown (never shrunk) to the largest product
 * seen; each call packs A and B into it, runs the kernel and copies C out into a fresh typed
 * array, so no NDArray ever aliases wasm memory and nothing is retained between calls.
 */
import { buildGemmModule, GEMM_F32, GEMM_F64, type GemmConfig } from './wasm/gemm-module';
import { hasWasmSimd } from './wasm/features';

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
) => void;

interface Engine {
  memory: WebAssembly.Memory;
  f32: GemmFn;
  f64: GemmFn;
}

let engine: Engine | undefined;
function getEngine(): Engine {
  if (!engine) {
    const memory = new WebAssembly.Memory({ initial: 16 });
    const e = buildGemmModule().instantiate({ env: { memory } }).exports as Record<string, GemmFn>;
    engine = { memory, f32: e['gemm_float32']!, f64: e['gemm_float64']! };
  }
  return engine;
}

/** Grows the arena (once per new maximum) to hold `bytes`. */
function ensureBytes(mem: WebAssembly.Memory, bytes: number): void {
  const have = mem.buffer.byteLength;
  if (bytes > have) mem.grow(Math.ceil((bytes - have) / 65536));
}

/** Bytes of wasm memory the GEMM arena holds now (0 before the first wasm product). */
export function gemmArenaBytes(): number {
  return engine ? engine.memory.buffer.byteLength : 0;
}

let minWork = 4096;
/**
 * Products with m·n·k below this run the JavaScript loop (the wasm call and packing cost more
 * than they save). Returns the previous value; tests set 0 to send every shape to the kernel.
 */
export function setGemmMinWork(work: number): number {
  const prev = minWork;
  minWork = work;
  return prev;
}

const roundUp = (x: number, to: number) => Math.ceil(x / to) * to;

/** Packs A (m×k) into MR-row panels per k block, zero rows past m. */
function packA(
  dst: Float32Array | Float64Array,
  at: number,
  a: MatrixView,
  mPad: number,
  cfg: GemmConfig,
): void {
  const { data, offset, rows: m, cols: k, s0, s1 } = a;
  const { mr, kc: KC } = cfg;
  let o = at;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = Math.min(KC, k - pc);
    for (let ir = 0; ir < mPad; ir += mr) {
      const full = ir + mr <= m;
      for (let p = 0; p < kc; p++) {
        const col = offset + (pc + p) * s1;
        if (full) for (let r = 0; r < mr; r++) dst[o++] = data[col + (ir + r) * s0];
        else for (let r = 0; r < mr; r++, o++) dst[o] = ir + r < m ? data[col + (ir + r) * s0] : 0;
      }
    }
  }
}

/** Packs B (k×n) into NR-column panels per k block, zero columns past n. */
function packB(
  dst: Float32Array | Float64Array,
  at: number,
  b: MatrixView,
  nPad: number,
  cfg: GemmConfig,
): void {
  const { data, offset, rows: k, cols: n, s0, s1 } = b;
  const { nr, kc: KC } = cfg;
  let o = at;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = Math.min(KC, k - pc);
    for (let jr = 0; jr < nPad; jr += nr) {
      const full = jr + nr <= n;
      for (let p = 0; p < kc; p++) {
        const row = offset + (pc + p) * s0 + jr * s1;
        if (full) for (let c = 0; c < nr; c++) dst[o++] = data[row + c * s1];
        else for (let c = 0; c < nr; c++, o++) dst[o] = jr + c < n ? data[row + c * s1] : 0;
      }
    }
  }
}

/**
 * C (m×n, a fresh row-major typed array of `dtype`) = A (m×k) · B (k×n), or undefined when
 * the product should run elsewhere (no WebAssembly SIMD, or m·n·k below the threshold).
 * float32 products accumulate in float32 (like BLAS sgemm), float64 in float64; the order of
 * additions differs from a plain loop, so results agree with it to rounding, not bit for bit.
 * @throws RangeError when the inner dimensions differ.
 */
export function gemm(
  a: MatrixView,
  b: MatrixView,
  dtype: 'float32' | 'float64',
): Float32Array | Float64Array | undefined {
  const m = a.rows;
  const k = a.cols;
  const n = b.cols;
  if (b.rows !== k)
    throw new RangeError(`gemm: A is ${m}×${k} but B is ${b.rows}×${n} (inner ${k} != ${b.rows})`);
  const Out = dtype === 'float32' ? Float32Array : Float64Array;
  if (m === 0 || n === 0 || k === 0) return new Out(m * n);
  if (!hasWasmSimd() || m * n * k < minWork) return undefined;
  const cfg = dtype === 'float32' ? GEMM_F32 : GEMM_F64;
  const mPad = roundUp(m, cfg.mr);
  const nPad = roundUp(n, cfg.nr);
  const E = cfg.bytes;
  const aBytes = mPad * k * E;
  const bBytes = k * nPad * E;
  const cBytes = mPad * nPad * E;
  const eng = getEngine();
  ensureBytes(eng.memory, aBytes + bBytes + cBytes);
  const heap = new Out(eng.memory.buffer);
  packA(heap, 0, a, mPad, cfg);
  packB(heap, aBytes / E, b, nPad, cfg);
  const cAt = aBytes + bBytes;
  (dtype === 'float32' ? eng.f32 : eng.f64)(0, aBytes, cAt, mPad, nPad, k);
  const out = new Out(m * n);
  const c0 = cAt / E;
  if (nPad === n) out.set(heap.subarray(c0, c0 + m * n));
  else for (let i = 0; i < m; i++) out.set(heap.subarray(c0 + i * nPad, c0 + i * nPad + n), i * n);
  return out;
}

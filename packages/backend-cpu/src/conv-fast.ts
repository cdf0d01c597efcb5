/**
 * Convolutions on the WebAssembly SIMD direct-convolution kernel (wasm/conv-module.ts):
 * the forward Conv2d and, for unit strides, Conv2dGradInputs (a correlation of the padded
 * output gradient with the transposed, flipped filters). The image is copied once into a
 * zero-padded buffer in the kernel arena, the filters packed into mr-filter panels, and the
 * result copied out into a fresh typed array. Sums accumulate in the element type (float32
 * or float64), in tap order, so results agree with the reference to rounding.
 */
import type { NDArray } from '@theano-ts/tensor';
import { arenaView, roundUp, wasmEngine, wasmKernelRuns } from './gemm';
import { allocate } from './buffer-pool';
import { GEMM_F32, GEMM_F64 } from './wasm/gemm-module';
import { hasWasmSimd } from './wasm/features';

/** A correlation: out[n, o, i, j] = Σ_{c, a, b} x[n, grp·cin + c, i·sh − ph + a·dh, j − pw + b·dw] · filt(o, c, a, b). */
export interface DirectConv {
  readonly N: number;
  /** Input channels (all groups). */
  readonly C: number;
  readonly H: number;
  readonly W: number;
  /** Output channels (all groups). */
  readonly O: number;
  readonly groups: number;
  readonly kh: number;
  readonly kw: number;
  readonly pad: readonly [number, number];
  readonly strideH: number;
  readonly dilation: readonly [number, number];
  readonly oh: number;
  readonly ow: number;
  /** Filter tap for output channel o (global), input channel c within the group. */
  readonly filt: (o: number, c: number, a: number, b: number) => number;
}

/**
 * Runs the correlation on the wasm kernel; x is the N×C×H×W input (any layout). Returns the N×O×oh×ow
 * result, or undefined when the kernel does not apply (no WebAssembly SIMD, negative padding,
 * a non-finite filter tap — the reference skips padding taps, so ∞·0 must not happen).
 */
export function directConv(
  x: NDArray,
  d: DirectConv,
  dtype: 'float32' | 'float64',
): Float32Array | Float64Array | undefined {
  const { N, C, H, W, O, groups, kh, kw, oh, ow } = d;
  const [ph, pw] = d.pad;
  const [dh, dw] = d.dilation;
  const sh = d.strideH;
  if (!hasWasmSimd() || ph < 0 || pw < 0 || N * O * oh * ow === 0) return undefined;
  const cfg = dtype === 'float32' ? GEMM_F32 : GEMM_F64;
  const { mr, nr, bytes: E } = cfg;
  const cg = C / groups;
  const og = O / groups;
  const K = cg * kh * kw;
  const ogPad = roundUp(og, mr);
  const owPad = roundUp(ow, nr);
  const Hp = Math.max(H + 2 * ph, (oh - 1) * sh + (kh - 1) * dh + 1);
  const Wp = Math.max(W + 2 * pw, owPad + (kw - 1) * dw);
  const xLen = N * C * Hp * Wp;
  const wLen = groups * ogPad * K;
  const oLen = N * groups * ogPad * oh * owPad;
  // filters first (cheap to check for non-finite taps before touching the arena)
  const wPack = new (dtype === 'float32' ? Float32Array : Float64Array)(wLen);
  let q = 0;
  for (let grp = 0; grp < groups; grp++)
    for (let o0 = 0; o0 < ogPad; o0 += mr)
      for (let c = 0; c < cg; c++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++)
            for (let r = 0; r < mr; r++, q++) {
              const o = o0 + r;
              if (o >= og) continue;
              const v = d.filt(grp * og + o, c, a, b);
              if (!Number.isFinite(v)) return undefined;
              wPack[q] = v;
            }
  const eng = wasmEngine();
  const heap = arenaView(eng, (xLen + wLen + oLen) * E, dtype);
  const xc = x.isContiguous ? x : x.contiguous();
  const xd = xc.data;
  const xo = xc.offset;
  const xAt = 0;
  heap.fill(0, xAt, xAt + xLen);
  for (let nc = 0; nc < N * C; nc++)
    for (let r = 0; r < H; r++) {
      const src = xo + (nc * H + r) * W;
      const dst = xAt + (nc * Hp + r + ph) * Wp + pw;
      for (let j = 0; j < W; j++) heap[dst + j] = xd[src + j];
    }
  const wAt = xLen;
  heap.set(wPack, wAt);
  const oAt = xLen + wLen;
  const oImg = groups * ogPad * oh * owPad;
  for (let grp = 0; grp < groups; grp++)
    eng.conv[dtype](
      (xAt + grp * cg * Hp * Wp) * E,
      C * Hp * Wp * E,
      (wAt + grp * ogPad * K) * E,
      (oAt + grp * ogPad * oh * owPad) * E,
      oImg * E,
      N,
      cg,
      Hp,
      Wp,
      oh,
      owPad,
      kh,
      kw,
      sh,
      dh,
      dw,
      ogPad,
    );
  wasmKernelRuns.conv++;
  const out = allocate(dtype, N * O * oh * ow) as Float32Array | Float64Array;
  if (ogPad === og) {
    if (owPad !== ow) eng.compactRows(oAt * E, N * O * oh, owPad * E, ow * E);
    out.set(heap.subarray(oAt, oAt + out.length));
  } else {
    let o = 0;
    for (let n = 0; n < N; n++)
      for (let grp = 0; grp < groups; grp++)
        for (let c = 0; c < og; c++)
          for (let i = 0; i < oh; i++) {
            const src = oAt + n * oImg + ((grp * ogPad + c) * oh + i) * owPad;
            for (let j = 0; j < ow; j++) out[o++] = heap[src + j];
          }
  }
  return out;
}

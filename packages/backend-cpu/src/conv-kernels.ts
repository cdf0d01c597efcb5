/**
 * CPU kernels of the conv2d ops. Where WebAssembly SIMD is present, the convolution (width
 * stride 1) and the input gradient (unit strides) run the direct-convolution kernel of
 * conv-fast.ts (sums in the element type, like cuDNN/BLAS; finite filters only). Otherwise,
 * and for the filter gradient: im2col + a matrix product for the convolution and its filter
 * gradient, flat loops for the input gradient, where each output element adds the same products
 * in the same order as the reference implementation (packages/tensor/src/conv.ts), in float64,
 * and rounds once, so results equal the reference bit for bit (padding taps are skipped, not
 * multiplied by 0, so an infinite weight next to the border does not make a NaN).
 */
import { type Conv2dGeometry, NDArray, convOutputLength, formatShape } from '@theano-ts/tensor';
import { type Apply, convGeometry } from '@theano-ts/symbolic';
import type { Kernel } from './kernels';
import { directConv } from './conv-fast';
import { allocate } from './buffer-pool';
import { gemmSum, type MatrixView } from './gemm';
import { hasWasmSimd } from './wasm/features';

interface Geo {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  cg: number;
  og: number;
  g: Conv2dGeometry;
}

function geometry(op: string, x: readonly number[], w: readonly number[], g: Conv2dGeometry): Geo {
  const [N, C, H, W] = x;
  const [O, cg, kh, kw] = w;
  if (C !== cg * g.groups || O % g.groups !== 0)
    throw new RangeError(
      `${op}: images ${formatShape(x)} and filters ${formatShape(w)} do not match for ${g.groups} group(s)`,
    );
  const oh = convOutputLength(H, kh, g.pad[0], g.stride[0], g.dilation[0]);
  const ow = convOutputLength(W, kw, g.pad[1], g.stride[1], g.dilation[1]);
  return { N, C, H, W, O, kh, kw, oh, ow, cg, og: O / g.groups, g };
}

/**
 * Where each tap (p = (ci, a, b)) reads inside the image: its output rows i are valid when
 * rowOk[a · oh + i], its output columns j in [jlo[b], jhi[b]) (the rest falls in the padding).
 */
interface Taps {
  rowOk: Uint8Array;
  jlo: Int32Array;
  jhi: Int32Array;
}

function taps(d: Geo): Taps {
  const { H, W, kh, kw, oh, ow, g } = d;
  const rowOk = new Uint8Array(kh * oh);
  for (let a = 0; a < kh; a++)
    for (let i = 0; i < oh; i++) {
      const r = i * g.stride[0] - g.pad[0] + a * g.dilation[0];
      rowOk[a * oh + i] = r >= 0 && r < H ? 1 : 0;
    }
  const jlo = new Int32Array(kw);
  const jhi = new Int32Array(kw);
  for (let b = 0; b < kw; b++) {
    let lo = ow;
    let hi = 0;
    for (let j = 0; j < ow; j++) {
      const s = j * g.stride[1] - g.pad[1] + b * g.dilation[1];
      if (s >= 0 && s < W) {
        lo = Math.min(lo, j);
        hi = j + 1;
      }
    }
    jlo[b] = lo;
    jhi[b] = Math.max(lo, hi);
  }
  return { rowOk, jlo, jhi };
}

/** im2col of image n, group grp: cols[p · P + i · ow + j] for tap p = (ci, a, b) (0 in the padding). */
function im2col(
  xd: ArrayLike<number>,
  n: number,
  grp: number,
  d: Geo,
  t: Taps,
  cols: Float64Array,
): void {
  const { C, H, W, kh, kw, oh, ow, cg, g } = d;
  const P = oh * ow;
  let p = 0;
  for (let ci = 0; ci < cg; ci++) {
    const base = (n * C + grp * cg + ci) * H * W;
    for (let a = 0; a < kh; a++)
      for (let b = 0; b < kw; b++, p++)
        for (let i = 0; i < oh; i++) {
          if (!t.rowOk[a * oh + i]) continue;
          const r = i * g.stride[0] - g.pad[0] + a * g.dilation[0];
          const src = base + r * W - g.pad[1] + b * g.dilation[1];
          const dst = p * P + i * ow;
          for (let j = t.jlo[b]; j < t.jhi[b]; j++) cols[dst + j] = xd[src + j * g.stride[1]];
        }
  }
}

/** Filters as an O × (cg·kh·kw) matrix in tap order, flipped when the geometry says so. */
function filterMatrix(wd: ArrayLike<number>, d: Geo): Float64Array {
  const { O, cg, kh, kw, g } = d;
  const K = cg * kh * kw;
  const m = new Float64Array(O * K);
  for (let o = 0; o < O; o++)
    for (let ci = 0; ci < cg; ci++)
      for (let a = 0; a < kh; a++)
        for (let b = 0; b < kw; b++) {
          const wa = g.flip ? kh - 1 - a : a;
          const wb = g.flip ? kw - 1 - b : b;
          m[o * K + (ci * kh + a) * kw + b] = wd[((o * cg + ci) * kh + wa) * kw + wb];
        }
  return m;
}

function store(acc: Float64Array, shape: number[], dtype: NDArray['dtype']): NDArray {
  const out = allocate(dtype, acc.length);
  out.set(acc);
  return new NDArray(out, shape, { dtype });
}

/** Conv2d: out[n, o] = Wm[o] · cols(n, group of o). */
export function conv2dKernel(node: Apply<'Conv2d'>): Kernel | undefined {
  const dtype = node.outputs[0].dtype;
  if (dtype !== 'float32' && dtype !== 'float64') return undefined;
  return ([x, w]) => {
    if (x.ndim !== 4 || w.ndim !== 4)
      throw new RangeError('Conv2d: images and filters must be 4-d');
    const d = geometry(
      'Conv2d',
      x.shape,
      w.shape,
      convGeometry(node.op.params, w.shape[2], w.shape[3]),
    );
    const { N, O, oh, ow, cg, kh, kw, og } = d;
    const wd = w.toFlat();
    if (d.g.stride[1] === 1 && x.dtype === dtype && w.dtype === dtype) {
      const { flip } = d.g;
      const fast = directConv(
        x,
        {
          ...d,
          groups: d.g.groups,
          pad: d.g.pad,
          strideH: d.g.stride[0],
          dilation: d.g.dilation,
          filt: (o, c, a, b) =>
            wd[((o * cg + c) * kh + (flip ? kh - 1 - a : a)) * kw + (flip ? kw - 1 - b : b)],
        },
        dtype,
      );
      if (fast) return [new NDArray(fast, [N, O, oh, ow], { dtype })];
    }
    const P = oh * ow;
    const K = cg * kh * kw;
    const xd = x.toFlat();
    const wm = filterMatrix(wd, d);
    const t = taps(d);
    const cols = new Float64Array(K * P);
    const out = new Float64Array(N * O * P);
    for (let n = 0; n < N; n++)
      for (let grp = 0; grp < d.g.groups; grp++) {
        im2col(xd, n, grp, d, t, cols);
        for (let o = grp * og; o < (grp + 1) * og; o++) {
          const ob = (n * O + o) * P;
          for (let p = 0; p < K; p++) {
            const wv = wm[o * K + p];
            const a = Math.floor(p / kw) % kh;
            const b = p % kw;
            const lo = t.jlo[b];
            const hi = t.jhi[b];
            for (let i = 0; i < oh; i++) {
              if (!t.rowOk[a * oh + i]) continue;
              const row = i * ow;
              const cb = p * P + row;
              const orow = ob + row;
              for (let j = lo; j < hi; j++) out[orow + j] += wv * cols[cb + j];
            }
          }
        }
      }
    return [store(out, [N, O, oh, ow], dtype)];
  };
}

/** Conv2dGradWeights: gw[o, p] accumulates gz[n, o, q] · cols(n)[p, q] over n then q. */
export function conv2dGradWeightsKernel(node: Apply<'Conv2dGradWeights'>): Kernel | undefined {
  const dtype = node.outputs[0].dtype;
  if (dtype !== 'float32' && dtype !== 'float64') return undefined;
  return ([x, gz, kshp]) => {
    const [kh, kw] = Array.from(kshp.toFlat());
    if (x.ndim !== 4 || gz.ndim !== 4)
      throw new RangeError('Conv2dGradWeights: images and output gradient must be 4-d');
    const g = convGeometry(node.op.params, kh, kw);
    const wshape = [gz.shape[1], x.shape[1] / g.groups, kh, kw];
    const d = geometry('Conv2dGradWeights', x.shape, wshape, g);
    const { N, O, oh, ow, cg, og } = d;
    if (gz.shape[0] !== N || gz.shape[2] !== oh || gz.shape[3] !== ow)
      throw new RangeError(
        `Conv2dGradWeights: the output gradient has shape ${formatShape(gz.shape)}, expected ${formatShape([N, O, oh, ow])}`,
      );
    const P = oh * ow;
    const K = cg * kh * kw;
    const xd = x.toFlat();
    const gd = gz.toFlat();
    const t = taps(d);
    const cols = new Float64Array(K * P);
    const gm = new Float64Array(O * K);
    if (hasWasmSimd() && x.dtype === dtype && gz.dtype === dtype && gd.every(Number.isFinite)) {
      // per group: gw (og × K) = Σ_n gz[n, group] (og × P) · colsᵀ (P × K) on the wasm GEMM
      // (finite gz only: the reference skips padding taps, so ∞·0 must not happen)
      for (let grp = 0; grp < g.groups; grp++) {
        const terms = function* (): Generator<[MatrixView, MatrixView]> {
          for (let n = 0; n < N; n++) {
            im2col(xd, n, grp, d, t, cols);
            yield [
              { data: gd, offset: (n * O + grp * og) * P, rows: og, cols: P, s0: P, s1: 1 },
              { data: cols, offset: 0, rows: P, cols: K, s0: 1, s1: P },
            ];
          }
        };
        gm.set(gemmSum(terms(), og, K, dtype), grp * og * K);
      }
    } else
      for (let n = 0; n < N; n++)
        for (let grp = 0; grp < g.groups; grp++) {
          im2col(xd, n, grp, d, t, cols);
          for (let o = grp * og; o < (grp + 1) * og; o++) {
            const gb = (n * O + o) * P;
            for (let p = 0; p < K; p++) {
              const a = Math.floor(p / kw) % kh;
              const b = p % kw;
              const lo = t.jlo[b];
              const hi = t.jhi[b];
              let acc = gm[o * K + p];
              for (let i = 0; i < oh; i++) {
                if (!t.rowOk[a * oh + i]) continue;
                const row = i * ow;
                const cb = p * P + row;
                const grow = gb + row;
                for (let j = lo; j < hi; j++) acc += gd[grow + j] * cols[cb + j];
              }
              gm[o * K + p] = acc;
            }
          }
        }
    // back from tap order to the filter layout (flipped when the geometry says so)
    const out = new Float64Array(O * K);
    for (let o = 0; o < O; o++)
      for (let ci = 0; ci < cg; ci++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) {
            const wa = g.flip ? kh - 1 - a : a;
            const wb = g.flip ? kw - 1 - b : b;
            out[((o * cg + ci) * kh + wa) * kw + wb] = gm[o * K + (ci * kh + a) * kw + b];
          }
    return [store(out, wshape, dtype)];
  };
}

/** Conv2dGradInputs: the reference's loops, flattened (same order of additions per element). */
export function conv2dGradInputsKernel(node: Apply<'Conv2dGradInputs'>): Kernel | undefined {
  const dtype = node.outputs[0].dtype;
  if (dtype !== 'float32' && dtype !== 'float64') return undefined;
  return ([w, gz, imshp]) => {
    const [H, W] = Array.from(imshp.toFlat());
    if (w.ndim !== 4 || gz.ndim !== 4)
      throw new RangeError('Conv2dGradInputs: filters and output gradient must be 4-d');
    const g = convGeometry(node.op.params, w.shape[2], w.shape[3]);
    const xshape = [gz.shape[0], w.shape[1] * g.groups, H, W];
    const d = geometry('Conv2dGradInputs', xshape, w.shape, g);
    const { N, C, O, kh, kw, oh, ow, cg, og } = d;
    if (gz.shape[1] !== O || gz.shape[2] !== oh || gz.shape[3] !== ow)
      throw new RangeError(
        `Conv2dGradInputs: the output gradient has shape ${formatShape(gz.shape)}, expected ${formatShape([N, O, oh, ow])}`,
      );
    const wd = w.toFlat();
    const [sh, sw] = g.stride;
    const [ph, pw] = g.pad;
    const [dh, dw] = g.dilation;
    if (sh === 1 && sw === 1 && gz.dtype === dtype && w.dtype === dtype) {
      // a correlation of gz, padded by the filter extent less the forward padding, with the
      // filters transposed (in ↔ out channels) and flipped
      const pad: [number, number] = [dh * (kh - 1) - ph, dw * (kw - 1) - pw];
      const { flip } = g;
      const fast =
        oh + 2 * pad[0] - dh * (kh - 1) === H && ow + 2 * pad[1] - dw * (kw - 1) === W
          ? directConv(
              gz,
              {
                N,
                C: O,
                H: oh,
                W: ow,
                O: C,
                groups: g.groups,
                kh,
                kw,
                pad,
                strideH: 1,
                dilation: g.dilation,
                oh: H,
                ow: W,
                filt: (c, o, a, b) => {
                  const grp = Math.floor(c / cg);
                  const wa = flip ? a : kh - 1 - a;
                  const wb = flip ? b : kw - 1 - b;
                  return wd[(((grp * og + o) * cg + (c % cg)) * kh + wa) * kw + wb];
                },
              },
              dtype,
            )
          : undefined;
      if (fast) return [new NDArray(fast, xshape, { dtype })];
    }
    const gd = gz.toFlat();
    const out = new Float64Array(N * C * H * W);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < O; o++) {
        const grp = Math.floor(o / og);
        const gb = (n * O + o) * oh * ow;
        for (let ci = 0; ci < cg; ci++) {
          const xb = (n * C + grp * cg + ci) * H * W;
          const wb = (o * cg + ci) * kh * kw;
          for (let a = 0; a < kh; a++) {
            const wa = g.flip ? kh - 1 - a : a;
            for (let b = 0; b < kw; b++) {
              const wv = wd[wb + wa * kw + (g.flip ? kw - 1 - b : b)];
              for (let i = 0; i < oh; i++) {
                const r = i * sh - ph + a * dh;
                if (r < 0 || r >= H) continue;
                const xr = xb + r * W;
                const gr = gb + i * ow;
                for (let j = 0; j < ow; j++) {
                  const s = j * sw - pw + b * dw;
                  if (s >= 0 && s < W) out[xr + s] += gd[gr + j] * wv;
                }
              }
            }
          }
        }
      }
    return [store(out, xshape, dtype)];
  };
}

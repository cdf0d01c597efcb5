/**
 * Reference 2-D convolution and pooling on NDArray (Theano's AbstractConv2d and Pool, with
 * their gradients). Plain loops in float64, stored in the requested dtype.
 *
 * Layouts as Theano: images NCHW, filters OIHW where I = C / groups. With `flip` (Theano's
 * filter_flip=True, the default) the filters are flipped: a true convolution; without it, a
 * cross-correlation (what PyTorch's conv2d computes).
 */
import { type DType, castScalar, typedArrayFor } from './dtype';
import { NDArray } from './ndarray';
import { formatShape } from './shape';

/** Resolved geometry of a 2-D convolution. */
export interface Conv2dGeometry {
  /** Zero padding (rows, columns) added on both sides. */
  pad: readonly [number, number];
  /** Subsampling (stride). */
  stride: readonly [number, number];
  /** Filter dilation. */
  dilation: readonly [number, number];
  /** Flip the filters (true convolution) as Theano's filter_flip=True. */
  flip: boolean;
  /** Number of channel groups. */
  groups: number;
}

/** Output length of a convolution along one axis (0 when the filter does not fit). */
export function convOutputLength(
  inLen: number,
  k: number,
  pad: number,
  stride: number,
  dilation: number,
): number {
  const span = dilation * (k - 1) + 1;
  const n = Math.floor((inLen + 2 * pad - span) / stride) + 1;
  return Math.max(0, n);
}

function store(data: Float64Array, shape: readonly number[], dtype: DType): NDArray {
  const out = new (typedArrayFor(dtype))(data.length);
  if (dtype === 'float64' || dtype === 'float32') out.set(data);
  else for (let i = 0; i < data.length; i++) out[i] = castScalar(data[i], dtype);
  return new NDArray(out, shape, { dtype });
}

const f64 = (a: NDArray): Float64Array => Float64Array.from(a.toFlat());

interface Dims {
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
}

function dims(
  fn: string,
  x: readonly number[],
  w: readonly number[],
  g: Conv2dGeometry,
  top?: readonly number[],
): Dims {
  const [N, C, H, W] = x;
  const [O, I, kh, kw] = w;
  if (C !== I * g.groups)
    throw new RangeError(
      `${fn}: the input has ${C} channels but the filters expect ${I} × ${g.groups} groups = ${I * g.groups}`,
    );
  if (O % g.groups !== 0)
    throw new RangeError(`${fn}: ${O} output channels are not divisible by ${g.groups} groups`);
  const oh = convOutputLength(H, kh, g.pad[0], g.stride[0], g.dilation[0]);
  const ow = convOutputLength(W, kw, g.pad[1], g.stride[1], g.dilation[1]);
  if (top && (top[0] !== N || top[1] !== O || top[2] !== oh || top[3] !== ow))
    throw new RangeError(
      `${fn}: the output gradient has shape ${formatShape(top)}, expected ${formatShape([N, O, oh, ow])} for images ${formatShape(x)} and filters ${formatShape(w)}`,
    );
  return { N, C, H, W, O, kh, kw, oh, ow, cg: I, og: O / g.groups };
}

/**
 * Visit every (image element, filter element, output element) triple of the convolution:
 * `f(xi, wi, oi)` with flat indices into x (N,C,H,W), w (O,I,kh,kw) and out (N,O,oh,ow).
 */
function forEachTap(
  d: Dims,
  g: Conv2dGeometry,
  f: (xi: number, wi: number, oi: number) => void,
): void {
  const { N, C, H, W, O, kh, kw, oh, ow, cg, og } = d;
  const [ph, pw] = g.pad;
  const [sh, sw] = g.stride;
  const [dh, dw] = g.dilation;
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      const grp = Math.floor(o / og);
      for (let ci = 0; ci < cg; ci++) {
        const c = grp * cg + ci;
        const xBase = (n * C + c) * H * W;
        const wBase = (o * cg + ci) * kh * kw;
        const oBase = (n * O + o) * oh * ow;
        for (let a = 0; a < kh; a++) {
          const wa = g.flip ? kh - 1 - a : a;
          for (let b = 0; b < kw; b++) {
            const wi = wBase + wa * kw + (g.flip ? kw - 1 - b : b);
            for (let i = 0; i < oh; i++) {
              const r = i * sh - ph + a * dh;
              if (r < 0 || r >= H) continue;
              for (let j = 0; j < ow; j++) {
                const s = j * sw - pw + b * dw;
                if (s < 0 || s >= W) continue;
                f(xBase + r * W + s, wi, oBase + i * ow + j);
              }
            }
          }
        }
      }
    }
}

function check4d(fn: string, what: string, a: NDArray): void {
  if (a.ndim !== 4)
    throw new RangeError(`${fn}: ${what} must be 4-d, got shape ${formatShape(a.shape)}`);
}

/** 2-D convolution of images x (N,C,H,W) with filters w (O,C/groups,kh,kw): (N,O,oh,ow). */
export function conv2d(
  x: NDArray,
  w: NDArray,
  g: Conv2dGeometry,
  outDtype: DType = x.dtype,
): NDArray {
  check4d('conv2d', 'the input', x);
  check4d('conv2d', 'the filters', w);
  const d = dims('conv2d', x.shape, w.shape, g);
  const xd = f64(x);
  const wd = f64(w);
  const out = new Float64Array(d.N * d.O * d.oh * d.ow);
  forEachTap(d, g, (xi, wi, oi) => {
    out[oi] += xd[xi] * wd[wi];
  });
  return store(out, [d.N, d.O, d.oh, d.ow], outDtype);
}

/**
 * Gradient of conv2d with respect to its input (Theano's AbstractConv2d_gradInputs; also the
 * transposed convolution): filters w (O,C/groups,kh,kw), output gradient gz (N,O,oh,ow) and the
 * input's spatial shape [H, W] give (N,C,H,W).
 */
export function conv2dGradInputs(
  w: NDArray,
  gz: NDArray,
  imshp: readonly [number, number],
  g: Conv2dGeometry,
  outDtype: DType = gz.dtype,
): NDArray {
  check4d('conv2dGradInputs', 'the filters', w);
  check4d('conv2dGradInputs', 'the output gradient', gz);
  const xshape = [gz.shape[0], w.shape[1] * g.groups, imshp[0], imshp[1]];
  const d = dims('conv2dGradInputs', xshape, w.shape, g, gz.shape);
  const wd = f64(w);
  const gd = f64(gz);
  const out = new Float64Array(d.N * d.C * d.H * d.W);
  forEachTap(d, g, (xi, wi, oi) => {
    out[xi] += gd[oi] * wd[wi];
  });
  return store(out, xshape, outDtype);
}

/**
 * Gradient of conv2d with respect to its filters (Theano's AbstractConv2d_gradWeights): images
 * x (N,C,H,W), output gradient gz (N,O,oh,ow) and the filters' spatial shape [kh, kw] give
 * (O,C/groups,kh,kw).
 */
export function conv2dGradWeights(
  x: NDArray,
  gz: NDArray,
  kshp: readonly [number, number],
  g: Conv2dGeometry,
  outDtype: DType = x.dtype,
): NDArray {
  check4d('conv2dGradWeights', 'the input', x);
  check4d('conv2dGradWeights', 'the output gradient', gz);
  if (x.shape[1] % g.groups !== 0)
    throw new RangeError(
      `conv2dGradWeights: ${x.shape[1]} input channels are not divisible by ${g.groups} groups`,
    );
  const wshape = [gz.shape[1], x.shape[1] / g.groups, kshp[0], kshp[1]];
  const d = dims('conv2dGradWeights', x.shape, wshape, g, gz.shape);
  const xd = f64(x);
  const gd = f64(gz);
  const out = new Float64Array(wshape[0] * wshape[1] * wshape[2] * wshape[3]);
  forEachTap(d, g, (xi, wi, oi) => {
    out[wi] += gd[oi] * xd[xi];
  });
  return store(out, wshape, outDtype);
}

/** Pooling modes of Theano's pool_2d. */
export type PoolMode = 'max' | 'sum' | 'average_inc_pad' | 'average_exc_pad';

/** Resolved geometry of a 2-D pooling. */
export interface Pool2dGeometry {
  /** Window size (rows, columns). */
  ws: readonly [number, number];
  /** Step between windows (rows, columns). */
  stride: readonly [number, number];
  /** Zero padding added on both sides (rows, columns). */
  pad: readonly [number, number];
  /** Only full windows count (Theano's ignore_border). */
  ignoreBorder: boolean;
  /** How a window is reduced. */
  mode: PoolMode;
}

/**
 * Output length of pooling along one axis (Theano's Pool.out_shape): with ignoreBorder, only
 * full windows of the padded input; without, partial windows at the end count too.
 */
export function poolOutputLength(
  inLen: number,
  ws: number,
  stride: number,
  pad: number,
  ignoreBorder: boolean,
): number {
  const r = inLen + 2 * pad;
  if (ignoreBorder) return r < ws ? 0 : Math.floor((r - ws) / stride) + 1;
  if (r === 0) return 0;
  if (stride >= ws) return Math.floor((r - 1) / stride) + 1;
  return Math.max(0, Math.floor((r - 1 - ws + stride) / stride)) + 1;
}

interface Window {
  /** First and last+1 row/column inside the input. */
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  /** Divisor of the average modes (1 for max and sum). */
  div: number;
}

/** The windows of a pooling, per output position (row-major over (oh, ow)). */
function windows(
  H: number,
  W: number,
  g: Pool2dGeometry,
): { oh: number; ow: number; wins: Window[] } {
  const oh = poolOutputLength(H, g.ws[0], g.stride[0], g.pad[0], g.ignoreBorder);
  const ow = poolOutputLength(W, g.ws[1], g.stride[1], g.pad[1], g.ignoreBorder);
  const wins: Window[] = [];
  for (let i = 0; i < oh; i++) {
    const hs = i * g.stride[0] - g.pad[0];
    const he = Math.min(hs + g.ws[0], H + g.pad[0]);
    for (let j = 0; j < ow; j++) {
      const vs = j * g.stride[1] - g.pad[1];
      const ve = Math.min(vs + g.ws[1], W + g.pad[1]);
      const r0 = Math.max(hs, 0);
      const r1 = Math.min(he, H);
      const c0 = Math.max(vs, 0);
      const c1 = Math.min(ve, W);
      const div =
        g.mode === 'average_inc_pad'
          ? (he - hs) * (ve - vs)
          : g.mode === 'average_exc_pad'
            ? Math.max(1, (r1 - r0) * (c1 - c0))
            : 1;
      wins.push({ r0, r1, c0, c1, div });
    }
  }
  return { oh, ow, wins };
}

function poolDims(
  fn: string,
  x: readonly number[],
): { lead: number[]; planes: number; H: number; W: number } {
  if (x.length < 2)
    throw new RangeError(`${fn}: the input must have at least 2 dimensions, got ${formatShape(x)}`);
  const lead = x.slice(0, -2);
  return { lead, planes: lead.reduce((p, d) => p * d, 1), H: x[x.length - 2], W: x[x.length - 1] };
}

/** Flat index (within a plane) of the first maximum of a window; -1 for an empty window. */
function argmaxIn(xd: Float64Array, base: number, W: number, w: Window): number {
  let best = -1;
  let bv = -Infinity;
  for (let r = w.r0; r < w.r1; r++)
    for (let c = w.c0; c < w.c1; c++) {
      const v = xd[base + r * W + c];
      if (best < 0 || v > bv || (Number.isNaN(v) && !Number.isNaN(bv))) {
        best = r * W + c;
        bv = v;
      }
    }
  return best;
}

/**
 * Pooling over the last two dimensions (Theano's pool_2d). Max ignores the padding (as cuDNN and
 * PyTorch; Theano's CPU Pool padded with zeros); sum and average_inc_pad count padded zeros;
 * average_exc_pad divides by the number of input elements in the window.
 */
export function pool2d(x: NDArray, g: Pool2dGeometry, outDtype: DType = x.dtype): NDArray {
  const { lead, planes, H, W } = poolDims('pool2d', x.shape);
  const { oh, ow, wins } = windows(H, W, g);
  const xd = f64(x);
  const out = new Float64Array(planes * oh * ow);
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    wins.forEach((w, k) => {
      let v: number;
      if (g.mode === 'max') {
        const at = argmaxIn(xd, base, W, w);
        v = at < 0 ? -Infinity : xd[base + at];
      } else {
        v = 0;
        for (let r = w.r0; r < w.r1; r++)
          for (let c = w.c0; c < w.c1; c++) v += xd[base + r * W + c];
        v /= w.div;
      }
      out[p * oh * ow + k] = v;
    });
  }
  return store(out, [...lead, oh, ow], outDtype);
}

function checkTop(
  fn: string,
  x: readonly number[],
  gz: readonly number[],
  oh: number,
  ow: number,
): void {
  const want = [...x.slice(0, -2), oh, ow];
  if (gz.length !== want.length || gz.some((d, i) => d !== want[i]))
    throw new RangeError(
      `${fn}: the output gradient has shape ${formatShape(gz)}, expected ${formatShape(want)}`,
    );
}

/**
 * Gradient of max pooling (Theano's MaxPoolGrad): each window's output gradient goes to the
 * first maximal input element of the window (row-major), the same element MaxPoolGradGrad reads.
 */
export function maxPool2dGrad(
  x: NDArray,
  gz: NDArray,
  g: Pool2dGeometry,
  outDtype: DType = x.dtype,
): NDArray {
  const { planes, H, W } = poolDims('maxPool2dGrad', x.shape);
  const { oh, ow, wins } = windows(H, W, g);
  checkTop('maxPool2dGrad', x.shape, gz.shape, oh, ow);
  const xd = f64(x);
  const gd = f64(gz);
  const out = new Float64Array(planes * H * W);
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    wins.forEach((w, k) => {
      const at = argmaxIn(xd, base, W, w);
      if (at >= 0) out[base + at] += gd[p * oh * ow + k];
    });
  }
  return store(out, x.shape, outDtype);
}

/**
 * Gradient of MaxPoolGrad with respect to its output gradient (Theano's
 * DownsampleFactorMaxGradGrad): for each window, ggx at the window's first maximum of x.
 */
export function maxPool2dGradGrad(
  x: NDArray,
  ggx: NDArray,
  g: Pool2dGeometry,
  outDtype: DType = x.dtype,
): NDArray {
  const { lead, planes, H, W } = poolDims('maxPool2dGradGrad', x.shape);
  if (ggx.shape.join() !== x.shape.join())
    throw new RangeError(
      `maxPool2dGradGrad: ggx has shape ${formatShape(ggx.shape)}, expected x's ${formatShape(x.shape)}`,
    );
  const { oh, ow, wins } = windows(H, W, g);
  const xd = f64(x);
  const gd = f64(ggx);
  const out = new Float64Array(planes * oh * ow);
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    wins.forEach((w, k) => {
      const at = argmaxIn(xd, base, W, w);
      out[p * oh * ow + k] = at >= 0 ? gd[base + at] : 0;
    });
  }
  return store(out, [...lead, oh, ow], outDtype);
}

/**
 * Gradient of sum / average pooling (Theano's AveragePoolGrad): each window's output gradient,
 * divided by the window's divisor, is added to every input element of the window.
 */
export function averagePool2dGrad(
  xshape: readonly number[],
  gz: NDArray,
  g: Pool2dGeometry,
  outDtype: DType = gz.dtype,
): NDArray {
  const { planes, H, W } = poolDims('averagePool2dGrad', xshape);
  const { oh, ow, wins } = windows(H, W, g);
  checkTop('averagePool2dGrad', xshape, gz.shape, oh, ow);
  const gd = f64(gz);
  const out = new Float64Array(planes * H * W);
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    wins.forEach((w, k) => {
      const v = gd[p * oh * ow + k] / w.div;
      for (let r = w.r0; r < w.r1; r++)
        for (let c = w.c0; c < w.c1; c++) out[base + r * W + c] += v;
    });
  }
  return store(out, xshape, outDtype);
}

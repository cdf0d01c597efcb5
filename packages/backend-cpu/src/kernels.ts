import {
  NDArray,
  type TypedArray,
  formatShape,
  typedArrayFor,
  castScalar,
} from '@theano-ts/tensor';
import type { Apply, OpName } from '@theano-ts/symbolic';
import { makeElemwiseKernel } from './elemwise-codegen';
import { makeCAReduceKernel } from './fused-reduce-kernel';
import { conv2dGradInputsKernel, conv2dGradWeightsKernel, conv2dKernel } from './conv-kernels';
import { gemm, type MatrixView } from './gemm';
import { allocate } from './buffer-pool';

/** A compiled CPU kernel for one node. */
export type Kernel = (inputs: readonly NDArray[]) => NDArray[];

/**
 * Makes the kernel of a node of kind K (called once, at compile time); undefined when this
 * node's parameters have no fast kernel (the reference implementation runs instead).
 */
export type KernelFactory<K extends OpName> = (node: Apply<K>) => Kernel | undefined;

/** Row-major data of a matrix, copying only when the layout is not contiguous. */
function rowMajor(a: NDArray): { d: TypedArray; o: number } {
  const c = a.isContiguous ? a : a.contiguous();
  return { d: c.data, o: c.offset };
}

/** A 1-d or 2-d NDArray as a strided matrix (a vector is a row when `asRow`, else a column). */
function viewOf(x: NDArray, asRow: boolean): MatrixView {
  if (x.ndim === 2)
    return {
      data: x.data,
      offset: x.offset,
      rows: x.shape[0],
      cols: x.shape[1],
      s0: x.strides[0],
      s1: x.strides[1],
    };
  const [len] = x.shape;
  const [st] = x.strides;
  return asRow
    ? { data: x.data, offset: x.offset, rows: 1, cols: len, s0: 0, s1: st }
    : { data: x.data, offset: x.offset, rows: len, cols: 1, s0: st, s1: 0 };
}

/**
 * C (m×n) = A (m×k) · B (k×n) for 1-d or 2-d operands (NumPy's dot), any strides.
 * float32/float64 products large enough run the packed WebAssembly SIMD GEMM (gemm.ts),
 * accumulating in the element type like BLAS; the rest (and every product where WebAssembly
 * SIMD is unavailable) run row by row, each row accumulated in float64 and rounded once, so
 * those results equal the reference implementation's bit for bit.
 * @throws RangeError when the inner dimensions differ.
 */
export function matmul(a: NDArray, b: NDArray, outDtype: NDArray['dtype']): NDArray {
  const A = a.ndim === 1 ? a.reshape([1, a.shape[0]]) : a;
  const B = b.ndim === 1 ? b.reshape([b.shape[0], 1]) : b;
  const [m, k] = A.shape;
  const [k2, n] = B.shape;
  if (k !== k2)
    throw new RangeError(
      `Dot: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} not aligned: ${k} != ${k2}`,
    );
  const shape = [...(a.ndim === 2 ? [m] : []), ...(b.ndim === 2 ? [n] : [])];
  if (
    (outDtype === 'float32' || outDtype === 'float64') &&
    a.dtype === outDtype &&
    b.dtype === outDtype
  ) {
    const c = gemm(viewOf(a, true), viewOf(b, false), outDtype);
    if (c) return new NDArray(c, shape, { dtype: outDtype });
  }
  const { d: ad, o: ao } = rowMajor(A);
  const { d: bd, o: bo } = rowMajor(B);
  if (outDtype === 'float32' && ad instanceof Float32Array && bd instanceof Float32Array)
    return new NDArray(matmulF32(ad, ao, bd, bo, m, k, n), shape, { dtype: 'float32' });
  const out = new (typedArrayFor(outDtype))(m * n);
  const acc = new Float64Array(n);
  const round = outDtype === 'float64' || outDtype === 'float32';
  for (let i = 0; i < m; i++) {
    acc.fill(0);
    const arow = ao + i * k;
    for (let p = 0; p < k; p++) {
      const av = ad[arow + p];
      const brow = bo + p * n;
      for (let j = 0; j < n; j++) acc[j] += av * bd[brow + j];
    }
    const orow = i * n;
    if (round) out.set(acc, orow);
    else for (let j = 0; j < n; j++) out[orow + j] = castScalar(acc[j], outDtype);
  }
  return new NDArray(out, shape, { dtype: outDtype });
}

/**
 * float32 C = A · B, monomorphic on Float32Array, four rows of A per pass over B (a quarter of
 * the memory traffic on B). Each output element still accumulates its k products in float64
 * in ascending p order and is rounded once, so the result is bit-identical to the row-wise loop.
 */
function matmulF32(
  ad: Float32Array,
  ao: number,
  bd: Float32Array,
  bo: number,
  m: number,
  k: number,
  n: number,
): Float32Array {
  const out = new Float32Array(m * n);
  const acc0 = new Float64Array(n);
  const acc1 = new Float64Array(n);
  const acc2 = new Float64Array(n);
  const acc3 = new Float64Array(n);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    acc0.fill(0);
    acc1.fill(0);
    acc2.fill(0);
    acc3.fill(0);
    const r0 = ao + i * k;
    const r1 = r0 + k;
    const r2 = r1 + k;
    const r3 = r2 + k;
    for (let p = 0; p < k; p++) {
      const a0 = ad[r0 + p];
      const a1 = ad[r1 + p];
      const a2 = ad[r2 + p];
      const a3 = ad[r3 + p];
      const brow = bo + p * n;
      for (let j = 0; j < n; j++) {
        const bv = bd[brow + j];
        acc0[j] += a0 * bv;
        acc1[j] += a1 * bv;
        acc2[j] += a2 * bv;
        acc3[j] += a3 * bv;
      }
    }
    out.set(acc0, i * n);
    out.set(acc1, (i + 1) * n);
    out.set(acc2, (i + 2) * n);
    out.set(acc3, (i + 3) * n);
  }
  for (; i < m; i++) {
    acc0.fill(0);
    const r0 = ao + i * k;
    for (let p = 0; p < k; p++) {
      const a0 = ad[r0 + p];
      const brow = bo + p * n;
      for (let j = 0; j < n; j++) acc0[j] += a0 * bd[brow + j];
    }
    out.set(acc0, i * n);
  }
  return out;
}

/** The largest of d[r], …, d[r + k - 1] (-Infinity when k = 0; NaN is skipped, as before). */
function rowMax(d: ArrayLike<number>, r: number, k: number): number {
  let mx = -Infinity;
  for (let j = 0; j < k; j++) if (d[r + j] > mx) mx = d[r + j];
  return mx;
}

/** Σ exp(d[r + j] - mx) over the row, in float64. */
function rowExpSum(d: ArrayLike<number>, r: number, k: number, mx: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) s += Math.exp(d[r + j] - mx);
  return s;
}

/** Softmax / log-softmax over the last axis of a contiguous array, float64 accumulation. */
function softmaxRows(x: NDArray, log: boolean): NDArray {
  const k = x.shape[x.ndim - 1];
  const { d, o } = rowMajor(x);
  const n = x.size / Math.max(k, 1);
  const out = new (typedArrayFor(x.dtype))(x.size);
  for (let i = 0; i < n; i++) {
    const r = o + i * k;
    const mx = rowMax(d, r, k);
    const s = rowExpSum(d, r, k, mx);
    if (log) {
      const ls = Math.log(s);
      for (let j = 0; j < k; j++) out[i * k + j] = d[r + j] - mx - ls;
    } else for (let j = 0; j < k; j++) out[i * k + j] = Math.exp(d[r + j] - mx) / s;
  }
  return new NDArray(out, x.shape, { dtype: x.dtype });
}

function labelsOf(op: string, y: NDArray, n: number, k: number): TypedArray {
  if (y.shape[0] !== n) throw new RangeError(`${op}: ${n} rows but ${y.shape[0]} labels`);
  const yd = y.toFlat();
  for (let i = 0; i < n; i++)
    if (yd[i] < 0 || yd[i] >= k)
      throw new RangeError(
        `${op}: label ${yd[i]} at row ${i} is out of range for ${k} classes (labels must be in [0, ${k}))`,
      );
  return yd;
}

/** Fast kernels. Ops missing here run their reference implementation (symbolic's perform). */
export const KERNELS: { readonly [K in OpName]?: KernelFactory<K> } = {
  Elemwise: makeElemwiseKernel,
  Dot: (node) => {
    const dtype = node.outputs[0].dtype;
    return ([a, b]) => [matmul(a, b, dtype)];
  },
  Softmax: (node) => {
    const last = node.op.params.axis === node.inputs[0].ndim - 1;
    return last ? ([x]) => [softmaxRows(x, false)] : undefined;
  },
  LogSoftmax: (node) => {
    const last = node.op.params.axis === node.inputs[0].ndim - 1;
    return last ? ([x]) => [softmaxRows(x, true)] : undefined;
  },
  CrossentropySoftmax1Hot: (node) => {
    const dtype = node.outputs[0].dtype;
    return ([x, y]) => {
      const [n, k] = x.shape;
      const yd = labelsOf('CrossentropySoftmax1Hot', y, n, k);
      const { d, o } = rowMajor(x);
      const out = new (typedArrayFor(dtype))(n);
      for (let i = 0; i < n; i++) {
        const r = o + i * k;
        const mx = rowMax(d, r, k);
        const s = rowExpSum(d, r, k, mx);
        out[i] = Math.log(s) + mx - d[r + yd[i]];
      }
      return [new NDArray(out, [n], { dtype })];
    };
  },
  CrossentropySoftmax1HotDx: (node) => {
    const dtype = node.outputs[0].dtype;
    return ([gy, x, y]) => {
      const [n, k] = x.shape;
      const yd = labelsOf('CrossentropySoftmax1HotDx', y, n, k);
      const g = gy.toFlat();
      const { d, o } = rowMajor(x);
      const out = allocate(dtype, n * k);
      // softmax in float64 (x's values are exact doubles), minus the one-hot, times g: one rounding
      for (let i = 0; i < n; i++) {
        const r = o + i * k;
        const mx = rowMax(d, r, k);
        const s = rowExpSum(d, r, k, mx);
        const gi = g[i];
        const yi = yd[i];
        for (let j = 0; j < k; j++)
          out[i * k + j] = (Math.exp(d[r + j] - mx) / s - (j === yi ? 1 : 0)) * gi;
      }
      return [new NDArray(out, [n, k], { dtype })];
    };
  },
  Gemm: (node) => {
    // b*z + a*dot(x, y), in the product's buffer, rounded as the Dot and Elemwise nodes it replaces
    const dtype = node.outputs[0].dtype;
    const zDeclared = node.inputs[0].type.shape;
    const r = dtype === 'float32' ? Math.fround : (v: number) => v;
    return ([z, a, x, y, b]) => {
      const [m0, n0] = [x.shape[0], y.shape[1]];
      if (
        (dtype === 'float32' || dtype === 'float64') &&
        [z, x, y].every((v) => v.dtype === dtype) &&
        x.ndim === 2 &&
        y.ndim === 2 &&
        x.shape[1] === y.shape[0] &&
        z.isContiguous &&
        (z.shape[0] === m0 || (z.shape[0] === 1 && zDeclared[0] === 1)) &&
        z.shape[1] === n0
      ) {
        const epilogue = {
          z: z.data,
          offset: z.offset,
          alpha: a.item(),
          beta: b.item(),
          rowBroadcast: z.shape[0] !== m0,
        };
        const c = gemm(viewOf(x, true), viewOf(y, false), dtype, epilogue);
        if (c) return [new NDArray(c, [m0, n0], { dtype })];
      }
      const d = matmul(x, y, dtype);
      const [m, n] = d.shape;
      z.shape.forEach((len, i) => {
        if (len !== d.shape[i] && !(len === 1 && zDeclared[i] === 1))
          throw new RangeError(
            `Gemm: z has shape ${formatShape(z.shape)} but dot(x, y) has ${formatShape(d.shape)}`,
          );
      });
      const av = a.item();
      const bv = b.item();
      const zs0 = z.shape[0] === 1 ? 0 : z.strides[0];
      const zs1 = z.shape[1] === 1 ? 0 : z.strides[1];
      const out = d.data;
      const zd = z.data;
      for (let i = 0; i < m; i++) {
        let p = z.offset + i * zs0;
        for (let j = 0, o = i * n; j < n; j++, o++, p += zs1)
          out[o] = r(r(bv * zd[p]) + r(av * out[o]));
      }
      return [d];
    };
  },
  // conv2d family (im2col; see conv-kernels.ts)
  Conv2d: conv2dKernel,
  Conv2dGradWeights: conv2dGradWeightsKernel,
  Conv2dGradInputs: conv2dGradInputsKernel,
  // reductions: one pass with a tight inner loop; fused ones (reduce_fusion) a SIMD loop over
  // the scalar graph with the accumulation
  CAReduce: makeCAReduceKernel,
};

/**
 * The linear algebra functions users call (Theano's tensor.basic dot/tensordot/outer/
 * batched_dot and tensor.nlinalg/slinalg, NumPy's names in camelCase): matmul, tensordot, outer,
 * batchedDot, batchedTensordot, N-d dot, inv, det, slogdet, solve, cholesky, qr, svd, eigh, norm.
 *
 * Compositions where they cost nothing at run time (as Theano: tensordot and N-d dot are
 * DimShuffle + Reshape + Dot, batchedDot is Matmul on dimshuffled operands, norm is
 * Elemwise + reductions); ops where an algorithm is needed (Matmul, the decompositions).
 * Integer inputs of the nlinalg functions are cast to float64 first, as NumPy computes them.
 */
import { isFloat, normalizeAxis } from '@theano-ts/tensor';
import { type TensorLike, Variable } from './graph';
import {
  abs,
  applyOp,
  asTensorVariable,
  cast,
  constant,
  dimshuffle,
  max,
  min,
  mul,
  neq,
  pow,
  reshape,
  sqr,
  sqrt,
  sum,
} from './basic';
import { type DimLike, dimOf, shapeVector } from './shape-fns';
import { TheanoTypeError, builtAt, userStackLine } from './errors';
import type { QRMode } from './ops/linalg';

const typeError = (msg: string): TheanoTypeError =>
  new TheanoTypeError(msg + builtAt(userStackLine()));

const range = (a: number, b: number): number[] =>
  Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

/** The input as a float tensor: integers and booleans become float64 (NumPy's linalg does so). */
function floatInput(x: TensorLike, fn: string, what = 'a'): Variable {
  const v = asTensorVariable(x, `${what} of ${fn}`);
  return isFloat(v.dtype) ? v : cast(v, 'float64');
}

function axisOf(fn: string, axis: number, v: Variable): number {
  try {
    return normalizeAxis(axis, v.ndim);
  } catch (e) {
    throw typeError(`${fn}: ${(e as Error).message} (for ${v.type})`);
  }
}

/** Product of some dimensions of x: a number when all are static, else an int32 scalar. */
function prodDims(x: Variable, axes: readonly number[]): DimLike {
  const dims = axes.map((a) => dimOf(x, a));
  if (dims.every((d) => typeof d === 'number'))
    return (dims as number[]).reduce((p, d) => p * d, 1);
  return dims.reduce<DimLike>((p, d) => (p === 1 ? d : mul(p, d)), 1);
}

/** Reshape unless x already has exactly these static dimensions. */
function reshapeTo(x: Variable, dims: readonly DimLike[]): Variable {
  if (
    dims.length === x.ndim &&
    dims.every((d, i) => typeof d === 'number' && x.type.shape[i] === d)
  )
    return x;
  if (
    dims.length === x.ndim &&
    dims.every(
      (d, i) =>
        d instanceof Variable &&
        d.owner?.op.kind === 'ShapeI' &&
        d.owner.inputs[0] === x &&
        (d.owner.op.params as { i: number }).i === i,
    )
  )
    return x;
  return reshape(x, shapeVector(dims));
}

/**
 * numpy.matmul (the `@` operator): matrix product of the last two dimensions with broadcast
 * batch dimensions; 1-D operands are promoted (and the added dimension removed). Dot for 1-D and
 * 2-D operands, the Matmul op otherwise.
 * @throws TheanoTypeError for scalars or misaligned static shapes.
 */
export function matmul(a: TensorLike, b: TensorLike): Variable {
  const va = asTensorVariable(a, 'a of matmul');
  const vb = asTensorVariable(b, 'b of matmul');
  if (va.ndim === 0 || vb.ndim === 0)
    throw typeError(
      `matmul: scalar operands are not allowed, use mul (got ${va.type} and ${vb.type})`,
    );
  if (va.ndim <= 2 && vb.ndim <= 2) return applyOp('Dot', {}, [va, vb]).outputs[0];
  return applyOp('Matmul', {}, [va, vb]).outputs[0];
}

/** Axes of tensordot: a number n (last n of a with first n of b) or two lists (negative allowed). */
export type TensordotAxes =
  number | readonly [number | readonly number[], number | readonly number[]];

function tensordotAxes(
  fn: string,
  va: Variable,
  vb: Variable,
  axes: TensordotAxes,
): [number[], number[]] {
  let ax: number[];
  let bx: number[];
  if (typeof axes === 'number') {
    if (!Number.isInteger(axes) || axes < 0 || axes > va.ndim || axes > vb.ndim)
      throw typeError(`${fn}: axes=${axes} must be an integer in [0, min(${va.ndim}, ${vb.ndim})]`);
    ax = range(va.ndim - axes, va.ndim);
    bx = range(0, axes);
  } else {
    if (!Array.isArray(axes) || axes.length !== 2)
      throw typeError(
        `${fn}: axes must be a number or a pair of axis lists, got ${JSON.stringify(axes)}`,
      );
    const list = (x: number | readonly number[]) => (typeof x === 'number' ? [x] : [...x]);
    ax = list(axes[0]).map((a) => axisOf(fn, a, va));
    bx = list(axes[1]).map((a) => axisOf(fn, a, vb));
    if (ax.length !== bx.length)
      throw typeError(
        `${fn}: the axis lists must have the same length, got [${ax.join(', ')}] and [${bx.join(', ')}]`,
      );
  }
  if (new Set(ax).size !== ax.length || new Set(bx).size !== bx.length)
    throw typeError(`${fn}: repeated axis in [${ax.join(', ')}] / [${bx.join(', ')}]`);
  ax.forEach((a, i) => {
    const da = va.type.shape[a];
    const db = vb.type.shape[bx[i]];
    if (da !== null && db !== null && da !== db)
      throw typeError(
        `${fn}: shape-mismatch for sum: axis ${a} of ${va.name ? `'${va.name}' ` : ''}(${va.type}) has length ${da}, axis ${bx[i]} of ${vb.name ? `'${vb.name}' ` : ''}(${vb.type}) has ${db}`,
      );
  });
  return [ax, bx];
}

/**
 * numpy.tensordot / Theano's tensordot: sum products over `axes` of a and b (default 2: the last
 * two of a with the first two of b). The result has a's remaining axes then b's. Built as
 * DimShuffle + Reshape + Dot, so its gradient is that of those ops.
 */
export function tensordot(a: TensorLike, b: TensorLike, axes: TensordotAxes = 2): Variable {
  const va = asTensorVariable(a, 'a of tensordot');
  const vb = asTensorVariable(b, 'b of tensordot');
  const [ax, bx] = tensordotAxes('tensordot', va, vb, axes);
  const freeA = range(0, va.ndim).filter((i) => !ax.includes(i));
  const freeB = range(0, vb.ndim).filter((i) => !bx.includes(i));
  const at = dimshuffle(va, [...freeA, ...ax]);
  const bt = dimshuffle(vb, [...bx, ...freeB]);
  const a2 = reshapeTo(at, [prodDims(va, freeA), prodDims(va, ax)]);
  const b2 = reshapeTo(bt, [prodDims(vb, bx), prodDims(vb, freeB)]);
  const d = applyOp('Dot', {}, [a2, b2]).outputs[0];
  return reshapeTo(d, [...freeA.map((i) => dimOf(va, i)), ...freeB.map((i) => dimOf(vb, i))]);
}

/**
 * numpy.dot for any ranks (Theano's dot): scalars multiply; 1-D and 2-D operands use the Dot
 * op; otherwise the sum over the last axis of a and the second-to-last of b (the only one of a
 * 1-D b), as tensordot.
 */
export function dotNd(a: Variable, b: Variable): Variable {
  if (a.ndim === 0 || b.ndim === 0) return mul(a, b);
  if (a.ndim <= 2 && b.ndim <= 2) return applyOp('Dot', {}, [a, b]).outputs[0];
  return tensordot(a, b, [[a.ndim - 1], [b.ndim >= 2 ? b.ndim - 2 : 0]]);
}

/** Outer product of two vectors (numpy.outer: inputs of higher rank are flattened). */
export function outer(x: TensorLike, y: TensorLike): Variable {
  let vx = asTensorVariable(x, 'x of outer');
  let vy = asTensorVariable(y, 'y of outer');
  if (vx.ndim !== 1) vx = reshape(vx, [-1]);
  if (vy.ndim !== 1) vy = reshape(vy, [-1]);
  return applyOp('Dot', {}, [dimshuffle(vx, [0, 'x']), dimshuffle(vy, ['x', 0])]).outputs[0];
}

/**
 * Theano's batched_dot: out[i] = dot(a[i], b[i]) over the first (batch) dimension. 1-D operands
 * scale the other's rows; 2-D and 3-D operands use Matmul; higher ranks batchedTensordot.
 */
export function batchedDot(a: TensorLike, b: TensorLike): Variable {
  const va = asTensorVariable(a, 'a of batchedDot');
  const vb = asTensorVariable(b, 'b of batchedDot');
  if (va.ndim === 0 || vb.ndim === 0)
    throw typeError(
      `batchedDot: both operands need a batch dimension, got ${va.type} and ${vb.type}`,
    );
  if (va.ndim === 1) return mul(dimshuffle(va, [0, ...Array(vb.ndim - 1).fill('x')]), vb);
  if (vb.ndim === 1) return mul(va, dimshuffle(vb, [0, ...Array(va.ndim - 1).fill('x')]));
  if (va.ndim > 3 || vb.ndim > 3)
    return batchedTensordot(va, vb, [[va.ndim - 1], [Math.max(1, vb.ndim - 2)]]);
  const a3 = va.ndim === 2 ? dimshuffle(va, [0, 'x', 1]) : va;
  const b3 = vb.ndim === 2 ? dimshuffle(vb, [0, 1, 'x']) : vb;
  const r = applyOp('Matmul', {}, [a3, b3]).outputs[0];
  return dimshuffle(r, [0, ...(va.ndim === 3 ? [1] : []), ...(vb.ndim === 3 ? [2] : [])]);
}

/**
 * Theano's batched_tensordot: tensordot per batch element (dimension 0 of both). `axes` count
 * or name the summed axes in the full tensors (batch excluded: an integer n means the last n
 * axes of a and the n axes after the batch of b).
 */
export function batchedTensordot(a: TensorLike, b: TensorLike, axes: TensordotAxes = 2): Variable {
  const va = asTensorVariable(a, 'a of batchedTensordot');
  const vb = asTensorVariable(b, 'b of batchedTensordot');
  if (va.ndim < 2 || vb.ndim < 2)
    throw typeError(
      `batchedTensordot: operands need a batch dimension and one more, got ${va.type} and ${vb.type}`,
    );
  let ax: number[];
  let bx: number[];
  if (typeof axes === 'number') {
    if (!Number.isInteger(axes) || axes < 0 || axes > va.ndim - 1 || axes > vb.ndim - 1)
      throw typeError(
        `batchedTensordot: axes=${axes} must be an integer in [0, min(${va.ndim - 1}, ${vb.ndim - 1})]`,
      );
    ax = range(va.ndim - axes, va.ndim);
    bx = range(1, 1 + axes);
  } else [ax, bx] = tensordotAxes('batchedTensordot', va, vb, axes);
  if (ax.includes(0) || bx.includes(0))
    throw typeError('batchedTensordot: the batch dimension 0 cannot be summed over');
  const freeA = range(1, va.ndim).filter((i) => !ax.includes(i));
  const freeB = range(1, vb.ndim).filter((i) => !bx.includes(i));
  const bsz = dimOf(va, 0);
  const a3 = reshapeTo(dimshuffle(va, [0, ...freeA, ...ax]), [
    bsz,
    prodDims(va, freeA),
    prodDims(va, ax),
  ]);
  const b3 = reshapeTo(dimshuffle(vb, [0, ...bx, ...freeB]), [
    dimOf(vb, 0),
    prodDims(vb, bx),
    prodDims(vb, freeB),
  ]);
  const r = applyOp('Matmul', {}, [a3, b3]).outputs[0];
  return reshapeTo(r, [bsz, ...freeA.map((i) => dimOf(va, i)), ...freeB.map((i) => dimOf(vb, i))]);
}

// ---------------------------------------------------------------- nlinalg / slinalg

/** Inverse of a square matrix (numpy.linalg.inv; Theano's matrix_inverse). Singular → LinAlgError at run time. */
export const inv = (a: TensorLike): Variable =>
  applyOp('MatrixInverse', {}, [floatInput(a, 'inv')]).outputs[0];
/** Theano's name for inv. */
export const matrixInverse = inv;

/** Determinant of a square matrix (numpy.linalg.det): a 0-d tensor. */
export const det = (a: TensorLike): Variable =>
  applyOp('Det', {}, [floatInput(a, 'det')]).outputs[0];

/** [sign, log|det|] of a square matrix (numpy.linalg.slogdet). */
export function slogdet(a: TensorLike): [Variable, Variable] {
  const [s, l] = applyOp('SLogDet', {}, [floatInput(a, 'slogdet')]).outputs;
  return [s, l];
}

/** x with a·x = b (numpy.linalg.solve; b a vector or a matrix). Singular → LinAlgError at run time. */
export const solve = (a: TensorLike, b: TensorLike): Variable =>
  applyOp('Solve', {}, [floatInput(a, 'solve'), floatInput(b, 'solve', 'b')]).outputs[0];

/**
 * Cholesky factor (numpy.linalg.cholesky; Theano's slinalg.cholesky): lower L with a = L·Lᵀ, or
 * upper U with a = Uᵀ·U (`lower: false`). Reads only that triangle of a; a matrix that is not
 * positive definite throws LinAlgError at run time.
 */
export const cholesky = (a: TensorLike, opts: { lower?: boolean } = {}): Variable =>
  applyOp('Cholesky', { lower: opts.lower ?? true }, [floatInput(a, 'cholesky')]).outputs[0];

/** QR decomposition (numpy.linalg.qr): [Q, R] for 'reduced' (default) and 'complete', R for 'r'. */
export function qr(a: TensorLike, mode?: 'reduced' | 'complete'): [Variable, Variable];
export function qr(a: TensorLike, mode: 'r'): Variable;
export function qr(a: TensorLike, mode: QRMode = 'reduced'): Variable | [Variable, Variable] {
  const outs = applyOp('QR', { mode }, [floatInput(a, 'qr')]).outputs;
  return mode === 'r' ? outs[0] : [outs[0], outs[1]];
}

/**
 * Singular value decomposition (numpy.linalg.svd): [U, S, Vᵀ] with S descending, or S alone when
 * `computeUv` is false. `fullMatrices` (default true, as NumPy) gives square U and Vᵀ.
 */
export function svd(a: TensorLike, opts: { fullMatrices?: boolean; computeUv: false }): Variable;
export function svd(
  a: TensorLike,
  opts?: { fullMatrices?: boolean; computeUv?: true },
): [Variable, Variable, Variable];
export function svd(
  a: TensorLike,
  opts: { fullMatrices?: boolean; computeUv?: boolean } = {},
): Variable | [Variable, Variable, Variable] {
  const computeUv = opts.computeUv ?? true;
  const outs = applyOp('SVD', { fullMatrices: opts.fullMatrices ?? true, computeUv }, [
    floatInput(a, 'svd'),
  ]).outputs;
  return computeUv ? [outs[0], outs[1], outs[2]] : outs[0];
}

/**
 * Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix (numpy.linalg.eigh);
 * only the lower triangle is read (UPLO 'L', the default) or the upper one ('U').
 */
export function eigh(a: TensorLike, UPLO: 'L' | 'U' = 'L'): [Variable, Variable] {
  if (UPLO !== 'L' && UPLO !== 'U')
    throw typeError(`eigh: UPLO must be 'L' or 'U', got '${String(UPLO)}'`);
  const [w, v] = applyOp('Eigh', { lower: UPLO === 'L' }, [floatInput(a, 'eigh')]).outputs;
  return [w, v];
}

/** Eigenvalues of a symmetric matrix, ascending (numpy.linalg.eigvalsh). */
export const eigvalsh = (a: TensorLike, UPLO: 'L' | 'U' = 'L'): Variable => eigh(a, UPLO)[0];

/** Orders of numpy.linalg.norm. */
export type NormOrd = number | 'fro' | 'nuc' | null;

/** Insert length-1 dimensions at `axes` of the full rank `ndim` (keepdims after a reduction). */
function keepAxes(r: Variable, ndim: number, axes: readonly number[]): Variable {
  let k = 0;
  return dimshuffle(
    r,
    range(0, ndim).map((i) => (axes.includes(i) ? 'x' : k++)),
  );
}

/**
 * numpy.linalg.norm(x, ord, axis, keepdims) (Theano's nlinalg.norm): vector norms (ord ±Infinity,
 * 0, 1, 2, any p; default 2) along one axis, matrix norms ('fro' default, 'nuc', ±1, ±2,
 * ±Infinity) over two axes; with no axis, a 1-D input gets a vector norm, a 2-D one a matrix
 * norm, and ord null the 2-norm of all elements. Built from Elemwise, reductions and SVD.
 */
export function norm(
  x: TensorLike,
  ord: NormOrd = null,
  opts: { axis?: number | readonly [number, number] | null; keepdims?: boolean } = {},
): Variable {
  const v = floatInput(x, 'norm', 'x');
  const keepdims = opts.keepdims ?? false;
  let axis = opts.axis ?? null;
  if (axis === null) {
    if (ord === null) {
      const all = range(0, v.ndim);
      return sqrt(sum(sqr(v), { axis: all, keepdims }));
    }
    if (v.ndim === 1) axis = 0;
    else if (v.ndim === 2) axis = [0, 1];
    else
      throw typeError(
        `norm: improper number of dimensions to norm: ord=${ord} needs a 1-d or 2-d input or an axis, got ${v.type}`,
      );
  }
  if (typeof axis === 'number') {
    const ax = axisOf('norm', axis, v);
    const o = { axis: ax, keepdims };
    if (ord === null || ord === 2) return sqrt(sum(sqr(v), o));
    if (typeof ord === 'string') throw typeError(`norm: invalid norm order '${ord}' for vectors`);
    if (ord === Infinity) return max(abs(v), o);
    if (ord === -Infinity) return min(abs(v), o);
    if (ord === 0) return sum(cast(neq(v, 0), v.dtype), o);
    if (ord === 1) return sum(abs(v), o);
    return pow(
      sum(pow(abs(v), constant(ord, undefined, v.dtype)), o),
      constant(1 / ord, undefined, v.dtype),
    );
  }
  if (!Array.isArray(axis) || axis.length !== 2)
    throw typeError(`norm: axis must be an integer, a pair or null, got ${JSON.stringify(axis)}`);
  const r = axisOf('norm', axis[0], v);
  const c = axisOf('norm', axis[1], v);
  if (r === c) throw typeError(`norm: duplicate axes given: (${axis.join(', ')})`);
  const keep = (res: Variable) => (keepdims ? keepAxes(res, v.ndim, [r, c]) : res);
  if (ord === null || ord === 'fro') return keep(sqrt(sum(sqr(v), { axis: [r, c] })));
  if (ord === 'nuc' || ord === 2 || ord === -2) {
    if (v.ndim !== 2)
      throw typeError(`norm: ord=${ord} (singular values) needs a 2-d input, got ${v.type}`);
    const s = svd(v, { computeUv: false, fullMatrices: false });
    return keep(ord === 'nuc' ? sum(s) : ord === 2 ? max(s) : min(s));
  }
  if (ord === 1 || ord === -1) {
    const colSums = sum(abs(v), { axis: r });
    const cc = c > r ? c - 1 : c;
    return keep(ord === 1 ? max(colSums, { axis: cc }) : min(colSums, { axis: cc }));
  }
  if (ord === Infinity || ord === -Infinity) {
    const rowSums = sum(abs(v), { axis: c });
    const rr = r > c ? r - 1 : r;
    return keep(ord === Infinity ? max(rowSums, { axis: rr }) : min(rowSums, { axis: rr }));
  }
  throw typeError(`norm: invalid norm order ${String(ord)} for matrices`);
}

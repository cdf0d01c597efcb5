/**
 * Linear algebra reference implementations, following numpy.linalg
 * (https://numpy.org/doc/stable/reference/routines.linalg.html) and scipy.linalg where NumPy has
 * no equivalent (solveTriangular). Plain float64 loops: LU with partial pivoting, Householder QR,
 * cyclic Jacobi for eigh and one-sided Jacobi for svd. Obviously correct first, fast never.
 *
 * dtypes: float32 in, float32 out (computed in float64, rounded once); everything else gives
 * float64, as numpy.linalg does. Functions taking matrices accept stacks (..., M, N) and work on
 * each matrix, as NumPy's do.
 *
 * Eigenvector and singular-vector signs are not unique; LAPACK's choice cannot be reproduced
 * here, so each vector is scaled so that its component of largest magnitude is positive.
 */
import { type DType, castScalar, promoteTypes, typedArrayFor } from './dtype';
import { NDArray } from './ndarray';
import { checkArray, dot as dotImpl, elemwise } from './math';
import { broadcastShapesIn, formatShape, normalizeAxis, shapeSize } from './shape';
import { checkInt, describeValue } from './errors';
import { eye } from './creation';
import { max as amax, min as amin, sum as asum } from './reductions';

/** float32 stays float32, everything else is float64 (numpy.linalg's result dtypes here). */
export const linalgDtype = (d: DType): DType => (d === 'float32' ? 'float32' : 'float64');

interface Stack {
  batch: number[];
  m: number;
  n: number;
  mats: Float64Array[];
}

function toStack(fn: string, a: NDArray, arg = 'a', square = false): Stack {
  checkArray(fn, arg, a);
  if (a.ndim < 2)
    throw new RangeError(
      `${fn}: ${a.ndim}-dimensional array given for argument '${arg}': expected at least two dimensions (a matrix or a stack of matrices)`,
    );
  const [m, n] = a.shape.slice(-2);
  if (square && m !== n)
    throw new RangeError(
      `${fn}: Last 2 dimensions of the array must be square: expected argument '${arg}' of shape (..., M, M), got ${formatShape(a.shape)}`,
    );
  const batch = a.shape.slice(0, -2);
  const flat = a.toFlat();
  const mats: Float64Array[] = [];
  for (let k = 0; k < shapeSize(batch); k++)
    mats.push(Float64Array.from(flat.subarray(k * m * n, (k + 1) * m * n)));
  return { batch, m, n, mats };
}

function fromStack(
  batch: readonly number[],
  m: number,
  n: number,
  mats: Float64Array[],
  dtype: DType,
): NDArray {
  const out = new (typedArrayFor(dtype))(shapeSize(batch) * m * n);
  mats.forEach((mat, k) => {
    for (let i = 0; i < mat.length; i++) out[k * m * n + i] = castScalar(mat[i], dtype);
  });
  return new NDArray(out, [...batch, m, n], { dtype });
}

function fromValues(shape: readonly number[], vals: ArrayLike<number>, dtype: DType): NDArray {
  const out = new (typedArrayFor(dtype))(vals.length);
  for (let i = 0; i < vals.length; i++) out[i] = castScalar(vals[i], dtype);
  return new NDArray(out, shape, { dtype });
}

/**
 * Matrix product with NumPy's matmul rules (numpy.matmul, the @ operator): stacks of matrices
 * broadcast over leading dimensions; a 1-D first operand is a row, a 1-D second a column, and
 * the added dimension is removed from the result. dtype: the promotion of both.
 * @throws RangeError for 0-d operands or core dimensions that do not match.
 */
export function matmul(a: NDArray, b: NDArray, outDtype?: DType): NDArray {
  checkArray('matmul', 'a', a);
  checkArray('matmul', 'b', b);
  if (a.ndim === 0 || b.ndim === 0)
    throw new RangeError(
      `matmul: Input operand ${a.ndim === 0 ? 0 : 1} does not have enough dimensions (expected at least 1, got 0)`,
    );
  const A = a.ndim === 1 ? a.reshape([1, a.shape[0]]) : a;
  const B = b.ndim === 1 ? b.reshape([b.shape[0], 1]) : b;
  const [m, k] = A.shape.slice(-2);
  const [k2, n] = B.shape.slice(-2);
  if (k !== k2)
    throw new RangeError(
      `matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size ${k2} is different from ${k}): shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  const batch = broadcastShapesIn('matmul', [A.shape.slice(0, -2), B.shape.slice(0, -2)]);
  const Ab = A.broadcastTo([...batch, m, k]).toFlat();
  const Bb = B.broadcastTo([...batch, k, n]).toFlat();
  const dtype = outDtype ?? promoteTypes(a.dtype, b.dtype);
  const nb = shapeSize(batch);
  const out = new (typedArrayFor(dtype))(nb * m * n);
  const acc = new Float64Array(m * n);
  for (let t = 0; t < nb; t++) {
    acc.fill(0);
    const ao = t * m * k;
    const bo = t * k * n;
    for (let i = 0; i < m; i++)
      for (let p = 0; p < k; p++) {
        const av = Ab[ao + i * k + p];
        for (let j = 0; j < n; j++) acc[i * n + j] += av * Bb[bo + p * n + j];
      }
    for (let i = 0; i < m * n; i++) out[t * m * n + i] = castScalar(acc[i], dtype);
  }
  const shape = [...batch, ...(a.ndim === 1 ? [] : [m]), ...(b.ndim === 1 ? [] : [n])];
  return new NDArray(out, shape, { dtype });
}

/**
 * Sum products over axes (numpy.tensordot): `axes` = N contracts the last N axes of a with the
 * first N of b; or two lists of axes of equal length.
 * @throws RangeError when contracted dimensions differ ("shape-mismatch for sum").
 */
export function tensordot(
  a: NDArray,
  b: NDArray,
  axes: number | readonly [readonly number[], readonly number[]] = 2,
): NDArray {
  checkArray('tensordot', 'a', a);
  checkArray('tensordot', 'b', b);
  let axA: number[];
  let axB: number[];
  if (typeof axes === 'number') {
    checkInt('tensordot', 'axes', axes, 0);
    if (axes > a.ndim || axes > b.ndim)
      throw new RangeError(
        `tensordot: argument 'axes' (${axes}) exceeds the dimensions of a (${a.ndim}) or b (${b.ndim})`,
      );
    axA = Array.from({ length: axes }, (_, i) => a.ndim - axes + i);
    axB = Array.from({ length: axes }, (_, i) => i);
  } else {
    axA = axes[0].map((x) => normalizeAxis(x, a.ndim, 'axes[0]', 'tensordot'));
    axB = axes[1].map((x) => normalizeAxis(x, b.ndim, 'axes[1]', 'tensordot'));
    if (axA.length !== axB.length)
      throw new RangeError(
        `tensordot: the two axis lists must have the same length, got ${axA.length} and ${axB.length}`,
      );
  }
  axA.forEach((x, i) => {
    if (a.shape[x] !== b.shape[axB[i]])
      throw new RangeError(
        `tensordot: shape-mismatch for sum: axis ${x} of a has length ${a.shape[x]} but axis ${axB[i]} of b has length ${b.shape[axB[i]]}`,
      );
  });
  const freeA = [...a.shape.keys()].filter((x) => !axA.includes(x));
  const freeB = [...b.shape.keys()].filter((x) => !axB.includes(x));
  const k = shapeSize(axA.map((x) => a.shape[x]));
  const A2 = a.transpose([...freeA, ...axA]).reshape([shapeSize(freeA.map((x) => a.shape[x])), k]);
  const B2 = b.transpose([...axB, ...freeB]).reshape([k, shapeSize(freeB.map((x) => b.shape[x]))]);
  const r = dotImpl(A2, B2, promoteTypes(a.dtype, b.dtype));
  return r.reshape([...freeA.map((x) => a.shape[x]), ...freeB.map((x) => b.shape[x])]);
}

/** Outer product of the flattened inputs (numpy.outer): shape (a.size, b.size). */
export function outer(a: NDArray, b: NDArray): NDArray {
  checkArray('outer', 'a', a);
  checkArray('outer', 'b', b);
  return elemwise(
    [a.reshape([a.size, 1]), b.reshape([1, b.size])],
    promoteTypes(a.dtype, b.dtype),
    (x, y) => x * y,
  );
}

/** LU with partial pivoting in place on an n×n row-major matrix: returns pivots, sign, and whether a pivot was exactly 0. */
function luInPlace(A: Float64Array, n: number): { piv: number[]; sign: number; singular: boolean } {
  const piv = Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  let singular = false;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]) > Math.abs(A[p * n + c])) p = r;
    if (p !== c) {
      for (let j = 0; j < n; j++) [A[c * n + j], A[p * n + j]] = [A[p * n + j], A[c * n + j]];
      [piv[c], piv[p]] = [piv[p], piv[c]];
      sign = -sign;
    }
    const d = A[c * n + c];
    if (d === 0) {
      singular = true;
      continue;
    }
    for (let r = c + 1; r < n; r++) {
      const f = (A[r * n + c] /= d);
      if (f !== 0) for (let j = c + 1; j < n; j++) A[r * n + j] -= f * A[c * n + j];
    }
  }
  return { piv, sign, singular };
}

/** Determinant (numpy.linalg.det) by LU with partial pivoting; stacks give one per matrix. */
export function det(a: NDArray): NDArray {
  const s = toStack('det', a, 'a', true);
  const vals = s.mats.map((A) => {
    const { sign } = luInPlace(A, s.n);
    let d = sign;
    for (let i = 0; i < s.n; i++) d *= A[i * s.n + i];
    return d;
  });
  return fromValues(s.batch, vals, linalgDtype(a.dtype));
}

/**
 * Sign and natural log of |determinant| (numpy.linalg.slogdet): det = sign · exp(logabsdet),
 * without overflow. A singular matrix gives sign 0 and logabsdet -inf.
 */
export function slogdet(a: NDArray): {
  /** ±1 (0 for a singular matrix), one per matrix of the stack. */
  sign: NDArray;
  /** log |det|, one per matrix of the stack (-inf for a singular matrix). */
  logabsdet: NDArray;
} {
  const s = toStack('slogdet', a, 'a', true);
  const signs: number[] = [];
  const logs: number[] = [];
  for (const A of s.mats) {
    const { sign } = luInPlace(A, s.n);
    let sg = sign;
    let l = 0;
    for (let i = 0; i < s.n; i++) {
      const d = A[i * s.n + i];
      if (d === 0) {
        sg = 0;
        l = -Infinity;
        break;
      }
      if (d < 0) sg = -sg;
      l += Math.log(Math.abs(d));
    }
    signs.push(sg);
    logs.push(l);
  }
  const dtype = linalgDtype(a.dtype);
  return { sign: fromValues(s.batch, signs, dtype), logabsdet: fromValues(s.batch, logs, dtype) };
}

/** Solve A X = B for an n×n A and n×k B (row-major) by Gauss–Jordan with partial pivoting. */
function gaussJordan(fn: string, A: Float64Array, B: Float64Array, n: number, k: number): void {
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]) > Math.abs(A[p * n + c])) p = r;
    if (A[p * n + c] === 0)
      throw new RangeError(
        `${fn}: Singular matrix (a zero pivot in column ${c}): expected an invertible matrix`,
      );
    if (p !== c) {
      for (let j = 0; j < n; j++) [A[c * n + j], A[p * n + j]] = [A[p * n + j], A[c * n + j]];
      for (let j = 0; j < k; j++) [B[c * k + j], B[p * k + j]] = [B[p * k + j], B[c * k + j]];
    }
    const d = A[c * n + c];
    for (let j = 0; j < n; j++) A[c * n + j] /= d;
    for (let j = 0; j < k; j++) B[c * k + j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r * n + c];
      if (f === 0) continue;
      for (let j = 0; j < n; j++) A[r * n + j] -= f * A[c * n + j];
      for (let j = 0; j < k; j++) B[r * k + j] -= f * B[c * k + j];
    }
  }
}

/** Matrix inverse (numpy.linalg.inv). @throws RangeError "Singular matrix" for an exactly singular matrix. */
export function inv(a: NDArray): NDArray {
  const s = toStack('inv', a, 'a', true);
  const out = s.mats.map((A) => {
    const I = eye(s.n).data as Float64Array;
    gaussJordan('inv', A, I, s.n, s.n);
    return I;
  });
  return fromStack(s.batch, s.n, s.n, out, linalgDtype(a.dtype));
}

/**
 * Solve a x = b (numpy.linalg.solve): `b` of shape (..., M) when b.ndim == a.ndim - 1, else
 * (..., M, K); batch dimensions broadcast.
 * @throws RangeError for a singular matrix or shapes that do not match.
 */
export function solve(a: NDArray, b: NDArray): NDArray {
  checkArray('solve', 'a', a);
  checkArray('solve', 'b', b);
  toStack('solve', a, 'a', true);
  const n = a.shape[a.ndim - 1];
  const vec = b.ndim === a.ndim - 1;
  const B = vec ? b.expandDims(-1) : b;
  if (B.ndim < 2 || B.shape[B.ndim - 2] !== n)
    throw new RangeError(
      `solve: expected argument 'b' of shape (..., ${n}) or (..., ${n}, K) to match a of shape ${formatShape(a.shape)}, got ${formatShape(b.shape)}`,
    );
  const k = B.shape[B.ndim - 1];
  const batch = broadcastShapesIn('solve', [a.shape.slice(0, -2), B.shape.slice(0, -2)]);
  const As = toStack('solve', a.broadcastTo([...batch, n, n]));
  const Bs = toStack('solve', B.broadcastTo([...batch, n, k]), 'b');
  As.mats.forEach((A, i) => gaussJordan('solve', A, Bs.mats[i], n, k));
  const out = fromStack(batch, n, k, Bs.mats, linalgDtype(promoteTypes(a.dtype, b.dtype)));
  return vec ? out.reshape([...batch, n]) : out;
}

/**
 * Cholesky factor L (lower, A = L Lᵀ) of a symmetric positive-definite matrix
 * (numpy.linalg.cholesky; reads the lower triangle).
 * @throws RangeError "Matrix is not positive definite".
 */
export function cholesky(a: NDArray): NDArray {
  const s = toStack('cholesky', a, 'a', true);
  const n = s.n;
  const out = s.mats.map((A) => {
    const L = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      let d = A[j * n + j];
      for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
      if (!(d > 0))
        throw new RangeError(
          `cholesky: Matrix is not positive definite (the leading minor of order ${j + 1} is not positive): expected a symmetric positive-definite matrix`,
        );
      const ljj = Math.sqrt(d);
      L[j * n + j] = ljj;
      for (let i = j + 1; i < n; i++) {
        let v = A[i * n + j];
        for (let k = 0; k < j; k++) v -= L[i * n + k] * L[j * n + k];
        L[i * n + j] = v / ljj;
      }
    }
    return L;
  });
  return fromStack(s.batch, n, n, out, linalgDtype(a.dtype));
}

/**
 * Solve a x = b for a triangular 2-D `a` (scipy.linalg.solve_triangular): `lower` (default
 * false, as scipy) says which triangle is read; `unitDiagonal` assumes ones on the diagonal.
 * `b` is (M,) or (M, K).
 * @throws RangeError for a zero on the diagonal ("singular matrix") or mismatched shapes.
 */
export function solveTriangular(
  a: NDArray,
  b: NDArray,
  opts: { lower?: boolean; unitDiagonal?: boolean } = {},
): NDArray {
  checkArray('solveTriangular', 'a', a);
  checkArray('solveTriangular', 'b', b);
  if (a.ndim !== 2 || a.shape[0] !== a.shape[1])
    throw new RangeError(
      `solveTriangular: expected a square matrix for argument 'a', got shape ${formatShape(a.shape)}`,
    );
  const n = a.shape[0];
  if ((b.ndim !== 1 && b.ndim !== 2) || b.shape[0] !== n)
    throw new RangeError(
      `solveTriangular: expected argument 'b' of shape (${n},) or (${n}, K), got ${formatShape(b.shape)}`,
    );
  const k = b.ndim === 1 ? 1 : b.shape[1];
  const A = Float64Array.from(a.toFlat());
  const X = Float64Array.from(b.toFlat());
  const lower = opts.lower ?? false;
  const order = lower ? [...Array(n).keys()] : [...Array(n).keys()].reverse();
  for (const i of order) {
    const d = opts.unitDiagonal ? 1 : A[i * n + i];
    if (d === 0)
      throw new RangeError(
        `solveTriangular: singular matrix: the diagonal element ${i} is zero (expected non-zero diagonal)`,
      );
    for (let c = 0; c < k; c++) {
      let v = X[i * k + c];
      if (lower) for (let j = 0; j < i; j++) v -= A[i * n + j] * X[j * k + c];
      else for (let j = i + 1; j < n; j++) v -= A[i * n + j] * X[j * k + c];
      X[i * k + c] = v / d;
    }
  }
  return fromValues(b.shape, X, linalgDtype(promoteTypes(a.dtype, b.dtype)));
}

/**
 * QR decomposition by Householder reflections (numpy.linalg.qr): mode 'reduced' (default)
 * gives Q (M, K) and R (K, N) with K = min(M, N); 'complete' gives Q (M, M) and R (M, N).
 * The reflections use LAPACK's sign convention, so signs match NumPy's for full-rank input.
 */
export function qr(
  a: NDArray,
  opts: { mode?: 'reduced' | 'complete' } = {},
): {
  /** Q, with orthonormal columns. */
  q: NDArray;
  /** R, upper triangular. */
  r: NDArray;
} {
  const s = toStack('qr', a);
  const mode = opts.mode ?? 'reduced';
  if (mode !== 'reduced' && mode !== 'complete')
    throw new TypeError(
      `qr: option 'mode' must be 'reduced' or 'complete', got ${describeValue(mode)}`,
    );
  const { m, n } = s;
  const kq = mode === 'complete' ? m : Math.min(m, n);
  const qs: Float64Array[] = [];
  const rs: Float64Array[] = [];
  for (const R of s.mats) {
    const Q = eye(m).data as Float64Array;
    for (let c = 0; c < Math.min(m - 1, n); c++) {
      let norm = 0;
      for (let i = c; i < m; i++) norm += R[i * n + c] * R[i * n + c];
      norm = Math.sqrt(norm);
      if (norm === 0) continue;
      const alpha = R[c * n + c];
      const beta = alpha >= 0 ? -norm : norm;
      const v = new Float64Array(m);
      v[c] = alpha - beta;
      for (let i = c + 1; i < m; i++) v[i] = R[i * n + c];
      let vv = 0;
      for (let i = c; i < m; i++) vv += v[i] * v[i];
      if (vv === 0) continue;
      // R = (I - 2 v vᵀ / vᵀv) R ; Q = Q (I - 2 v vᵀ / vᵀv)
      for (let j = 0; j < n; j++) {
        let d = 0;
        for (let i = c; i < m; i++) d += v[i] * R[i * n + j];
        const f = (2 * d) / vv;
        for (let i = c; i < m; i++) R[i * n + j] -= f * v[i];
      }
      for (let i = 0; i < m; i++) {
        let d = 0;
        for (let j = c; j < m; j++) d += Q[i * m + j] * v[j];
        const f = (2 * d) / vv;
        for (let j = c; j < m; j++) Q[i * m + j] -= f * v[j];
      }
      for (let i = c + 1; i < m; i++) R[i * n + c] = 0;
    }
    const q = new Float64Array(m * kq);
    for (let i = 0; i < m; i++) for (let j = 0; j < kq; j++) q[i * kq + j] = Q[i * m + j];
    const rk = mode === 'complete' ? m : Math.min(m, n);
    const r = new Float64Array(rk * n);
    for (let i = 0; i < rk; i++)
      for (let j = 0; j < n; j++) r[i * n + j] = i < m ? R[i * n + j] : 0;
    qs.push(q);
    rs.push(r);
  }
  const dtype = linalgDtype(a.dtype);
  return {
    q: fromStack(s.batch, m, kq, qs, dtype),
    r: fromStack(s.batch, mode === 'complete' ? m : Math.min(m, n), n, rs, dtype),
  };
}

/** Scale each column of an n×k row-major matrix so its largest-magnitude component is positive. */
function fixSigns(V: Float64Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    let best = 0;
    for (let i = 1; i < rows; i++)
      if (Math.abs(V[i * cols + j]) > Math.abs(V[best * cols + j]) + 1e-12) best = i;
    if (V[best * cols + j] < 0) for (let i = 0; i < rows; i++) V[i * cols + j] = -V[i * cols + j];
  }
}

/** Cyclic Jacobi on a symmetric n×n matrix: eigenvalues ascending, eigenvectors as columns. */
function jacobiEigh(S: Float64Array, n: number): { w: Float64Array; V: Float64Array } {
  const A = Float64Array.from(S);
  const V = eye(n).data as Float64Array;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const v = A[i * n + j] * A[i * n + j];
        total += v;
        if (i !== j) off += v;
      }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = [...Array(n).keys()].sort((i, j) => A[i * n + i] - A[j * n + j]);
  const w = Float64Array.from(order, (i) => A[i * n + i]);
  const Vs = new Float64Array(n * n);
  for (let i = 0; i < n; i++) order.forEach((src, j) => (Vs[i * n + j] = V[i * n + src]));
  fixSigns(Vs, n, n);
  return { w, V: Vs };
}

function symmetrize(fn: string, a: NDArray, uplo: string): Stack {
  if (uplo !== 'L' && uplo !== 'U')
    throw new TypeError(`${fn}: option 'UPLO' must be 'L' or 'U', got ${describeValue(uplo)}`);
  const s = toStack(fn, a, 'a', true);
  const n = s.n;
  for (const A of s.mats)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) {
        if (uplo === 'L') A[j * n + i] = A[i * n + j];
        else A[i * n + j] = A[j * n + i];
      }
  return s;
}

/**
 * Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix
 * (numpy.linalg.eigh; reads the triangle `UPLO`, default 'L'). Cyclic Jacobi.
 */
export function eigh(
  a: NDArray,
  opts: { UPLO?: 'L' | 'U' } = {},
): {
  /** Eigenvalues in ascending order. */
  eigenvalues: NDArray;
  /** Normalised eigenvectors as columns: column i goes with eigenvalues[i]. */
  eigenvectors: NDArray;
} {
  const s = symmetrize('eigh', a, opts.UPLO ?? 'L');
  const res = s.mats.map((A) => jacobiEigh(A, s.n));
  const dtype = linalgDtype(a.dtype);
  const w = new Float64Array(res.length * s.n);
  res.forEach((r, k) => w.set(r.w, k * s.n));
  return {
    eigenvalues: fromValues([...s.batch, s.n], w, dtype),
    eigenvectors: fromStack(
      s.batch,
      s.n,
      s.n,
      res.map((r) => r.V),
      dtype,
    ),
  };
}

/** Eigenvalues (ascending) of a symmetric matrix (numpy.linalg.eigvalsh). */
export const eigvalsh = (a: NDArray, opts: { UPLO?: 'L' | 'U' } = {}): NDArray =>
  eigh(a, opts).eigenvalues;

/** Complete the first `k` orthonormal columns of an m×k matrix to an m×m orthonormal basis. */
function completeBasis(U: Float64Array, m: number, k: number, keep: boolean[]): Float64Array {
  const out = new Float64Array(m * m);
  const cols: Float64Array[] = [];
  for (let j = 0; j < k; j++)
    if (keep[j]) cols.push(Float64Array.from({ length: m }, (_, i) => U[i * k + j]));
  const result: (Float64Array | null)[] = [];
  for (let j = 0; j < m; j++)
    result.push(j < k && keep[j] ? Float64Array.from({ length: m }, (_, i) => U[i * k + j]) : null);
  let e = 0;
  for (let j = 0; j < m; j++) {
    if (result[j]) continue;
    for (; e < m; e++) {
      const v = new Float64Array(m);
      v[e] = 1;
      for (let pass = 0; pass < 2; pass++)
        for (const c of cols) {
          let d = 0;
          for (let i = 0; i < m; i++) d += c[i] * v[i];
          for (let i = 0; i < m; i++) v[i] -= d * c[i];
        }
      const nrm = Math.hypot(...v);
      if (nrm > 1e-8) {
        for (let i = 0; i < m; i++) v[i] /= nrm;
        cols.push(v);
        result[j] = v;
        e++;
        break;
      }
    }
  }
  for (let j = 0; j < m; j++) for (let i = 0; i < m; i++) out[i * m + j] = result[j]![i];
  return out;
}

/** One-sided Jacobi SVD of an m×n matrix with m >= n: U (m×n), s (n, descending), V (n×n). */
function jacobiSvd(
  A: Float64Array,
  m: number,
  n: number,
): { U: Float64Array; s: Float64Array; V: Float64Array } {
  const U = Float64Array.from(A);
  const V = eye(n).data as Float64Array;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const up = U[i * n + p];
          const uq = U[i * n + q];
          alpha += up * up;
          beta += uq * uq;
          gamma += up * uq;
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const up = U[i * n + p];
          const uq = U[i * n + q];
          U[i * n + p] = c * up - s * uq;
          U[i * n + q] = s * up + c * uq;
        }
        for (let i = 0; i < n; i++) {
          const vp = V[i * n + p];
          const vq = V[i * n + q];
          V[i * n + p] = c * vp - s * vq;
          V[i * n + q] = s * vp + c * vq;
        }
      }
    if (!rotated) break;
  }
  const sv = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let i = 0; i < m; i++) ss += U[i * n + j] * U[i * n + j];
    sv[j] = Math.sqrt(ss);
    if (sv[j] > 0) for (let i = 0; i < m; i++) U[i * n + j] /= sv[j];
  }
  const order = [...Array(n).keys()].sort((i, j) => sv[j] - sv[i]);
  const Us = new Float64Array(m * n);
  const Vs = new Float64Array(n * n);
  const s = Float64Array.from(order, (i) => sv[i]);
  for (let i = 0; i < m; i++) order.forEach((src, j) => (Us[i * n + j] = U[i * n + src]));
  for (let i = 0; i < n; i++) order.forEach((src, j) => (Vs[i * n + j] = V[i * n + src]));
  // sign convention: largest component of each right singular vector positive
  for (let j = 0; j < n; j++) {
    let best = 0;
    for (let i = 1; i < n; i++)
      if (Math.abs(Vs[i * n + j]) > Math.abs(Vs[best * n + j]) + 1e-12) best = i;
    if (Vs[best * n + j] < 0) {
      for (let i = 0; i < n; i++) Vs[i * n + j] = -Vs[i * n + j];
      for (let i = 0; i < m; i++) Us[i * n + j] = -Us[i * n + j];
    }
  }
  return { U: Us, s, V: Vs };
}

/**
 * Singular value decomposition a = u · diag(s) · vh (numpy.linalg.svd): s descending; with
 * `fullMatrices` (default true, as NumPy) u is (M, M) and vh (N, N), else (M, K) and (K, N).
 * One-sided Jacobi; see the module note on signs.
 */
export function svd(
  a: NDArray,
  opts: { fullMatrices?: boolean } = {},
): {
  /** Left singular vectors as columns. */
  u: NDArray;
  /** Singular values, descending. */
  s: NDArray;
  /** Right singular vectors as rows (V transposed). */
  vh: NDArray;
} {
  const st = toStack('svd', a);
  const { m, n } = st;
  const full = opts.fullMatrices ?? true;
  const k = Math.min(m, n);
  const us: Float64Array[] = [];
  const ss: Float64Array[] = [];
  const vhs: Float64Array[] = [];
  for (const A of st.mats) {
    const tall = m >= n;
    // work on the tall orientation: Aᵀ = V S Uᵀ
    const M = tall ? A : transposeMat(A, m, n);
    const [mm, nn] = tall ? [m, n] : [n, m];
    const { U, s, V } = jacobiSvd(M, mm, nn);
    // left vectors (mm×nn) and right (nn×nn) of the tall problem
    const keep = Array.from(s, (v) => v > 1e-300);
    const Ufull = completeBasis(U, mm, nn, keep);
    // map back: for tall, u = U, v = V; for wide, u = V, v = U
    const Lfull = tall ? Ufull : V; // m×m when full (for wide, V is nn×nn = m×m)
    const Rfull = tall ? V : Ufull; // n×n
    const lcols = tall ? mm : nn;
    const rcols = tall ? nn : mm;
    const uc = full ? m : k;
    const vr = full ? n : k;
    const u = new Float64Array(m * uc);
    for (let i = 0; i < m; i++) for (let j = 0; j < uc; j++) u[i * uc + j] = Lfull[i * lcols + j];
    const vh = new Float64Array(vr * n);
    for (let i = 0; i < vr; i++) for (let j = 0; j < n; j++) vh[i * n + j] = Rfull[j * rcols + i];
    us.push(u);
    ss.push(s.subarray(0, k));
    vhs.push(vh);
  }
  const dtype = linalgDtype(a.dtype);
  const sv = new Float64Array(ss.length * k);
  ss.forEach((s, i) => sv.set(s, i * k));
  return {
    u: fromStack(st.batch, m, full ? m : k, us, dtype),
    s: fromValues([...st.batch, k], sv, dtype),
    vh: fromStack(st.batch, full ? n : k, n, vhs, dtype),
  };
}

function transposeMat(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

/** Singular values, descending (scipy.linalg.svdvals; numpy.linalg.svd with compute_uv=False). */
export const svdvals = (a: NDArray): NDArray => svd(a, { fullMatrices: false }).s;

/**
 * Moore–Penrose pseudo-inverse (numpy.linalg.pinv): singular values at most rcond · max(s)
 * (default 1e-15) are treated as zero.
 */
export function pinv(a: NDArray, opts: { rcond?: number } = {}): NDArray {
  const { u, s, vh } = svd(a, { fullMatrices: false });
  const rcond = opts.rcond ?? 1e-15;
  const st = toStack('pinv', a);
  const k = Math.min(st.m, st.n);
  const U = toStack('pinv', u.astype('float64')).mats;
  const VH = toStack('pinv', vh.astype('float64')).mats;
  const S = s.astype('float64').toFlat();
  const out = U.map((Um, b) => {
    const sv = S.subarray(b * k, (b + 1) * k);
    const cutoff = rcond * Math.max(0, ...sv);
    const res = new Float64Array(st.n * st.m);
    for (let i = 0; i < st.n; i++)
      for (let j = 0; j < st.m; j++) {
        let v = 0;
        for (let t = 0; t < k; t++)
          if (sv[t] > cutoff) v += (VH[b][t * st.n + i] * Um[j * k + t]) / sv[t];
        res[i * st.m + j] = v;
      }
    return res;
  });
  return fromStack(st.batch, st.n, st.m, out, linalgDtype(a.dtype));
}

/**
 * A square matrix to an integer power (numpy.linalg.matrix_power): repeated squaring; n = 0
 * gives the identity, n < 0 the power of the inverse. Integer matrices stay integer for n >= 0.
 */
export function matrixPower(a: NDArray, n: number): NDArray {
  toStack('matrixPower', a, 'a', true);
  checkInt('matrixPower', 'n', n);
  const size = a.shape[a.ndim - 1];
  let base = n < 0 ? inv(a) : a;
  let e = Math.abs(n);
  let result: NDArray = eye(size, size, 0, { dtype: base.dtype }).broadcastTo(base.shape).copy();
  while (e > 0) {
    if (e & 1) result = matmul(result, base);
    e = Math.floor(e / 2);
    if (e > 0) base = matmul(base, base);
  }
  return result;
}

/** Options of {@link norm}. */
export interface NormOptions {
  /** NumPy's `ord`: for vectors a number (2 by default, ±Infinity, 0, 1, any p); for matrices 'fro' (default), 'nuc', ±1, ±2, ±Infinity. */
  ord?: number | 'fro' | 'nuc';
  /** One axis (vector norms) or two (matrix norms); default: the whole array as a vector (or matrix when `ord` is given and it is 2-D). */
  axis?: number | readonly [number, number] | null;
  /** Keep the reduced axes with length 1 (default false). */
  keepdims?: boolean;
}

/**
 * Vector or matrix norm (numpy.linalg.norm), with NumPy's `ord` / `axis` / `keepdims` rules.
 * @throws RangeError for an `ord` not valid for vectors / matrices, or a bad axis.
 */
export function norm(x: NDArray, opts: NormOptions = {}): NDArray {
  checkArray('norm', 'x', x);
  const dtype = linalgDtype(x.dtype);
  const f = x.astype('float64');
  let axis = opts.axis;
  const keep = opts.keepdims ?? false;
  if (axis === undefined || axis === null) {
    if (opts.ord === undefined || (opts.ord === 'fro' && x.ndim === 2)) {
      let ss = 0;
      for (const v of f.toFlat()) ss += v * v;
      const r = Math.sqrt(ss);
      return fromValues(keep ? x.shape.map(() => 1) : [], [r], dtype);
    }
    if (x.ndim === 1) axis = 0;
    else if (x.ndim === 2) axis = [0, 1];
    else
      throw new RangeError(
        `norm: Improper number of dimensions to norm: expected 1 or 2 with 'ord', got ${x.ndim}`,
      );
  }
  if (typeof axis === 'number') {
    const ax = normalizeAxis(axis, x.ndim, 'axis', 'norm');
    const ord = opts.ord ?? 2;
    if (typeof ord !== 'number')
      throw new RangeError(`norm: Invalid norm order '${ord}' for vectors (expected a number)`);
    const absx = elemwise([f], 'float64', Math.abs);
    let r: NDArray;
    if (ord === Infinity) r = amax(absx, { axis: ax, keepdims: keep });
    else if (ord === -Infinity) r = amin(absx, { axis: ax, keepdims: keep });
    else if (ord === 0)
      r = asum(
        elemwise([f], 'float64', (v) => +(v !== 0)),
        { axis: ax, keepdims: keep },
      );
    else if (ord === 1) r = asum(absx, { axis: ax, keepdims: keep });
    else if (ord === 2)
      r = elemwise(
        [
          asum(
            elemwise([f], 'float64', (v) => v * v),
            { axis: ax, keepdims: keep },
          ),
        ],
        'float64',
        Math.sqrt,
      );
    else
      r = elemwise(
        [
          asum(
            elemwise([absx], 'float64', (v) => Math.pow(v, ord)),
            { axis: ax, keepdims: keep },
          ),
        ],
        'float64',
        (v) => Math.pow(v, 1 / ord),
      );
    return r.astype(dtype);
  }
  if (!Array.isArray(axis) || axis.length !== 2)
    throw new TypeError(
      `norm: option 'axis' must be an integer, a pair of integers or null, got ${describeValue(axis)}`,
    );
  const a0 = normalizeAxis(axis[0], x.ndim, 'axis', 'norm');
  const a1 = normalizeAxis(axis[1], x.ndim, 'axis', 'norm');
  if (a0 === a1) throw new RangeError('norm: Duplicate axes given (expected two different axes)');
  const ord = opts.ord ?? 'fro';
  const absx = elemwise([f], 'float64', Math.abs);
  let r: NDArray;
  const rest = [...x.shape.keys()].filter((i) => i !== a0 && i !== a1);
  const moved = () => f.transpose([...rest, a0, a1]);
  if (ord === 'fro')
    r = elemwise(
      [
        asum(
          elemwise([f], 'float64', (v) => v * v),
          { axis: [a0, a1] },
        ),
      ],
      'float64',
      Math.sqrt,
    );
  else if (ord === 'nuc') r = asum(svdvals(moved()), { axis: -1 });
  else if (ord === 2 || ord === -2) {
    const sv = svdvals(moved());
    r = ord === 2 ? amax(sv, { axis: -1 }) : amin(sv, { axis: -1 });
  } else if (ord === 1 || ord === -1) {
    const colsums = asum(absx, { axis: a0, keepdims: true });
    r = (ord === 1 ? amax : amin)(colsums, { axis: a1 }).squeeze(a0 < a1 ? a0 : a0 - 1);
  } else if (ord === Infinity || ord === -Infinity) {
    const rowsums = asum(absx, { axis: a1, keepdims: true });
    r = (ord === Infinity ? amax : amin)(rowsums, { axis: a0 }).squeeze(a1 < a0 ? a1 : a1 - 1);
  } else
    throw new RangeError(
      `norm: Invalid norm order '${String(ord)}' for matrices (expected 'fro', 'nuc', ±1, ±2 or ±Infinity)`,
    );
  if (keep) {
    const shape = x.shape.map((d, i) => (i === a0 || i === a1 ? 1 : d));
    r = r.reshape(shape);
  }
  return r.astype(dtype);
}

import {
  Constant,
  type LinalgOpParams,
  type Variable,
  add,
  dimOf,
  dimshuffle,
  dot,
  eye,
  inv,
  matmul,
  mul,
  neg,
  outer,
  qr,
  solve,
  sqr,
  sub,
  sum,
  svd,
  transpose,
  tril,
  triu,
  trueDiv,
} from '@theano-ts/symbolic';
import { type GradRule, type NonDifferentiable, nonDifferentiable } from '../grad-rule';

// Matrix derivative results: M. Giles, "An extended collection of matrix derivative results for
// forward and reverse mode algorithmic differentiation" (2008); J. Townsend, "Differentiating
// the singular value decomposition" (2016); I. Murray, "Differentiation of the Cholesky
// decomposition" (2016); H.-J. Liao et al., "Differentiable programming tensor networks" (2019,
// QR); and PyTorch's FunctionsManual.cpp, which implements the same formulas.

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Swap the last two dimensions. */
const swapLast = (x: Variable): Variable =>
  dimshuffle(x, [...range(x.ndim - 2), x.ndim - 1, x.ndim - 2]);

/**
 * True when `g` is the zero gradient the driver fills in for an output nothing used
 * (second(out, 0)): terms it multiplies can be skipped, which also avoids 0 * inf where a
 * formula divides by eigenvalue gaps.
 */
function isZeroFill(g: Variable, out: Variable): boolean {
  const o = g.owner;
  if (!o || o.op.kind !== 'Elemwise' || o.inputs[0] !== out) return false;
  if ((o.op.params as { scalarOp: { name: string } }).scalarOp.name !== 'second') return false;
  let c = o.inputs[1];
  while (c.owner?.op.kind === 'DimShuffle') c = c.owner.inputs[0];
  return c instanceof Constant && Array.from(c.data.toFlat()).every((v) => v === 0);
}

/** Identity matrix of x's (square) shape and dtype. */
const eyeOf = (x: Variable): Variable => eye(dimOf(x, 0), dimOf(x, 1), 0, { dtype: x.dtype });
/** The diagonal part of a matrix, as a matrix. */
const diagPart = (x: Variable): Variable => mul(x, eyeOf(x));
/** Φ(X): the lower triangle with the diagonal halved (Murray 2016). */
const phi = (x: Variable): Variable => sub(tril(x), mul(diagPart(x), 0.5));
/**
 * The gradient with respect to a matrix of which only one triangle is read, given the gradient G
 * with respect to the symmetric matrix that triangle defines: G + Gᵀ off the diagonal, G on it.
 */
const toTriangle = (g: Variable, lower: boolean): Variable =>
  sub((lower ? tril : triu)(add(g, g.T)), diagPart(g));
/** F_ij = 1 / (d_j - d_i) off the diagonal, 0 on it (eigenvalue / squared singular value gaps). */
function gapInverse(d: Variable): Variable {
  const e = sub(dimshuffle(d, ['x', 0]), dimshuffle(d, [0, 'x']));
  const mask = eyeOf(e);
  return trueDiv(sub(1, mask), add(e, mask));
}
const row = (v: Variable): Variable => dimshuffle(v, ['x', 0]);
const col = (v: Variable): Variable => dimshuffle(v, [0, 'x']);

/** Gradients of the linalg ops (one entry per op of LinalgOpParams). */
export const LINALG_GRADS: {
  readonly [K in keyof LinalgOpParams]: GradRule<K> | NonDifferentiable;
} = {
  Gemm: nonDifferentiable(
    'Gemm appears only after rewriting (dot + scaled add); take gradients of the user graph',
  ),
  // C = A·B batched: dA = dC·Bᵀ, dB = Aᵀ·dC, summed over the batch dimensions a or b broadcast
  Matmul(node, [gz]) {
    const [a, b] = node.inputs;
    const a2 = a.ndim === 1 ? dimshuffle(a, ['x', 0]) : a;
    const b2 = b.ndim === 1 ? dimshuffle(b, [0, 'x']) : b;
    const nb = gz.ndim - (a.ndim === 1 ? 0 : 1) - (b.ndim === 1 ? 0 : 1);
    const g2 = dimshuffle(gz, [
      ...range(nb),
      a.ndim === 1 ? 'x' : nb,
      b.ndim === 1 ? 'x' : nb + (a.ndim === 1 ? 0 : 1),
    ]);
    const back = (g: Variable, like: Variable, wasVector: false | 'row' | 'col'): Variable => {
      const extra = g.ndim - like.ndim;
      const s = extra > 0 ? sum(g, { axis: range(extra) }) : g;
      if (wasVector === 'row') return dimshuffle(s, [1]);
      if (wasVector === 'col') return dimshuffle(s, [0]);
      return s;
    };
    return [
      back(matmul(g2, swapLast(b2)), a2, a.ndim === 1 ? 'row' : false),
      back(matmul(swapLast(a2), g2), b2, b.ndim === 1 ? 'col' : false),
    ];
  },
  // X = A⁻¹: dA = -Xᵀ·dX·Xᵀ (Giles 2008, 2.2.3)
  MatrixInverse(node, [gz]) {
    const xt = node.outputs[0].T;
    return [neg(dot(dot(xt, gz), xt))];
  },
  // d = det(A): dA = d·ḋ·A⁻ᵀ (Giles 2008, 2.2.4)
  Det(node, [gz]) {
    return [mul(mul(gz, node.outputs[0]), transpose(inv(node.inputs[0])))];
  },
  // log|det A|: dA = ḋ·A⁻ᵀ; the sign is piecewise constant
  SLogDet(node, [, gl]) {
    return [mul(gl, transpose(inv(node.inputs[0])))];
  },
  // x = A⁻¹b: db = A⁻ᵀ·dx, dA = -db·xᵀ (Giles 2008, 2.3.1)
  Solve(node, [gz]) {
    const [a, b] = node.inputs;
    const x = node.outputs[0];
    const gb = solve(a.T, gz);
    return [neg(b.ndim === 1 ? outer(gb, x) : dot(gb, x.T)), gb];
  },
  // A = L·Lᵀ: Ā = L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹ for the symmetric A (Murray 2016), then onto the triangle read
  Cholesky(node, [gz]) {
    const { lower } = node.op.params;
    const l = lower ? node.outputs[0] : node.outputs[0].T;
    const gl = lower ? gz : gz.T;
    const linv = inv(l);
    const g = dot(dot(linv.T, phi(dot(l.T, gl))), linv);
    return [toTriangle(g, lower)];
  },
  // A = Q·R (m ≥ n): M = R·R̄ᵀ - Q̄ᵀ·Q, Ā = (Q̄ + Q·copyltu(M))·R⁻ᵀ (Liao et al. 2019)
  QR(node, outGrads) {
    const [a] = node.inputs;
    const { mode } = node.op.params;
    const [m, n] = a.type.shape;
    if (m !== null && n !== null && m < n)
      throw new TypeError(
        `grad: the gradient of QR of a wide matrix (${m} < ${n} columns) is not implemented (only m ≥ n, as the reduced factorisation determines it)`,
      );
    if (mode === 'complete' && m !== null && n !== null && m !== n)
      throw new TypeError(
        "grad: the gradient of QR mode 'complete' is defined only for square matrices (the extra columns of Q are not unique); use mode 'reduced'",
      );
    let q: Variable;
    let r: Variable;
    let gq: Variable | null;
    let gr: Variable;
    if (mode === 'r') {
      [q, r] = qr(a);
      gq = null;
      gr = outGrads[0];
    } else {
      [q, r] = node.outputs;
      gq = isZeroFill(outGrads[0], q) ? null : outGrads[0];
      gr = outGrads[1];
    }
    const mm = gq ? sub(dot(r, gr.T), dot(gq.T, q)) : dot(r, gr.T);
    const copyltu = add(tril(mm), tril(mm, -1).T);
    const inner = dot(q, copyltu);
    return [dot(gq ? add(gq, inner) : inner, inv(r).T)];
  },
  // Townsend 2016, reduced SVD A = U·S·Vᵀ with F_ij = 1 / (s_j² - s_i²):
  // Ā = U[(F∘(UᵀŪ - ŪᵀU))·S + diag(S̄) + S·(F∘(VᵀV̄ - V̄ᵀV))]Vᵀ + (I - UUᵀ)ŪS⁻¹Vᵀ + US⁻¹V̄ᵀ(I - VVᵀ)
  SVD(node, outGrads) {
    const [a] = node.inputs;
    const { fullMatrices, computeUv } = node.op.params;
    if (!computeUv) {
      const [u, , vt] = svd(a, { fullMatrices: false });
      return [dot(mul(u, row(outGrads[0])), vt)];
    }
    const [u0, s, vt0] = node.outputs;
    const [gu0, gs, gvt0] = outGrads;
    const useU = !isZeroFill(gu0, u0);
    const useV = !isZeroFill(gvt0, vt0);
    const [m, n] = a.type.shape;
    let u = u0;
    let vt = vt0;
    if (fullMatrices && !(m !== null && m === n)) {
      // U, Vᵀ of a non-square matrix hold singular vectors that are not unique: only S may be
      // used (shapes known only at run time are assumed square; other shapes then fail there)
      if ((useU || useV) && m !== null && n !== null)
        throw new TypeError(
          `grad: the gradient of SVD with fullMatrices: true through U or Vᵀ is defined only for square matrices, got ${m}×${n} (the extra singular vectors are not unique); use fullMatrices: false`,
        );
      if (!useU && !useV) [u, , vt] = svd(a, { fullMatrices: false });
    }
    const terms: Variable[] = [];
    let inner: Variable | null = isZeroFill(gs, s)
      ? null
      : mul(eye(dimOf(s, 0), null, 0, { dtype: s.dtype }), row(gs));
    const f = useU || useV ? gapInverse(sqr(s)) : null;
    const plus = (x: Variable | null, y: Variable) => (x ? add(x, y) : y);
    if (useU) {
      const utgu = dot(u.T, gu0);
      inner = plus(inner, mul(mul(f!, sub(utgu, utgu.T)), row(s)));
      terms.push(dot(trueDiv(sub(gu0, dot(u, utgu)), row(s)), vt));
    }
    if (useV) {
      const v = vt.T;
      const gv = gvt0.T;
      const vtgv = dot(vt, gv);
      inner = plus(inner, mul(col(s), mul(f!, sub(vtgv, vtgv.T))));
      terms.push(dot(trueDiv(u, row(s)), sub(gv, dot(v, vtgv)).T));
    }
    if (inner) terms.unshift(dot(dot(u, inner), vt));
    if (terms.length === 0) return [mul(a, 0)];
    return [terms.reduce((x, y) => add(x, y))];
  },
  // A = V·diag(w)·Vᵀ: G = V(diag(w̄) + F∘(VᵀV̄))Vᵀ with F_ij = 1 / (w_j - w_i) (Giles 2008, 3.1),
  // then onto the triangle read
  Eigh(node, [gw, gv]) {
    const [w, v] = node.outputs;
    const useW = !isZeroFill(gw, w);
    const useV = !isZeroFill(gv, v);
    let inner: Variable | null = useW ? mul(eyeOf(v), row(gw)) : null;
    if (useV) {
      const t = mul(gapInverse(w), dot(v.T, gv));
      inner = inner ? add(inner, t) : t;
    }
    if (!inner) return [mul(node.inputs[0], 0)];
    return [toTriangle(dot(dot(v, inner), v.T), node.op.params.lower)];
  },
  Jacobian: nonDifferentiable(
    'the gradient of a jacobian/hessian (third derivatives) needs scan, which theano-ts does not have yet; the Jacobian op evaluates its inner graph row by row',
  ),
};

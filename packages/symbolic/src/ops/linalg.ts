import {
  NDArray,
  castScalar,
  cholesky as ndCholesky,
  eigh as ndEigh,
  elemwise,
  formatShape,
  inv as ndInv,
  matmul as ndMatmul,
  dot as ndDot,
  qr as ndQr,
  slogdet as ndSlogdet,
  solve as ndSolve,
  svd as ndSvd,
  typedArrayFor,
} from '@theano-ts/tensor';
import { Constant, SharedVariable, type Apply, type Variable } from '../graph';
import { type OpSpec, checkFloat, checkNdim, describeVar, fail, sameDim } from '../op-spec';
import { SCALAR_OPS } from '../scalar-ops';
import { type Dim, TensorType } from '../type';
import { toposort } from '../graph-utils';
import { performNode } from '../evaluate';

/** Modes of numpy.linalg.qr. */
export type QRMode = 'reduced' | 'complete' | 'r';

/**
 * numpy.linalg.LinAlgError: raised at run time for a singular matrix (inv, solve) or one that is
 * not positive definite (cholesky), naming the op and its input.
 */
export class LinAlgError extends Error {
  /** The error's name, as printed: 'LinAlgError'. */
  override name = 'LinAlgError';
}

const LINALG_FAILURE = /Singular matrix|not positive definite|singular/i;

let nextGraphId = 0;

/**
 * The inner graph of a Jacobian op: `outputs[j]` = Lop(expression, wrt[j], cotangent), a graph
 * linear in `cotangent` (a variable of the expression's type), whose other free variables are
 * `leaves` (the op's inputs, by position). Only `id` is enumerable: it is the op's identity for
 * merging and printing, the graph itself is not part of the params' key.
 */
export class JacobianGraph {
  /** A number unique to this graph: the op's identity for merging and printing. */
  readonly id: number;
  /** The differentiated expression. */
  declare readonly expression: Variable;
  /** The cotangent variable, of the expression's type. */
  declare readonly cotangent: Variable;
  /** The variables differentiated with respect to. */
  declare readonly wrt: readonly Variable[];
  /** outputs[j] = Lop(expression, wrt[j], cotangent). */
  declare readonly outputs: readonly Variable[];
  /** The graph's other free variables: the op's inputs, by position. */
  declare readonly leaves: readonly Variable[];
  constructor(g: {
    expression: Variable;
    cotangent: Variable;
    wrt: readonly Variable[];
    outputs: readonly Variable[];
    leaves: readonly Variable[];
  }) {
    this.id = nextGraphId++;
    for (const [k, v] of Object.entries(g))
      Object.defineProperty(this, k, { value: v, enumerable: false });
  }
}

/** Run a reference implementation; its singular / not-positive-definite failures become a LinAlgError naming the op and its input. */
function linalgCall<T>(op: string, node: Apply, inputs: readonly NDArray[], f: () => T): T {
  try {
    return f();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (!LINALG_FAILURE.test(msg)) throw e;
    const v = node.inputs[0];
    const what = /not positive definite/i.test(msg)
      ? 'Matrix is not positive definite'
      : 'Singular matrix';
    throw new LinAlgError(
      `${op}: ${what} (input 0${v.name ? ` '${v.name}'` : ''} of shape ${formatShape(inputs[0].shape)}): ${msg}`,
    );
  }
}

/** Cast a reference result to the output's dtype when they differ. */
const as = (a: NDArray, node: Apply, i = 0): NDArray =>
  a.dtype === node.outputs[i].dtype ? a : a.astype(node.outputs[i].dtype);

/** A float matrix input that must be square: returns its static size. */
function squareMatrix(op: string, a: Variable, i = 0): Dim {
  checkFloat(op, a, i);
  checkNdim(op, a, i, [2]);
  return sameDim(op, a.type.shape[0], a.type.shape[1], `${describeVar(a, i)} must be square`);
}

/** Static batch dimensions of matmul operands, broadcast as Elemwise does. */
function matmulBatch(a: Variable, b: Variable): Dim[] {
  const ba = a.ndim > 2 ? a.type.shape.slice(0, -2) : [];
  const bb = b.ndim > 2 ? b.type.shape.slice(0, -2) : [];
  const nd = Math.max(ba.length, bb.length);
  const out: Dim[] = [];
  for (let d = 0; d < nd; d++) {
    const da = ba[d - (nd - ba.length)];
    const db = bb[d - (nd - bb.length)];
    const dims = [da, db].filter((x): x is Dim => x !== undefined);
    const known = [...new Set(dims.filter((x): x is number => x !== null && x !== 1))];
    if (known.length > 1)
      fail(
        'Matmul',
        `batch dimensions do not broadcast: ${describeVar(a, 0)} has ${da ?? '-'} and ${describeVar(b, 1)} has ${db ?? '-'} in batch dimension ${d}`,
      );
    out.push(known.length ? known[0] : dims.every((x) => x === 1) ? 1 : null);
  }
  return out;
}

/** One-hot float64 array of `shape` with a 1 at flat position k. */
function oneHot(shape: readonly number[], k: number, dtype: NDArray['dtype']): NDArray {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new (typedArrayFor(dtype))(n);
  data[k] = 1;
  return new NDArray(data, shape, { dtype });
}

/** Parameters of the linear algebra (matmul, tensordot, batchedDot, nlinalg…) ops: one key per op (see OpParams). */
export interface LinalgOpParams {
  /**
   * BLAS gemm, made by the optimizer from dot + scaled add (Theano's Gemm, not inplace):
   * inputs (z, a, x, y, b) → b·z + a·dot(x, y), for matrices x, y, a z that broadcasts to the
   * product's shape (a row bias included), 0-d a and b, all of one float dtype.
   */
  Gemm: Record<string, never>;
  /**
   * numpy.matmul with batch broadcasting: the product of the last two dimensions, leading
   * (batch) dimensions broadcast as Elemwise does (a dimension broadcasts only when its static
   * length is 1, or when the other operand lacks it). A 1-D first operand is a row, a 1-D
   * second one a column, and that dimension is dropped. `matmul()` uses Dot for 1-D/2-D operands.
   */
  Matmul: Record<string, never>;
  /** numpy.linalg.inv of a square float matrix (Theano's MatrixInverse). */
  MatrixInverse: Record<string, never>;
  /** numpy.linalg.det of a square float matrix: a 0-d output (Theano's Det). */
  Det: Record<string, never>;
  /** numpy.linalg.slogdet: outputs (sign, log|det|), 0-d each (Theano's SLogDet). */
  SLogDet: Record<string, never>;
  /** numpy.linalg.solve: inputs (a: square matrix, b: vector or matrix) → x with a·x = b. */
  Solve: Record<string, never>;
  /** Cholesky factor: lower L (a = L·Lᵀ) or upper U (a = Uᵀ·U); reads only that triangle of a. */
  Cholesky: {
    /** true: L with a = L·Lᵀ; false: the upper factor U = Lᵀ. */
    lower: boolean;
  };
  /** numpy.linalg.qr: outputs (Q, R), or (R) for mode 'r'. */
  QR: {
    /** 'reduced', 'complete' or 'r' (numpy.linalg.qr's mode). */
    mode: QRMode;
  };
  /** numpy.linalg.svd: outputs (U, S, Vᵀ), or (S) when computeUv is false. */
  SVD: {
    /** u and vh square (numpy.linalg.svd's full_matrices). */
    fullMatrices: boolean;
    /** Compute u and vh, not only the singular values (compute_uv). */
    computeUv: boolean;
  };
  /** numpy.linalg.eigh: outputs (w ascending, v with eigenvectors as columns); reads one triangle. */
  Eigh: {
    /** Read the lower triangle (UPLO 'L'), else the upper. */
    lower: boolean;
  };
  /**
   * The Jacobian of an expression with respect to some of its variables, computed row by row
   * (one vector-Jacobian product per element of the expression, the loop Theano's jacobian runs
   * with scan). Inputs: the free variables of `inner` in its order; one output per wrt, of shape
   * expression.shape + wrt.shape. Built by autodiff's jacobian()/hessian().
   */
  Jacobian: {
    /** The inner graph the op evaluates. */
    inner: JacobianGraph;
  };
}

/** Type inference and reference implementations of the linalg ops. */
export const LINALG_SPECS: { readonly [K in keyof LinalgOpParams]: OpSpec<K> } = {
  Gemm: {
    label: () => 'Gemm',
    infer(_p, inputs) {
      if (inputs.length !== 5)
        fail('Gemm', `expected 5 inputs (z, a, x, y, b), got ${inputs.length}`);
      const [z, a, x, y, b] = inputs;
      inputs.forEach((v, i) => {
        checkFloat('Gemm', v, i);
        if (v.dtype !== z.dtype)
          fail('Gemm', `all inputs must have one dtype: ${describeVar(v, i)} is not ${z.dtype}`);
      });
      checkNdim('Gemm', z, 0, [2]);
      checkNdim('Gemm', a, 1, [0]);
      checkNdim('Gemm', x, 2, [2]);
      checkNdim('Gemm', y, 3, [2]);
      checkNdim('Gemm', b, 4, [0]);
      sameDim('Gemm', x.type.shape[1], y.type.shape[0], 'x columns and y rows differ');
      // z broadcasts against dot(x, y) as an Elemwise would
      const prod: Dim[] = [x.type.shape[0], y.type.shape[1]];
      const shape = prod.map((d, i): Dim => {
        const e = z.type.shape[i];
        const known = [...new Set([d, e].filter((n): n is number => n !== null && n !== 1))];
        if (known.length > 1)
          fail('Gemm', `z (${z.type}) does not broadcast to the product's dimension ${i} (${d})`);
        return known.length ? known[0] : d === 1 && e === 1 ? 1 : null;
      });
      return [new TensorType(z.dtype, shape)];
    },
    perform(node, [z, a, x, y, b]) {
      // rounded as b*z + a*dot(x, y) computed by Dot and Elemwise nodes would be
      const dtype = node.outputs[0].dtype;
      const d = ndDot(x, y, dtype);
      z.shape.forEach((n, i) => {
        if (n !== d.shape[i] && !(n === 1 && node.inputs[0].type.shape[i] === 1))
          throw new RangeError(
            `Gemm: z has shape (${z.shape.join(', ')}) but dot(x, y) has (${d.shape.join(', ')})`,
          );
      });
      const av = a.item();
      const bv = b.item();
      return [
        elemwise([z, d], dtype, (zv, dv) =>
          castScalar(castScalar(bv * zv, dtype) + castScalar(av * dv, dtype), dtype),
        ),
      ];
    },
  },
  Matmul: {
    label: () => 'Matmul',
    infer(_p, inputs) {
      if (inputs.length !== 2) fail('Matmul', `expected 2 inputs, got ${inputs.length}`);
      const [a, b] = inputs;
      [a, b].forEach((v, i) => {
        if (v.ndim === 0)
          fail('Matmul', `${describeVar(v, i)} is 0-d: matmul does not take scalars (use mul)`);
      });
      const ka = a.type.shape[a.ndim - 1];
      const kb = b.type.shape[b.ndim === 1 ? 0 : b.ndim - 2];
      if (ka !== null && kb !== null && ka !== kb)
        fail(
          'Matmul',
          `shapes not aligned: ${describeVar(a, 0)} has ${ka} in its last dimension, ${describeVar(b, 1)} has ${kb} in dimension ${b.ndim === 1 ? 0 : b.ndim - 2}`,
        );
      const shape = [
        ...matmulBatch(a, b),
        ...(a.ndim === 1 ? [] : [a.type.shape[a.ndim - 2]]),
        ...(b.ndim === 1 ? [] : [b.type.shape[b.ndim - 1]]),
      ];
      const dtype = SCALAR_OPS.mul.outDtype([a.dtype, b.dtype], { name: 'mul' });
      return [new TensorType(dtype, shape)];
    },
    perform(node, [a, b]) {
      // batch dimensions broadcast only where declared (static length 1) or absent
      const na = Math.max(0, a.ndim - 2);
      const nb = Math.max(0, b.ndim - 2);
      const nd = Math.max(na, nb);
      for (let d = 0; d < nd; d++) {
        const ia = d - (nd - na);
        const ib = d - (nd - nb);
        if (ia < 0 || ib < 0) continue;
        const la = a.shape[ia];
        const lb = b.shape[ib];
        if (la === lb) continue;
        const okA = la === 1 && node.inputs[0].type.shape[ia] === 1;
        const okB = lb === 1 && node.inputs[1].type.shape[ib] === 1;
        if (!okA && !okB)
          throw new RangeError(
            `Matmul: batch dimensions of shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not match in batch dimension ${d} (a length-1 dimension broadcasts only when declared broadcastable)`,
          );
      }
      return [ndMatmul(a, b, node.outputs[0].dtype)];
    },
  },
  MatrixInverse: {
    label: () => 'MatrixInverse',
    infer(_p, [a]) {
      const n = squareMatrix('MatrixInverse', a);
      return [new TensorType(a.dtype, [n, n])];
    },
    perform: (node, ins) => [
      as(
        linalgCall('MatrixInverse', node, ins, () => ndInv(ins[0])),
        node,
      ),
    ],
  },
  Det: {
    label: () => 'Det',
    infer(_p, [a]) {
      squareMatrix('Det', a);
      return [new TensorType(a.dtype, [])];
    },
    perform(node, ins) {
      // as NumPy: det = sign · exp(log|det|) (so a singular matrix gives +0)
      const { sign, logabsdet } = linalgCall('Det', node, ins, () => ndSlogdet(ins[0]));
      const d = sign.item() * Math.exp(logabsdet.item());
      const out = new (typedArrayFor(node.outputs[0].dtype))(1);
      out[0] = d;
      return [new NDArray(out, [], { dtype: node.outputs[0].dtype })];
    },
  },
  SLogDet: {
    label: () => 'SLogDet',
    infer(_p, [a]) {
      squareMatrix('SLogDet', a);
      return [new TensorType(a.dtype, []), new TensorType(a.dtype, [])];
    },
    perform(node, ins) {
      const { sign, logabsdet } = linalgCall('SLogDet', node, ins, () => ndSlogdet(ins[0]));
      return [as(sign, node), as(logabsdet, node, 1)];
    },
  },
  Solve: {
    label: () => 'Solve',
    infer(_p, inputs) {
      if (inputs.length !== 2) fail('Solve', `expected 2 inputs (a, b), got ${inputs.length}`);
      const [a, b] = inputs;
      const n = squareMatrix('Solve', a);
      checkFloat('Solve', b, 1);
      checkNdim('Solve', b, 1, [1, 2]);
      const rows = sameDim(
        'Solve',
        n,
        b.type.shape[0],
        `rows of ${describeVar(a, 0)} and of ${describeVar(b, 1)} differ`,
      );
      const dtype = SCALAR_OPS.mul.outDtype([a.dtype, b.dtype], { name: 'mul' });
      return [new TensorType(dtype, b.ndim === 1 ? [rows] : [rows, b.type.shape[1]])];
    },
    perform: (node, ins) => [
      as(
        linalgCall('Solve', node, ins, () => ndSolve(ins[0], ins[1])),
        node,
      ),
    ],
  },
  Cholesky: {
    label: (p) => `Cholesky{${p.lower ? 'lower' : 'upper'}}`,
    infer(_p, [a]) {
      const n = squareMatrix('Cholesky', a);
      return [new TensorType(a.dtype, [n, n])];
    },
    perform(node, ins) {
      // the upper factor of a (reading its upper triangle) is the transposed lower factor of aᵀ
      const lower = node.op.params.lower;
      const l = linalgCall('Cholesky', node, ins, () =>
        ndCholesky(lower ? ins[0] : ins[0].transpose()),
      );
      return [as(lower ? l : l.transpose().copy(), node)];
    },
  },
  QR: {
    label: (p) => `QR{${p.mode}}`,
    infer(p, [a]) {
      if (!['reduced', 'complete', 'r'].includes(p.mode))
        fail('QR', `mode must be 'reduced', 'complete' or 'r', got '${String(p.mode)}'`);
      checkFloat('QR', a, 0);
      checkNdim('QR', a, 0, [2]);
      const [m, n] = a.type.shape;
      const k = m !== null && n !== null ? Math.min(m, n) : m === n ? m : null;
      const rRows = p.mode === 'complete' ? m : k;
      const r = new TensorType(a.dtype, [rRows, n]);
      if (p.mode === 'r') return [r];
      return [new TensorType(a.dtype, [m, p.mode === 'complete' ? m : k]), r];
    },
    perform(node, ins) {
      const mode = node.op.params.mode;
      const { q, r } = linalgCall('QR', node, ins, () =>
        ndQr(ins[0], { mode: mode === 'complete' ? 'complete' : 'reduced' }),
      );
      return mode === 'r' ? [as(r, node)] : [as(q, node), as(r, node, 1)];
    },
  },
  SVD: {
    label: (p) => `SVD{fullMatrices=${p.fullMatrices}, computeUv=${p.computeUv}}`,
    infer(p, [a]) {
      checkFloat('SVD', a, 0);
      checkNdim('SVD', a, 0, [2]);
      const [m, n] = a.type.shape;
      const k = m !== null && n !== null ? Math.min(m, n) : m === n ? m : null;
      const s = new TensorType(a.dtype, [k]);
      if (!p.computeUv) return [s];
      return [
        new TensorType(a.dtype, [m, p.fullMatrices ? m : k]),
        s,
        new TensorType(a.dtype, [p.fullMatrices ? n : k, n]),
      ];
    },
    perform(node, ins) {
      const { fullMatrices, computeUv } = node.op.params;
      const {
        u,
        s: sv,
        vh,
      } = linalgCall('SVD', node, ins, () =>
        ndSvd(ins[0], { fullMatrices: computeUv && fullMatrices }),
      );
      return computeUv ? [as(u, node), as(sv, node, 1), as(vh, node, 2)] : [as(sv, node)];
    },
  },
  Eigh: {
    label: (p) => `Eigh{${p.lower ? 'L' : 'U'}}`,
    infer(_p, [a]) {
      const n = squareMatrix('Eigh', a);
      return [new TensorType(a.dtype, [n]), new TensorType(a.dtype, [n, n])];
    },
    perform(node, ins) {
      const { eigenvalues, eigenvectors } = linalgCall('Eigh', node, ins, () =>
        ndEigh(ins[0], { UPLO: node.op.params.lower ? 'L' : 'U' }),
      );
      return [as(eigenvalues, node), as(eigenvectors, node, 1)];
    },
  },
  Jacobian: {
    label: (p) => `Jacobian{${p.inner.id}}`,
    infer(p, inputs) {
      const g = p.inner;
      if (!(g instanceof JacobianGraph))
        fail('Jacobian', 'params.inner must be a JacobianGraph (built by jacobian())');
      if (inputs.length !== g.leaves.length)
        fail(
          'Jacobian',
          `expected ${g.leaves.length} inputs (the free variables of the inner graph), got ${inputs.length}`,
        );
      inputs.forEach((v, i) => {
        const t = g.leaves[i].type;
        if (v.dtype !== t.dtype || v.ndim !== t.ndim)
          fail(
            'Jacobian',
            `${describeVar(v, i)} must have the type of the inner graph's input ${i} (${t})`,
          );
      });
      return g.outputs.map(
        (o) => new TensorType(o.dtype, [...g.expression.type.shape, ...o.type.shape]),
      );
    },
    perform(node, inputs) {
      const g = node.op.params.inner;
      const vals = new Map<Variable, NDArray>();
      g.leaves.forEach((v, i) => vals.set(v, inputs[i]));
      const valueOf = (v: Variable): NDArray => {
        const known = vals.get(v);
        if (known) return known;
        if (v instanceof Constant) return v.data;
        if (v instanceof SharedVariable) return v.internal;
        throw new Error(`Jacobian: the inner graph has no value for ${v} (a bug in theano-ts)`);
      };
      const order = toposort([g.expression, ...g.outputs], new Set([...g.leaves, g.cotangent]));
      // nodes that do not depend on the cotangent run once; the others once per row
      const dependent = new Set<Variable>([g.cotangent]);
      const perRow: Apply[] = [];
      for (const n of order) {
        if (n.inputs.some((i) => dependent.has(i))) {
          perRow.push(n);
          n.outputs.forEach((o) => dependent.add(o));
        } else {
          const outs = performNode(n, n.inputs.map(valueOf));
          n.outputs.forEach((o, i) => vals.set(o, outs[i]));
        }
      }
      const y = valueOf(g.expression);
      const rows = y.size;
      const outs: NDArray[][] = [];
      for (let k = 0; k < rows; k++) {
        const local = new Map(vals);
        local.set(g.cotangent, oneHot(y.shape, k, g.cotangent.dtype));
        const get = (v: Variable) => local.get(v) ?? valueOf(v);
        for (const n of perRow) {
          const r = performNode(n, n.inputs.map(get));
          n.outputs.forEach((o, i) => local.set(o, r[i]));
        }
        outs.push(g.outputs.map(get));
      }
      return g.outputs.map((_o, j) => {
        const dtype = node.outputs[j].dtype;
        const rowShape = rows > 0 ? outs[0][j].shape : valueOf(g.wrt[j]).shape;
        const rowSize = rowShape.reduce((p, d) => p * d, 1);
        const data = new (typedArrayFor(dtype))(rows * rowSize);
        for (let k = 0; k < rows; k++) {
          const flat = outs[k][j].toFlat();
          for (let i = 0; i < rowSize; i++) data[k * rowSize + i] = castScalar(flat[i], dtype);
        }
        return new NDArray(data, [...y.shape, ...rowShape], { dtype });
      });
    },
  },
};

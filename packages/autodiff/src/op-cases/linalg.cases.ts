import { Generator, type NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from '../grad';
import { hessian, jacobian } from '../jacobian';
import type { FamilyCases, FixtureBuilder, VerifyCase } from './types';

type Params = Record<string, unknown>;

const ordOf = (o: unknown): T.NormOrd =>
  o === 'inf' ? Infinity : o === '-inf' ? -Infinity : (o as T.NormOrd);

/** How each fixture op name of linalg-ops.json is built with the theano-ts API. */
const BUILDERS: Record<string, FixtureBuilder> = {
  gemm: (_p, ins) => T.applyOp('Gemm', {}, ins).outputs[0],
  dot: (_p, [a, b]) => T.dot(a, b),
  matmul: (_p, [a, b]) => T.matmul(a, b),
  tensordot: (p, [a, b]) => T.tensordot(a, b, p.axes as T.TensordotAxes),
  outer: (_p, [a, b]) => T.outer(a, b),
  batchedDot: (_p, [a, b]) => T.batchedDot(a, b),
  batchedTensordot: (p, [a, b]) => T.batchedTensordot(a, b, p.axes as T.TensordotAxes),
  inv: (_p, [a]) => T.inv(a),
  det: (_p, [a]) => T.det(a),
  slogdetSign: (_p, [a]) => T.slogdet(a)[0],
  slogdetLogabsdet: (_p, [a]) => T.slogdet(a)[1],
  solve: (_p, [a, b]) => T.solve(a, b),
  cholesky: (p, [a]) => T.cholesky(a, { lower: p.lower as boolean }),
  qrQ: (p, [a]) => T.qr(a, p.mode as 'reduced' | 'complete')[0],
  qrR: (p, [a]) => (p.mode === 'r' ? T.qr(a, 'r') : T.qr(a, p.mode as 'reduced' | 'complete')[1]),
  svdU: (p, [a]) => T.svd(a, { fullMatrices: p.fullMatrices as boolean })[0],
  svdS: (p, [a]) => T.svd(a, { fullMatrices: p.fullMatrices as boolean })[1],
  svdVt: (p, [a]) => T.svd(a, { fullMatrices: p.fullMatrices as boolean })[2],
  svdvals: (_p, [a]) => T.svd(a, { computeUv: false }),
  eighW: (p, [a]) => T.eigh(a, p.UPLO as 'L' | 'U')[0],
  eighV: (p, [a]) => T.eigh(a, p.UPLO as 'L' | 'U')[1],
  norm: (p: Params, [x]) =>
    T.norm(x, ordOf(p.ord), {
      axis: (p.axis ?? null) as number | [number, number] | null,
      keepdims: p.keepdims as boolean | undefined,
    }),
  jacobian: (_p, [w, x]) => jacobian(T.mul(T.tanh(T.dot(w, x)), T.sum(x)), x),
  hessian: (_p, [w, x]) => hessian(T.add(T.sum(T.sqr(T.tanh(T.dot(w, x)))), T.sum(T.pow(x, 3))), x),
};

const rng = new Generator(20261130);
const u = (shape: number[], lo = -1, hi = 1) => rng.uniform(lo, hi, shape, 'float64');
/** Diagonally dominant: well conditioned, with distinct singular values when `spread`. */
function wellConditioned(n: number, m = n): NDArray {
  const a = u([n, m], -0.3, 0.3);
  for (let i = 0; i < Math.min(n, m); i++) a.set([i, i], a.get(i, i) + 3 - 0.8 * i);
  return a;
}
/** Symmetric positive definite, eigenvalues well apart. */
function spd(n: number): NDArray {
  const a = u([n, n], -0.2, 0.2);
  const s = array(
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => a.get(i, j) + a.get(j, i) + (i === j ? 1 + i : 0)),
    ),
    { dtype: 'float64' },
  );
  return s;
}
/** Symmetric with eigenvalues about 1 apart (the eigh gradient divides by their gaps). */
const symmetric = (n: number): NDArray => {
  const a = spd(n);
  for (let i = 0; i < n; i++) a.set([i, i], a.get(i, i) - 2);
  return a;
};
/** A vector with entries well apart (no ties for the max / min norms). */
const distinct = (n: number): NDArray =>
  array(
    Array.from(
      { length: n },
      (_, i) => (i % 2 ? 1 : -1) * (0.4 + 0.3 * i) + 0.01 * rng.nextDouble(),
    ),
    { dtype: 'float64' },
  );
const C = (a: NDArray) => T.constant(a);

type Case = [string, (...xs: T.Variable[]) => T.Variable, NDArray[], VerifyCase['opts']?];

const cases: Case[] = [
  // Matmul (batch broadcasting, 1-D operands), N-d dot, tensordot, outer, batched products
  ['matmul batch (both inputs)', (a, b) => T.matmul(a, b), [u([2, 3, 4]), u([2, 4, 2])]],
  [
    'matmul broadcast batch (a batch dim of length 1)',
    (a, b) => T.matmul(T.dimshuffle(a, [0, 'x', 1, 2]), b),
    [u([2, 3, 4]), u([3, 4, 2])],
  ],
  ['matmul 2-d · 3-d (a broadcast)', (a, b) => T.matmul(a, b), [u([3, 4]), u([2, 4, 2])]],
  ['matmul 1-d · 3-d', (a, b) => T.matmul(a, b), [u([4]), u([2, 4, 3])]],
  ['matmul 3-d · 1-d', (a, b) => T.matmul(a, b), [u([2, 3, 4]), u([4])]],
  ['dot 3-d · 2-d', (a, b) => T.dot(a, b), [u([2, 3, 4]), u([4, 2])]],
  ['dot 2-d · 3-d', (a, b) => T.dot(a, b), [u([3, 4]), u([2, 4, 2])]],
  ['tensordot axes 2', (a, b) => T.tensordot(a, b, 2), [u([2, 3, 4]), u([3, 4, 2])]],
  [
    'tensordot negative axes',
    (a, b) =>
      T.tensordot(a, b, [
        [-1, 0],
        [0, -2],
      ]),
    [u([2, 3, 4]), u([4, 2, 3])],
  ],
  ['outer', (a, b) => T.outer(a, b), [u([3]), u([4])]],
  ['batchedDot 3-d · 3-d', (a, b) => T.batchedDot(a, b), [u([3, 2, 4]), u([3, 4, 2])]],
  ['batchedDot 2-d · 2-d', (a, b) => T.batchedDot(a, b), [u([3, 4]), u([3, 4])]],
  ['batchedTensordot', (a, b) => T.batchedTensordot(a, b, 1), [u([2, 3, 4]), u([2, 4, 3])]],
  // nlinalg
  ['inv', (a) => T.inv(a), [wellConditioned(3)]],
  ['det', (a) => T.det(a), [wellConditioned(3)]],
  ['slogdet logabsdet', (a) => T.slogdet(a)[1], [wellConditioned(4)]],
  ['solve vector b (both inputs)', (a, b) => T.solve(a, b), [wellConditioned(3), u([3])]],
  ['solve matrix b (both inputs)', (a, b) => T.solve(a, b), [wellConditioned(3), u([3, 2])]],
  ['cholesky lower (reads the lower triangle)', (a) => T.cholesky(a), [spd(4)]],
  ['cholesky upper (reads the upper triangle)', (a) => T.cholesky(a, { lower: false }), [spd(3)]],
  ['qr Q (tall)', (a) => T.qr(a)[0], [wellConditioned(4, 3)]],
  ['qr R (tall)', (a) => T.qr(a)[1], [wellConditioned(4, 3)]],
  ['qr Q and R (square)', (a) => T.add(T.qr(a)[0], T.qr(a)[1]), [wellConditioned(3)]],
  ["qr mode 'r'", (a) => T.qr(a, 'r'), [wellConditioned(4, 3)]],
  ['svd S', (a) => T.svd(a, { fullMatrices: false })[1], [wellConditioned(4, 3)]],
  ['svd U (tall)', (a) => T.svd(a, { fullMatrices: false })[0], [wellConditioned(4, 3)]],
  ['svd Vt (tall)', (a) => T.svd(a, { fullMatrices: false })[2], [wellConditioned(4, 3)]],
  ['svd U (wide)', (a) => T.svd(a, { fullMatrices: false })[0], [wellConditioned(3, 4)]],
  ['svd Vt (wide)', (a) => T.svd(a, { fullMatrices: false })[2], [wellConditioned(3, 4)]],
  ['svd values only', (a) => T.svd(a, { computeUv: false }), [wellConditioned(3, 4)]],
  ['eigh eigenvalues', (a) => T.eigh(a)[0], [symmetric(4)]],
  ['eigh eigenvectors (lower)', (a) => T.eigh(a)[1], [symmetric(3)]],
  ["eigh eigenvectors (UPLO 'U')", (a) => T.eigh(a, 'U')[1], [symmetric(3)]],
  // norm
  ['norm vector 2', (a) => T.norm(a), [u([5])]],
  ['norm vector 1', (a) => T.norm(a, 1), [distinct(5)]],
  ['norm vector inf', (a) => T.norm(a, Infinity), [distinct(5)]],
  ['norm vector 3', (a) => T.norm(a, 3), [distinct(4)]],
  ['norm matrix fro (axis 1 rows)', (a) => T.norm(a, null, { axis: 1 }), [u([3, 4])]],
  ['norm matrix nuc', (a) => T.norm(a, 'nuc'), [wellConditioned(3)]],
  ['norm matrix 2', (a) => T.norm(a, 2), [wellConditioned(3, 4)]],
  [
    'norm matrix -inf',
    (a) => T.norm(a, -Infinity),
    [
      array(
        [
          [1.5, -0.2, 0.3],
          [0.4, 2.2, -1.1],
          [-0.9, 0.1, 0.2],
        ],
        { dtype: 'float64' },
      ),
    ],
  ],
  // second derivatives: the gradient graphs are differentiable in turn (hessians work)
  [
    'second order: grad of sum(inv(a) · c)',
    (a) => grad(T.sum(T.mul(T.inv(a), C(u([3, 3])))), a),
    [wellConditioned(3)],
  ],
  ['second order: grad of det', (a) => grad(T.det(a), a), [wellConditioned(3)]],
  [
    'second order: grad of sum(solve(a, b) · c) (both inputs)',
    (a, b) => T.add(grad(T.sum(T.mul(T.solve(a, b), C(u([3])))), a), T.outer(b, b)),
    [wellConditioned(3), u([3])],
  ],
  [
    'second order: grad of sum(cholesky(a) · c)',
    (a) => grad(T.sum(T.mul(T.cholesky(a), C(u([3, 3])))), a),
    [spd(3)],
  ],
  [
    'second order: grad of sum(eigh(a).w · c)',
    (a) => grad(T.sum(T.mul(T.eigh(a)[0], C(u([3])))), a),
    [symmetric(3)],
  ],
  [
    'second order: grad of sum(svd(a).S · c)',
    (a) => grad(T.sum(T.mul(T.svd(a, { computeUv: false }), C(u([3])))), a),
    [wellConditioned(3)],
  ],
  [
    'second order: grad of sum(qr(a).R · c)',
    (a) => grad(T.sum(T.mul(T.qr(a, 'r'), C(u([3, 3])))), a),
    [wellConditioned(3)],
  ],
  [
    'second order: grad of sum(matmul(a, b) ** 2) wrt b',
    (a, b) => grad(T.sum(T.sqr(T.matmul(a, b))), b),
    [u([2, 3, 4]), u([2, 4, 2])],
  ],
];

const m = (
  shape: (number | null)[],
  name = 'a',
  dtype: 'float64' | 'float32' | 'int32' = 'float64',
) => T.tensor(name, { dtype, shape });

/** Linear algebra: Gemm, Matmul, the nlinalg decompositions and the Jacobian op. */
export const LINALG_CASES: FamilyCases = {
  family: 'linalg',
  fixtureFiles: ['linalg-ops.json'],
  builders: BUILDERS,
  verify: cases.map(([name, fn, pt, opts]) => ({ name, fn, pt, opts })),
  buildErrors: [
    {
      op: 'Gemm',
      name: 'inputs of different dtypes',
      build: () =>
        T.applyOp('Gemm', {}, [
          T.dmatrix('z'),
          T.dscalar('a'),
          T.fmatrix('x'),
          T.dmatrix('y'),
          T.dscalar('b'),
        ]),
      message:
        /Gemm: all inputs must have one dtype: input 2 'x' \(float32 matrix\) is not float64/,
    },
    {
      op: 'Matmul',
      name: 'batch dimensions that do not broadcast',
      build: () => T.matmul(m([2, 3, 4]), m([3, 4, 5], 'b')),
      message:
        /Matmul: batch dimensions do not broadcast: input 0 'a' .* has 2 and input 1 'b' .* has 3/,
    },
    {
      op: 'Matmul',
      name: 'misaligned inner dimensions',
      build: () => T.matmul(m([null, 3, 4]), m([null, 5, 2], 'b')),
      message:
        /Matmul: shapes not aligned: input 0 'a' .* has 4 in its last dimension, input 1 'b' .* has 5/,
    },
    {
      op: 'Dot',
      name: 'tensordot over axes of different lengths',
      build: () => T.tensordot(m([2, 3, 4]), m([3, 5], 'b'), [[2], [0]]),
      message:
        /tensordot: shape-mismatch for sum: axis 2 of 'a' .* has length 4, axis 0 of 'b' .* has 3/,
    },
    {
      op: 'Dot',
      name: 'N-d dot with misaligned axes',
      build: () => T.dot(m([2, 3, 4]), m([5, 2], 'b')),
      message: /shape-mismatch for sum: axis 2 of 'a' .* has length 4, axis 0 of 'b' .* has 5/,
    },
    {
      op: 'Matmul',
      name: 'batchedDot of a scalar',
      build: () => T.batchedDot(T.dscalar('s'), T.dtensor3('t')),
      message: /batchedDot: both operands need a batch dimension/,
    },
    {
      op: 'MatrixInverse',
      name: 'a non-square matrix',
      build: () => T.inv(m([2, 3])),
      message:
        /MatrixInverse: input 0 'a' \(float64 matrix shape \(2, 3\)\) must be square: 2 != 3/,
    },
    {
      op: 'Det',
      name: 'a vector',
      build: () => T.det(T.dvector('v')),
      message: /Det: input 0 'v' \(float64 vector\) must have 2 dimensions, got 1/,
    },
    {
      op: 'SLogDet',
      name: 'an int matrix given to the op (the function casts to float64)',
      build: () => T.applyOp('SLogDet', {}, [T.imatrix('m')]),
      message: /SLogDet: input 0 'm' \(int32 matrix\) must be a float tensor/,
    },
    {
      op: 'Solve',
      name: 'b with the wrong number of rows',
      build: () => T.solve(m([3, 3]), m([4], 'b')),
      message: /Solve: rows of input 0 'a' .* and of input 1 'b' .* differ: 3 != 4/,
    },
    {
      op: 'Cholesky',
      name: 'a 3-d input',
      build: () => T.cholesky(T.dtensor3('t')),
      message: /Cholesky: input 0 't' .* must have 2 dimensions, got 3/,
    },
    {
      op: 'QR',
      name: 'an unknown mode',
      build: () => T.applyOp('QR', { mode: 'full' as 'reduced' }, [T.dmatrix('a')]),
      message: /QR: mode must be 'reduced', 'complete' or 'r', got 'full'/,
    },
    {
      op: 'SVD',
      name: 'a vector',
      build: () => T.svd(T.dvector('v')),
      message: /SVD: input 0 'v' .* must have 2 dimensions, got 1/,
    },
    {
      op: 'Eigh',
      name: 'a non-square matrix',
      build: () => T.eigh(m([3, 2])),
      message: /Eigh: input 0 'a' .* must be square: 3 != 2/,
    },
    {
      op: 'Eigh',
      name: 'an unknown UPLO',
      build: () => T.eigh(T.dmatrix('a'), 'X' as 'L'),
      message: /eigh: UPLO must be 'L' or 'U', got 'X'/,
    },
    {
      op: 'Jacobian',
      name: 'inputs that do not match the inner graph',
      build: () => {
        const x = T.dvector('x');
        const J = jacobian(T.tanh(x), x);
        return T.applyOp('Jacobian', J.owner!.op.params as T.OpParams['Jacobian'], [
          T.dmatrix('y'),
        ]);
      },
      message:
        /Jacobian: input 0 'y' \(float64 matrix\) must have the type of the inner graph's input 0 \(float64 vector\)/,
    },
    {
      op: 'Jacobian',
      name: 'an integer expression',
      build: () => jacobian(T.ivector('i'), T.dvector('x')),
      message: /jacobian: expression must be a float tensor, got int32 vector/,
    },
    {
      op: 'SVD',
      name: 'norm 2 of a 3-d input',
      build: () => T.norm(T.dtensor3('t'), 2, { axis: [0, 1] }),
      message: /norm: ord=2 \(singular values\) needs a 2-d input/,
    },
  ],
};

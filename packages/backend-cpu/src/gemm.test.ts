import { describe, expect, it } from 'vitest';
import { type DType, Generator, NDArray, dot as referenceDot } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { gemmArenaBytes, setGemmSplitDisabled, wasmEngine, wasmKernelRuns } from './gemm';
import { gemmThreadPossible } from './gemm-thread';
import { matmul } from './kernels';
import { hasWasmSimd } from './wasm/features';
import {
  expectSameBits,
  randomArray,
  runKernel,
  withEveryProductOnWasm,
  withoutWasmSimd,
} from './test-helpers.test-helper';

const rng = new Generator(11);

/**
 * The fast kernel against the reference dot (float64 accumulation, one rounding): every element
 * within k·eps·Σ|a||b| (the standard bound for a sum of k products, Higham §3.1) plus the
 * reference's own rounding.
 */
function expectClose(got: NDArray, a: NDArray, b: NDArray, what: string): void {
  const want = referenceDot(a, b);
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  const A = a.ndim === 1 ? a.reshape([1, a.shape[0]]) : a;
  const B = b.ndim === 1 ? b.reshape([b.shape[0], 1]) : b;
  const [m, k] = A.shape;
  const n = B.shape[1];
  const eps = got.dtype === 'float32' ? 2 ** -23 : 2 ** -52;
  const g = got.toFlat();
  const w = want.toFlat();
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let absSum = 0;
      for (let p = 0; p < k; p++) absSum += Math.abs(Number(A.get(i, p)) * Number(B.get(p, j)));
      const bound = (k + 2) * eps * absSum;
      const e = Math.abs(g[i * n + j] - w[i * n + j]);
      if (!(e <= bound))
        throw new Error(
          `${what}: element (${i}, ${j}) ${g[i * n + j]} vs reference ${w[i * n + j]}, error ${e} > bound ${bound}`,
        );
    }
}

/** A strided view of the same values: the matrix spread through a bigger random buffer. */
function strided(x: NDArray, step: number): NDArray {
  const [m, n] = x.shape;
  const s1 = step;
  const s0 = n * step + 3;
  const buf = randomArray(rng, x.dtype, [1 + (m - 1) * s0 + (n - 1) * s1 + 1], false).data;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) buf[1 + i * s0 + j * s1] = x.get(i, j);
  return new NDArray(buf, [m, n], { dtype: x.dtype, offset: 1, strides: [s0, s1] });
}

describe.skipIf(!hasWasmSimd())('WebAssembly SIMD GEMM vs the reference dot', () => {
  withEveryProductOnWasm(); // every shape goes to the wasm kernel

  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 1],
    [7, 13, 17],
    [4, 8, 8],
    [5, 1, 3],
    [13, 300, 11], // k spans two k blocks (256)
    [131, 17, 9], // m spans two row blocks (128)
    [3, 529, 37],
    [64, 64, 64],
  ];
  for (const dtype of ['float32', 'float64'] as DType[]) {
    it.each(shapes)(`${dtype} %i×%i · %i contiguous, transposed and strided`, (m, k, n) => {
      const a = randomArray(rng, dtype, [m, k], false);
      const b = randomArray(rng, dtype, [k, n], false);
      expectClose(matmul(a, b, dtype), a, b, 'contiguous');
      // Aᵀ·B and A·Bᵀ as views (no copy)
      const at = randomArray(rng, dtype, [k, m], false).T;
      const bt = randomArray(rng, dtype, [n, k], false).T;
      if (m > 1 && k > 1) expect(at.isContiguous).toBe(false);
      expectClose(matmul(at, b, dtype), at, b, 'Aᵀ·B');
      expectClose(matmul(a, bt, dtype), a, bt, 'A·Bᵀ');
      expectClose(matmul(at, bt, dtype), at, bt, 'Aᵀ·Bᵀ');
      const as = strided(a, 2);
      const bs = strided(b, 3);
      expect(as.isContiguous && m > 1).toBe(false);
      expectClose(matmul(as, bs, dtype), as, bs, 'strided');
    });
    it(`${dtype} matrix·vector, vector·matrix, vector·vector`, () => {
      const a = randomArray(rng, dtype, [9, 23], false);
      const v = randomArray(rng, dtype, [23], false);
      const w = randomArray(rng, dtype, [9], false);
      expectClose(matmul(a, v, dtype), a, v, 'M·v');
      expectClose(matmul(w, a, dtype), w, a, 'v·M');
      expectClose(matmul(v, v, dtype), v, v, 'v·v');
      expect(matmul(v, v, dtype).shape).toEqual([]);
    });
  }

  it('propagates NaN and infinities like the reference', () => {
    const a = randomArray(rng, 'float32', [6, 10], true);
    const b = randomArray(rng, 'float32', [10, 9], true);
    const got = matmul(a, b, 'float32').toFlat();
    const want = referenceDot(a, b).toFlat();
    for (let i = 0; i < got.length; i++)
      if (!Number.isFinite(want[i])) expect(got[i], `element ${i}`).toBe(want[i]);
  });

  it('Dot and Gemm nodes run it (backend kernels) and keep the reference results', () => {
    const a = randomArray(rng, 'float32', [12, 40], false);
    const b = randomArray(rng, 'float32', [40, 10], false);
    const [out] = runKernel(T.dot(T.fmatrix('a'), T.fmatrix('b')).owner!, [a, b]);
    expectClose(out, a, b, 'Dot node');
  });

  it.each([
    ['float32', 'full'],
    ['float64', 'full'],
    ['float32', 'row'],
    ['float64', 'row'],
  ] as const)(
    '%s Gemm node (z·b + a·dot(x, y), xᵀ view, z %s) matches the reference to rounding',
    (dtype, zKind) => {
      const [m, k, n] = [37, 29, 19];
      // z 'row': a (1, n) bias broadcast over the rows (declared broadcastable)
      const z = randomArray(rng, dtype, [zKind === 'row' ? 1 : m, n], false);
      const x = randomArray(rng, dtype, [k, m], false).T;
      const y = randomArray(rng, dtype, [k, n], false);
      const sc = (v: number) =>
        new NDArray(new (dtype === 'float32' ? Float32Array : Float64Array)([v]), [], { dtype });
      const mat = () => T.tensor('m', { dtype, ndim: 2 });
      const scal = () => T.tensor('s', { dtype, ndim: 0 });
      const zVar = zKind === 'row' ? T.tensor('z', { dtype, shape: [1, null] }) : mat();
      const node = T.applyOp('Gemm', {}, [zVar, scal(), mat(), mat(), scal()]);
      const inputs = [z, sc(-0.1), x, y, sc(1.5)];
      const before = wasmKernelRuns.gemm;
      const [got] = runKernel(node, inputs);
      expect(wasmKernelRuns.gemm).toBe(before + 1);
      const [want] = T.performNode(node, inputs);
      const eps = dtype === 'float32' ? 2 ** -23 : 2 ** -52;
      const g = got.toFlat();
      const w = want.toFlat();
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let absSum = 0;
          for (let p = 0; p < k; p++) absSum += Math.abs(x.get(i, p) * y.get(p, j));
          const bound = 0.1 * (k + 2) * eps * absSum + 4 * eps * Math.abs(w[i * n + j]);
          expect(Math.abs(g[i * n + j] - w[i * n + j])).toBeLessThanOrEqual(bound);
        }
    },
  );

  it('grows its arena once for the largest product and reuses it', () => {
    const a = randomArray(rng, 'float32', [100, 90], false);
    const b = randomArray(rng, 'float32', [90, 80], false);
    matmul(a, b, 'float32');
    const after = gemmArenaBytes();
    expect(after).toBeGreaterThanOrEqual((100 * 90 + 90 * 80 + 100 * 80) * 4);
    for (let i = 0; i < 5; i++) matmul(a, b, 'float32');
    matmul(
      randomArray(rng, 'float32', [5, 5], false),
      randomArray(rng, 'float32', [5, 5], false),
      'float32',
    );
    expect(gemmArenaBytes()).toBe(after);
  });
});

describe.skipIf(!hasWasmSimd() || !gemmThreadPossible())(
  'the second GEMM thread (Node, ≥ 2 cores; skipped elsewhere: no worker_threads)',
  () => {
    it('splits large products by rows: bit-identical to one thread, for both dtypes and transposed operands', async () => {
      // start the engine and wait for the worker to be up (it starts asynchronously)
      matmul(
        randomArray(rng, 'float32', [8, 8], false),
        randomArray(rng, 'float32', [8, 8], false),
        'float32',
      );
      const eng = wasmEngine();
      expect(eng.thread).toBeDefined();
      for (let i = 0; i < 500 && !eng.thread!.ready(); i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(eng.thread!.ready()).toBe(true);
      for (const dtype of ['float32', 'float64'] as DType[])
        for (const [m, k, n] of [
          [201, 300, 97],
          [130, 257, 64],
          [37, 1031, 61],
        ]) {
          const a = randomArray(rng, dtype, [k, m], false).T;
          const b = randomArray(rng, dtype, [k, n], false);
          const before = wasmKernelRuns.threaded;
          const two = matmul(a, b, dtype);
          expect(wasmKernelRuns.threaded, `${m}×${k}×${n} split`).toBe(before + 1);
          const prev = setGemmSplitDisabled(true);
          const one = matmul(a, b, dtype);
          setGemmSplitDisabled(prev);
          expect(wasmKernelRuns.threaded).toBe(before + 1);
          expectSameBits(two, one, `${dtype} ${m}×${k}×${n}`);
          expectClose(two, a, b, 'threaded');
        }
    });
  },
);

describe('WebAssembly SIMD absent: the JavaScript loop runs and equals the reference bit for bit', () => {
  withoutWasmSimd();
  it.each(['float32', 'float64'] as DType[])('%s 37×41 · 41×29 (Aᵀ view)', (dtype) => {
    const a = randomArray(rng, dtype, [41, 37], false).T;
    const b = randomArray(rng, dtype, [41, 29], false);
    expect(Array.from(matmul(a, b, dtype).toFlat())).toEqual(
      Array.from(referenceDot(a, b).toFlat()),
    );
  });
});

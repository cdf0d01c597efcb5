import { describe, expect, it } from 'vitest';
import { type DType, Generator, NDArray, array, dot as referenceDot } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { matmul } from './kernels';
import { createCpuBackend } from './backend';
import {
  backend,
  expectKernelMatchesReference,
  expectSameBits,
  randomArray,
  runKernel,
} from './test-helpers.test-helper';

const rng = new Generator(7);

/** Largest |a - b| / max(1, |b|) over two arrays of the same shape. */
function maxRelErr(a: NDArray, b: NDArray): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.toFlat();
  const y = b.toFlat();
  let m = 0;
  for (let i = 0; i < x.length; i++)
    m = Math.max(m, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(y[i])));
  return m;
}

describe('Dot kernel (matmul) equals the reference dot', () => {
  const shapes: [string, number[], number[]][] = [
    ['vector · vector', [5], [5]],
    ['matrix · vector', [4, 5], [5]],
    ['vector · matrix', [4], [4, 6]],
    ['matrix · matrix', [3, 4], [4, 2]],
    ['1×1 · 1×1', [1, 1], [1, 1]],
    ['empty inner dimension', [3, 0], [0, 2]],
  ];
  for (const dtype of ['float64', 'float32', 'int32'] as DType[]) {
    for (const [name, sa, sb] of shapes) {
      it(`${name} in ${dtype}`, () => {
        const a = T.tensor('a', { dtype, ndim: sa.length });
        const b = T.tensor('b', { dtype, ndim: sb.length });
        const node = T.dot(a, b).owner!;
        expect(node.op.kind).toBe('Dot');
        const [out] = expectKernelMatchesReference(
          node,
          [randomArray(rng, dtype, sa, false), randomArray(rng, dtype, sb, false)],
          name,
        );
        expect(out.shape).toEqual([...sa.slice(0, -1), ...sb.slice(1)]);
      });
    }
  }

  it('transposed inputs (DimShuffle views) and views with an offset', () => {
    const A = randomArray(rng, 'float64', [5, 3], false);
    const B = randomArray(rng, 'float64', [4, 5], false);
    const a = T.dmatrix('a');
    const b = T.dmatrix('b');
    const at = a.T;
    const bt = b.T;
    const node = T.dot(at, bt).owner!;
    const [av] = T.performNode(at.owner!, [A]);
    const [bv] = T.performNode(bt.owner!, [B]);
    expect(av.isContiguous).toBe(false);
    const [out] = expectKernelMatchesReference(node, [av, bv]);
    // by hand: (Aᵀ Bᵀ)[i, j] = Σ_k A[k, i] B[j, k]
    let s = 0;
    for (let k = 0; k < 5; k++) s += A.get(k, 2) * B.get(3, k);
    expect(out.get(2, 3)).toBe(s);
    const data = Float64Array.from({ length: 13 }, (_, i) => i);
    const off = new NDArray(data, [3, 4], { offset: 1 });
    const node2 = T.dot(T.dmatrix('x'), T.dvector('v')).owner!;
    const [r] = expectKernelMatchesReference(node2, [
      off,
      array([1, 0, 0, -1], { dtype: 'float64' }),
    ]);
    expect(r.toArray()).toEqual([1 - 4, 5 - 8, 9 - 12]);
  });

  it('matmul accumulates in float64 and rounds once, like the reference', () => {
    const a = randomArray(rng, 'float32', [3, 50], false);
    const b = randomArray(rng, 'float32', [50, 2], false);
    expectSameBits(matmul(a, b, 'float32'), referenceDot(a, b, 'float32'));
    expectSameBits(matmul(a, b, 'float64'), referenceDot(a, b, 'float64'));
  });

  it('rejects misaligned shapes', () => {
    const a = new NDArray(new Float64Array(6), [2, 3]);
    const b = new NDArray(new Float64Array(4), [2, 2]);
    expect(() => matmul(a, b, 'float64')).toThrow(RangeError);
    expect(() => matmul(a, b, 'float64')).toThrow(
      /Dot: shapes \(2, 3\) and \(2, 2\) not aligned: 3 != 2/,
    );
  });
});

describe('Softmax and LogSoftmax kernels match the reference', () => {
  for (const dtype of ['float64', 'float32'] as DType[]) {
    for (const shape of [[4, 7], [7], [2, 3, 5]]) {
      it(`${dtype} ${JSON.stringify(shape)} over the last axis`, () => {
        const x = T.tensor('x', { dtype, ndim: shape.length });
        const xv = randomArray(rng, dtype, shape, false);
        for (const out of [T.softmax(x), T.logSoftmax(x)]) {
          const node = out.owner!;
          expect(backend.hasKernel(node)).toBe(true);
          const [got] = runKernel(node, [xv]);
          const [want] = T.performNode(node, [xv]);
          expect(got.dtype).toBe(dtype);
          expect(maxRelErr(got, want)).toBeLessThanOrEqual(dtype === 'float32' ? 2 ** -23 : 1e-15);
        }
      });
    }
  }

  it('rows sum to 1 and large inputs stay finite', () => {
    const node = T.softmax(T.dmatrix('x')).owner!;
    const [got] = runKernel(node, [
      array(
        [
          [1000, 1000, -1000],
          [1, 2, 3],
        ],
        { dtype: 'float64' },
      ),
    ]);
    expect(got.get(0, 0)).toBe(0.5);
    expect(got.get(0, 2)).toBe(0);
    const e = [1, 2, 3].map(Math.exp);
    const z = e[0] + e[1] + e[2];
    [0, 1, 2].forEach((j) => expect(got.get(1, j)).toBeCloseTo(e[j] / z, 15));
  });

  it('reads a transposed input', () => {
    const node = T.softmax(T.dmatrix('x')).owner!;
    const xv = randomArray(rng, 'float64', [5, 3], false).T;
    const [got] = runKernel(node, [xv]);
    const [want] = T.performNode(node, [xv]);
    expect(maxRelErr(got, want)).toBeLessThanOrEqual(1e-15);
  });

  it('another axis has no kernel and runs the reference', () => {
    const node = T.softmax(T.dmatrix('x'), { axis: 0 }).owner!;
    expect(backend.hasKernel(node)).toBe(false);
    const xv = randomArray(rng, 'float64', [3, 4], false);
    expectKernelMatchesReference(node, [xv]);
  });
});

describe('cross-entropy kernels', () => {
  for (const dtype of ['float64', 'float32'] as DType[]) {
    it(`CrossentropySoftmax1Hot and its Dx match the reference (${dtype})`, () => {
      const x = T.tensor('x', { dtype, ndim: 2 });
      const y = T.ivector('y');
      const ce = T.crossentropySoftmax1Hot(x, y);
      const xv = randomArray(rng, dtype, [6, 5], false);
      const yv = array([0, 4, 2, 2, 1, 3], { dtype: 'int32' });
      const [got] = runKernel(ce.owner!, [xv, yv]);
      const [want] = T.performNode(ce.owner!, [xv, yv]);
      expect(got.dtype).toBe(dtype);
      expect(maxRelErr(got, want)).toBeLessThanOrEqual(dtype === 'float32' ? 2 ** -23 : 1e-14);

      const dx = T.applyOp('CrossentropySoftmax1HotDx', {}, [
        T.tensor('g', { dtype, ndim: 1 }),
        x,
        y,
      ]);
      const gv = randomArray(rng, dtype, [6], false);
      const [gd] = runKernel(dx, [gv, xv, yv]);
      const [wd] = T.performNode(dx, [gv, xv, yv]);
      expect(gd.dtype).toBe(dtype);
      expect(maxRelErr(gd, wd)).toBeLessThanOrEqual(dtype === 'float32' ? 2 ** -23 : 1e-15);
      // awkward shapes (1 class, primes) and a transposed (non-contiguous) x
      for (const [n, k] of [
        [1, 1],
        [7, 13],
        [13, 7],
      ]) {
        const xt = randomArray(rng, dtype, [k, n], false).T;
        const yk = array(
          Array.from({ length: n }, (_, i) => (i * 5) % k),
          { dtype: 'int32' },
        );
        const gk = randomArray(rng, dtype, [n], false);
        const [a] = runKernel(dx, [gk, xt, yk]);
        const [b] = T.performNode(dx, [gk, xt, yk]);
        expect(maxRelErr(a, b), `${n}×${k}`).toBeLessThanOrEqual(
          dtype === 'float32' ? 2 ** -23 : 1e-15,
        );
      }
    });
  }

  it('hand values: -log softmax([0, ln 2, ln 3])[2] = ln 2', () => {
    const node = T.crossentropySoftmax1Hot(T.dmatrix('x'), T.ivector('y')).owner!;
    const [got] = runKernel(node, [
      array([[0, Math.log(2), Math.log(3)]], { dtype: 'float64' }),
      array([2]),
    ]);
    expect(got.get(0)).toBeCloseTo(Math.LN2, 15);
  });

  it('a label out of range throws a RangeError naming the op and the label', () => {
    const x = T.dmatrix('x');
    const y = T.ivector('y');
    const ce = T.crossentropySoftmax1Hot(x, y).owner!;
    const dx = T.applyOp('CrossentropySoftmax1HotDx', {}, [T.dvector('g'), x, y]);
    const xv = array(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: 'float64' },
    );
    expect(() => runKernel(ce, [xv, array([0, 3])])).toThrow(RangeError);
    expect(() => runKernel(ce, [xv, array([0, 3])])).toThrow(
      /^CrossentropySoftmax1Hot: label 3 at row 1 is out of range for 3 classes/,
    );
    expect(() => runKernel(ce, [xv, array([-1, 0])])).toThrow(/label -1 at row 0/);
    expect(() => runKernel(dx, [array([1, 1], { dtype: 'float64' }), xv, array([5, 0])])).toThrow(
      /^CrossentropySoftmax1HotDx: label 5 at row 0/,
    );
    expect(() => runKernel(ce, [xv, array([0])])).toThrow(/2 rows but 1 labels/);
  });
});

describe('the CPU backend', () => {
  it('passes NDArrays through and names itself', () => {
    const b = createCpuBackend();
    const a = array([1, 2]);
    expect(b.name).toBe('cpu');
    expect(b.fromHost(a)).toBe(a);
    expect(b.toHost(a)).toBe(a);
    expect(() => b.toHost(3)).toThrow(/cpu backend: expected an NDArray, got 3/);
  });

  it('falls back to the reference for ops without a kernel', () => {
    const x = T.dmatrix('x');
    const node = T.argmax(x, { axis: 0 }).owner!;
    expect(backend.hasKernel(node)).toBe(false);
    const [out] = runKernel(node, [
      array(
        [
          [1, 4],
          [3, 2],
        ],
        { dtype: 'float64' },
      ),
    ]);
    expect(out.toArray()).toEqual([1, 0]);
  });
});

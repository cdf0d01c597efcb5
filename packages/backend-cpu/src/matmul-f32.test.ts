import { describe, expect, it } from 'vitest';
import { NDArray } from '@theano-ts/tensor';
import { matmul } from './kernels';
import { withoutWasmSimd } from './test-helpers.test-helper';

/** The reference contract: each element accumulated in float64 in ascending p order, rounded once. */
function reference(a: NDArray, b: NDArray): Float32Array {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += Number(a.get(i, p)) * Number(b.get(p, j));
      out[i * n + j] = s;
    }
  return out;
}

function rand(shape: number[], seed: number): NDArray {
  const size = shape.reduce((x, y) => x * y, 1);
  const d = new Float32Array(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    d[i] = (s / 4294967296) * 2 - 1;
  }
  return new NDArray(d, shape, { dtype: 'float32' });
}

describe('float32 matmul JavaScript fallback (four rows per pass; WebAssembly SIMD forced off)', () => {
  withoutWasmSimd();
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 1],
    [3, 5, 2],
    [4, 4, 4],
    [5, 13, 11],
    [7, 1, 3],
    [17, 31, 19],
    [33, 64, 9],
  ];
  it.each(shapes)(
    'is bit-identical to the row-wise float64 reference for %i×%i · %i×…',
    (m, k, n) => {
      const a = rand([m, k], m * 101 + k);
      const b = rand([k, n], k * 7 + n);
      const c = matmul(a, b, 'float32');
      expect(c.shape).toEqual([m, n]);
      expect(Array.from(c.data)).toEqual(Array.from(reference(a, b)));
    },
  );

  it('handles non-contiguous (transposed) views', () => {
    const a = rand([11, 6], 3).T; // 6×11 view
    const b = rand([5, 11], 4).T; // 11×5 view
    expect(a.isContiguous).toBe(false);
    const c = matmul(a, b, 'float32');
    expect(Array.from(c.data)).toEqual(Array.from(reference(a, b)));
  });

  it('keeps vector shapes (matrix · vector, vector · matrix)', () => {
    const a = rand([6, 5], 9);
    const v = rand([5], 10);
    expect(matmul(a, v, 'float32').shape).toEqual([6]);
    expect(Array.from(matmul(a, v, 'float32').data)).toEqual(
      Array.from(reference(a, v.reshape([5, 1]))),
    );
    const w = rand([6], 11);
    expect(Array.from(matmul(w, a, 'float32').data)).toEqual(
      Array.from(reference(w.reshape([1, 6]), a)),
    );
  });
});

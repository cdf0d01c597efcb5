import { describe, expect, it } from 'vitest';
import { argReduce, dot, elemwise, reduce, reducedShape } from './math';
import { array } from './creation';
import { NDArray } from './ndarray';

const add = (x: number, y: number) => x + y;
const sum = { init: 0, fn: add };
const max = {
  init: -Infinity,
  fn: (a: number, v: number) => Math.max(a, v),
  identityRequired: 'maximum',
};
const gt = (a: number, b: number) => a > b;
const lt = (a: number, b: number) => a < b;

describe('elemwise', () => {
  it('applies a function elementwise on equal shapes', () => {
    const out = elemwise([array([1, 2, 3]), array([10, 20, 30])], 'float64', add);
    expect(out.shape).toEqual([3]);
    expect(out.toArray()).toEqual([11, 22, 33]);
  });

  it('broadcasts a row against a matrix', () => {
    const m = array([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const out = elemwise([m, array([10, 20, 30])], 'int32', add);
    expect(out.toArray()).toEqual([
      [11, 22, 33],
      [14, 25, 36],
    ]);
  });

  it('broadcasts a column against a row into an outer table', () => {
    const out = elemwise([array([[1], [2], [3]]), array([[10, 20]])], 'float64', (a, b) => a * b);
    expect(out.shape).toEqual([3, 2]);
    expect(out.toArray()).toEqual([
      [10, 20],
      [20, 40],
      [30, 60],
    ]);
  });

  it('broadcasts 0-d arrays and reads non-contiguous views', () => {
    const m = array([
      [1, 2],
      [3, 4],
      [5, 6],
    ]).T;
    const out = elemwise([m, array(100)], 'float64', add);
    expect(out.toArray()).toEqual([
      [101, 103, 105],
      [102, 104, 106],
    ]);
  });

  it('casts results to the output dtype', () => {
    const out = elemwise([array([100, 100])], 'int8', (x) => x * 3);
    expect(Array.from(out.data)).toEqual([300 - 256, 300 - 256]);
    const f = elemwise([array([1, 1])], 'float32', (x) => x / 3);
    expect(f.get(0)).toBe(Math.fround(1 / 3));
    const b = elemwise([array([0, 1, NaN])], 'bool', (x) => x);
    expect(b.toArray()).toEqual([false, true, true]);
  });

  it('rejects shapes that do not broadcast, naming both: (2,3) + (3,2)', () => {
    const a = new NDArray(new Float64Array(6), [2, 3]);
    const b = new NDArray(new Float64Array(6), [3, 2]);
    expect(() => elemwise([a, b], 'float64', add)).toThrow(RangeError);
    expect(() => elemwise([a, b], 'float64', add)).toThrow(
      /operands could not be broadcast together with shapes \(2, ?3\) \(3, ?2\)/,
    );
  });
});

describe('reduce', () => {
  const x = array([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('sums over all axes by default, to a 0-d array', () => {
    const s = reduce(x, undefined, sum);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(21);
  });

  it('sums over one axis, also given as a negative axis', () => {
    expect(reduce(x, 0, sum).toArray()).toEqual([5, 7, 9]);
    expect(reduce(x, 1, sum).toArray()).toEqual([6, 15]);
    expect(reduce(x, -1, sum).toArray()).toEqual([6, 15]);
    expect(reduce(x, -2, sum).toArray()).toEqual([5, 7, 9]);
  });

  it('keeps reduced dimensions with keepdims', () => {
    const s = reduce(x, 1, { ...sum, keepdims: true });
    expect(s.shape).toEqual([2, 1]);
    expect(s.toArray()).toEqual([[6], [15]]);
    expect(reduce(x, null, { ...sum, keepdims: true }).shape).toEqual([1, 1]);
  });

  it('reduces several axes of a 3-d array', () => {
    // t[i, j, k] = 100 i + 10 j + k
    const t = new NDArray(
      Float64Array.from(
        { length: 24 },
        (_, n) => 100 * Math.floor(n / 12) + 10 * Math.floor((n % 12) / 4) + (n % 4),
      ),
      [2, 3, 4],
    );
    // sum over i and k: for each j, sum_i sum_k (100 i + 10 j + k) = 4*100 + 8*10 j + 2*6
    expect(reduce(t, [0, 2], sum).toArray()).toEqual([0, 1, 2].map((j) => 400 + 80 * j + 12));
    expect(reduce(t, [2, 0], sum).shape).toEqual([3]);
    expect(reduce(t, [0, -1], { ...sum, keepdims: true }).shape).toEqual([1, 3, 1]);
  });

  it('reads transposed views', () => {
    expect(reduce(x.T, 1, sum).toArray()).toEqual([5, 7, 9]);
  });

  it('takes the maximum and stores in the requested dtype', () => {
    expect(reduce(x, 0, max).toArray()).toEqual([4, 5, 6]);
    const m = reduce(array([0.1, 0.7]), 0, { ...max, dtype: 'float32' });
    expect(m.dtype).toBe('float32');
    expect(m.item()).toBe(Math.fround(0.7));
  });

  it('returns the identity for an empty sum and refuses an empty max', () => {
    const e = new NDArray(new Float64Array(0), [0, 3]);
    expect(reduce(e, 0, sum).toArray()).toEqual([0, 0, 0]);
    expect(() => reduce(e, 0, max)).toThrow(RangeError);
    expect(() => reduce(e, 0, max)).toThrow(
      'zero-size array to reduction operation maximum which has no identity',
    );
    // the non-empty axis is fine
    expect(reduce(e, 1, max).shape).toEqual([0]);
  });

  it('rejects bad axes', () => {
    expect(() => reduce(x, 2, sum)).toThrow(RangeError);
    expect(() => reduce(x, [0, 0], sum)).toThrow(/repeated axis/);
  });

  it('computes reduced shapes', () => {
    expect(reducedShape([2, 3, 4], [1], false)).toEqual([2, 4]);
    expect(reducedShape([2, 3, 4], [0, 2], true)).toEqual([1, 3, 1]);
  });
});

describe('argReduce', () => {
  it('returns the first occurrence of the best value', () => {
    expect(argReduce(array([1, 3, 3, 2]), 0, gt).item()).toBe(1);
    expect(argReduce(array([2, 1, 5, 1]), 0, lt).item()).toBe(1);
  });

  it('counts NaN as the answer for both argmax and argmin, first NaN wins (numpy)', () => {
    const v = array([1, NaN, 5, NaN]);
    expect(argReduce(v, 0, gt).item()).toBe(1);
    expect(argReduce(v, 0, lt).item()).toBe(1);
    expect(argReduce(array([NaN, 9]), 0, gt).item()).toBe(0);
  });

  it('works along an axis, negative axes and keepdims, giving int32', () => {
    const m = array([
      [1, 9, 3],
      [7, 2, 7],
    ]);
    const a0 = argReduce(m, 0, gt);
    expect(a0.dtype).toBe('int32');
    expect(a0.toArray()).toEqual([1, 0, 1]);
    expect(argReduce(m, -1, gt).toArray()).toEqual([1, 0]);
    expect(argReduce(m, 1, gt, true).shape).toEqual([2, 1]);
  });

  it('flattens when axis is null', () => {
    const m = array([
      [1, 9, 3],
      [7, 2, 11],
    ]);
    const a = argReduce(m, null, gt);
    expect(a.shape).toEqual([]);
    expect(a.item()).toBe(5);
    expect(argReduce(m.T, null, gt).item()).toBe(5);
    expect(argReduce(m, null, gt, true).shape).toEqual([1, 1]);
  });

  it('refuses an empty sequence', () => {
    expect(() => argReduce(new NDArray(new Float64Array(0), [0]), 0, gt)).toThrow(/empty sequence/);
  });
});

describe('dot', () => {
  const A = array([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const v3 = array([1, 0, -1]);
  const v2 = array([2, -1]);

  it('1-d · 1-d is the inner product, a 0-d array', () => {
    const r = dot(v3, array([4, 5, 6]), 'float64');
    expect(r.shape).toEqual([]);
    expect(r.item()).toBe(4 - 6);
  });

  it('2-d · 1-d is a matrix-vector product', () => {
    const r = dot(A, v3, 'float64');
    expect(r.shape).toEqual([2]);
    expect(r.toArray()).toEqual([1 - 3, 4 - 6]);
  });

  it('1-d · 2-d is a vector-matrix product', () => {
    const r = dot(v2, A, 'float64');
    expect(r.shape).toEqual([3]);
    expect(r.toArray()).toEqual([2 - 4, 4 - 5, 6 - 6]);
  });

  it('2-d · 2-d is the matrix product', () => {
    const B = array([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    expect(dot(A, B, 'int32').toArray()).toEqual([
      [1 + 3, 2 + 3],
      [4 + 6, 5 + 6],
    ]);
  });

  it('reads transposed inputs', () => {
    // Aᵀ A, by hand: columns of A are (1,4), (2,5), (3,6)
    expect(dot(A.T, A, 'float64').toArray()).toEqual([
      [17, 22, 27],
      [22, 29, 36],
      [27, 36, 45],
    ]);
  });

  it('0-d operands scale', () => {
    expect(dot(array(2), v3, 'float64').toArray()).toEqual([2, 0, -2]);
    expect(dot(A, array(-1), 'float64').toArray()).toEqual([
      [-1, -2, -3],
      [-4, -5, -6],
    ]);
  });

  it('accumulates in float64 and rounds once to the output dtype', () => {
    const a = array([0.1, 0.2, 0.3]);
    const r = dot(a, array([1, 1, 1]), 'float32');
    expect(r.dtype).toBe('float32');
    expect(r.item()).toBe(Math.fround(0.1 + 0.2 + 0.3));
  });

  it.each([
    [[2, 3], [2], /shapes \(2, ?3\) and \(2, ?\) not aligned: 3 \(dim 1\) != 2 \(dim 0\)/],
    [[3], [2, 3], /shapes \(3, ?\) and \(2, ?3\) not aligned: 3 \(dim 0\) != 2 \(dim 0\)/],
    [[2, 3], [2, 3], /not aligned: 3 \(dim 1\) != 2 \(dim 0\)/],
    [[2], [3], /not aligned: 2 \(dim 0\) != 3 \(dim 0\)/],
  ])('rejects misaligned shapes %j · %j with numpy wording', (sa, sb, msg) => {
    const a = new NDArray(new Float64Array(sa.reduce((x, y) => x * y, 1)), sa);
    const b = new NDArray(new Float64Array(sb.reduce((x, y) => x * y, 1)), sb);
    expect(() => dot(a, b, 'float64')).toThrow(RangeError);
    expect(() => dot(a, b, 'float64')).toThrow(msg);
  });

  it('N-d operands: a sum product over the last axis of a and the second-to-last of b', () => {
    const a = new NDArray(
      Float64Array.from({ length: 8 }, (_, i) => i),
      [2, 2, 2],
    );
    const r = dot(a, v2, 'float64');
    expect(r.shape).toEqual([2, 2]);
    expect(r.toArray()).toEqual([
      [2 * 0 - 1, 2 * 2 - 3],
      [2 * 4 - 5, 2 * 6 - 7],
    ]);
    const b = new NDArray(
      Float64Array.from({ length: 12 }, (_, i) => i),
      [3, 2, 2],
    );
    // dot(a, b)[i, j, k, m] = sum_p a[i, j, p] * b[k, p, m]
    const big = dot(a, b);
    expect(big.shape).toEqual([2, 2, 3, 2]);
    expect(big.get(1, 0, 2, 1)).toBe(4 * 9 + 5 * 11);
  });
});

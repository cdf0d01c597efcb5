import { describe, expect, it } from 'vitest';
import { NDArray } from './ndarray';

/** 0, 1, …, n-1 as float64 in `shape`. */
const iota = (shape: number[]): NDArray => {
  const n = shape.reduce((a, b) => a * b, 1);
  return new NDArray(
    Float64Array.from({ length: n }, (_, i) => i),
    shape,
  );
};

describe('NDArray construction', () => {
  it('wraps a typed array without copying and infers the dtype', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const a = new NDArray(data, [2, 3]);
    expect(a.data).toBe(data);
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(a.strides).toEqual([3, 1]);
    expect(a.ndim).toBe(2);
    expect(a.size).toBe(6);
    expect(new NDArray(new Int16Array(4)).shape).toEqual([4]);
  });

  it('stores bool in a Uint8Array when asked', () => {
    const a = new NDArray(new Uint8Array([1, 0]), [2], { dtype: 'bool' });
    expect(a.dtype).toBe('bool');
    expect(a.toArray()).toEqual([true, false]);
  });

  it('rejects a typed array that does not store the dtype', () => {
    expect(() => new NDArray(new Float32Array(2), [2], { dtype: 'float64' })).toThrow(TypeError);
    expect(() => new NDArray(new Float32Array(2), [2], { dtype: 'float64' })).toThrow(
      /float64 needs a Float64Array, got Float32Array/,
    );
    expect(() => new NDArray(new Int8Array(2), [2], { dtype: 'uint8' })).toThrow(TypeError);
  });

  it('rejects data too short for the shape, and invalid shapes', () => {
    expect(() => new NDArray(new Float64Array(5), [2, 3])).toThrow(RangeError);
    expect(() => new NDArray(new Float64Array(5), [2, 3])).toThrow(
      /5 elements cannot fill shape \(2, 3\)/,
    );
    expect(() => new NDArray(new Float64Array(6), [2, 3], { offset: 1 })).toThrow(RangeError);
    expect(() => new NDArray(new Float64Array(6), [-1, 6])).toThrow(/invalid shape/);
    expect(() => new NDArray(new Float64Array(6), [1.5, 4])).toThrow(/invalid shape/);
  });

  it('reads through an offset', () => {
    const a = new NDArray(new Float64Array([9, 1, 2, 3]), [3], { offset: 1 });
    expect(a.toArray()).toEqual([1, 2, 3]);
    expect(a.get(0)).toBe(1);
  });
});

describe('indexing', () => {
  it('gets and sets with negative indices counting from the end', () => {
    const a = iota([2, 3]);
    expect(a.get(0, 0)).toBe(0);
    expect(a.get(1, 2)).toBe(5);
    expect(a.get(-1, -1)).toBe(5);
    expect(a.get(-2, 1)).toBe(1);
    a.set([-1, 0], 42);
    expect(a.get(1, 0)).toBe(42);
    expect(a.data[3]).toBe(42);
  });

  it('casts on set', () => {
    const a = new NDArray(new Int8Array(1), [1]);
    a.set([0], -7.9);
    expect(a.get(0)).toBe(-7);
    // NumPy 2 refuses to wrap an out-of-range integer on assignment
    expect(() => a.set([0], 300)).toThrow(RangeError);
    expect(() => a.set([0], 300)).toThrow('NDArray.set: value 300 does not fit int8');
    expect(() => a.set([0], NaN)).toThrow(/does not fit int8/);
    const f = new NDArray(new Float32Array(1), [1]);
    f.set([0], 0.1);
    expect(f.get(0)).toBe(Math.fround(0.1));
  });

  it('rejects out-of-bounds indices with numpy wording, and wrong index counts', () => {
    const a = iota([2, 3]);
    expect(() => a.get(0, 3)).toThrow(RangeError);
    expect(() => a.get(0, 3)).toThrow('index 3 is out of bounds for axis 1 with size 3');
    expect(() => a.get(-3, 0)).toThrow('index -3 is out of bounds for axis 0 with size 2');
    expect(() => a.set([2, 0], 1)).toThrow('index 2 is out of bounds for axis 0 with size 2');
    expect(() => a.get(0)).toThrow(/expected 2 indices, got 1/);
    expect(() => a.get(0, 0.5)).toThrow(RangeError);
  });

  it('item() returns the single element of any size-1 array', () => {
    expect(new NDArray(new Float64Array([2.5]), []).item()).toBe(2.5);
    expect(new NDArray(new Int32Array([7]), [1, 1, 1]).item()).toBe(7);
    expect(new NDArray(new Float64Array([0, 3]), [1], { offset: 1 }).item()).toBe(3);
  });

  it('item() rejects other sizes, naming the shape', () => {
    expect(() => iota([2]).item()).toThrow(RangeError);
    expect(() => iota([2, 3]).item()).toThrow(/can only convert an array of size 1.*\(2, 3\)/);
    expect(() => iota([0]).item()).toThrow(/\(0,\)/);
  });
});

describe('conversion', () => {
  it('toArray gives nested arrays, a number for 0-d, booleans for bool', () => {
    expect(iota([2, 3]).toArray()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(iota([2, 1, 2]).toArray()).toEqual([[[0, 1]], [[2, 3]]]);
    expect(new NDArray(new Float64Array([1.5]), []).toArray()).toBe(1.5);
    expect(new NDArray(new Uint8Array([0, 2]), [2], { dtype: 'bool' }).toArray()).toEqual([
      false,
      true,
    ]);
    expect(iota([0]).toArray()).toEqual([]);
  });

  it('astype copies and converts like numpy: truncation toward zero, wrap-around, NaN is true', () => {
    const a = new NDArray(new Float64Array([2.7, -2.7, 300, NaN, 0]), [5]);
    const i8 = a.astype('int8');
    expect(i8.dtype).toBe('int8');
    expect(i8.data).toBeInstanceOf(Int8Array);
    expect(Array.from(i8.data).slice(0, 3)).toEqual([2, -2, 44]);
    expect(a.astype('bool').toArray()).toEqual([true, true, true, true, false]);
    const f32 = new NDArray(new Float64Array([0.1]), [1]).astype('float32');
    expect(f32.get(0)).toBe(Math.fround(0.1));
    const same = a.astype('float64');
    expect(same.data).not.toBe(a.data);
    same.data[0] = 99;
    expect(a.get(0)).toBe(2.7);
  });

  it('astype of a view converts the view, in C order', () => {
    const t = iota([2, 3]).T.astype('int32');
    expect(t.toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });

  it('copy() always owns new storage; contiguous() copies only when needed', () => {
    const a = iota([2, 3]);
    expect(a.copy().data).not.toBe(a.data);
    expect(a.contiguous()).toBe(a);
    const t = a.T;
    const c = t.contiguous();
    expect(c.data).not.toBe(a.data);
    expect(Array.from(c.data)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(t.toFlat())).toEqual([0, 3, 1, 4, 2, 5]);
  });
});

describe('views', () => {
  it('transpose is a view with permuted shape and strides', () => {
    const a = iota([2, 3, 4]);
    const t = a.transpose();
    expect(t.data).toBe(a.data);
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.strides).toEqual([1, 4, 12]);
    expect(t.isContiguous).toBe(false);
    expect(t.get(3, 2, 1)).toBe(a.get(1, 2, 3));
    const p = a.transpose([1, -1, 0]);
    expect(p.shape).toEqual([3, 4, 2]);
    expect(p.get(2, 1, 1)).toBe(a.get(1, 2, 1));
    a.set([1, 2, 1], -5);
    expect(p.get(2, 1, 1)).toBe(-5);
  });

  it('transpose rejects a bad permutation', () => {
    const a = iota([2, 3]);
    expect(() => a.transpose([0, 0])).toThrow(RangeError);
    expect(() => a.transpose([0])).toThrow(/do not match an array of dimension 2/);
    expect(() => a.transpose([0, 2])).toThrow(RangeError);
  });

  it('reshape of contiguous data is a view sharing it', () => {
    const a = iota([2, 3]);
    const r = a.reshape([3, -1]);
    expect(r.shape).toEqual([3, 2]);
    expect(r.data).toBe(a.data);
    r.set([2, 1], 100);
    expect(a.get(1, 2)).toBe(100);
    expect(r.toArray()).toEqual([
      [0, 1],
      [2, 3],
      [4, 100],
    ]);
  });

  it('reshape keeps the offset of a contiguous view', () => {
    const a = new NDArray(new Float64Array([9, 0, 1, 2, 3]), [4], { offset: 1 });
    const r = a.reshape([2, 2]);
    expect(r.data).toBe(a.data);
    expect(r.toArray()).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('reshape of non-contiguous data copies, reading in C order', () => {
    const a = iota([2, 3]);
    const r = a.T.reshape([6]);
    expect(r.data).not.toBe(a.data);
    expect(r.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    r.set([0], 77);
    expect(a.get(0, 0)).toBe(0);
  });

  it('reshape rejects a size mismatch', () => {
    expect(() => iota([2, 3]).reshape([4, 2])).toThrow(/cannot reshape array of size 6/);
  });

  it('broadcastTo is a read view with stride 0 on broadcast axes', () => {
    const row = iota([3]);
    const b = row.broadcastTo([2, 3]);
    expect(b.data).toBe(row.data);
    expect(b.strides).toEqual([0, 1]);
    expect(b.toArray()).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    const col = iota([2, 1]).broadcastTo([2, 4]);
    expect(col.strides).toEqual([1, 0]);
    expect(col.toArray()).toEqual([
      [0, 0, 0, 0],
      [1, 1, 1, 1],
    ]);
    const s = new NDArray(new Float64Array([7]), []).broadcastTo([2, 2]);
    expect(s.strides).toEqual([0, 0]);
    expect(s.toArray()).toEqual([
      [7, 7],
      [7, 7],
    ]);
  });

  it('broadcastTo rejects shapes it cannot reach', () => {
    expect(() => iota([3]).broadcastTo([4])).toThrow(RangeError);
    expect(() => iota([2, 3]).broadcastTo([3])).toThrow(
      /cannot broadcast shape \(2, 3\) to \(3,\)/,
    );
    expect(() => iota([3]).broadcastTo([2, 4])).toThrow(RangeError);
  });

  it('toString is the numpy repr', () => {
    expect(String(iota([3]))).toBe('array([0., 1., 2.])');
  });
});

/** Unit tests of the NumPy-grade API added on top of the first slice: views, creation, dtypes, indexing, manipulation. */
import { describe, expect, it } from 'vitest';
import { NDArray, sliceIndices } from './ndarray';
import {
  arange,
  array,
  asarray,
  empty,
  emptyLike,
  eye,
  fromTypedArray,
  full,
  fullLike,
  identity,
  linspace,
} from './creation';
import { autocastDtype, int64ToInt32, resultType } from './dtype';
import {
  broadcastArrays,
  concatenate,
  diag,
  diagonal,
  flip,
  moveaxis,
  pad,
  repeat,
  roll,
  slice,
  sort,
  argsort,
  split,
  stack,
  tile,
  trace,
  tril,
  triu,
} from './manipulation';
import { getItem, incItem, nonzero, setItem, take, takeAlongAxis } from './indexing';
import { add, clip, divide, multiply, where } from './ufuncs';
import { assertAllclose } from './testing';

const iota = (...shape: number[]) => arange(shape.reduce((a, b) => a * b, 1)).reshape(shape);

describe('slicing', () => {
  const a = iota(10);
  it('accepts Python slice strings and { start, stop, step } objects, giving views', () => {
    expect(a.slice('::-1').toArray()).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(a.slice('8:2:-2').toArray()).toEqual([8, 6, 4]);
    expect(a.slice({ start: -3 }).toArray()).toEqual([7, 8, 9]);
    expect(a.slice({ step: -3 }).strides).toEqual([-3]);
    expect(a.slice('::-1').data).toBe(a.data);
    const m = iota(3, 4);
    expect(m.slice(':', '::-1').toArray()).toEqual([
      [3, 2, 1, 0],
      [7, 6, 5, 4],
      [11, 10, 9, 8],
    ]);
    expect(m.slice(-1).toArray()).toEqual([8, 9, 10, 11]);
    expect(m.slice('...', null).shape).toEqual([3, 4, 1]);
    expect(m.slice(null, 1, '1:').shape).toEqual([1, 3]);
    expect(slice(m, '::2', '::3').toArray()).toEqual([
      [0, 3],
      [8, 11],
    ]);
  });

  it('writes through views, including negative strides', () => {
    const b = iota(5).copy();
    b.slice('::-2').fill(-1);
    expect(b.toArray()).toEqual([-1, 1, -1, 3, -1]);
  });

  it("sliceIndices is Python's slice.indices", () => {
    expect(sliceIndices({ start: null, stop: null, step: -1 }, 5)).toEqual({
      start: 4,
      stop: -1,
      step: -1,
      count: 5,
    });
    expect(sliceIndices({ start: -100, stop: 100 }, 5)).toEqual({
      start: 0,
      stop: 5,
      step: 1,
      count: 5,
    });
    expect(sliceIndices({ start: 3, stop: 1 }, 5).count).toBe(0);
  });

  it('rejects bad entries, naming them', () => {
    expect(() => a.slice('1:2:0')).toThrow(
      'slice: slice step cannot be zero (expected a non-zero integer, got 0)',
    );
    expect(() => a.slice('a:b')).toThrow(
      /^slice: index 'a:b' must be a slice string 'start:stop:step'/,
    );
    expect(() => a.slice([1, 2] as never)).toThrow(
      /integer and boolean arrays are advanced indices: use getItem\(\) or take\(\)/,
    );
    expect(() => a.slice(0, 0)).toThrow(
      'slice: too many indices for array: array is 1-dimensional, but 2 were indexed',
    );
    expect(() => a.slice(10)).toThrow(
      'slice: index 10 is out of bounds for axis 0 with size 10 (expected an integer in [-10, 9])',
    );
    expect(() => a.slice({ start: 1.5 })).toThrow(
      'slice: slice start must be an integer, null or omitted, got 1.5',
    );
    expect(() => a.slice('...', '...')).toThrow(
      "slice: an index can only have a single ellipsis ('...'), got 2",
    );
  });
});

describe('views: squeeze, expandDims, swapaxes, ravel; contiguity and copies', () => {
  it('squeeze and expandDims are views', () => {
    const a = iota(1, 3, 1);
    expect(a.squeeze().shape).toEqual([3]);
    expect(a.squeeze(0).shape).toEqual([3, 1]);
    expect(a.squeeze([0, -1]).data).toBe(a.data);
    expect(() => a.squeeze(1)).toThrow(
      'squeeze: cannot select an axis to squeeze out which has size not equal to one: expected axis 1 to have length 1, got 3',
    );
    const v = iota(3);
    expect(v.expandDims(0).shape).toEqual([1, 3]);
    expect(v.expandDims(-1).shape).toEqual([3, 1]);
    expect(v.expandDims([0, 2]).shape).toEqual([1, 3, 1]);
    expect(v.expandDims(0).data).toBe(v.data);
  });

  it("isContiguous follows NumPy's C_CONTIGUOUS flag; copy() always owns its data", () => {
    const a = iota(2, 3);
    expect(a.isContiguous).toBe(true);
    expect(a.T.isContiguous).toBe(false);
    expect(a.slice(':', '::2').isContiguous).toBe(false);
    expect(a.slice(1).isContiguous).toBe(true);
    expect(a.slice('1:', ':').isContiguous).toBe(true);
    expect(iota(1, 3).T.isContiguous).toBe(true);
    expect(a.slice('0:0').isContiguous).toBe(true);
    const c = a.T.copy();
    expect(c.isContiguous).toBe(true);
    expect(c.data).not.toBe(a.data);
    expect(a.ravel().data).toBe(a.data);
    expect(a.T.ravel().data).not.toBe(a.data);
    expect(a.flatten().data).not.toBe(a.data);
    expect(a.swapaxes(0, 1).toArray()).toEqual(a.T.toArray());
    expect(moveaxis(iota(2, 3, 4), 0, -1).shape).toEqual([3, 4, 2]);
  });

  it('broadcast views are read-only, as in NumPy', () => {
    const b = iota(3).broadcastTo([2, 3]);
    expect(() => b.set([0, 0], 1)).toThrow(
      'NDArray.set: the array is a broadcast view (stride 0 on axis 0 of shape (2, 3)), which is read-only as in NumPy; expected a writable array: copy() it first',
    );
    expect(b.copy().fill(2).toArray()).toEqual([
      [2, 2, 2],
      [2, 2, 2],
    ]);
  });

  it('instanceof works across copies of the class (a brand), subclasses keep the prototype check', () => {
    const fake = Object.create(NDArray.prototype);
    expect(fake instanceof NDArray).toBe(true);
    expect({} instanceof NDArray).toBe(false);
    class Sub extends NDArray {}
    expect(iota(2) instanceof Sub).toBe(false);
    expect(new Sub(new Float64Array(2)) instanceof NDArray).toBe(true);
  });
});

describe('creation', () => {
  it('full / empty / *Like / identity / asarray', () => {
    expect(full([2], 1.5).dtype).toBe('float64');
    expect(empty([2, 2], { dtype: 'int8' }).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    const a = iota(2, 2);
    expect(fullLike(a, 7).toArray()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    expect(emptyLike(a).dtype).toBe('int32');
    expect(identity(2).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(asarray(a)).toBe(a);
    expect(asarray(a, { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('linspace: endpoint option and integer dtypes floor, as NumPy', () => {
    expect(linspace(0, 1, 4, { endpoint: false }).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(linspace(-1, 2, 4, { dtype: 'int32' }).toArray()).toEqual([-1, 0, 1, 2]);
    expect(linspace(0, 1, 5, { dtype: 'int32' }).toArray()).toEqual([0, 0, 0, 0, 1]);
    expect(linspace(0, 1, 1).toArray()).toEqual([0]);
  });

  it('eye with k, m and dtype; validation', () => {
    expect(eye(2, 3, 1, { dtype: 'uint8' }).toArray()).toEqual([
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(() => eye(2.5)).toThrow("eye: argument 'n' must be an integer, got 2.5");
  });

  it('int64 input (BigInt64Array / BigUint64Array) becomes int32 when it fits; other typed arrays convert', () => {
    const a = array(new BigInt64Array([1n, -2n, 2147483647n]));
    expect(a.dtype).toBe('int32');
    expect(a.toArray()).toEqual([1, -2, 2147483647]);
    expect(array(new BigUint64Array([3n])).toArray()).toEqual([3]);
    expect(array(new Uint16Array([65535])).dtype).toBe('int32');
    expect(array(new Uint8ClampedArray([255])).dtype).toBe('uint8');
    expect(Array.from(int64ToInt32([5n, -5n]))).toEqual([5, -5]);
    expect(() => fromTypedArray(new BigInt64Array(2) as never)).toThrow(
      /^fromTypedArray: argument 'data' must be a Float64Array, .* to be wrapped without copying, got a BigInt64Array of length 2; array\(\) converts it with a copy$/,
    );
  });

  it('fromTypedArray is zero-copy, with a shape or options', () => {
    const d = new Uint8Array([1, 0, 1, 1]);
    const b = fromTypedArray(d, { shape: [2, 2], dtype: 'bool' });
    expect(b.data).toBe(d);
    expect(b.toArray()).toEqual([
      [true, false],
      [true, true],
    ]);
    d[1] = 1;
    expect(b.get(0, 1)).toBe(1);
  });

  it('floatX: non-integer data takes floatX instead of float64', () => {
    expect(array([0.5, 1], { floatX: 'float32' }).dtype).toBe('float32');
    expect(array([1, 2], { floatX: 'float32' }).dtype).toBe('int32');
  });
});

describe("dtypes: Theano's autocast (floatX rule) and result_type", () => {
  it('integers take the smallest int dtype; floats floatX (float32) or the first exact of float32/float64', () => {
    expect(autocastDtype(3)).toBe('int8');
    expect(autocastDtype(-129)).toBe('int16');
    expect(autocastDtype(40000)).toBe('int32');
    expect(autocastDtype(0.1)).toBe('float32');
    expect(autocastDtype(0.1, 'float64')).toBe('float64');
    expect(autocastDtype(0.5, 'float64')).toBe('float32');
    expect(autocastDtype(NaN, 'float64')).toBe('float64');
    expect(autocastDtype(Infinity, 'float64')).toBe('float32');
    expect(autocastDtype(true)).toBe('bool');
    expect(() => autocastDtype(2 ** 40)).toThrow(
      /^autocastDtype: integer 1099511627776 does not fit int32/,
    );
    expect(resultType('int8', 'uint8', 'float32')).toBe('float32');
  });
});

describe('manipulation', () => {
  it('concatenate / stack / split', () => {
    const a = iota(2, 2);
    const b = array([[9.5, 8]]);
    const c = concatenate([a, b]);
    expect(c.dtype).toBe('float64');
    expect(c.toArray()).toEqual([
      [0, 1],
      [2, 3],
      [9.5, 8],
    ]);
    expect(concatenate([a, a], { axis: -1 }).shape).toEqual([2, 4]);
    expect(concatenate([a, b], { axis: null }).shape).toEqual([6]);
    expect(() => concatenate([a, iota(2, 3)])).toThrow(
      'concatenate: all the input array dimensions except for the concatenation axis must match exactly, but along dimension 1, the array at index 0 has size 2 and the array at index 1 has size 3',
    );
    expect(stack([a, a], { axis: 1 }).shape).toEqual([2, 2, 2]);
    expect(split(iota(6), 3).map((p) => p.toArray())).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(split(iota(6), [1, 4]).map((p) => p.size)).toEqual([1, 3, 2]);
    expect(() => split(iota(5), 2)).toThrow(
      /^split: array split does not result in an equal division/,
    );
  });

  it('tile / repeat / flip / roll / pad', () => {
    expect(tile(array([1, 2]), [2, 2]).toArray()).toEqual([
      [1, 2, 1, 2],
      [1, 2, 1, 2],
    ]);
    expect(repeat(array([[1, 2]]), 2, { axis: 1 }).toArray()).toEqual([[1, 1, 2, 2]]);
    expect(repeat(array([1, 2, 3]), [0, 1, 2]).toArray()).toEqual([2, 3, 3]);
    expect(flip(iota(2, 2)).toArray()).toEqual([
      [3, 2],
      [1, 0],
    ]);
    expect(roll(iota(5), 2).toArray()).toEqual([3, 4, 0, 1, 2]);
    expect(roll(iota(2, 3), -1, { axis: 1 }).toArray()).toEqual([
      [1, 2, 0],
      [4, 5, 3],
    ]);
    expect(pad(array([1, 2]), [1, 2], { constantValues: 9 }).toArray()).toEqual([9, 1, 2, 9, 9]);
  });

  it('diag / diagonal / trace / tril / triu / sort / argsort / broadcastArrays', () => {
    const m = iota(3, 3);
    expect(diagonal(m).toArray()).toEqual([0, 4, 8]);
    expect(diagonal(m, { offset: 1 }).toArray()).toEqual([1, 5]);
    expect(diagonal(m, { offset: -2 }).toArray()).toEqual([6]);
    expect(diag(array([1, 2]), 1).toArray()).toEqual([
      [0, 1, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    expect(trace(m).item()).toBe(12);
    expect(tril(m).toArray()).toEqual([
      [0, 0, 0],
      [3, 4, 0],
      [6, 7, 8],
    ]);
    expect(triu(m, 1).toArray()).toEqual([
      [0, 1, 2],
      [0, 0, 5],
      [0, 0, 0],
    ]);
    expect(sort(array([3, NaN, -1, 2])).toArray()).toEqual([-1, 2, 3, NaN]);
    expect(argsort(array([3, 1, 1, 0])).toArray()).toEqual([3, 1, 2, 0]);
    expect(
      sort(
        array([
          [3, 1],
          [0, 2],
        ]),
        { axis: 0 },
      ).toArray(),
    ).toEqual([
      [0, 1],
      [3, 2],
    ]);
    expect(broadcastArrays(iota(3), iota(2, 1)).map((a) => a.shape)).toEqual([
      [2, 3],
      [2, 3],
    ]);
  });
});

describe('indexing helpers', () => {
  it('take along an axis, with wrap and clip modes', () => {
    const m = iota(2, 3);
    expect(take(m, [2, 0], { axis: 1 }).toArray()).toEqual([
      [2, 0],
      [5, 3],
    ]);
    expect(take(m, [[0, 5]]).toArray()).toEqual([[0, 5]]);
    expect(take(m, [-1]).toArray()).toEqual([5]);
    expect(take(m, [7], { mode: 'wrap' }).toArray()).toEqual([1]);
    expect(take(m, [7], { mode: 'clip' }).toArray()).toEqual([5]);
    expect(() => take(m, [6])).toThrow(
      'take: index 6 is out of bounds for axis 0 with size 6 (expected indices in [-6, 5])',
    );
    expect(() => take(m, [0.5] as never)).toThrow(
      'take: arrays used as indices must be of integer (or boolean) type, got dtype float64',
    );
  });

  it('takeAlongAxis with argsort-like indices', () => {
    const x = array([
      [10, 30, 20],
      [60, 40, 50],
    ]);
    const idx = array([
      [0, 2, 1],
      [1, 2, 0],
    ]);
    expect(takeAlongAxis(x, idx, 1).toArray()).toEqual([
      [10, 20, 30],
      [40, 50, 60],
    ]);
  });

  it('setItem / incItem: last write wins vs accumulation (numpy.add.at, Theano inc_subtensor)', () => {
    const a = iota(5).astype('float64');
    setItem(a, [[0, 0, 2]], array([1, 2, 3]));
    expect(a.toArray()).toEqual([2, 1, 3, 3, 4]);
    incItem(a, [[0, 0, 4]], 10);
    expect(a.toArray()).toEqual([22, 1, 3, 3, 14]);
    const m = iota(2, 3).copy();
    setItem(m, [':', '1:'], 0);
    expect(m.toArray()).toEqual([
      [0, 0, 0],
      [3, 0, 0],
    ]);
    setItem(m, [m.slice(':', ':').astype('bool')], -1);
    expect(m.toArray()).toEqual([
      [0, 0, 0],
      [-1, 0, 0],
    ]);
    expect(() => setItem(m, [0], [1, 2])).toThrow(
      'setItem: could not broadcast input array from shape (2,) into shape (3,) (the indexed region)',
    );
  });

  it('getItem with masks and mixed indices; nonzero', () => {
    const m = iota(3, 4);
    expect(getItem(m, [true, false, true]).shape).toEqual([2, 4]);
    expect(() => getItem(m, [true, false])).toThrow(
      'getItem: boolean index did not match indexed array along dimension 0; dimension is 3 but corresponding boolean dimension is 2',
    );
    expect(() => getItem(m, [0, 3])).toThrow(
      'getItem: index 3 is out of bounds for axis 0 with size 3 (expected indices in [-3, 2])',
    );
    const [r, c] = nonzero(
      array([
        [0, 1],
        [2, 0],
      ]),
    );
    expect([r.toArray(), c.toArray()]).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('where / clip / weak scalars', () => {
    expect(where(array([true, false]), array([1, 2]), 9.5).toArray()).toEqual([1, 9.5]);
    expect(clip(array([-2, 0.5, 3]), 0, 1).toArray()).toEqual([0, 0.5, 1]);
    expect(add(array([1, 2], { dtype: 'int8' }), 1).dtype).toBe('int8');
    expect(add(array([1, 2], { dtype: 'float32' }), 0.5).dtype).toBe('float32');
    expect(add(array([1, 2], { dtype: 'int8' }), 0.5).dtype).toBe('float64');
    expect(() => add(array([1], { dtype: 'int8' }), 300)).toThrow('add: x2 300 does not fit int8');
    expect(
      multiply(array([65536], { dtype: 'int32' }), array([65536], { dtype: 'int32' })).item(),
    ).toBe(0);
    assertAllclose(divide(array([1, 2]), 4), [0.25, 0.5]);
  });
});

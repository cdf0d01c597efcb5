import { describe, expect, it } from 'vitest';
import {
  arange,
  array,
  empty,
  eye,
  fromTypedArray,
  full,
  linspace,
  ones,
  onesLike,
  zeros,
  zerosLike,
} from './creation';
import { NDArray } from './ndarray';
import { fixture } from './fixture.test-helper';

describe('array()', () => {
  it('builds from nested arrays with the inferred shape', () => {
    const a = array([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.get(1, 0)).toBe(4);
    expect(array([[[1], [2]]]).shape).toEqual([1, 2, 1]);
    expect(array(3.5).shape).toEqual([]);
    expect(array(3.5).item()).toBe(3.5);
  });

  it('infers the dtype: bool for booleans, int32 for integers, float64 otherwise', () => {
    expect(array([true, false]).dtype).toBe('bool');
    expect(array(true).dtype).toBe('bool');
    expect(array([1, 2]).dtype).toBe('int32');
    expect(array([1, 2.5]).dtype).toBe('float64');
    expect(array([1, 2 ** 31]).dtype).toBe('float64');
    expect(array([true, 2]).dtype).toBe('int32');
  });

  it('gives float64 for an empty list, as numpy.array([]) does', () => {
    const a = array([]);
    expect(a.dtype).toBe('float64');
    expect(a.shape).toEqual([0]);
    expect(array([[], []]).shape).toEqual([2, 0]);
  });

  it('honours dtype and shape options', () => {
    // fractions truncate toward zero (a cast), as numpy.array(..., dtype=int8)
    const a = array([1.7, -1.7, 127], { dtype: 'int8' });
    expect(Array.from(a.data)).toEqual([1, -1, 127]);
    // an integer out of range is an error, not a wrap (NumPy 2's OverflowError)
    expect(() => array([1.7, -1.7, 300], { dtype: 'int8' })).toThrow(
      'array: value 300 does not fit int8: expected a finite number in [-128, 127], got 300',
    );
    expect(array([1, 2, 3, 4, 5, 6], { shape: [2, -1] }).shape).toEqual([2, 3]);
    expect(() => array([1, 2, 3], { shape: [2, 2] })).toThrow(/cannot reshape array of size 3/);
    expect(() => array([1], { dtype: 'int64' as never })).toThrow(
      /array: argument 'dtype' must be one of bool, .*, got the string 'int64'/,
    );
  });

  it('copies typed arrays, keeping their dtype unless told otherwise', () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6]);
    const a = array(src, { shape: [3, 2] });
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([3, 2]);
    src[0] = 100;
    expect(a.get(0, 0)).toBe(1);
    expect(array(new Int32Array([1, 2]), { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('rejects a typed array that does not fill the requested shape', () => {
    expect(() => array(new Float64Array(6), { shape: [2, 2] })).toThrow(RangeError);
    expect(() => array(new Float64Array(6), { shape: [4, 2] })).toThrow(RangeError);
    expect(array(new Float64Array(6), { shape: [-1, 2] }).shape).toEqual([3, 2]);
  });

  it('copies NDArrays', () => {
    const src = new NDArray(new Float64Array([1, 2]), [2]);
    const a = array(src);
    expect(a.data).not.toBe(src.data);
    expect(a.toArray()).toEqual([1, 2]);
    expect(array(src, { dtype: 'int32' }).dtype).toBe('int32');
  });

  it.each([
    ['a shorter row', [[1, 2], [3]]],
    ['a number among rows', [[1, 2], 3]],
    ['a row among numbers', [1, [2]]],
    [
      'deeper nesting in one place',
      [
        [1, 2],
        [3, [4]],
      ],
    ],
  ])('rejects ragged input (%s)', (_name, x) => {
    expect(() => array(x as never)).toThrow(RangeError);
    expect(() => array(x as never)).toThrow(/ragged nested sequence/);
  });

  it('rejects non-numeric elements', () => {
    expect(() => array(['a'] as never)).toThrow(TypeError);
    expect(() => array([null] as never)).toThrow(TypeError);
  });

  it('fromTypedArray wraps without copying', () => {
    const data = new Int16Array([1, 2, 3, 4]);
    const a = fromTypedArray(data, [2, 2]);
    expect(a.data).toBe(data);
    expect(a.dtype).toBe('int16');
  });
});

describe('filled arrays', () => {
  it("zeros / ones / empty default to float64; full takes the value's dtype, as NumPy", () => {
    expect(full([2], 7).dtype).toBe('int32');
    expect(full([2], true).dtype).toBe('bool');
    for (const a of [zeros([2, 3]), ones([2, 3]), full([2, 3], 7.5), empty([2, 3])]) {
      expect(a.dtype).toBe('float64');
      expect(a.shape).toEqual([2, 3]);
    }
    expect(Array.from(zeros([3]).data)).toEqual([0, 0, 0]);
    expect(Array.from(ones([3]).data)).toEqual([1, 1, 1]);
    expect(Array.from(full([2], 2.5).data)).toEqual([2.5, 2.5]);
    expect(zeros([]).shape).toEqual([]);
    expect(zeros([]).size).toBe(1);
  });

  it('cast the fill value to the dtype', () => {
    expect(Array.from(full([2], -128, { dtype: 'int8' }).data)).toEqual([-128, -128]);
    expect(() => full([2], 300, { dtype: 'int8' })).toThrow(/full: value 300 does not fit int8/);
    expect(full([1], 0.1, { dtype: 'float32' }).get(0)).toBe(Math.fround(0.1));
    expect(ones([2], { dtype: 'bool' }).toArray()).toEqual([true, true]);
  });

  it('reject invalid shapes', () => {
    expect(() => zeros([2, -1])).toThrow(RangeError);
    expect(() => zeros([2, -1])).toThrow(
      "zeros: negative dimensions are not allowed: argument 'shape' must be a list of non-negative integers, got [2, -1]",
    );
    expect(() => ones([1.5])).toThrow(TypeError);
    expect(() => ones([1.5])).toThrow(
      /ones: argument 'shape' must be a list of non-negative integers, got \[1.5\]/,
    );
  });

  it('zerosLike / onesLike keep shape and dtype', () => {
    const a = array([[1, 2, 3]], { dtype: 'int16' });
    expect(zerosLike(a).dtype).toBe('int16');
    expect(onesLike(a).toArray()).toEqual([[1, 1, 1]]);
    expect(onesLike(a, { dtype: 'float32' }).dtype).toBe('float32');
  });
});

describe('ranges (values from NumPy)', () => {
  for (const c of fixture.arange) {
    it(`arange(${c.start}, ${c.stop}, ${c.step}${c.dtype ? `, ${c.dtype}` : ''})`, () => {
      const a = arange(c.start, c.stop, c.step, c.dtype ? { dtype: c.dtype } : {});
      // NumPy's default integer is int64, which theano-ts stores as int32 (see dtype.ts)
      expect(a.dtype).toBe(c.expectedDtype === 'int64' ? 'int32' : c.expectedDtype);
      expect(a.shape).toEqual([c.expected.length]);
      // NumPy fills with start + i * ((start + step) - start); we use start + i * step: equal to rounding
      Array.from(a.data).forEach((v, i) => expect(v).toBeCloseTo(c.expected[i], 14));
    });
  }

  it('arange with one argument counts from 0, and rejects step 0', () => {
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(() => arange(0, 1, 0)).toThrow(/step must not be zero/);
  });

  for (const c of fixture.linspace) {
    it(`linspace(${c.start}, ${c.stop}, ${c.num}) equals NumPy exactly`, () => {
      const a = linspace(c.start, c.stop, c.num);
      expect(a.dtype).toBe('float64');
      expect(Array.from(a.data)).toEqual(c.expected);
    });
  }

  for (const c of fixture.eye) {
    it(`eye(${c.n}, ${c.m}, ${c.k})`, () => {
      const a = eye(c.n, c.m, c.k);
      expect(a.shape).toEqual(c.shape);
      expect(a.dtype).toBe('float64');
      expect(Array.from(a.data)).toEqual(c.expected);
    });
  }

  it('eye takes a dtype', () => {
    expect(eye(2, 2, 0, { dtype: 'int32' }).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });
});

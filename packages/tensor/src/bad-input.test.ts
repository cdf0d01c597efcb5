/**
 * Every bad input the issue lists throws a TypeError or RangeError whose message names the
 * function, the argument, what was expected and what was given; nothing is silently truncated or
 * wrapped. (.npy cases: unsupported dtype and truncated file are in npy.test.ts as well.)
 */
import { describe, expect, it } from 'vitest';
import { array, fromTypedArray, full, zeros, linspace, eye, arange } from './creation';
import { NDArray } from './ndarray';
import { elemwise } from './math';
import { broadcastShapes, normalizeAxis } from './shape';
import { add } from './ufuncs';
import { sum, argmax, mean, cumsum } from './reductions';
import { concatenate, squeeze } from './manipulation';
import { take } from './indexing';
import { readNpy } from './npy';
import { fixtureBytes } from './fixture.test-helper';
import { int64ToInt32 } from './dtype';

const m23 = () => new NDArray(new Float64Array(6), [2, 3]);
const m32 = () => new NDArray(new Float64Array(6), [3, 2]);

describe('ragged nested arrays', () => {
  it.each([
    [
      [[1, 2], [3]],
      'argument x[1] has length 1, expected 2 like its siblings (inferred shape (2, 2) from the first elements)',
    ],
    [
      [[1, 2], 3],
      'argument x[1] is 3 where a sequence of length 2 was expected (inferred shape (2, 2) from the first elements)',
    ],
    [
      [1, [2]],
      'argument x[1] is a sequence of length 1 where a number was expected (inferred shape (2,) from the first elements)',
    ],
    [
      [
        [[1], [2]],
        [[3], [4, 5]],
      ],
      'argument x[1][1] has length 2, expected 1 like its siblings (inferred shape (2, 2, 1) from the first elements)',
    ],
  ])('array(%j)', (x, detail) => {
    expect(() => array(x as never)).toThrow(RangeError);
    expect(() => array(x as never)).toThrow(
      `array: ragged nested sequence (inhomogeneous shape): ${detail}`,
    );
  });

  it('a non-numeric element names its position', () => {
    expect(() => array([[1, 'a']] as never)).toThrow(TypeError);
    expect(() => array([[1, 'a']] as never)).toThrow(
      "array: expected numbers or booleans, got the string 'a' at x[0][1]",
    );
  });
});

describe('a shape whose product does not match the data length', () => {
  it('array(typed array, { shape })', () => {
    expect(() => array(new Float64Array(6), { shape: [4, 2] })).toThrow(RangeError);
    expect(() => array(new Float64Array(6), { shape: [4, 2] })).toThrow(
      'array: cannot reshape array of size 6 into shape [4, 2] (expected a shape whose product is 6, got 8)',
    );
  });

  it('fromTypedArray: neither too short nor too long (no silent truncation)', () => {
    expect(() => fromTypedArray(new Float32Array(6), [2, 2])).toThrow(RangeError);
    expect(() => fromTypedArray(new Float32Array(6), [2, 2])).toThrow(
      'fromTypedArray: shape (2, 2) needs 4 elements, got a Float32Array of length 6 (use subarray() to wrap part of a buffer)',
    );
    expect(() => fromTypedArray(new Float32Array(3), [2, 2])).toThrow(
      'fromTypedArray: shape (2, 2) needs 4 elements, got a Float32Array of length 3',
    );
  });

  it('the NDArray constructor', () => {
    expect(() => new NDArray(new Float64Array(5), [2, 3])).toThrow(
      'NDArray: 5 elements cannot fill shape (2, 3): expected at least 6 elements, got 5',
    );
    expect(() => new NDArray(new Float64Array(6), [2, 3], { strides: [3, 2] })).toThrow(
      "NDArray: shape (2, 3) with strides [3, 2] and offset 0 reaches positions 0..7, expected them inside the data's 6 elements",
    );
  });

  it('reshape', () => {
    expect(() => m23().reshape([4, 2])).toThrow(
      'reshape: cannot reshape array of size 6 into shape [4, 2] (expected a shape whose product is 6, got 8)',
    );
    expect(() => m23().reshape([4, -1])).toThrow(
      "reshape: cannot reshape array of size 6 into shape [4, -1] (expected the known dimensions' product 4 to divide 6)",
    );
  });
});

describe('a negative dimension', () => {
  it.each([
    ['zeros', () => zeros([2, -3])],
    ['full', () => full([-1], 0)],
  ])('%s', (fn, run) => {
    expect(run).toThrow(RangeError);
    expect(run).toThrow(
      new RegExp(
        `^${fn}: negative dimensions are not allowed: argument 'shape' must be a list of non-negative integers, got \\[-?\\d+(, -?\\d+)*\\]$`,
      ),
    );
  });

  it('the NDArray constructor and fromTypedArray', () => {
    expect(() => new NDArray(new Float64Array(6), [-2, 3])).toThrow(
      'NDArray: invalid shape (-2, 3): expected non-negative integer dimensions, got -2',
    );
    expect(() => fromTypedArray(new Float64Array(6), [-2, -3])).toThrow(
      "fromTypedArray: negative dimensions are not allowed: argument 'shape' must be a list of non-negative integers, got [-2, -3]",
    );
    expect(() => linspace(0, 1, -1)).toThrow(
      "linspace: argument 'num' (the number of samples) must be a non-negative integer, got -1",
    );
    expect(() => eye(-1)).toThrow("eye: argument 'n' must be an integer >= 0, got -1");
  });
});

describe('broadcasting (2,3) with (3,2)', () => {
  const detail =
    'operands could not be broadcast together with shapes (2, 3) (3, 2): expected the sizes of dimension -2 (counted from the end) to be equal or 1, got 2 and 3';
  it('names the function, the shapes, the dimension and both sizes', () => {
    expect(() => broadcastShapes([2, 3], [3, 2])).toThrow(RangeError);
    expect(() => broadcastShapes([2, 3], [3, 2])).toThrow(`broadcastShapes: ${detail}`);
    expect(() => elemwise([m23(), m32()], 'float64', (a, b) => a + b)).toThrow(
      `elemwise: ${detail}`,
    );
    expect(() => add(m23(), m32())).toThrow(`add: ${detail}`);
    expect(() => m23().broadcastTo([3, 2])).toThrow(
      /^broadcastTo: operands could not be broadcast together with shapes \(2, 3\) \(3, 2\)/,
    );
  });
});

describe('an axis out of range', () => {
  it.each([
    [
      'sum',
      () => sum(m23(), { axis: 2 }),
      'sum: axis 2 is out of bounds for an array of dimension 2 (expected an integer in [-2, 1])',
    ],
    [
      'sum (list)',
      () => sum(m23(), { axis: [0, -3] }),
      'sum: axis -3 is out of bounds for an array of dimension 2 (expected an integer in [-2, 1])',
    ],
    [
      'mean',
      () => mean(m23(), { axis: 5 }),
      'mean: axis 5 is out of bounds for an array of dimension 2',
    ],
    [
      'argmax',
      () => argmax(m23(), { axis: 2 }),
      'argmax: axis 2 is out of bounds for an array of dimension 2 (expected an integer in [-2, 1])',
    ],
    [
      'cumsum',
      () => cumsum(m23(), { axis: -3 }),
      'cumsum: axis -3 is out of bounds for an array of dimension 2',
    ],
    [
      'concatenate',
      () => concatenate([m23(), m23()], { axis: 2 }),
      'concatenate: axis 2 is out of bounds for an array of dimension 2',
    ],
    [
      'squeeze',
      () => squeeze(m23(), { axis: 3 }),
      'squeeze: axis 3 is out of bounds for an array of dimension 2',
    ],
    [
      'take',
      () => take(m23(), [0], { axis: -3 }),
      'take: axis -3 is out of bounds for an array of dimension 2',
    ],
    [
      'transpose',
      () => m23().transpose([0, 2]),
      'transpose: axis 2 is out of bounds for an array of dimension 2',
    ],
    [
      'expandDims',
      () => m23().expandDims(4),
      'expandDims: axis 4 is out of bounds for an array of dimension 3',
    ],
  ])('%s', (_name, run, msg) => {
    expect(run).toThrow(RangeError);
    expect(run).toThrow(msg);
  });

  it("normalizeAxis keeps NumPy's AxisError wording without a function name", () => {
    expect(() => normalizeAxis(3, 3)).toThrow(
      /^axis 3 is out of bounds for an array of dimension 3$/,
    );
    expect(() => normalizeAxis(3, 3, 'axis', 'f')).toThrow(
      'f: axis 3 is out of bounds for an array of dimension 3 (expected an integer in [-3, 2])',
    );
  });
});

describe('.npy files', () => {
  it('an unsupported dtype', () => {
    expect(() => readNpy(fixtureBytes('npy/numpy/complex128.npy'))).toThrow(TypeError);
    expect(() => readNpy(fixtureBytes('npy/numpy/complex128.npy'))).toThrow(
      "readNpy: unsupported dtype '<c16' in .npy file; expected one of b1, i1, u1, i2, i4, f4, f8",
    );
  });

  it('a truncated file', () => {
    const b = fixtureBytes('npy/numpy/int32.npy');
    expect(() => readNpy(b.subarray(0, b.length - 1))).toThrow(RangeError);
    expect(() => readNpy(b.subarray(0, b.length - 1))).toThrow(
      "readNpy: truncated .npy file: shape (2, 3) of dtype '<i4' needs 24 data bytes, got 23",
    );
  });
});

describe('values that do not fit: errors, not wrap-around', () => {
  it('int64 input that does not fit int32', () => {
    expect(() => array(new BigInt64Array([1n, 2n ** 40n]))).toThrow(RangeError);
    expect(() => array(new BigInt64Array([1n, 2n ** 40n]))).toThrow(
      'array: int64 value 1099511627776 at flat index 1 does not fit int32 (expected values in [-2147483648, 2147483647])',
    );
    expect(() => int64ToInt32([-(2n ** 31n) - 1n])).toThrow(
      'int64ToInt32: int64 value -2147483649 at flat index 0 does not fit int32',
    );
    expect(() => array(new Uint32Array([2 ** 31]))).toThrow(
      'array: uint32 value 2147483648 at flat index 0 does not fit int32 (expected values in [0, 2147483647])',
    );
  });

  it("a JS number out of an integer dtype's range, NaN, an integer sum beyond int32", () => {
    expect(() => array([1, 256], { dtype: 'uint8' })).toThrow(
      'array: value 256 does not fit uint8: expected a finite number in [0, 255], got 256',
    );
    expect(() => full([2], NaN, { dtype: 'int32' })).toThrow('full: value NaN does not fit int32');
    expect(() => arange(2 ** 31 - 2, 2 ** 31 + 1)).toThrow(
      'arange: value 2147483648 does not fit int32',
    );
    expect(() => sum(array([2 ** 30, 2 ** 30]))).toThrow(
      /^sum: the result 2147483648 does not fit int32: expected results in \[-2147483648, 2147483647\]/,
    );
  });

  it('an unknown dtype and a wrong argument type', () => {
    expect(() => zeros([2], { dtype: 'float16' as never })).toThrow(
      "zeros: argument 'dtype' must be one of bool, int8, int16, int32, uint8, float32, float64, got the string 'float16'",
    );
    expect(() => array(undefined as never)).toThrow(
      "array: argument 'x' must be nested arrays, a number, a boolean, a typed array or an NDArray, got undefined",
    );
    expect(() => sum([1, 2] as never)).toThrow(
      "sum: argument 'x' must be an NDArray, got an array of length 2",
    );
  });
});

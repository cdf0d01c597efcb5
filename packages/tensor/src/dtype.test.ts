import { describe, expect, it } from 'vitest';
import {
  DTYPES,
  type DType,
  canCastSafely,
  castScalar,
  dtypeOfTypedArray,
  dtypeRange,
  isDType,
  isFloat,
  isInteger,
  isUnsigned,
  itemsize,
  promoteTypes,
  typedArrayFor,
} from './dtype';
import { fixture, num } from './fixture.test-helper';

describe('dtype tables', () => {
  it('stores each dtype in the typed array NumPy would use for its item size', () => {
    const expected: Record<DType, [unknown, number]> = {
      bool: [Uint8Array, 1],
      int8: [Int8Array, 1],
      int16: [Int16Array, 2],
      int32: [Int32Array, 4],
      uint8: [Uint8Array, 1],
      float32: [Float32Array, 4],
      float64: [Float64Array, 8],
    };
    for (const d of DTYPES) {
      expect(typedArrayFor(d)).toBe(expected[d][0]);
      expect(itemsize(d)).toBe(expected[d][1]);
    }
  });

  it('rejects unknown dtypes, listing the known ones', () => {
    expect(() => typedArrayFor('int64' as DType)).toThrow(TypeError);
    expect(() => typedArrayFor('int64' as DType)).toThrow(
      /int64.*bool, int8, int16, int32, uint8, float32, float64/,
    );
    expect(isDType('int64')).toBe(false);
    expect(isDType('float32')).toBe(true);
    expect(isDType(3)).toBe(false);
  });

  it('infers the dtype of a typed array', () => {
    expect(dtypeOfTypedArray(new Float64Array(1))).toBe('float64');
    expect(dtypeOfTypedArray(new Float32Array(1))).toBe('float32');
    expect(dtypeOfTypedArray(new Int32Array(1))).toBe('int32');
    expect(dtypeOfTypedArray(new Int16Array(1))).toBe('int16');
    expect(dtypeOfTypedArray(new Int8Array(1))).toBe('int8');
    expect(dtypeOfTypedArray(new Uint8Array(1))).toBe('uint8');
    expect(() => dtypeOfTypedArray(new Uint16Array(1) as never)).toThrow(TypeError);
  });

  it('classifies dtypes', () => {
    expect(DTYPES.filter(isFloat)).toEqual(['float32', 'float64']);
    expect(DTYPES.filter(isInteger)).toEqual(['int8', 'int16', 'int32', 'uint8']);
    expect(DTYPES.filter(isUnsigned)).toEqual(['bool', 'uint8']);
  });

  it('knows the range of each dtype (numpy.iinfo / finfo)', () => {
    expect(dtypeRange('int8')).toEqual([-128, 127]);
    expect(dtypeRange('uint8')).toEqual([0, 255]);
    expect(dtypeRange('int16')).toEqual([-32768, 32767]);
    expect(dtypeRange('int32')).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    // finfo(float32).max = (2 - 2^-23) * 2^127
    expect(dtypeRange('float32')[1]).toBe((2 - 2 ** -23) * 2 ** 127);
    expect(dtypeRange('float64')[1]).toBe(Number.MAX_VALUE);
  });
});

describe('promoteTypes', () => {
  it.each(fixture.resultType)('%s with %s gives numpy.result_type %s', (a, b, want) => {
    expect(promoteTypes(a, b)).toBe(want);
  });

  it('matches the hand-known cases', () => {
    expect(promoteTypes('int8', 'uint8')).toBe('int16');
    expect(promoteTypes('int32', 'float32')).toBe('float64');
    expect(promoteTypes('int16', 'float32')).toBe('float32');
    expect(promoteTypes('bool', 'int8')).toBe('int8');
  });
});

describe('canCastSafely', () => {
  it.each(fixture.canCast)("%s to %s is numpy.can_cast(..., 'safe') = %s", (a, b, want) => {
    expect(canCastSafely(a, b)).toBe(want);
  });
});

describe('castScalar', () => {
  for (const c of fixture.casts) {
    it(`stores ${c.from} values as ${c.to} the way numpy's astype does`, () => {
      const got = c.values.map((v) => castScalar(num(v), c.to));
      const want = c.expected.map(num);
      // compare with Object.is semantics so that NaN and the sign of zero count
      expect(got).toEqual(want);
    });
  }

  it('wraps integers modulo 2^bits and truncates floats toward zero', () => {
    expect(castScalar(300, 'int8')).toBe(300 - 256);
    expect(castScalar(-129, 'int8')).toBe(127);
    expect(castScalar(-1, 'uint8')).toBe(255);
    expect(castScalar(40000, 'int16')).toBe(40000 - 65536);
    expect(castScalar(2 ** 31, 'int32')).toBe(-(2 ** 31));
    expect(castScalar(-2.9, 'int32')).toBe(-2);
    expect(castScalar(2.9, 'uint8')).toBe(2);
  });

  it('rounds to float32 and keeps float64', () => {
    expect(castScalar(0.1, 'float32')).toBe(Math.fround(0.1));
    expect(castScalar(0.1, 'float32')).not.toBe(0.1);
    expect(castScalar(0.1, 'float64')).toBe(0.1);
  });

  it('stores bool as value != 0: NaN is true, -0 is false (NumPy)', () => {
    expect(castScalar(NaN, 'bool')).toBe(1);
    expect(castScalar(-0, 'bool')).toBe(0);
    expect(castScalar(-0.5, 'bool')).toBe(1);
  });
});

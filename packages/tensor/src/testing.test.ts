import { describe, expect, it } from 'vitest';
import { AssertionError, allclose, assertAllclose, matchers, toBeAllclose } from './testing';
import { array } from './creation';
import { NDArray } from './ndarray';

expect.extend({ toBeAllclose });

describe('allclose (numpy.allclose: rtol 1e-5, atol 1e-8)', () => {
  it('uses |a - b| <= atol + rtol * |b|, asymmetric in b as NumPy', () => {
    expect(allclose([1, 2], [1 + 1e-6, 2])).toBe(true);
    expect(allclose([1, 2], [1.001, 2])).toBe(false);
    expect(allclose([0], [1e-9])).toBe(true);
    expect(allclose([1e-7], [0])).toBe(false);
    // asymmetric: rtol scales |desired|
    expect(allclose([10], [9], { rtol: 0.1, atol: 0 })).toBe(false);
    expect(allclose([9], [10], { rtol: 0.1, atol: 0 })).toBe(true);
  });

  it('broadcasts, treats NaN as unequal unless equalNan, and infinities by sign', () => {
    expect(
      allclose(
        array([
          [1, 1],
          [1, 1],
        ]),
        1,
      ),
    ).toBe(true);
    expect(allclose([NaN], [NaN])).toBe(false);
    expect(allclose([NaN], [NaN], { equalNan: true })).toBe(true);
    expect(allclose([Infinity], [Infinity])).toBe(true);
    expect(allclose([Infinity], [-Infinity])).toBe(false);
    expect(allclose([Infinity], [1e308])).toBe(false);
    expect(() => allclose([1, 2], [1, 2, 3])).toThrow(
      /^allclose: operands could not be broadcast together with shapes \(2,\) \(3,\)/,
    );
  });

  it('takes NDArrays of any dtype and views', () => {
    const a = array([[1, 2, 3]], { dtype: 'int8' }).T;
    expect(allclose(a, [[1], [2], [3]])).toBe(true);
    expect(allclose(array([true, false]), [1, 0])).toBe(true);
  });
});

describe('assertAllclose (numpy.testing.assert_allclose: rtol 1e-7, atol 0, NaN == NaN)', () => {
  it('passes for close arrays and NaN at the same places', () => {
    expect(() => assertAllclose([1, NaN, 3], [1 + 1e-8, NaN, 3])).not.toThrow();
    expect(() => assertAllclose(array(2.5), 2.5)).not.toThrow();
    expect(() => assertAllclose([1, 2], 1.0000000001, { rtol: 0, atol: 1 })).not.toThrow();
  });

  it("throws an AssertionError in NumPy's words", () => {
    let err: Error | undefined;
    try {
      assertAllclose([1, 2, 3.1], [1, 2, 3], { errMsg: 'step 3' });
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(AssertionError);
    expect(err!.message).toBe(
      [
        'step 3',
        'Not equal to tolerance rtol=1e-7, atol=0',
        '',
        'Mismatched elements: 1 / 3 (33.3%)',
        `Max absolute difference: ${Math.abs(3.1 - 3)}`,
        `Max relative difference: ${Math.abs(3.1 - 3) / 3}`,
        ' x: array([1. , 2. , 3.1])',
        ' y: array([1., 2., 3.])',
      ].join('\n'),
    );
  });

  it('requires equal shapes (a 0-d side broadcasts) and NaN in the same places', () => {
    expect(() => assertAllclose([1, 2], [[1, 2]])).toThrow(/\(shapes \(2,\), \(1, 2\) mismatch\)/);
    expect(() => assertAllclose([NaN], [1])).toThrow(/Mismatched elements: 1 \/ 1 \(100%\)/);
    expect(() => assertAllclose([NaN], [NaN], { equalNan: false })).toThrow(AssertionError);
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => assertAllclose('a' as never, [1])).toThrow(
      "assertAllclose: argument 'actual' must be an NDArray, nested arrays or a number, got the string 'a'",
    );
    expect(() => assertAllclose([1], [1], { rtol: -1 })).toThrow(
      "assertAllclose: option 'rtol' must be a non-negative number, got -1",
    );
  });
});

describe('toBeAllclose (a vitest matcher)', () => {
  it('passes and fails like assertAllclose, and works with .not', () => {
    expect(array([0.1 + 0.2])).toBeAllclose([0.3]);
    expect([1, 2]).toBeAllclose(new NDArray(Float64Array.of(1, 2.0000001)), { rtol: 1e-6 });
    expect([1, 2]).not.toBeAllclose([1, 3]);
    expect(() => expect([1, 2]).toBeAllclose([1, 3])).toThrow(
      /Mismatched elements: 1 \/ 2 \(50%\)/,
    );
    expect(() => expect([1]).not.toBeAllclose([1])).toThrow(/not to be allclose/);
    expect(matchers.toBeAllclose).toBe(toBeAllclose);
  });
});

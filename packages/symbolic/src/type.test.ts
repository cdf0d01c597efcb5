import { describe, expect, it } from 'vitest';
import { TensorType } from './type';

describe('TensorType', () => {
  it('derives broadcastable flags from static length 1', () => {
    const t = new TensorType('float32', [1, null, 3]);
    expect(t.ndim).toBe(3);
    expect(t.broadcastable).toEqual([true, false, false]);
    expect(new TensorType('float64', []).broadcastable).toEqual([]);
  });

  it('fromBroadcastable builds Theano-style types', () => {
    const row = TensorType.fromBroadcastable('float64', [true, false]);
    expect(row.shape).toEqual([1, null]);
    expect(row.broadcastable).toEqual([true, false]);
  });

  it('rejects unknown dtypes and invalid static dimensions', () => {
    expect(() => new TensorType('int64' as never, [])).toThrow(/unknown dtype 'int64'/);
    expect(() => new TensorType('float64', [-1])).toThrow(/invalid static dimension -1/);
    expect(() => new TensorType('float64', [1.5])).toThrow(TypeError);
  });

  it('copies the shape it is given', () => {
    const shape = [2, null];
    const t = new TensorType('float64', shape);
    shape[0] = 5;
    expect(t.shape).toEqual([2, null]);
  });

  it('compares types', () => {
    const a = new TensorType('float64', [null, 3]);
    expect(a.equals(new TensorType('float64', [null, 3]))).toBe(true);
    expect(a.equals(new TensorType('float32', [null, 3]))).toBe(false);
    expect(a.equals(new TensorType('float64', [2, 3]))).toBe(false);
    expect(a.isSupertypeOf(new TensorType('float64', [2, 3]))).toBe(true);
    expect(new TensorType('float64', [2, 3]).isSupertypeOf(a)).toBe(false);
    expect(a.isSupertypeOf(new TensorType('float64', [null]))).toBe(false);
  });

  it.each([
    ['float64', [], 'float64 scalar'],
    ['float32', [null], 'float32 vector'],
    ['float32', [1, null], 'float32 row'],
    ['int32', [null, 1], 'int32 col'],
    ['float64', [null, null], 'float64 matrix'],
    ['float64', [null, null, null], 'float64 tensor3'],
    ['int8', [null, null, null, null, null], 'int8 tensor5'],
    ['int32', [null, 3], 'int32 matrix shape (?, 3)'],
    ['float32', [5], 'float32 vector shape (5,)'],
    ['float32', [null, 1, 28, 28], 'float32 tensor4 shape (?, 1, 28, 28)'],
    ['float32', [1, 5], 'float32 row shape (1, 5)'],
    ['float64', [null, 1, null], 'float64 tensor3 shape (?, 1, ?)'],
    // broadcastable dims the kind does not name must show
    ['float64', [1], 'float64 vector shape (1,)'],
    ['float64', [1, 1], 'float64 matrix shape (1, 1)'],
  ] as const)('%s %j prints as %s', (dtype, shape, want) => {
    expect(String(new TensorType(dtype, shape))).toBe(want);
  });
});

import { describe, expect, it } from 'vitest';
import {
  broadcastShapes,
  contiguousStrides,
  formatShape,
  normalizeAxes,
  normalizeAxis,
  resolveReshape,
  shapeSize,
  shapesEqual,
} from './shape';

describe('shape utilities', () => {
  it('computes sizes and C-order strides', () => {
    expect(shapeSize([])).toBe(1);
    expect(shapeSize([2, 3, 4])).toBe(24);
    expect(shapeSize([2, 0, 4])).toBe(0);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([5])).toEqual([1]);
    expect(contiguousStrides([])).toEqual([]);
  });

  it('formats shapes like Python tuples', () => {
    expect(formatShape([])).toBe('()');
    expect(formatShape([3])).toBe('(3,)');
    expect(formatShape([2, 3])).toBe('(2, 3)');
  });

  it('compares shapes', () => {
    expect(shapesEqual([2, 3], [2, 3])).toBe(true);
    expect(shapesEqual([2, 3], [3, 2])).toBe(false);
    expect(shapesEqual([2], [2, 1])).toBe(false);
  });
});

describe('broadcastShapes (the examples of numpy.org/doc/stable/user/basics.broadcasting.html)', () => {
  it.each([
    [[256, 256, 3], [3], [256, 256, 3]],
    [
      [8, 1, 6, 1],
      [7, 1, 5],
      [8, 7, 6, 5],
    ],
    [[5, 4], [1], [5, 4]],
    [[5, 4], [4], [5, 4]],
    [
      [15, 3, 5],
      [15, 1, 5],
      [15, 3, 5],
    ],
    [
      [15, 3, 5],
      [3, 5],
      [15, 3, 5],
    ],
    [
      [15, 3, 5],
      [3, 1],
      [15, 3, 5],
    ],
    [[], [2, 3], [2, 3]],
    [
      [0, 1],
      [1, 4],
      [0, 4],
    ],
  ])('%j with %j gives %j', (a, b, want) => {
    expect(broadcastShapes(a, b)).toEqual(want);
    expect(broadcastShapes(b, a)).toEqual(want);
  });

  it('broadcasts several shapes at once', () => {
    expect(broadcastShapes([3, 1], [1, 4], [4])).toEqual([3, 4]);
  });

  it.each([
    [[3], [4]],
    [
      [2, 1],
      [8, 4, 3],
    ],
    [
      [2, 3],
      [3, 2],
    ],
    [[0], [3]],
  ])('rejects %j with %j, naming both shapes', (a, b) => {
    const shapes = new RegExp(
      `operands could not be broadcast together with shapes ${formatShape(a).replace(/[()]/g, '\\$&')} ${formatShape(b).replace(/[()]/g, '\\$&')}`,
    );
    expect(() => broadcastShapes(a, b)).toThrow(RangeError);
    expect(() => broadcastShapes(a, b)).toThrow(shapes);
  });
});

describe('axes', () => {
  it('normalizes negative axes', () => {
    expect(normalizeAxis(-1, 3)).toBe(2);
    expect(normalizeAxis(-3, 3)).toBe(0);
    expect(normalizeAxis(2, 3)).toBe(2);
  });

  it('rejects out-of-range and non-integer axes (numpy AxisError wording)', () => {
    expect(() => normalizeAxis(3, 3)).toThrow(RangeError);
    expect(() => normalizeAxis(3, 3)).toThrow(
      /axis 3 is out of bounds for an array of dimension 3/,
    );
    expect(() => normalizeAxis(-4, 3)).toThrow(/axis -4 is out of bounds/);
    expect(() => normalizeAxis(0.5, 3)).toThrow(RangeError);
    expect(() => normalizeAxis(0, 0)).toThrow(RangeError);
  });

  it('normalizes axis lists: all axes by default, sorted, no repeats', () => {
    expect(normalizeAxes(undefined, 3)).toEqual([0, 1, 2]);
    expect(normalizeAxes(null, 2)).toEqual([0, 1]);
    expect(normalizeAxes(-1, 3)).toEqual([2]);
    expect(normalizeAxes([-1, 0], 3)).toEqual([0, 2]);
    expect(() => normalizeAxes([1, -1], 2)).toThrow(/repeated axis/);
    expect(() => normalizeAxes([0, 5], 2)).toThrow(RangeError);
  });
});

describe('resolveReshape', () => {
  it('infers one -1', () => {
    expect(resolveReshape(12, [3, -1])).toEqual([3, 4]);
    expect(resolveReshape(12, [-1])).toEqual([12]);
    expect(resolveReshape(0, [-1, 3])).toEqual([0, 3]);
    expect(resolveReshape(1, [])).toEqual([]);
  });

  it('rejects mismatched sizes, two -1 and invalid entries', () => {
    expect(() => resolveReshape(12, [5, -1])).toThrow(
      /cannot reshape array of size 12 into shape \[5, -1\]/,
    );
    expect(() => resolveReshape(12, [2, 2])).toThrow(/cannot reshape array of size 12/);
    expect(() => resolveReshape(12, [-1, -1])).toThrow(/only specify one unknown dimension/);
    expect(() => resolveReshape(12, [-2, -6])).toThrow(/invalid dimension -2/);
    expect(() => resolveReshape(0, [0, -1])).toThrow(RangeError);
  });
});

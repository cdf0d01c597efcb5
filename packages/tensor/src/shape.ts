/** Shape utilities shared by NDArray, the reference math and the symbolic layer. */

export type Shape = readonly number[];

/** Product of the dimensions (1 for a 0-d shape). */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** C-order (row-major) strides, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export const formatShape = (s: Shape): string => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;

/**
 * NumPy broadcasting of several shapes (https://numpy.org/doc/stable/user/basics.broadcasting.html).
 * @throws RangeError naming both shapes when two dimensions differ and neither is 1.
 */
export function broadcastShapes(...shapes: Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = ndim - s.length + i;
      const d = s[i];
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j])
        throw new RangeError(
          `operands could not be broadcast together with shapes ${shapes.map(formatShape).join(' ')}`,
        );
    }
  }
  return out;
}

/** Normalise a possibly negative axis into [0, ndim). @throws RangeError when out of range. */
export function normalizeAxis(axis: number, ndim: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim)
    throw new RangeError(`${what} ${axis} is out of bounds for an array of dimension ${ndim}`);
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Normalise NumPy's `axis` argument (undefined/null = all axes, a number, or a list) to a sorted
 * list of distinct non-negative axes. @throws RangeError on out-of-range or repeated axes.
 */
export function normalizeAxes(
  axis: number | readonly number[] | null | undefined,
  ndim: number,
): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(a, ndim));
  if (new Set(out).size !== out.length)
    throw new RangeError(`repeated axis in ${JSON.stringify(list)}`);
  return out.sort((a, b) => a - b);
}

/**
 * Resolve a reshape target that may contain one -1 (NumPy semantics).
 * @throws RangeError when sizes do not match or more than one -1 is given.
 */
export function resolveReshape(size: number, target: readonly number[]): number[] {
  const out = [...target];
  const neg = out.reduce<number[]>((acc, d, i) => (d === -1 ? [...acc, i] : acc), []);
  if (neg.length > 1)
    throw new RangeError('can only specify one unknown dimension (-1) in reshape');
  for (const d of out)
    if (!Number.isInteger(d) || d < -1)
      throw new RangeError(`invalid dimension ${d} in reshape target [${target.join(', ')}]`);
  const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (neg.length === 1) {
    if (known === 0 || size % known !== 0)
      throw new RangeError(
        `cannot reshape array of size ${size} into shape [${target.join(', ')}]`,
      );
    out[neg[0]] = size / known;
  } else if (known !== size) {
    throw new RangeError(`cannot reshape array of size ${size} into shape [${target.join(', ')}]`);
  }
  return out;
}

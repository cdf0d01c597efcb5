/** Shape utilities shared by NDArray, the reference math and the symbolic layer. */
import { describeValue } from './errors';

/** A shape: the length of every dimension (NumPy's shape tuple). */
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

/** True when `a` and `b` have the same dimensions. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A shape as Python prints a tuple: `(2, 3)`, `(4,)`, `()`. */
export const formatShape = (s: Shape): string => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;

/**
 * NumPy broadcasting of several shapes (https://numpy.org/doc/stable/user/basics.broadcasting.html):
 * shapes are aligned on the right, and each dimension must be equal or 1.
 * @example broadcastShapes([8, 1, 6, 1], [7, 1, 5]) // [8, 7, 6, 5]
 * @throws RangeError naming every shape and the first dimension that clashes, e.g.
 *   `broadcastShapes: operands could not be broadcast together with shapes (2, 3) (3, 2): ...`.
 */
export function broadcastShapes(...shapes: Shape[]): number[] {
  return broadcastShapesIn('broadcastShapes', shapes);
}

/** {@link broadcastShapes} with the calling function's name in the error message. */
export function broadcastShapesIn(fn: string, shapes: readonly Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = ndim - s.length + i;
      const d = s[i];
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j])
        throw new RangeError(
          `${fn}: operands could not be broadcast together with shapes ${shapes.map(formatShape).join(' ')}: ` +
            `expected the sizes of dimension ${j - ndim} (counted from the end) to be equal or 1, got ${out[j]} and ${d}`,
        );
    }
  }
  return out;
}

/**
 * Check a shape argument: a list of non-negative integers.
 * @returns a copy of the shape as a mutable array.
 * @throws TypeError when not a list of integers; RangeError for a negative dimension.
 */
export function validateShape(shape: unknown, fn: string, arg = 'shape'): number[] {
  if (typeof shape === 'number') shape = [shape];
  if (!Array.isArray(shape) && !ArrayBuffer.isView(shape))
    throw new TypeError(
      `${fn}: argument '${arg}' must be a list of non-negative integers, got ${describeValue(shape)}`,
    );
  const s = Array.from(shape as ArrayLike<unknown>);
  for (const d of s) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d))
      throw new TypeError(
        `${fn}: argument '${arg}' must be a list of non-negative integers, got [${s.map(String).join(', ')}] (${describeValue(d)} is not an integer)`,
      );
    if (d < 0)
      throw new RangeError(
        `${fn}: negative dimensions are not allowed: argument '${arg}' must be a list of non-negative integers, got [${s.join(', ')}]`,
      );
  }
  return s as number[];
}

/**
 * Normalise a possibly negative axis into [0, ndim) (NumPy's normalize_axis_index).
 * @param what the argument's name in the message ('axis' by default)
 * @param fn the calling function, named first in the message when given
 * @throws RangeError `axis 3 is out of bounds for an array of dimension 3` (NumPy's AxisError
 *   wording), prefixed by `fn:` and followed by the accepted range when `fn` is given.
 */
export function normalizeAxis(axis: number, ndim: number, what = 'axis', fn?: string): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    const msg = Number.isInteger(axis)
      ? `${what} ${axis} is out of bounds for an array of dimension ${ndim}`
      : `${what} ${describeValue(axis)} is not an integer`;
    throw new RangeError(
      fn ? `${fn}: ${msg} (expected an integer in [${-ndim}, ${ndim - 1}])` : msg,
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Normalise NumPy's `axis` argument (undefined/null = all axes, a number, or a list) to a sorted
 * list of distinct non-negative axes.
 * @param fn the calling function, named in the message when given
 * @throws RangeError on out-of-range or repeated axes.
 */
export function normalizeAxes(
  axis: number | readonly number[] | null | undefined,
  ndim: number,
  fn?: string,
): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  if (typeof axis !== 'number' && !Array.isArray(axis))
    throw new TypeError(
      `${fn ?? 'normalizeAxes'}: argument 'axis' must be an integer, a list of integers or null, got ${describeValue(axis)}`,
    );
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(a, ndim, 'axis', fn));
  if (new Set(out).size !== out.length)
    throw new RangeError(
      `${fn ? fn + ': ' : ''}repeated axis in ${JSON.stringify(list)}${fn ? ' (expected distinct axes)' : ''}`,
    );
  return out.sort((a, b) => a - b);
}

/**
 * Resolve a reshape target that may contain one -1 (NumPy semantics).
 * @throws RangeError when sizes do not match or more than one -1 is given.
 */
export function resolveReshape(size: number, target: readonly number[], fn?: string): number[] {
  const pre = fn ? `${fn}: ` : '';
  if (!Array.isArray(target) && !ArrayBuffer.isView(target))
    throw new TypeError(
      `${fn ?? 'reshape'}: argument 'shape' must be a list of integers, got ${describeValue(target)}`,
    );
  const out = [...target];
  const neg = out.reduce<number[]>((acc, d, i) => (d === -1 ? [...acc, i] : acc), []);
  if (neg.length > 1)
    throw new RangeError(`${pre}can only specify one unknown dimension (-1) in reshape`);
  for (const d of out)
    if (!Number.isInteger(d) || d < -1)
      throw new RangeError(
        `${pre}invalid dimension ${d} in reshape target [${target.join(', ')}]${fn ? ' (expected non-negative integers and at most one -1)' : ''}`,
      );
  const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const mismatch = (): RangeError =>
    new RangeError(
      `${pre}cannot reshape array of size ${size} into shape [${target.join(', ')}]` +
        (fn
          ? neg.length
            ? ` (expected the known dimensions' product ${known} to divide ${size})`
            : ` (expected a shape whose product is ${size}, got ${known})`
          : ''),
    );
  if (neg.length === 1) {
    if (known === 0 || size % known !== 0) throw mismatch();
    out[neg[0]] = size / known;
  } else if (known !== size) throw mismatch();
  return out;
}

/**
 * Shape manipulation and joining, following NumPy's functions of the same names
 * (https://numpy.org/doc/stable/reference/routines.array-manipulation.html). Free-function forms
 * of the NDArray view methods are here too, so that reference implementations read alike.
 */
import { type DType, promoteTypes, typedArrayFor } from './dtype';
import { type BasicIndex, NDArray } from './ndarray';
import { checkArray, checkArrays } from './math';
import {
  type Shape,
  broadcastShapesIn,
  contiguousStrides,
  formatShape,
  normalizeAxes,
  normalizeAxis,
  shapeSize,
} from './shape';
import { checkInt, describeValue } from './errors';

/** numpy.transpose as a function (a view). */
export const transpose = (x: NDArray, axes?: readonly number[]): NDArray =>
  checkArray('transpose', 'x', x).transpose(axes);

/** numpy.reshape as a function: a view when NumPy gives one, else a copy. */
export const reshape = (x: NDArray, shape: readonly number[]): NDArray =>
  checkArray('reshape', 'x', x).reshape(shape);

/** numpy.broadcast_to as a function (a read-only view). */
export const broadcastTo = (x: NDArray, shape: Shape): NDArray =>
  checkArray('broadcastTo', 'x', x).broadcastTo(shape);

/** numpy.squeeze as a function (a view). */
export const squeeze = (
  x: NDArray,
  opts: { axis?: number | readonly number[] | null } = {},
): NDArray => checkArray('squeeze', 'x', x).squeeze(opts.axis);

/** numpy.expand_dims as a function (a view). */
export const expandDims = (x: NDArray, axis: number | readonly number[]): NDArray =>
  checkArray('expandDims', 'x', x).expandDims(axis);

/** numpy.swapaxes as a function (a view). */
export const swapaxes = (x: NDArray, axis1: number, axis2: number): NDArray =>
  checkArray('swapaxes', 'x', x).swapaxes(axis1, axis2);

/** numpy.ravel as a function (a view when contiguous). */
export const ravel = (x: NDArray): NDArray => checkArray('ravel', 'x', x).ravel();

/**
 * Basic indexing as a function: `slice(x, ':', '::-1')` is NumPy's `x[:, ::-1]`. A view.
 * See {@link BasicIndex} for the entries; {@link getItem} adds advanced (array) indices.
 */
export const slice = (x: NDArray, ...index: BasicIndex[]): NDArray =>
  checkArray('slice', 'x', x).slice(...index);

/**
 * Move axes to new positions, keeping the order of the others (numpy.moveaxis). A view.
 * @throws RangeError for axes out of range, repeated, or lists of different lengths.
 */
export function moveaxis(
  x: NDArray,
  source: number | readonly number[],
  destination: number | readonly number[],
): NDArray {
  checkArray('moveaxis', 'x', x);
  const src = (typeof source === 'number' ? [source] : [...source]).map((a) =>
    normalizeAxis(a, x.ndim, 'source', 'moveaxis'),
  );
  const dst = (typeof destination === 'number' ? [destination] : [...destination]).map((a) =>
    normalizeAxis(a, x.ndim, 'destination', 'moveaxis'),
  );
  if (src.length !== dst.length)
    throw new RangeError(
      `moveaxis: 'source' and 'destination' arguments must have the same number of elements, got ${src.length} and ${dst.length}`,
    );
  if (new Set(src).size !== src.length || new Set(dst).size !== dst.length)
    throw new RangeError(
      'moveaxis: repeated axis in source or destination (expected distinct axes)',
    );
  const order = [...x.shape.keys()].filter((a) => !src.includes(a));
  [...dst.keys()].sort((i, j) => dst[i] - dst[j]).forEach((i) => order.splice(dst[i], 0, src[i]));
  return x.transpose(order);
}

/** Broadcast several arrays against each other (numpy.broadcast_arrays): read-only views. */
export function broadcastArrays(...arrays: NDArray[]): NDArray[] {
  checkArrays('broadcastArrays', 'arrays', arrays);
  const shape = broadcastShapesIn(
    'broadcastArrays',
    arrays.map((a) => a.shape),
  );
  return arrays.map((a) => a.broadcastTo(shape));
}

/** Copy `src` (same shape) into the region `dst` of a contiguous output, elementwise. */
function copyInto(dst: NDArray, src: NDArray): void {
  const vals = src.toFlat();
  let k = 0;
  dst.forEachPosition((p) => {
    dst.data[p] = vals[k++];
  });
}

/** Cast an array to `dtype` unless it already has it. */
const as = (a: NDArray, dtype: DType): NDArray => (a.dtype === dtype ? a : a.astype(dtype));

/**
 * Join arrays along an existing axis (numpy.concatenate). The dtype is the promotion of all
 * inputs' dtypes. With `axis: null` the arrays are flattened first.
 * @throws TypeError for an empty list; RangeError for 0-d inputs, different ranks, an axis
 *   out of range, or sizes that differ off the joining axis (naming the array and dimension).
 */
export function concatenate(
  arrays: readonly NDArray[],
  opts: { axis?: number | null; dtype?: DType } = {},
): NDArray {
  checkArrays('concatenate', 'arrays', arrays);
  if (arrays.length === 0)
    throw new TypeError('concatenate: need at least one array to concatenate, got an empty list');
  if (opts.axis === null)
    return concatenate(
      arrays.map((a) => a.ravel()),
      { axis: 0, dtype: opts.dtype },
    );
  const first = arrays[0];
  if (first.ndim === 0)
    throw new RangeError(
      'concatenate: zero-dimensional arrays cannot be concatenated (expected arrays with at least one dimension)',
    );
  const axis = normalizeAxis(opts.axis ?? 0, first.ndim, 'axis', 'concatenate');
  arrays.forEach((a, i) => {
    if (a.ndim !== first.ndim)
      throw new RangeError(
        `concatenate: all the input arrays must have same number of dimensions, but the array at index 0 has ${first.ndim} dimension(s) and the array at index ${i} has ${a.ndim} dimension(s)`,
      );
    a.shape.forEach((d, j) => {
      if (j !== axis && d !== first.shape[j])
        throw new RangeError(
          `concatenate: all the input array dimensions except for the concatenation axis must match exactly, but along dimension ${j}, the array at index 0 has size ${first.shape[j]} and the array at index ${i} has size ${d}`,
        );
    });
  });
  const dtype = opts.dtype ?? arrays.map((a) => a.dtype).reduce(promoteTypes);
  const shape = [...first.shape];
  shape[axis] = arrays.reduce((n, a) => n + a.shape[axis], 0);
  const out = new NDArray(new (typedArrayFor(dtype))(shapeSize(shape)), shape, { dtype });
  let start = 0;
  for (const a of arrays) {
    const idx: BasicIndex[] = shape.map(() => ({}));
    idx[axis] = { start, stop: start + a.shape[axis] };
    copyInto(out.slice(...idx), as(a, dtype));
    start += a.shape[axis];
  }
  return out;
}

/**
 * Join arrays of one shape along a new axis (numpy.stack).
 * @throws TypeError for an empty list; RangeError when shapes differ or the axis is out of range.
 */
export function stack(
  arrays: readonly NDArray[],
  opts: { axis?: number; dtype?: DType } = {},
): NDArray {
  checkArrays('stack', 'arrays', arrays);
  if (arrays.length === 0)
    throw new TypeError('stack: need at least one array to stack, got an empty list');
  const shape = arrays[0].shape;
  arrays.forEach((a, i) => {
    if (a.ndim !== shape.length || a.shape.some((d, j) => d !== shape[j]))
      throw new RangeError(
        `stack: all input arrays must have the same shape, but the array at index 0 has shape ${formatShape(shape)} and the array at index ${i} has shape ${formatShape(a.shape)}`,
      );
  });
  const axis = normalizeAxis(opts.axis ?? 0, shape.length + 1, 'axis', 'stack');
  return concatenate(
    arrays.map((a) => a.expandDims(axis)),
    { axis, dtype: opts.dtype },
  );
}

/**
 * Split into views along an axis (numpy.split): `sections` equal parts, or at the given
 * indices (`[2, 5]` gives x[:2], x[2:5], x[5:]).
 * @throws RangeError when `sections` does not divide the axis.
 */
export function split(
  x: NDArray,
  indicesOrSections: number | readonly number[],
  opts: { axis?: number } = {},
): NDArray[] {
  checkArray('split', 'x', x);
  if (x.ndim === 0)
    throw new RangeError('split: expected an array with at least one dimension, got a 0-d array');
  const axis = normalizeAxis(opts.axis ?? 0, x.ndim, 'axis', 'split');
  const n = x.shape[axis];
  let cuts: number[];
  if (typeof indicesOrSections === 'number') {
    const k = checkInt('split', 'indicesOrSections', indicesOrSections, 1);
    if (n % k !== 0)
      throw new RangeError(
        `split: array split does not result in an equal division: axis ${axis} of length ${n} cannot be split into ${k} equal sections (expected a divisor of ${n})`,
      );
    cuts = Array.from({ length: k - 1 }, (_, i) => ((i + 1) * n) / k);
  } else if (Array.isArray(indicesOrSections)) {
    cuts = indicesOrSections.map((v, i) => checkInt('split', `indicesOrSections[${i}]`, v));
  } else
    throw new TypeError(
      `split: argument 'indicesOrSections' must be an integer or a list of integers, got ${describeValue(indicesOrSections)}`,
    );
  const bounds = [0, ...cuts, n];
  const out: NDArray[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const idx: BasicIndex[] = x.shape.map(() => ({}));
    idx[axis] = { start: bounds[i], stop: bounds[i + 1] };
    // NumPy slices with the raw bounds, so a stop before the start gives an empty part
    const part = x.slice(...idx);
    out.push(part);
  }
  return out;
}

/**
 * Repeat the whole array `reps` times along each axis (numpy.tile). Always a copy.
 * @throws RangeError for negative repetitions.
 */
export function tile(x: NDArray, reps: number | readonly number[]): NDArray {
  checkArray('tile', 'x', x);
  const r = typeof reps === 'number' ? [reps] : [...reps];
  r.forEach((v, i) => checkInt('tile', `reps[${i}]`, v, 0));
  const ndim = Math.max(x.ndim, r.length);
  const xs = [...Array(ndim - x.ndim).fill(1), ...x.shape];
  const rs = [...Array(ndim - r.length).fill(1), ...r];
  const src = x.reshape(xs);
  // view src as (1, d0, 1, d1, ...) broadcast to (r0, d0, r1, d1, ...), then reshape
  const inter: number[] = [];
  const bshape: number[] = [];
  xs.forEach((d, i) => {
    inter.push(1, d);
    bshape.push(rs[i], d);
  });
  return src
    .reshape(inter)
    .broadcastTo(bshape)
    .reshape(xs.map((d, i) => d * rs[i]));
}

/**
 * Repeat each element (numpy.repeat): `repeats` times, or `repeats[i]` times for element i,
 * along `axis` (default: the flattened array).
 * @throws RangeError for negative repeats or a list whose length differs from the axis.
 */
export function repeat(
  x: NDArray,
  repeats: number | readonly number[],
  opts: { axis?: number | null } = {},
): NDArray {
  checkArray('repeat', 'x', x);
  const src = opts.axis === null || opts.axis === undefined ? x.ravel() : x;
  const axis =
    opts.axis === null || opts.axis === undefined
      ? 0
      : normalizeAxis(opts.axis, x.ndim, 'axis', 'repeat');
  const n = src.shape[axis];
  const reps =
    typeof repeats === 'number'
      ? Array(n).fill(checkInt('repeat', 'repeats', repeats, 0))
      : [...repeats].map((v, i) => checkInt('repeat', `repeats[${i}]`, v, 0));
  if (reps.length !== n)
    throw new RangeError(
      `repeat: operands could not be broadcast together: expected ${n} repeats (the length of axis ${axis}), got ${reps.length}`,
    );
  const parts: NDArray[] = [];
  for (let i = 0; i < n; i++) {
    if (reps[i] === 0) continue;
    const idx: BasicIndex[] = src.shape.map(() => ({}));
    idx[axis] = { start: i, stop: i + 1 };
    const piece = src.slice(...idx);
    const shape = [...piece.shape];
    shape[axis] = reps[i];
    parts.push(piece.broadcastTo(shape));
  }
  if (parts.length === 0) {
    const shape = [...src.shape];
    shape[axis] = 0;
    return new NDArray(new (typedArrayFor(x.dtype))(0), shape, { dtype: x.dtype });
  }
  return concatenate(parts, { axis });
}

/** Reverse the order of elements along axes (numpy.flip; default all axes). A view with negative strides. */
export function flip(x: NDArray, opts: { axis?: number | readonly number[] | null } = {}): NDArray {
  checkArray('flip', 'x', x);
  const axes = normalizeAxes(opts.axis, x.ndim, 'flip');
  return x.slice(...x.shape.map((_, i) => (axes.includes(i) ? '::-1' : ':')));
}

/**
 * Roll elements along axes (numpy.roll): elements shifted beyond the end come back at the
 * start. Without `axis`, the flattened array is rolled and the shape restored.
 */
export function roll(
  x: NDArray,
  shift: number | readonly number[],
  opts: { axis?: number | readonly number[] | null } = {},
): NDArray {
  checkArray('roll', 'x', x);
  if (opts.axis === null || opts.axis === undefined) {
    if (typeof shift !== 'number')
      throw new TypeError(
        `roll: argument 'shift' must be an integer when no axis is given, got ${describeValue(shift)}`,
      );
    return roll(x.ravel(), shift, { axis: 0 }).reshape(x.shape);
  }
  const axes = (typeof opts.axis === 'number' ? [opts.axis] : [...opts.axis]).map((a) =>
    normalizeAxis(a, x.ndim, 'axis', 'roll'),
  );
  const shifts = typeof shift === 'number' ? axes.map(() => shift) : [...shift];
  if (shifts.length !== axes.length)
    throw new RangeError(
      `roll: 'shift' and 'axis' should be scalars or 1D sequences of the same length, got ${shifts.length} and ${axes.length}`,
    );
  let out = x;
  axes.forEach((ax, i) => {
    const n = out.shape[ax];
    if (n === 0) return;
    const s = ((checkInt('roll', 'shift', shifts[i]) % n) + n) % n;
    if (s === 0) return;
    const [a, b] = split(out, [n - s], { axis: ax });
    out = concatenate([b, a], { axis: ax });
  });
  return out === x ? x.copy() : out;
}

/**
 * The diagonal `offset` of the 2-D sub-arrays on axes (axis1, axis2) (numpy.diagonal): a view
 * whose last axis runs along the diagonal.
 */
export function diagonal(
  x: NDArray,
  opts: { offset?: number; axis1?: number; axis2?: number } = {},
): NDArray {
  checkArray('diagonal', 'x', x);
  if (x.ndim < 2)
    throw new RangeError(
      `diagonal: diag requires an array of at least two dimensions, got ${x.ndim}`,
    );
  const offset = checkInt('diagonal', 'offset', opts.offset ?? 0);
  const a1 = normalizeAxis(opts.axis1 ?? 0, x.ndim, 'axis1', 'diagonal');
  const a2 = normalizeAxis(opts.axis2 ?? 1, x.ndim, 'axis2', 'diagonal');
  if (a1 === a2) throw new RangeError('diagonal: axis1 and axis2 cannot be the same');
  const rest = [...x.shape.keys()].filter((i) => i !== a1 && i !== a2);
  const n1 = x.shape[a1];
  const n2 = x.shape[a2];
  const len = Math.max(0, offset >= 0 ? Math.min(n1, n2 - offset) : Math.min(n1 + offset, n2));
  let off = x.offset;
  if (len > 0) off += offset >= 0 ? offset * x.strides[a2] : -offset * x.strides[a1];
  return new NDArray(x.data, [...rest.map((i) => x.shape[i]), len], {
    dtype: x.dtype,
    offset: off,
    strides: [...rest.map((i) => x.strides[i]), x.strides[a1] + x.strides[a2]],
  });
}

/**
 * numpy.diag: for a 1-D `v`, a 2-D array with `v` on diagonal k; for a 2-D `v`, a copy of its
 * diagonal k. @throws RangeError for other ranks.
 */
export function diag(v: NDArray, k = 0): NDArray {
  checkArray('diag', 'v', v);
  checkInt('diag', 'k', k);
  if (v.ndim === 2) return diagonal(v, { offset: k }).copy();
  if (v.ndim !== 1) throw new RangeError(`diag: input must be 1- or 2-d, got ${v.ndim}-d`);
  const n = v.shape[0] + Math.abs(k);
  const out = new NDArray(new (typedArrayFor(v.dtype))(n * n), [n, n], { dtype: v.dtype });
  for (let i = 0; i < v.shape[0]; i++) {
    const r = k >= 0 ? i : i - k;
    const c = k >= 0 ? i + k : i;
    out.data[r * n + c] = v.data[v.offset + i * v.strides[0]];
  }
  return out;
}

/** Sum along diagonals (numpy.trace): over the last axis of {@link diagonal}. bool/ints give int32. */
export function trace(
  x: NDArray,
  opts: { offset?: number; axis1?: number; axis2?: number; dtype?: DType } = {},
): NDArray {
  const d = diagonal(x, opts).contiguous();
  const dtype = opts.dtype ?? (x.dtype === 'float32' || x.dtype === 'float64' ? x.dtype : 'int32');
  const len = d.shape[d.ndim - 1];
  const outShape = d.shape.slice(0, -1);
  const out = new (typedArrayFor(dtype))(shapeSize(outShape));
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let j = 0; j < len; j++) s += d.data[i * len + j];
    out[i] = s;
  }
  return new NDArray(out, outShape, { dtype });
}

function triangle(fn: string, x: NDArray, k: number, lower: boolean): NDArray {
  checkArray(fn, 'x', x);
  checkInt(fn, 'k', k);
  if (x.ndim < 2)
    throw new RangeError(`${fn}: expected an array with at least 2 dimensions, got ${x.ndim}`);
  const out = x.copy();
  const [r, c] = x.shape.slice(-2);
  const strides = contiguousStrides(out.shape);
  const plane = r * c;
  for (let base = 0; base < out.size; base += plane)
    for (let i = 0; i < r; i++)
      for (let j = 0; j < c; j++) {
        const keep = lower ? j - i <= k : j - i >= k;
        if (!keep) out.data[base + i * strides[x.ndim - 2] + j] = 0;
      }
  return out;
}

/** Lower triangle of the last two axes, zeros above diagonal k (numpy.tril). A copy. */
export const tril = (x: NDArray, k = 0): NDArray => triangle('tril', x, k, true);
/** Upper triangle of the last two axes, zeros below diagonal k (numpy.triu). A copy. */
export const triu = (x: NDArray, k = 0): NDArray => triangle('triu', x, k, false);

/** NaN sorts last, as in NumPy; -0 and 0 compare equal. */
const cmp = (a: number, b: number): number =>
  Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a < b ? -1 : a > b ? 1 : 0;

/** Indices that sort along `axis` (numpy.argsort, default the last; null: the flattened array). Stable (kind='stable'). int32. */
export function argsort(x: NDArray, opts: { axis?: number | null } = {}): NDArray {
  checkArray('argsort', 'x', x);
  const src = opts.axis === null ? x.ravel() : x;
  if (src.ndim === 0) return new NDArray(new Int32Array([0]), [], { dtype: 'int32' });
  const ax = normalizeAxis(opts.axis ?? -1, src.ndim, 'axis', 'argsort');
  const moved = src.swapaxes(ax, src.ndim - 1).contiguous();
  const len = moved.shape[moved.ndim - 1];
  const out = new Int32Array(moved.size);
  const idx = Array.from({ length: len }, (_, i) => i);
  for (let o = 0; o < moved.size; o += len) {
    const order = [...idx].sort((i, j) => cmp(moved.data[o + i], moved.data[o + j]) || i - j);
    out.set(order, o);
  }
  return new NDArray(out, moved.shape, { dtype: 'int32' }).swapaxes(ax, src.ndim - 1).copy();
}

/** Sorted copy along `axis` (numpy.sort, default the last; null: the flattened array). NaN last. */
export function sort(x: NDArray, opts: { axis?: number | null } = {}): NDArray {
  checkArray('sort', 'x', x);
  const src = opts.axis === null ? x.ravel() : x;
  if (src.ndim === 0) return src.copy();
  const ax = normalizeAxis(opts.axis ?? -1, src.ndim, 'axis', 'sort');
  const moved = src.swapaxes(ax, src.ndim - 1).copy();
  const len = moved.shape[moved.ndim - 1];
  for (let o = 0; o < moved.size; o += len) {
    const part = Array.from(moved.data.subarray(o, o + len)).sort(cmp);
    moved.data.set(part, o);
  }
  return moved.swapaxes(ax, src.ndim - 1).copy();
}

/** Constant padding (numpy.pad with mode 'constant'): `padWidth` is [before, after] per axis, or one pair for all. */
export function pad(
  x: NDArray,
  padWidth: number | readonly [number, number] | readonly (readonly [number, number])[],
  opts: { constantValues?: number } = {},
): NDArray {
  checkArray('pad', 'x', x);
  const pairs: [number, number][] =
    typeof padWidth === 'number'
      ? x.shape.map(() => [padWidth, padWidth])
      : Array.isArray(padWidth[0])
        ? (padWidth as readonly (readonly [number, number])[]).map((p) => [p[0], p[1]])
        : x.shape.map(() => [padWidth[0] as number, padWidth[1] as number]);
  if (pairs.length !== x.ndim)
    throw new RangeError(
      `pad: argument 'padWidth' must have one [before, after] pair per dimension (${x.ndim}), got ${pairs.length}`,
    );
  pairs.forEach(([b, a], i) => {
    checkInt('pad', `padWidth[${i}][0]`, b, 0);
    checkInt('pad', `padWidth[${i}][1]`, a, 0);
  });
  const shape = x.shape.map((d, i) => d + pairs[i][0] + pairs[i][1]);
  const out = new NDArray(new (typedArrayFor(x.dtype))(shapeSize(shape)), shape, {
    dtype: x.dtype,
  });
  if (opts.constantValues) out.fill(opts.constantValues);
  copyInto(out.slice(...pairs.map(([b], i) => ({ start: b, stop: b + x.shape[i] }))), x);
  return out;
}

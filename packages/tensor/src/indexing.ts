/**
 * Indexing: NumPy's basic and advanced indexing (https://numpy.org/doc/stable/user/basics.indexing.html)
 * as functions, plus numpy.take, take_along_axis, nonzero and Theano's inc_subtensor semantics
 * (repeated indices accumulate, as numpy.add.at).
 */
import { type DType, castScalar, checkedCast, isInteger, typedArrayFor } from './dtype';
import { type BasicIndex, NDArray, type NestedArray, isSliceObject } from './ndarray';
import { array } from './creation';
import { checkArray } from './math';
import { broadcastShapesIn, formatShape, normalizeAxis, shapeSize } from './shape';
import { describeValue } from './errors';

/**
 * One entry of a NumPy index: a {@link BasicIndex} (integer, slice object or string, null,
 * '...') or an advanced index: an integer array (NDArray of an integer dtype, or nested JS
 * arrays of integers) or a boolean mask (NDArray of dtype bool, or nested JS booleans).
 */
export type Index = BasicIndex | NDArray | NestedArray;

/** Where each selected element lives: output shape and flat positions into `x.data`. */
interface Plan {
  shape: number[];
  positions: Float64Array;
  /** A view when the index is basic. */
  view?: NDArray;
}

type Entry =
  | { kind: 'basic'; value: BasicIndex }
  | { kind: 'array'; value: NDArray }
  | { kind: 'bool'; value: NDArray };

function classify(e: Index, fn: string): Entry {
  if (e === null || typeof e === 'number' || typeof e === 'string' || isSliceObject(e))
    return { kind: 'basic', value: e as BasicIndex };
  let a: NDArray;
  if (e instanceof NDArray) a = e;
  else if (Array.isArray(e) || typeof e === 'boolean') {
    try {
      a = array(e as NestedArray);
    } catch (err) {
      throw new TypeError(
        `${fn}: an index array must be rectangular integers or booleans: ${(err as Error).message}`,
      );
    }
    // an empty list indexes nothing: NumPy treats [] as an integer index
    if (a.size === 0 && a.dtype === 'float64') a = a.astype('int32');
  } else
    throw new TypeError(
      `${fn}: index entries must be integers, slices, null, '...', integer arrays or boolean masks, got ${describeValue(e)}`,
    );
  if (a.dtype === 'bool') return { kind: 'bool', value: a };
  if (!isInteger(a.dtype))
    throw new TypeError(
      `${fn}: arrays used as indices must be of integer (or boolean) type, got dtype ${a.dtype}`,
    );
  return { kind: 'array', value: a };
}

/** Flat C-order positions of the non-zero elements of a boolean mask, as one int32 array per axis. */
export function nonzero(x: NDArray): NDArray[] {
  checkArray('nonzero', 'x', x);
  const src = x.ndim === 0 ? x.reshape([1]) : x;
  const flat = src.toFlat();
  const hits: number[] = [];
  flat.forEach((v, i) => {
    if (v !== 0) hits.push(i);
  });
  const out = src.shape.map(() => new Int32Array(hits.length));
  hits.forEach((h, k) => {
    let r = h;
    for (let ax = src.ndim - 1; ax >= 0; ax--) {
      out[ax][k] = r % src.shape[ax];
      r = Math.floor(r / src.shape[ax]);
    }
  });
  return out.map((d) => new NDArray(d, [hits.length], { dtype: 'int32' }));
}

function plan(x: NDArray, index: readonly Index[], fn: string): Plan {
  checkArray(fn, 'x', x);
  const entries = index.map((e) => classify(e, fn));
  if (entries.every((e) => e.kind === 'basic')) {
    const view = x.slice(...entries.map((e) => e.value as BasicIndex));
    const positions = new Float64Array(view.size);
    let k = 0;
    view.forEachPosition((p) => {
      positions[k++] = p;
    });
    return { shape: [...view.shape], positions, view };
  }
  // expand '...' and boolean masks into one entry per axis
  const isEllipsis = (e: Entry) =>
    e.kind === 'basic' && typeof e.value === 'string' && e.value.trim() === '...';
  const consumed = entries.reduce(
    (n, e) =>
      n +
      (e.kind === 'bool'
        ? Math.max(e.value.ndim, 1)
        : e.kind === 'basic' && (e.value === null || isEllipsis(e))
          ? 0
          : 1),
    0,
  );
  if (entries.filter(isEllipsis).length > 1)
    throw new RangeError(`${fn}: an index can only have a single ellipsis ('...')`);
  if (consumed > x.ndim)
    throw new RangeError(
      `${fn}: too many indices for array: array is ${x.ndim}-dimensional, but ${consumed} were indexed`,
    );
  type Flat = { kind: 'basic'; value: BasicIndex } | { kind: 'adv'; value: NDArray };
  const flat: Flat[] = [];
  let axis = 0;
  for (const e of entries) {
    if (isEllipsis(e)) {
      for (let k = 0; k < x.ndim - consumed; k++) flat.push({ kind: 'basic', value: ':' });
      axis += x.ndim - consumed;
    } else if (e.kind === 'bool') {
      const mask = e.value.ndim === 0 ? e.value.reshape([1]) : e.value;
      mask.shape.forEach((d, k) => {
        if (d !== x.shape[axis + k])
          throw new RangeError(
            `${fn}: boolean index did not match indexed array along dimension ${axis + k}; dimension is ${x.shape[axis + k]} but corresponding boolean dimension is ${d}`,
          );
      });
      for (const idx of nonzero(mask)) flat.push({ kind: 'adv', value: idx });
      axis += mask.ndim;
    } else if (e.kind === 'array') {
      flat.push({ kind: 'adv', value: e.value });
      axis++;
    } else {
      flat.push(e);
      if (e.value !== null) axis++;
    }
  }
  while (axis < x.ndim) {
    flat.push({ kind: 'basic', value: ':' });
    axis++;
  }
  // integers count as advanced indices once any array is present (NumPy)
  const items: Flat[] = flat.map((e) =>
    e.kind === 'basic' && typeof e.value === 'number'
      ? { kind: 'adv', value: new NDArray(new Int32Array([checkIndexInt(e.value, fn)]), []) }
      : e,
  );
  // the basic view, with full slices where advanced indices are
  const basic: BasicIndex[] = items.map((e) => (e.kind === 'adv' ? ':' : e.value));
  const view = x.slice(...basic);
  // map every item to the view's axis
  const advAxes: number[] = [];
  const advArrays: NDArray[] = [];
  const basicAxes: number[] = [];
  const advPositions: number[] = [];
  items.forEach((e, i) => {
    if (e.kind === 'adv') {
      advAxes.push(i);
      advArrays.push(e.value);
      advPositions.push(i);
    } else {
      const isInt = typeof e.value === 'number';
      if (!isInt) basicAxes.push(i);
    }
  });
  // after expansion with no ints among basic items, item i is view axis i
  const bshape = broadcastShapesIn(
    fn,
    advArrays.map((a) => a.shape),
  );
  const adjacent = advPositions.every((p, k) => k === 0 || p === advPositions[k - 1] + 1);
  const before = adjacent ? basicAxes.filter((a) => a < advPositions[0]) : [];
  const after = adjacent ? basicAxes.filter((a) => a > advPositions[0]) : basicAxes;
  const shape = [
    ...before.map((a) => view.shape[a]),
    ...bshape,
    ...after.map((a) => view.shape[a]),
  ];
  const idxArrays = advArrays.map((a, k) => {
    const ax = advAxes[k];
    const d = view.shape[ax];
    const b = a.broadcastTo(bshape).toFlat();
    const origAxis = axisInX(items, ax);
    for (let i = 0; i < b.length; i++) {
      const v = b[i];
      if (v < -d || v >= d)
        throw new RangeError(
          `${fn}: index ${v} is out of bounds for axis ${origAxis} with size ${d} (expected indices in [${-d}, ${d - 1}])`,
        );
      b[i] = v < 0 ? v + d : v;
    }
    return b;
  });
  const n = shapeSize(shape);
  const positions = new Float64Array(n);
  const nb = before.length;
  const nB = bshape.length;
  const bStrides = bshape.map((_, i) => bshape.slice(i + 1).reduce((p, q) => p * q, 1));
  const cur = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let p = view.offset;
    for (let i = 0; i < nb; i++) p += cur[i] * view.strides[before[i]];
    let bflat = 0;
    for (let i = 0; i < nB; i++) bflat += cur[nb + i] * bStrides[i];
    for (let j = 0; j < advAxes.length; j++) p += idxArrays[j][bflat] * view.strides[advAxes[j]];
    for (let i = 0; i < after.length; i++) p += cur[nb + nB + i] * view.strides[after[i]];
    positions[k] = p;
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      if (++cur[ax] < shape[ax]) break;
      cur[ax] = 0;
    }
  }
  return { shape, positions };
}

/** The axis of x that item i of the expanded index addresses (newaxis entries consume none). */
function axisInX(items: readonly { kind: string; value: unknown }[], i: number): number {
  let ax = 0;
  for (let k = 0; k < i; k++) if (!(items[k].kind === 'basic' && items[k].value === null)) ax++;
  return ax;
}

function checkIndexInt(v: number, fn: string): number {
  if (!Number.isSafeInteger(v))
    throw new TypeError(`${fn}: integer indices must be integers, got ${describeValue(v)}`);
  return v;
}

/**
 * NumPy's `x[index]` with basic and advanced indices (integer arrays and boolean masks,
 * broadcast together; the advanced dimensions go where NumPy puts them). A view when every
 * entry is basic, a copy otherwise.
 * @example getItem(x, [0, 2], ':') // x[[0, 2], :];  getItem(x, mask) // x[mask]
 * @throws TypeError for an entry of the wrong kind or a float array; RangeError for an index
 *   out of bounds, a mask of the wrong shape, or index arrays that do not broadcast.
 */
export function getItem(x: NDArray, ...index: Index[]): NDArray {
  const p = plan(x, index, 'getItem');
  if (p.view) return p.view;
  const out = new (typedArrayFor(x.dtype))(p.positions.length);
  for (let i = 0; i < out.length; i++) out[i] = x.data[p.positions[i]];
  return new NDArray(out, p.shape, { dtype: x.dtype });
}

function valueArray(
  value: NDArray | NestedArray,
  shape: number[],
  dtype: DType,
  fn: string,
): ArrayLike<number> {
  if (typeof value === 'number' || typeof value === 'boolean') {
    const v = checkedCast(value, dtype, fn);
    return new Float64Array(shapeSize(shape)).fill(v);
  }
  const arr = value instanceof NDArray ? value : array(value);
  let b: NDArray;
  try {
    b = arr.broadcastTo(shape);
  } catch {
    throw new RangeError(
      `${fn}: could not broadcast input array from shape ${formatShape(arr.shape)} into shape ${formatShape(shape)} (the indexed region)`,
    );
  }
  const flat = b.toFlat();
  const out = new Float64Array(flat.length);
  for (let i = 0; i < flat.length; i++) out[i] = castScalar(flat[i], dtype);
  return out;
}

/**
 * NumPy's `x[index] = value`, in place: `value` (a number, nested arrays or an NDArray)
 * broadcasts to the indexed region and is cast to x's dtype; with repeated indices the last
 * write wins. Returns `x`.
 * @throws as {@link getItem}; RangeError when the value does not broadcast or x is a broadcast view.
 */
export function setItem(
  x: NDArray,
  index: readonly Index[],
  value: NDArray | NestedArray,
): NDArray {
  checkArray('setItem', 'x', x);
  x.assertWritable('setItem');
  const p = plan(x, index, 'setItem');
  const v = valueArray(value, p.shape, x.dtype, 'setItem');
  for (let i = 0; i < p.positions.length; i++) x.data[p.positions[i]] = v[i];
  return x;
}

/**
 * Theano's inc_subtensor / numpy.add.at, in place: adds `value` (broadcast to the indexed
 * region) to `x[index]`, accumulating where an index repeats (unlike NumPy's `x[idx] += v`).
 * Integer results wrap like NumPy arithmetic. Returns `x`.
 * @throws as {@link setItem}.
 */
export function incItem(
  x: NDArray,
  index: readonly Index[],
  value: NDArray | NestedArray,
): NDArray {
  checkArray('incItem', 'x', x);
  x.assertWritable('incItem');
  const p = plan(x, index, 'incItem');
  const v = valueArray(value, p.shape, 'float64', 'incItem');
  for (let i = 0; i < p.positions.length; i++) {
    const pos = p.positions[i];
    x.data[pos] = castScalar(x.data[pos] + v[i], x.dtype);
  }
  return x;
}

/** Options of {@link take}. */
export interface TakeOptions {
  /** The axis to take along; undefined/null: the flattened array. */
  axis?: number | null;
  /** Out-of-range indices: 'raise' (default) throws, 'wrap' wraps around, 'clip' clips. */
  mode?: 'raise' | 'wrap' | 'clip';
}

/**
 * Elements at `indices` along an axis (numpy.take): the result has shape
 * x.shape[:axis] + indices.shape + x.shape[axis+1:]. Negative indices count from the end.
 * @throws TypeError for non-integer indices; RangeError for an index out of range (mode 'raise').
 */
export function take(x: NDArray, indices: NDArray | NestedArray, opts: TakeOptions = {}): NDArray {
  checkArray('take', 'x', x);
  const src = opts.axis === null || opts.axis === undefined ? x.ravel() : x;
  const axis =
    opts.axis === null || opts.axis === undefined
      ? 0
      : normalizeAxis(opts.axis, x.ndim, 'axis', 'take');
  const idxEntry = classify(indices as Index, 'take');
  if (idxEntry.kind === 'basic' && typeof idxEntry.value !== 'number')
    throw new TypeError(`take: argument 'indices' must be integers, got ${describeValue(indices)}`);
  const idx =
    idxEntry.kind === 'basic'
      ? new NDArray(new Int32Array([idxEntry.value as number]), [])
      : idxEntry.kind === 'bool'
        ? (() => {
            throw new TypeError("take: argument 'indices' must be integers, got a boolean array");
          })()
        : idxEntry.value;
  const mode = opts.mode ?? 'raise';
  if (mode !== 'raise' && mode !== 'wrap' && mode !== 'clip')
    throw new TypeError(
      `take: option 'mode' must be 'raise', 'wrap' or 'clip', got ${describeValue(mode)}`,
    );
  const d = src.shape[axis];
  const flat = Array.from(idx.toFlat()).map((v) => {
    if (mode === 'wrap') return d === 0 ? v : ((v % d) + d) % d;
    if (mode === 'clip') return Math.min(Math.max(v, 0), d - 1);
    if (v < -d || v >= d)
      throw new RangeError(
        `take: index ${v} is out of bounds for axis ${axis} with size ${d} (expected indices in [${-d}, ${d - 1}])`,
      );
    return v < 0 ? v + d : v;
  });
  if ((mode === 'clip' || mode === 'wrap') && d === 0 && flat.length > 0)
    throw new RangeError(
      `take: cannot do a non-empty take from an empty axis (axis ${axis} has size 0)`,
    );
  const pre = src.shape.slice(0, axis);
  const post = src.shape.slice(axis + 1);
  const shape = [...pre, ...idx.shape, ...post];
  const out = new (typedArrayFor(x.dtype))(shapeSize(shape));
  const nPre = shapeSize(pre);
  const nPost = shapeSize(post);
  const c = src.contiguous();
  let k = 0;
  for (let i = 0; i < nPre; i++)
    for (const j of flat)
      for (let m = 0; m < nPost; m++) out[k++] = c.data[c.offset + (i * d + j) * nPost + m];
  return new NDArray(out, shape, { dtype: x.dtype });
}

/**
 * numpy.take_along_axis: `out[..., i, ...] = x[..., indices[..., i, ...], ...]` along `axis`;
 * `indices` has x's rank and broadcasts against x off the axis.
 * @throws RangeError for a rank mismatch or an index out of bounds.
 */
export function takeAlongAxis(x: NDArray, indices: NDArray, axis: number): NDArray {
  checkArray('takeAlongAxis', 'x', x);
  checkArray('takeAlongAxis', 'indices', indices);
  if (!isInteger(indices.dtype))
    throw new TypeError(
      `takeAlongAxis: argument 'indices' must have an integer dtype, got ${indices.dtype}`,
    );
  if (indices.ndim !== x.ndim)
    throw new RangeError(
      `takeAlongAxis: argument 'indices' must have the same number of dimensions as x (${x.ndim}), got ${indices.ndim}`,
    );
  const ax = normalizeAxis(axis, x.ndim, 'axis', 'takeAlongAxis');
  const index: Index[] = x.shape.map((d, i) => {
    if (i === ax) return indices;
    const shape = x.shape.map(() => 1);
    shape[i] = d;
    return new NDArray(
      Int32Array.from({ length: d }, (_, k) => k),
      shape,
    );
  });
  return getItem(x, ...index);
}

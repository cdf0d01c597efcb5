import {
  type DType,
  type TypedArray,
  castScalar,
  checkDType,
  checkedCast,
  dtypeOfTypedArray,
  typedArrayFor,
} from './dtype';
import {
  type Shape,
  broadcastShapesIn,
  contiguousStrides,
  formatShape,
  normalizeAxes,
  normalizeAxis,
  resolveReshape,
  shapeSize,
  shapesEqual,
} from './shape';
import { formatArray } from './format';
import { describeValue } from './errors';

/** A slice `start:stop:step` as an object; each part may be omitted or null (Python's defaults). */
export interface Slice {
  /** First index (negative: from the end); default 0, or the end for a negative step. */
  start?: number | null;
  /**
   * Index where the slice stops (excluded); default the end, or before the start for a negative
   * step.
   */
  stop?: number | null;
  /** Step between indices, non-zero (default 1). */
  step?: number | null;
}

/**
 * One entry of a basic index (NumPy's basic indexing, https://numpy.org/doc/stable/user/basics.indexing.html):
 * - an integer: selects one position and drops the axis (negative counts from the end);
 * - a {@link Slice} object `{ start, stop, step }` or a string `'start:stop:step'` as in Python
 *   (`':'`, `'1:'`, `'::-1'`, `'-3:-1'`): keeps the axis; negative steps walk backwards;
 * - `null` (NumPy's `newaxis`): inserts an axis of length 1;
 * - `'...'` (Ellipsis): as many full slices as needed.
 *
 * JavaScript arrays are not slices: in {@link getItem} they are advanced (integer or boolean)
 * indices, as in NumPy.
 */
export type BasicIndex = number | Slice | string | null;

/** NumPy's `newaxis` (`None`): in an index, inserts an axis of length 1. */
export const newaxis = null;

/** Python's slice.indices for one axis of length `length`. */
export interface SliceIndices {
  /** First index, resolved to [0, length] (or [-1, length - 1] for a negative step). */
  start: number;
  /** Resolved stop index (excluded). */
  stop: number;
  /** Step, non-zero. */
  step: number;
  /** Number of positions selected. */
  count: number;
}

const SLICE_RE = /^\s*([+-]?\d+)?\s*:\s*([+-]?\d+)?\s*(?::\s*([+-]?\d+)?\s*)?$/;

/** Parse `'start:stop:step'` into a {@link Slice}. @throws TypeError when the string is not a slice. */
export function parseSlice(text: string, fn = 'parseSlice'): Slice {
  const m = SLICE_RE.exec(text);
  if (!m)
    throw new TypeError(
      `${fn}: index '${text}' must be a slice string 'start:stop:step' (e.g. ':', '1:3', '::-1') or '...', got ${describeValue(text)}`,
    );
  const n = (g: string | undefined) => (g === undefined ? null : Number(g));
  return { start: n(m[1]), stop: n(m[2]), step: n(m[3]) };
}

/**
 * Python's `slice(start, stop, step).indices(length)`: clamps start and stop into the axis, with
 * NumPy's defaults for omitted parts (a negative step walks from the end to the start).
 * @throws TypeError for non-integer parts; RangeError for step 0 or a negative length.
 */
export function sliceIndices(s: Slice, length: number, fn = 'sliceIndices'): SliceIndices {
  const part = (v: unknown, name: string): number | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw new TypeError(
        `${fn}: slice ${name} must be an integer, null or omitted, got ${describeValue(v)}`,
      );
    return v;
  };
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RangeError(
      `${fn}: argument 'length' must be a non-negative integer, got ${describeValue(length)}`,
    );
  const step = part(s.step, 'step') ?? 1;
  if (step === 0)
    throw new RangeError(`${fn}: slice step cannot be zero (expected a non-zero integer, got 0)`);
  const lower = step < 0 ? -1 : 0;
  const upper = step < 0 ? length - 1 : length;
  const clamp = (v: number | null, dflt: number): number => {
    if (v === null) return dflt;
    if (v < 0) return Math.max(v + length, lower);
    return Math.min(v, upper);
  };
  const start = clamp(part(s.start, 'start'), step < 0 ? upper : lower);
  const stop = clamp(part(s.stop, 'stop'), step < 0 ? lower : upper);
  const count =
    step > 0
      ? Math.max(0, Math.ceil((stop - start) / step))
      : Math.max(0, Math.ceil((start - stop) / -step));
  return { start, stop, step, count };
}

/** True for a {@link Slice} object (a plain object that is not an array or an NDArray). */
export function isSliceObject(x: unknown): x is Slice {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x))
    return false;
  if (x instanceof NDArray) return false;
  return Object.keys(x).every((k) => k === 'start' || k === 'stop' || k === 'step');
}

const BRAND = Symbol.for('@theano-ts/tensor.NDArray');

/** Nested JavaScript arrays of numbers, as `toArray()` returns and `array()` accepts. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array: a typed array plus shape, strides (in elements) and offset, like
 * NumPy's ndarray. Views (transpose, reshape of contiguous data, broadcastTo) share `data`.
 */
export class NDArray {
  /**
   * `x instanceof NDArray` holds for NDArrays made by any copy of this package (its ESM and CJS
   * builds, or the `testing` entry's bundle), not only this class object: the check reads a
   * brand. Subclasses keep the ordinary prototype check.
   */
  static [Symbol.hasInstance](x: unknown): boolean {
    if (this !== NDArray) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
  }

  /** The element type. */
  readonly dtype: DType;
  /** Length of every dimension. */
  readonly shape: readonly number[];
  /** Step in elements (not bytes, unlike NumPy) between neighbours along every dimension. */
  readonly strides: readonly number[];
  /** Index in `data` of the first element. */
  readonly offset: number;
  /** The storage, shared with views. */
  readonly data: TypedArray;

  /**
   * Wrap `data` without copying (zero-copy): the array reads and writes `data` itself.
   * @param data typed array; its dtype is inferred unless `dtype` is given (bool uses Uint8Array)
   * @param shape defaults to `[data.length]`
   * @param opts.strides in elements (default C order); `offset` in elements (default 0)
   * @throws TypeError when the typed array does not store `dtype`; RangeError for a negative or
   *   non-integer dimension, or when the data is too short for the shape, strides and offset.
   */
  constructor(
    data: TypedArray,
    shape?: Shape,
    opts: { dtype?: DType; strides?: Shape; offset?: number } = {},
  ) {
    if (!ArrayBuffer.isView(data) || data instanceof DataView)
      throw new TypeError(
        `NDArray: argument 'data' must be a typed array, got ${describeValue(data)}`,
      );
    const dtype =
      opts.dtype === undefined ? dtypeOfTypedArray(data) : checkDType(opts.dtype, 'NDArray');
    if (!(data instanceof typedArrayFor(dtype)))
      throw new TypeError(
        `NDArray: dtype ${dtype} needs a ${typedArrayFor(dtype).name}, got ${data.constructor.name}`,
      );
    const sh = shape ? [...shape] : [data.length];
    for (const d of sh)
      if (!Number.isSafeInteger(d) || d < 0)
        throw new RangeError(
          `NDArray: invalid shape ${formatShape(sh)}: expected non-negative integer dimensions, got ${describeValue(d)}`,
        );
    const offset = opts.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new RangeError(
        `NDArray: option 'offset' must be a non-negative integer, got ${describeValue(offset)}`,
      );
    const size = shapeSize(sh);
    let strides: number[];
    if (opts.strides) {
      strides = [...opts.strides];
      if (strides.length !== sh.length || !strides.every(Number.isSafeInteger))
        throw new RangeError(
          `NDArray: option 'strides' must be ${sh.length} integers (one per dimension of shape ${formatShape(sh)}), got [${strides.join(', ')}]`,
        );
      if (size > 0) {
        let lo = offset;
        let hi = offset;
        sh.forEach((d, i) => {
          const span = (d - 1) * strides[i];
          if (span < 0) lo += span;
          else hi += span;
        });
        if (lo < 0 || hi >= data.length)
          throw new RangeError(
            `NDArray: shape ${formatShape(sh)} with strides [${strides.join(', ')}] and offset ${offset} reaches positions ${lo}..${hi}, expected them inside the data's ${data.length} elements`,
          );
      }
    } else {
      strides = contiguousStrides(sh);
      if (offset + size > data.length)
        throw new RangeError(
          `NDArray: ${data.length} elements cannot fill shape ${formatShape(sh)}${offset ? ` from offset ${offset}` : ''}: expected at least ${offset + size} elements, got ${data.length}`,
        );
    }
    this.dtype = dtype;
    this.shape = sh;
    this.strides = strides;
    this.offset = offset;
    this.data = data;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements (1 for a 0-d array). */
  get size(): number {
    return shapeSize(this.shape);
  }

  /**
   * NumPy's C_CONTIGUOUS flag: elements are laid out in C order from `offset` with no gaps
   * (dimensions of length 1 may have any stride; an empty array is contiguous).
   */
  get isContiguous(): boolean {
    if (this.size === 0) return true;
    const c = contiguousStrides(this.shape);
    return this.shape.every((d, i) => d <= 1 || this.strides[i] === c[i]);
  }

  /** Flat position in `data` of a full index. */
  private pos(index: readonly number[], fn: string): number {
    if (index.length !== this.ndim)
      throw new RangeError(
        `${fn}: expected ${this.ndim} indices, got ${index.length} (one index per dimension of shape ${formatShape(this.shape)})`,
      );
    let p = this.offset;
    for (let i = 0; i < index.length; i++) {
      const d = this.shape[i];
      const k = index[i];
      if (typeof k !== 'number' || !Number.isInteger(k) || k < -d || k >= d)
        throw new RangeError(
          `${fn}: index ${describeValue(k)} is out of bounds for axis ${i} with size ${d} (expected an integer in [${-d}, ${d - 1}])`,
        );
      p += (k < 0 ? k + d : k) * this.strides[i];
    }
    return p;
  }

  /** The element at a full index (negative indices count from the end). @throws RangeError out of bounds. */
  get(...index: number[]): number {
    return this.data[this.pos(index, 'NDArray.get')];
  }

  /**
   * Set the element at a full index, as NumPy 2's `a[i, j] = value`: fractions are truncated
   * for integer dtypes, but a value that does not fit the dtype throws instead of wrapping.
   * @throws RangeError out of bounds, for a value that does not fit, or on a broadcast view.
   */
  set(index: readonly number[], value: number | boolean): void {
    this.assertWritable('NDArray.set');
    this.data[this.pos(index, 'NDArray.set')] = checkedCast(value, this.dtype, 'NDArray.set');
  }

  /**
   * The element as a number, like NumPy's `item()`: with no index the array must have size 1;
   * with a full index, the element there.
   * @throws RangeError for arrays of other sizes, or an index out of bounds.
   */
  item(...index: number[]): number {
    if (index.length > 0) return this.data[this.pos(index, 'NDArray.item')];
    if (this.size !== 1)
      throw new RangeError(
        `NDArray.item: can only convert an array of size 1 to a number, got shape ${formatShape(this.shape)}`,
      );
    return this.data[this.offset];
  }

  /**
   * Throws when writing through this array would write one element for several positions:
   * a broadcast view (stride 0 on a dimension longer than 1), which NumPy makes read-only.
   */
  assertWritable(fn: string): void {
    const ax = this.shape.findIndex((d, i) => d > 1 && this.strides[i] === 0);
    if (ax >= 0)
      throw new RangeError(
        `${fn}: the array is a broadcast view (stride 0 on axis ${ax} of shape ${formatShape(this.shape)}), which is read-only as in NumPy; expected a writable array: copy() it first`,
      );
  }

  /** Fill every element with `value` in place (checked like {@link NDArray.set}). Returns `this`. */
  fill(value: number | boolean): this {
    this.assertWritable('NDArray.fill');
    const v = checkedCast(value, this.dtype, 'NDArray.fill');
    this.forEachPosition((p) => {
      this.data[p] = v;
    });
    return this;
  }

  /** Elements in C order as a new contiguous typed array of this dtype. */
  toFlat(): TypedArray {
    // a copy through `from`: V8's slice(start, end) is ten times slower (12 vs 1 µs for 1280
    // float32 values, measured on Node 20)
    if (this.isContiguous)
      return typedArrayFor(this.dtype).from(
        this.data.subarray(this.offset, this.offset + this.size),
      );
    const out = new (typedArrayFor(this.dtype))(this.size);
    let k = 0;
    this.forEachPosition((p) => {
      out[k++] = this.data[p];
    });
    return out;
  }

  /** Calls `fn` with the flat data position of every element, in C order. */
  forEachPosition(fn: (pos: number) => void): void {
    const { shape, strides, ndim } = this;
    const n = this.size;
    if (n === 0) return;
    const idx = new Array<number>(ndim).fill(0);
    let p = this.offset;
    for (let k = 0; k < n; k++) {
      fn(p);
      for (let ax = ndim - 1; ax >= 0; ax--) {
        idx[ax]++;
        p += strides[ax];
        if (idx[ax] < shape[ax]) break;
        p -= strides[ax] * shape[ax];
        idx[ax] = 0;
      }
    }
  }

  /** A contiguous array with the same values: `this` when already contiguous from offset 0. */
  contiguous(): NDArray {
    if (this.isContiguous && this.offset === 0 && this.data.length === this.size) return this;
    return new NDArray(this.toFlat(), this.shape, { dtype: this.dtype });
  }

  /** A deep copy in C order (always new storage), like numpy.ndarray.copy. */
  copy(): NDArray {
    return new NDArray(this.toFlat(), this.shape, { dtype: this.dtype });
  }

  /** Nested JavaScript arrays (a number for 0-d arrays; bool as true/false). */
  toArray(): NestedArray {
    const flat = this.toFlat();
    const conv = this.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
    if (this.ndim === 0) return conv(flat[0]);
    let k = 0;
    const build = (ax: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[ax]; i++)
        out.push(ax === this.ndim - 1 ? conv(flat[k++]) : build(ax + 1));
      return out;
    };
    return build(0);
  }

  /**
   * Cast to another dtype (always a copy, like NumPy's `astype` with casting='unsafe'): floats
   * are truncated toward zero, integers wrap modulo 2^bits, bool is value != 0 (NaN is true).
   * @throws TypeError for an unknown dtype.
   */
  astype(dtype: DType): NDArray {
    checkDType(dtype, 'NDArray.astype');
    const flat = this.toFlat();
    const out = new (typedArrayFor(dtype))(flat.length);
    if (dtype === 'bool')
      for (let i = 0; i < flat.length; i++) out[i] = castScalar(flat[i], 'bool');
    else if (dtype === 'float32' || dtype === 'float64') out.set(flat);
    else for (let i = 0; i < flat.length; i++) out[i] = Math.trunc(flat[i]);
    return new NDArray(out, this.shape, { dtype });
  }

  /**
   * A new shape with the same elements in C order (one dimension may be -1), like
   * numpy.reshape: a view whenever NumPy gives one (contiguous data, or strides that can be
   * regrouped: NumPy's `_attempt_nocopy_reshape`), otherwise a copy.
   * @throws RangeError when the sizes differ or the target is invalid.
   */
  reshape(shape: readonly number[]): NDArray {
    const target = resolveReshape(this.size, shape, 'reshape');
    if (this.isContiguous)
      return new NDArray(this.data, target, {
        dtype: this.dtype,
        offset: this.offset,
        strides: contiguousStrides(target),
      });
    const strides = noCopyStrides(this.shape, this.strides, target);
    if (strides)
      return new NDArray(this.data, target, { dtype: this.dtype, offset: this.offset, strides });
    return new NDArray(this.toFlat(), target, { dtype: this.dtype });
  }

  /**
   * Permute axes (default: reverse them), like numpy.transpose. A view.
   * @throws RangeError for axes that are not a permutation of 0..ndim-1.
   */
  transpose(axes?: readonly number[]): NDArray {
    if (axes !== undefined && !Array.isArray(axes))
      throw new TypeError(
        `transpose: argument 'axes' must be a list of integers, got ${describeValue(axes)}`,
      );
    const perm = axes
      ? axes.map((a) => normalizeAxis(a, this.ndim, 'axis', 'transpose'))
      : [...this.shape.keys()].reverse();
    if (perm.length !== this.ndim || new Set(perm).size !== perm.length)
      throw new RangeError(
        `transpose: axes [${axes?.join(', ')}] do not match an array of dimension ${this.ndim} (expected a permutation of 0..${this.ndim - 1})`,
      );
    return new NDArray(
      this.data,
      perm.map((a) => this.shape[a]),
      {
        dtype: this.dtype,
        offset: this.offset,
        strides: perm.map((a) => this.strides[a]),
      },
    );
  }

  /** The transpose (reversed axes). */
  get T(): NDArray {
    return this.transpose();
  }

  /** Swap two axes (numpy.swapaxes). A view. @throws RangeError for an axis out of range. */
  swapaxes(axis1: number, axis2: number): NDArray {
    const a = normalizeAxis(axis1, this.ndim, 'axis1', 'swapaxes');
    const b = normalizeAxis(axis2, this.ndim, 'axis2', 'swapaxes');
    const perm = [...this.shape.keys()];
    [perm[a], perm[b]] = [perm[b], perm[a]];
    return this.transpose(perm);
  }

  /**
   * A read-only view broadcast to `shape` (stride 0 on broadcast axes), like numpy.broadcast_to.
   * @throws RangeError when the array's shape cannot be broadcast to `shape`.
   */
  broadcastTo(shape: Shape): NDArray {
    const target = broadcastShapesIn('broadcastTo', [this.shape, shape]);
    if (!shapesEqual(target, shape))
      throw new RangeError(
        `broadcastTo: cannot broadcast shape ${formatShape(this.shape)} to ${formatShape(shape)} (expected each dimension to equal the target's or be 1, aligned on the right)`,
      );
    const lead = shape.length - this.ndim;
    const strides = shape.map((d, i) =>
      i < lead || this.shape[i - lead] !== d ? 0 : this.strides[i - lead],
    );
    return new NDArray(this.data, shape, { dtype: this.dtype, offset: this.offset, strides });
  }

  /**
   * Basic indexing, NumPy's `a[...]` with integers, slices, `null` (newaxis) and `'...'`:
   * always a view sharing `data` (negative steps give negative strides).
   * @example a.slice(0) // a[0];  a.slice(':', '::-1') // a[:, ::-1];  a.slice('...', null) // a[..., None]
   * @throws TypeError for an entry that is not a basic index (integer arrays: use getItem or
   *   take); RangeError for an integer out of bounds, step 0, or too many indices.
   */
  slice(...index: BasicIndex[]): NDArray {
    return basicIndex(this, index, 'slice');
  }

  /**
   * Remove axes of length 1 (numpy.squeeze): all of them, or the ones given. A view.
   * @throws RangeError for an axis out of range or of a length other than 1.
   */
  squeeze(axis?: number | readonly number[] | null): NDArray {
    const axes =
      axis === undefined || axis === null
        ? this.shape.flatMap((d, i) => (d === 1 ? [i] : []))
        : normalizeAxes(axis, this.ndim, 'squeeze');
    for (const a of axes)
      if (this.shape[a] !== 1)
        throw new RangeError(
          `squeeze: cannot select an axis to squeeze out which has size not equal to one: expected axis ${a} to have length 1, got ${this.shape[a]}`,
        );
    const keep = [...this.shape.keys()].filter((i) => !axes.includes(i));
    return new NDArray(
      this.data,
      keep.map((i) => this.shape[i]),
      { dtype: this.dtype, offset: this.offset, strides: keep.map((i) => this.strides[i]) },
    );
  }

  /**
   * Insert axes of length 1 at the given positions of the result (numpy.expand_dims). A view.
   * @param axis one position or several, in [-(ndim + k), ndim + k) for k new axes
   * @throws RangeError for a position out of range or repeated.
   */
  expandDims(axis: number | readonly number[]): NDArray {
    const list = typeof axis === 'number' ? [axis] : axis;
    if (!Array.isArray(list))
      throw new TypeError(
        `expandDims: argument 'axis' must be an integer or a list of integers, got ${describeValue(axis)}`,
      );
    const outNdim = this.ndim + list.length;
    const axes = normalizeAxes(list, outNdim, 'expandDims');
    const shape: number[] = [];
    const strides: number[] = [];
    let k = 0;
    for (let i = 0; i < outNdim; i++) {
      if (axes.includes(i)) {
        shape.push(1);
        strides.push(0);
      } else {
        shape.push(this.shape[k]);
        strides.push(this.strides[k]);
        k++;
      }
    }
    return new NDArray(this.data, shape, { dtype: this.dtype, offset: this.offset, strides });
  }

  /** The elements as a 1-D array (numpy.ravel): a view when possible, else a copy. */
  ravel(): NDArray {
    return this.reshape([this.size]);
  }

  /** The elements as a new 1-D array (numpy.ndarray.flatten): always a copy. */
  flatten(): NDArray {
    return new NDArray(this.toFlat(), [this.size], { dtype: this.dtype });
  }

  /** True when `other` shares this array's storage (a quick form of numpy.shares_memory for views). */
  sharesMemory(other: NDArray): boolean {
    return this.data.buffer === other.data.buffer;
  }

  /** NumPy's repr: `array([1., 2.], dtype=float32)`. */
  toString(): string {
    return formatArray(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

Object.defineProperty(NDArray.prototype, BRAND, { value: true });

/**
 * NumPy's `_attempt_nocopy_reshape` (numpy/core/src/multiarray/shape.c), C order: the strides
 * that read a non-contiguous array in C order with a new shape, or null when a copy is needed.
 */
function noCopyStrides(
  shape: readonly number[],
  strides: readonly number[],
  target: readonly number[],
): number[] | null {
  const od: number[] = [];
  const os: number[] = [];
  shape.forEach((d, i) => {
    if (d !== 1) {
      od.push(d);
      os.push(strides[i]);
    }
  });
  const nd = target.length;
  const ns = new Array<number>(nd).fill(0);
  let oi = 0;
  let oj = 1;
  let ni = 0;
  let nj = 1;
  while (ni < nd && oi < od.length) {
    let np = target[ni];
    let op = od[oi];
    while (np !== op) {
      if (np < op) np *= target[nj++];
      else op *= od[oj++];
    }
    for (let ok = oi; ok < oj - 1; ok++) if (os[ok] !== od[ok + 1] * os[ok + 1]) return null;
    ns[nj - 1] = os[oj - 1];
    for (let nk = nj - 1; nk > ni; nk--) ns[nk - 1] = ns[nk] * target[nk];
    ni = nj++;
    oi = oj++;
  }
  const last = ni >= 1 ? ns[ni - 1] : 1;
  for (let nk = ni; nk < nd; nk++) ns[nk] = last;
  return ns;
}

/** Basic indexing (integers, slices, null, '...') as a view. */
export function basicIndex(x: NDArray, index: readonly BasicIndex[], fn: string): NDArray {
  const entries = index.map((e) => {
    if (typeof e === 'string' && e.trim() !== '...') return parseSlice(e, fn);
    if (Array.isArray(e) || ArrayBuffer.isView(e) || e instanceof NDArray)
      throw new TypeError(
        `${fn}: index entries must be integers, slices ({ start, stop, step } or 'start:stop:step'), null or '...', got ${describeValue(e)}; integer and boolean arrays are advanced indices: use getItem() or take()`,
      );
    if (typeof e === 'string') return '...' as const;
    if (e !== null && typeof e === 'object' && !isSliceObject(e))
      throw new TypeError(
        `${fn}: a slice object may only have the keys start, stop and step, got ${describeValue(e)} with keys ${Object.keys(e).join(', ')}`,
      );
    if (e !== null && typeof e !== 'object' && typeof e !== 'number')
      throw new TypeError(
        `${fn}: index entries must be integers, slices, null or '...', got ${describeValue(e)}`,
      );
    return e;
  });
  const nEllipsis = entries.filter((e) => e === '...').length;
  if (nEllipsis > 1)
    throw new RangeError(
      `${fn}: an index can only have a single ellipsis ('...'), got ${nEllipsis}`,
    );
  const consumed = entries.filter((e) => e !== null && e !== '...').length;
  if (consumed > x.ndim)
    throw new RangeError(
      `${fn}: too many indices for array: array is ${x.ndim}-dimensional, but ${consumed} were indexed`,
    );
  const full: (number | Slice | null)[] = [];
  for (const e of entries) {
    if (e === '...') for (let k = 0; k < x.ndim - consumed; k++) full.push({});
    else full.push(e);
  }
  while (full.filter((e) => e !== null).length < x.ndim) full.push({});
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = x.offset;
  let ax = 0;
  for (const e of full) {
    if (e === null) {
      shape.push(1);
      strides.push(0);
      continue;
    }
    const d = x.shape[ax];
    const st = x.strides[ax];
    if (typeof e === 'number') {
      if (!Number.isInteger(e) || e < -d || e >= d)
        throw new RangeError(
          `${fn}: index ${describeValue(e)} is out of bounds for axis ${ax} with size ${d} (expected an integer in [${-d}, ${d - 1}])`,
        );
      offset += (e < 0 ? e + d : e) * st;
    } else {
      const { start, step, count } = sliceIndices(e, d, fn);
      if (count > 0) offset += start * st;
      shape.push(count);
      strides.push(st * step);
    }
    ax++;
  }
  return new NDArray(x.data, shape, { dtype: x.dtype, offset, strides });
}

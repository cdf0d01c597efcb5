import { type DType, type TypedArray, castScalar, dtypeOfTypedArray, typedArrayFor } from './dtype';
import {
  type Shape,
  broadcastShapes,
  contiguousStrides,
  formatShape,
  normalizeAxis,
  resolveReshape,
  shapeSize,
  shapesEqual,
} from './shape';
import { formatArray } from './format';

/** Nested JavaScript arrays of numbers, as `toArray()` returns and `array()` accepts. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array: a typed array plus shape, strides (in elements) and offset, like
 * NumPy's ndarray. Views (transpose, reshape of contiguous data, broadcastTo) share `data`.
 */
export class NDArray {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly data: TypedArray;

  /**
   * Wrap `data` without copying.
   * @param data typed array; its dtype is inferred unless `dtype` is given (bool uses Uint8Array)
   * @param shape defaults to `[data.length]`
   * @throws TypeError when the typed array does not match `dtype`; RangeError when too short.
   */
  constructor(
    data: TypedArray,
    shape?: Shape,
    opts: { dtype?: DType; strides?: Shape; offset?: number } = {},
  ) {
    const dtype = opts.dtype ?? dtypeOfTypedArray(data);
    if (!(data instanceof typedArrayFor(dtype)))
      throw new TypeError(
        `NDArray: dtype ${dtype} needs a ${typedArrayFor(dtype).name}, got ${data.constructor.name}`,
      );
    const sh = shape ? [...shape] : [data.length];
    for (const d of sh)
      if (!Number.isInteger(d) || d < 0)
        throw new RangeError(`NDArray: invalid shape ${formatShape(sh)}`);
    const strides = opts.strides ? [...opts.strides] : contiguousStrides(sh);
    const offset = opts.offset ?? 0;
    if (!opts.strides && offset + shapeSize(sh) > data.length)
      throw new RangeError(`NDArray: ${data.length} elements cannot fill shape ${formatShape(sh)}`);
    this.dtype = dtype;
    this.shape = sh;
    this.strides = strides;
    this.offset = offset;
    this.data = data;
  }

  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return shapeSize(this.shape);
  }

  /** True when elements are laid out in C order from `offset` with no gaps. */
  get isContiguous(): boolean {
    const c = contiguousStrides(this.shape);
    return this.shape.every((d, i) => d <= 1 || this.strides[i] === c[i]);
  }

  /** Flat position in `data` of a full index. */
  private pos(index: readonly number[]): number {
    if (index.length !== this.ndim)
      throw new RangeError(`NDArray.get: expected ${this.ndim} indices, got ${index.length}`);
    let p = this.offset;
    for (let i = 0; i < index.length; i++) {
      const d = this.shape[i];
      const k = index[i];
      if (!Number.isInteger(k) || k < -d || k >= d)
        throw new RangeError(`index ${k} is out of bounds for axis ${i} with size ${d}`);
      p += (k < 0 ? k + d : k) * this.strides[i];
    }
    return p;
  }

  /** The element at a full index (negative indices count from the end). */
  get(...index: number[]): number {
    return this.data[this.pos(index)];
  }

  /** Set the element at a full index (value cast to the dtype). */
  set(index: readonly number[], value: number): void {
    this.data[this.pos(index)] = castScalar(value, this.dtype);
  }

  /**
   * The single element of a size-1 array as a number, like NumPy's `item()`.
   * @throws RangeError for arrays of other sizes.
   */
  item(): number {
    if (this.size !== 1)
      throw new RangeError(
        `can only convert an array of size 1 to a number, got shape ${formatShape(this.shape)}`,
      );
    return this.data[this.offset];
  }

  /** Elements in C order as a new contiguous typed array of this dtype. */
  toFlat(): TypedArray {
    if (this.isContiguous) return this.data.slice(this.offset, this.offset + this.size);
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

  /** A deep copy (always new storage). */
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

  /** Cast to another dtype (always a copy, like NumPy's `astype`). */
  astype(dtype: DType): NDArray {
    const flat = this.toFlat();
    const out = new (typedArrayFor(dtype))(flat.length);
    if (dtype === 'bool')
      for (let i = 0; i < flat.length; i++) out[i] = castScalar(flat[i], 'bool');
    else if (dtype === 'float32' || dtype === 'float64') out.set(flat);
    else for (let i = 0; i < flat.length; i++) out[i] = Math.trunc(flat[i]);
    return new NDArray(out, this.shape, { dtype });
  }

  /**
   * A new shape with the same elements (one dimension may be -1). A view when contiguous,
   * otherwise a copy, like NumPy. @throws RangeError when sizes differ.
   */
  reshape(shape: readonly number[]): NDArray {
    const target = resolveReshape(this.size, shape);
    const base = this.isContiguous ? this : this.copy();
    return new NDArray(base.data, target, {
      dtype: this.dtype,
      offset: base.offset,
      strides: contiguousStrides(target),
    });
  }

  /** Permute axes (default: reverse them). A view. @throws RangeError for a bad permutation. */
  transpose(axes?: readonly number[]): NDArray {
    const perm = axes
      ? axes.map((a) => normalizeAxis(a, this.ndim))
      : [...this.shape.keys()].reverse();
    if (perm.length !== this.ndim || new Set(perm).size !== perm.length)
      throw new RangeError(
        `transpose: axes [${axes?.join(', ')}] do not match an array of dimension ${this.ndim}`,
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

  /** A read-only view broadcast to `shape` (stride 0 on broadcast axes). */
  broadcastTo(shape: Shape): NDArray {
    const target = broadcastShapes(this.shape, shape);
    if (!shapesEqual(target, shape))
      throw new RangeError(
        `cannot broadcast shape ${formatShape(this.shape)} to ${formatShape(shape)}`,
      );
    const lead = shape.length - this.ndim;
    const strides = shape.map((d, i) =>
      i < lead || this.shape[i - lead] !== d ? 0 : this.strides[i - lead],
    );
    return new NDArray(this.data, shape, { dtype: this.dtype, offset: this.offset, strides });
  }

  /** NumPy's repr: `array([1., 2.], dtype=float32)`. */
  toString(): string {
    return formatArray(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

import { type DType, isDType, DTYPES } from '@theano-ts/tensor';

/** A static dimension: its length, or null when unknown until run time. */
export type Dim = number | null;

const KIND_NAMES: Record<number, string> = {
  0: 'scalar',
  1: 'vector',
  2: 'matrix',
  3: 'tensor3',
  4: 'tensor4',
};

/**
 * The type of a tensor variable: dtype plus a static shape (null = unknown). A dimension of
 * static length 1 is *broadcastable* (PyTensor's convention; Theano's `broadcastable` flags are
 * derived from it). Source: https://pytensor.readthedocs.io/en/latest/library/tensor/basic.html
 */
export class TensorType {
  /** The element dtype. */
  readonly dtype: DType;
  /** Static length of every dimension, null where unknown. */
  readonly shape: readonly Dim[];

  constructor(dtype: DType, shape: readonly Dim[]) {
    if (!isDType(dtype))
      throw new TypeError(
        `TensorType: unknown dtype '${String(dtype)}'; expected one of ${DTYPES.join(', ')}`,
      );
    for (const d of shape)
      if (d !== null && (!Number.isInteger(d) || d < 0))
        throw new TypeError(`TensorType: invalid static dimension ${d}`);
    this.dtype = dtype;
    this.shape = [...shape];
  }

  /** Build from Theano's broadcastable flags (true = static length 1). */
  static fromBroadcastable(dtype: DType, broadcastable: readonly boolean[]): TensorType {
    return new TensorType(
      dtype,
      broadcastable.map((b) => (b ? 1 : null)),
    );
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** Theano's broadcastable flags: true where the static length is 1. */
  get broadcastable(): boolean[] {
    return this.shape.map((d) => d === 1);
  }

  /** Same dtype and the same static shape. */
  equals(o: TensorType): boolean {
    return (
      this.dtype === o.dtype &&
      this.shape.length === o.shape.length &&
      this.shape.every((d, i) => d === o.shape[i])
    );
  }

  /** Same dtype and rank, and every static dimension of `this` holds in `o` too. */
  isSupertypeOf(o: TensorType): boolean {
    return (
      this.dtype === o.dtype &&
      this.ndim === o.ndim &&
      this.shape.every((d, i) => d === null || d === o.shape[i])
    );
  }

  /**
   * Theano-like name: 'float64 vector', 'float32 row', 'int32 matrix shape (?, 3)'. The static
   * shape is shown whenever the kind's name does not say it all (any known length other than a
   * row's or col's broadcastable 1).
   */
  toString(): string {
    const b = this.broadcastable;
    let kind = KIND_NAMES[this.ndim] ?? `tensor${this.ndim}`;
    if (this.ndim === 2 && b[0] && !b[1]) kind = 'row';
    if (this.ndim === 2 && !b[0] && b[1]) kind = 'col';
    const named = kind === 'row' || kind === 'col';
    const statics = this.shape.some((d) => d !== null && d !== 1);
    const shape =
      this.ndim > 0 && (statics || (!named && b.some(Boolean)))
        ? ` shape (${this.shape.map((d) => d ?? '?').join(', ')}${this.ndim === 1 ? ',' : ''})`
        : '';
    return `${this.dtype} ${kind}${shape}`;
  }
}

import {
  type DType,
  NDArray,
  type TypedArray,
  formatShape,
  shapeSize,
  typedArrayFor,
} from '@theano-ts/tensor';
import { Texture } from 'gpu.js';

/**
 * The output slot of one compiled gpu.js kernel. Kernels run with `immutable: false`: each
 * call writes the same output texture, so a value produced by an earlier call is stale once the
 * kernel has run again. `generation` counts the calls.
 */
export class KernelSlot {
  generation = 0;
  constructor(readonly label: string) {}
}

/** What crossed the GPU / host boundary (see `GpujsBackend.stats`). */
export interface TransferCounters {
  /** Textures read back to the host (`Texture.toArray`). */
  readbacks: number;
  /** Host arrays handed to a kernel (gpu.js uploads them into an argument texture). */
  uploads: number;
  /** Kernel launches. */
  kernelRuns: number;
  /** Node runs on the CPU backend (fallback nodes, and GPU nodes whose call needed the CPU). */
  cpuRuns: number;
}

/** True for a gpu.js Texture (a GPU-resident pipeline result). */
export const isTexture = (x: unknown): x is Texture => x instanceof Texture;

/** Flatten what `Texture.toArray()` or a non-pipelined kernel returns into a new Float32Array of `n` values. */
export function flattenKernelOutput(out: unknown, n: number): Float32Array {
  if (out instanceof Float32Array)
    return out.length === n ? new Float32Array(out) : out.slice(0, n);
  const flat = new Float32Array(n);
  let k = 0;
  const walk = (x: unknown): void => {
    if (k >= n) return;
    if (typeof x === 'number') flat[k++] = x;
    else if (ArrayBuffer.isView(x)) for (const v of x as Float32Array) flat[k++] = v;
    else if (Array.isArray(x)) for (const v of x) walk(v);
    else
      throw new TypeError(
        `gpujs backend: unexpected kernel output ${Object.prototype.toString.call(x)}`,
      );
  };
  walk(out);
  if (k !== n) throw new RangeError(`gpujs backend: kernel returned ${k} values, expected ${n}`);
  return flat;
}

/** float32 data → a typed array of `dtype` (integers truncate, as the kernels already rounded them). */
function fromFloat32(data: Float32Array, dtype: DType): TypedArray {
  if (dtype === 'float32') return data;
  const out = new (typedArrayFor(dtype))(data.length);
  if (dtype === 'bool') for (let i = 0; i < data.length; i++) out[i] = data[i] !== 0 ? 1 : 0;
  else out.set(data);
  return out;
}

/** Contiguous (C order) strides of `shape`, in elements. */
export function cStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Owned textures are deleted when their storage object is garbage collected. */
const textureReaper =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Texture>((t) => {
        try {
          t.delete();
        } catch {
          /* the context is gone */
        }
      })
    : undefined;

/**
 * The flat float32 data behind one or more GpuTensor views: on the GPU (a gpu.js Texture: a
 * kernel's output slot, or a texture this backend owns), in a Float32Array (non-pipelined
 * kernels), or on the host (a typed array of the value's dtype). Read back at most once.
 */
export class Storage {
  /** Number of elements. */
  readonly length: number;
  private device: Texture | Float32Array | undefined;
  /** Host copy of the data, in the value's dtype (filled by a read-back, or given). */
  private host: TypedArray | undefined;
  private f32: Float32Array | undefined;
  private readonly slot: KernelSlot | undefined;
  private readonly generation: number;
  /** True when this storage owns its texture (deleted with it or by `release`). */
  readonly owned: boolean;
  /** How many kernels read the host data (a second read promotes it to an owned texture). */
  reads = 0;

  constructor(
    /** dtype of the value (the GPU holds it as float32). */
    readonly dtype: DType,
    length: number,
    src: {
      device?: Texture | Float32Array;
      host?: TypedArray;
      slot?: KernelSlot;
      owned?: boolean;
    },
    /** Where transfers are counted (the backend's stats). */
    readonly counters?: TransferCounters,
  ) {
    this.length = length;
    this.device = src.device;
    this.host = src.host;
    this.slot = src.slot;
    this.generation = src.slot?.generation ?? 0;
    this.owned = !!src.owned;
    if (this.owned && isTexture(src.device)) textureReaper?.register(this, src.device, this);
  }

  /** The gpu.js Texture holding the data, when it is on the GPU. */
  get texture(): Texture | undefined {
    return isTexture(this.device) ? this.device : undefined;
  }
  /**
   * Where the data is: 'gpu' (a Texture), 'array' (a kernel's float32 output), 'host' (host data
   * only).
   */
  get location(): 'gpu' | 'array' | 'host' {
    return this.device === undefined ? 'host' : isTexture(this.device) ? 'gpu' : 'array';
  }
  /** The output slot of the kernel that produced the data, if a kernel did. */
  get kernelSlot(): KernelSlot | undefined {
    return this.slot;
  }
  /** True when the kernel that produced the data has run again since (its texture was overwritten). */
  get stale(): boolean {
    return (
      this.host === undefined &&
      !this.owned &&
      this.slot !== undefined &&
      this.slot.generation !== this.generation
    );
  }

  /** Throw an Error when the data is stale (see `stale`), naming the node. */
  checkFresh(): void {
    if (this.stale)
      throw new Error(
        `gpujs backend: this value of ${this.slot!.label} was overwritten by a later run of the same node ` +
          '(kernel outputs are reused); read it with backend.toHost() before running the node again',
      );
  }

  /** The data as a gpu.js kernel argument: the Texture, or float32 values (then uploaded by gpu.js). */
  kernelArg(): Texture | Float32Array {
    if (this.device !== undefined) {
      this.checkFresh();
      return this.device;
    }
    this.reads++;
    if (this.counters) this.counters.uploads++;
    return this.hostFloat32();
  }

  /** The host data as float32 values (converted once), without counting an upload. */
  hostFloat32(): Float32Array {
    if (!this.f32) {
      const h = this.host!;
      this.f32 = h instanceof Float32Array ? h : Float32Array.from(h);
    }
    return this.f32;
  }

  /** Put the host data into an owned texture made by `upload` (for data read by many kernels). */
  adoptTexture(t: Texture): void {
    if (this.device !== undefined) return;
    this.device = t;
    (this as { owned: boolean }).owned = true;
    textureReaper?.register(this, t, this);
  }

  /** The data on the host, in the value's dtype (reads the GPU back once, then cached). */
  hostData(): TypedArray {
    if (this.host) return this.host;
    this.checkFresh();
    const d = this.device!;
    if (isTexture(d) && this.counters) this.counters.readbacks++;
    const flat = flattenKernelOutput(isTexture(d) ? d.toArray() : d, this.length);
    this.host = fromFloat32(flat, this.dtype);
    return this.host;
  }

  /** True when the host copy exists without a read-back. */
  get onHost(): boolean {
    return this.host !== undefined;
  }

  /** Free an owned texture now (the storage must not be used afterwards). */
  release(): void {
    if (this.owned && isTexture(this.device)) {
      textureReaper?.unregister(this);
      this.device.delete();
      this.device = undefined;
    }
  }
}

/**
 * A tensor value of the gpu.js backend: a shape, a dtype and a strided view (element strides,
 * offset) of float32 {@link Storage} that lives on the GPU (a gpu.js Texture, in pipeline mode),
 * in a Float32Array, or on the host (inputs and the results of CPU-fallback nodes). Views
 * (DimShuffle, Reshape of a contiguous value, basic indexing) share the storage: no kernel runs.
 */
export class GpuTensor {
  /** Length of every dimension. */
  readonly shape: readonly number[];
  /** Step in elements of the storage between neighbours along every dimension. */
  readonly strides: readonly number[];
  /** Index in the storage of the first element. */
  readonly offset: number;
  /** The data, shared with other views. */
  readonly storage: Storage;
  private hostView: NDArray | undefined;

  constructor(
    storage: Storage,
    shape: readonly number[],
    strides: readonly number[] = cStrides(shape),
    offset = 0,
  ) {
    this.storage = storage;
    this.shape = [...shape];
    this.strides = [...strides];
    this.offset = offset;
  }

  /** Wrap a host array (no copy; gpu.js uploads it when a kernel reads it). */
  static fromHost(a: NDArray, counters?: TransferCounters): GpuTensor {
    const t = new GpuTensor(
      new Storage(a.dtype, a.data.length, { host: a.data }, counters),
      a.shape,
      a.strides,
      a.offset,
    );
    t.hostView = a;
    return t;
  }

  /** Wrap a kernel result (C-ordered): a Texture (kept on the GPU) or float32 data. */
  static fromKernel(
    out: Texture | Float32Array,
    shape: readonly number[],
    dtype: DType,
    slot: KernelSlot,
    counters?: TransferCounters,
  ): GpuTensor {
    return new GpuTensor(
      new Storage(dtype, shapeSize(shape), { device: out, slot }, counters),
      shape,
    );
  }

  /** Wrap a texture this backend owns (resident values): never stale, deleted with the storage. */
  static owned(
    t: Texture,
    shape: readonly number[],
    dtype: DType,
    counters?: TransferCounters,
  ): GpuTensor {
    return new GpuTensor(
      new Storage(dtype, shapeSize(shape), { device: t, owned: true }, counters),
      shape,
    );
  }

  /** The value's dtype. */
  get dtype(): DType {
    return this.storage.dtype;
  }
  /** Number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** The gpu.js Texture holding the data, when it is on the GPU. */
  get texture(): Texture | undefined {
    return this.storage.texture;
  }
  /** Where the data is: 'gpu' (a Texture), 'array' (kernel output read back), 'host' (host data only). */
  get location(): 'gpu' | 'array' | 'host' {
    return this.storage.location;
  }
  /** True when the storage's data was overwritten by a later run of its kernel. */
  get stale(): boolean {
    return this.storage.stale;
  }
  /** True when the view is the whole storage in C order. */
  get isContiguous(): boolean {
    if (this.offset !== 0 || this.size !== this.storage.length) return false;
    const c = cStrides(this.shape);
    return this.shape.every((d, i) => d <= 1 || this.strides[i] === c[i]);
  }
  /** True when the elements are in C order from `offset` (any storage around them). */
  get isCOrder(): boolean {
    const c = cStrides(this.shape);
    return this.shape.every((d, i) => d <= 1 || this.strides[i] === c[i]);
  }

  /** Another view of the same storage. */
  view(shape: readonly number[], strides: readonly number[], offset: number): GpuTensor {
    return new GpuTensor(this.storage, shape, strides, offset);
  }

  /** The same data with another shape of the same size (C-ordered views only). */
  reshaped(shape: readonly number[]): GpuTensor {
    if (shapeSize(shape) !== this.size || !this.isCOrder)
      throw new RangeError(
        `GpuTensor: cannot view ${formatShape(this.shape)} as ${formatShape(shape)}`,
      );
    return new GpuTensor(this.storage, shape, cStrides(shape), this.offset);
  }

  /** The value as an NDArray of this tensor's dtype (reads the GPU back once per storage, then cached). */
  toNDArray(): NDArray {
    if (this.hostView) return this.hostView;
    const data = this.storage.hostData();
    this.hostView = new NDArray(data, this.shape, {
      dtype: this.dtype,
      strides: this.strides,
      offset: this.offset,
    });
    return this.hostView;
  }

  /** A short description: dtype, shape and where the data is. */
  toString(): string {
    return `GpuTensor(${this.dtype}, ${formatShape(this.shape)}, ${this.location})`;
  }
}

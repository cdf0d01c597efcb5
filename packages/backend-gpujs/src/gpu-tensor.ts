import { type DType, NDArray, formatShape, shapeSize, typedArrayFor } from '@theano-ts/tensor';
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
function fromFloat32(data: Float32Array, dtype: DType): NDArray['data'] {
  if (dtype === 'float32') return data;
  const out = new (typedArrayFor(dtype))(data.length);
  if (dtype === 'bool') for (let i = 0; i < data.length; i++) out[i] = data[i] !== 0 ? 1 : 0;
  else out.set(data);
  return out;
}

/**
 * A tensor value of the gpu.js backend: a shape, a dtype and C-ordered float32 data that lives
 * on the GPU (a gpu.js Texture, in pipeline mode), in a Float32Array (non-pipelined kernels, or
 * gpu.js kernel classes without device memory), or on the host (an NDArray, for inputs and the
 * results of CPU-fallback nodes). The host copy is made on demand and kept.
 */
export class GpuTensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  private device: Texture | Float32Array | undefined;
  private host: NDArray | undefined;
  private readonly slot: KernelSlot | undefined;
  private readonly generation: number;

  private constructor(
    shape: readonly number[],
    dtype: DType,
    device: Texture | Float32Array | undefined,
    host: NDArray | undefined,
    slot?: KernelSlot,
    generation = slot?.generation ?? 0,
  ) {
    this.shape = [...shape];
    this.dtype = dtype;
    this.device = device;
    this.host = host;
    this.slot = slot;
    this.generation = generation;
  }

  /** Wrap a host array (no copy; uploaded to the GPU when a kernel reads it). */
  static fromHost(a: NDArray): GpuTensor {
    return new GpuTensor(a.shape, a.dtype, undefined, a);
  }

  /** Wrap a kernel result: a Texture (kept on the GPU) or float32 data. */
  static fromKernel(
    out: Texture | Float32Array,
    shape: readonly number[],
    dtype: DType,
    slot: KernelSlot,
  ): GpuTensor {
    return new GpuTensor(shape, dtype, out, undefined, slot);
  }

  /** The same data with another shape of the same size (no copy; DimShuffle without a permutation). */
  reshaped(shape: readonly number[]): GpuTensor {
    if (shapeSize(shape) !== this.size)
      throw new RangeError(
        `GpuTensor: cannot view ${formatShape(this.shape)} as ${formatShape(shape)}`,
      );
    const host = this.host ? this.host.reshape(shape) : undefined;
    return new GpuTensor(shape, this.dtype, this.device, host, this.slot, this.generation);
  }

  get size(): number {
    return shapeSize(this.shape);
  }
  get ndim(): number {
    return this.shape.length;
  }

  /** The gpu.js Texture holding the data, when it is on the GPU. */
  get texture(): Texture | undefined {
    return isTexture(this.device) ? this.device : undefined;
  }

  /** Where the data is: 'gpu' (a Texture), 'array' (kernel output read back), 'host' (an NDArray only). */
  get location(): 'gpu' | 'array' | 'host' {
    return this.device === undefined ? 'host' : isTexture(this.device) ? 'gpu' : 'array';
  }

  /** True when `slot`'s kernel produced the device data (a kernel cannot read its own output texture). */
  producedBy(slot: KernelSlot): boolean {
    return this.slot === slot && this.device !== undefined;
  }

  /** True when the kernel that produced the data has run again since (its texture was overwritten). */
  get stale(): boolean {
    return (
      this.host === undefined && this.slot !== undefined && this.slot.generation !== this.generation
    );
  }

  private checkFresh(): void {
    if (this.stale)
      throw new Error(
        `gpujs backend: this value of ${this.slot!.label} was overwritten by a later run of the same node ` +
          '(kernel outputs are reused); read it with backend.toHost() before running the node again',
      );
  }

  /** The data as a gpu.js kernel argument: the Texture, or C-ordered float32 values. */
  kernelArg(): Texture | Float32Array {
    if (this.device !== undefined) {
      this.checkFresh();
      return this.device;
    }
    const h = this.host!;
    const c = h.contiguous();
    const f32 = c.data instanceof Float32Array ? c.data : Float32Array.from(c.data);
    this.device = f32;
    return f32;
  }

  /** The value as an NDArray of this tensor's dtype (reads the GPU back once, then cached). */
  toNDArray(): NDArray {
    if (this.host) return this.host;
    this.checkFresh();
    const d = this.device!;
    const flat = flattenKernelOutput(isTexture(d) ? d.toArray() : d, this.size);
    this.host = new NDArray(fromFloat32(flat, this.dtype), this.shape, { dtype: this.dtype });
    return this.host;
  }

  toString(): string {
    return `GpuTensor(${this.dtype}, ${formatShape(this.shape)}, ${this.location})`;
  }
}

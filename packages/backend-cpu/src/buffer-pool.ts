/**
 * Output buffers reused across calls (Theano keeps a node's output storage between calls of a
 * compiled function for the same reason): kernels take their output arrays from the pool
 * ({@link allocate}); at the end of a call the compile package's linker hands back, through
 * `Backend.recycle`, the values that are dead (intermediates, and the shared values that
 * updates replaced) together with the values that live on (outputs, new shared values), and
 * the pool keeps each dead array it lent that no live value shares storage with.
 *
 * Why: a fresh large typed array costs a page fault per 4 KiB page on first write (measured on
 * the CI-sized machine: 1.3 ms to fill a fresh 800 KB array, 0.012 ms to fill a reused one), and
 * external memory drives V8's garbage collections. A training step allocates the same sizes on
 * every call, so after the first call its kernels write into buffers that are already mapped.
 *
 * Only arrays made by {@link allocate} are ever kept (the caller's inputs, shared values set by
 * the user, constants and arrays made elsewhere are never reused), an array is kept once however
 * many dead values share it, and the pool holds at most {@link setBufferPoolLimit} bytes.
 */
import {
  type DType,
  type TypedArray,
  type TypedArrayConstructorOf as Ctor,
  typedArrayFor,
} from '@theano-ts/tensor';

/** Free arrays per constructor and length. */
const free = new Map<Ctor, Map<number, TypedArray[]>>();
/** Arrays this pool made and has handed out (not free). */
const lent = new WeakSet<TypedArray>();
let freeBytes = 0;
let limitBytes = 256 * 1024 * 1024;
/**
 * Arrays smaller than this (bytes) are always new and never kept: under the allocator's mmap
 * threshold they cost no page faults, and the pool's bookkeeping would cost more than it saves.
 */
export const POOL_MIN_BYTES = 4096;
/** Counters for tests and benchmarks (arrays of at least {@link POOL_MIN_BYTES}). */
export const bufferPoolStats: {
  /** Arrays the pool made new. */
  allocated: number;
  /** Arrays it handed out again. */
  reused: number;
  /** Dead arrays it took back. */
  recycled: number;
} = { allocated: 0, reused: 0, recycled: 0 };

/** Node's `Buffer.allocUnsafeSlow`, where there is one (memory that is not zeroed first). */
const allocUnsafe = (globalThis as { Buffer?: { allocUnsafeSlow?: (size: number) => Uint8Array } })
  .Buffer?.allocUnsafeSlow;

/**
 * A new array of `n` elements, not zero-filled where the engine allows it (Node): the kernel
 * writes every element anyway (arrays from the pool already hold old values), and clearing a
 * fresh 4 MB output costs a tenth of a fused loop over it.
 */
function fresh(ctor: Ctor, n: number): TypedArray {
  // (Node's Buffer stops at 4 GiB; a typed array may be larger)
  if (!allocUnsafe || n * ctor.BYTES_PER_ELEMENT > 2 ** 31) return new ctor(n);
  const b = allocUnsafe(n * ctor.BYTES_PER_ELEMENT);
  return new ctor(b.buffer, b.byteOffset, n);
}

/**
 * An array of `n` elements of `dtype` for a kernel's output, from the pool when one of that
 * type and length is free, else new (always new below {@link POOL_MIN_BYTES}). Its contents are arbitrary: the kernel writes every element.
 */
export function allocate(dtype: DType, n: number): TypedArray {
  const ctor = typedArrayFor(dtype);
  // small arrays cost less fresh than the pool's bookkeeping (a scalar function's call)
  if (n * ctor.BYTES_PER_ELEMENT < POOL_MIN_BYTES) return new ctor(n);
  const list = free.get(ctor)?.get(n);
  let a = list?.pop();
  if (a) {
    freeBytes -= a.byteLength;
    bufferPoolStats.reused++;
  } else {
    a = fresh(ctor, n);
    bufferPoolStats.allocated++;
  }
  lent.add(a);
  return a;
}

/** Keeps `a` for reuse if the pool lent it and it is not free already (else does nothing). */
function keep(a: TypedArray): void {
  if (!lent.has(a) || freeBytes + a.byteLength > limitBytes) return;
  lent.delete(a);
  const ctor = a.constructor as Ctor;
  let byLen = free.get(ctor);
  if (!byLen) free.set(ctor, (byLen = new Map()));
  let list = byLen.get(a.length);
  if (!list) byLen.set(a.length, (list = []));
  list.push(a);
  freeBytes += a.byteLength;
  bufferPoolStats.recycled++;
}

/** A value's typed array, if it is an NDArray-like host value. */
const dataOf = (v: unknown): TypedArray | undefined =>
  v !== null && typeof v === 'object' && 'data' in v
    ? ((v as { data: TypedArray }).data ?? undefined)
    : undefined;

/**
 * `Backend.recycle` of the CPU backend: keeps the arrays of `dead` values that the pool lent,
 * except those whose memory a `live` value uses (compared by ArrayBuffer, so views count); the
 * arrays of `returned` values (handed to the caller) are never kept, now or later.
 */
export function recycleValues(
  dead: readonly unknown[],
  live: readonly unknown[],
  returned: readonly unknown[],
): void {
  for (const v of returned) {
    const a = dataOf(v);
    if (a) lent.delete(a);
  }
  let liveBuffers: Set<ArrayBufferLike> | undefined;
  const nLive = live.length + returned.length;
  for (const v of dead) {
    const a = dataOf(v);
    if (!a || !lent.has(a)) continue;
    const b = a.buffer;
    let shared = false;
    if (nLive <= 16) {
      // few live values (the usual case): compare directly, no allocation
      for (const l of live) if (dataOf(l)?.buffer === b) shared = true;
      for (const l of returned) if (dataOf(l)?.buffer === b) shared = true;
    } else {
      liveBuffers ??= new Set(
        [...live, ...returned].map((l) => dataOf(l)?.buffer).filter((x) => x !== undefined),
      );
      shared = liveBuffers.has(b);
    }
    if (!shared) keep(a);
  }
}

/**
 * Sets the most bytes the pool keeps free (default 256 MiB; 0 turns reuse off) and drops what
 * is over it. Returns the previous limit.
 */
export function setBufferPoolLimit(bytes: number): number {
  const prev = limitBytes;
  limitBytes = bytes;
  if (freeBytes > bytes) {
    free.clear();
    freeBytes = 0;
  }
  return prev;
}

/** Bytes held free in the pool now. */
export const bufferPoolFreeBytes = (): number => freeBytes;

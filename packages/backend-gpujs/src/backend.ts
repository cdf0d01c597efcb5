import { type DType, NDArray, isInteger } from '@theano-ts/tensor';
import { type Apply, type Backend, SharedVariable, type Thunk, opLabel } from '@theano-ts/symbolic';
import { createCpuBackend } from '@theano-ts/backend-cpu';
import { GPU, type IKernelRunShortcut, type Texture } from 'gpu.js';
import {
  GpuTensor,
  KernelSlot,
  type TransferCounters,
  flattenKernelOutput,
  isTexture,
} from './gpu-tensor';
import {
  type Compiled,
  type GpuBody,
  type GpuContext,
  SHAPE_ONLY,
  VIEW_KINDS,
  gpuOps,
  gpuUnsupported,
} from './kernels';
import { UnsupportedOnGpu } from './scalar-gpu';

/** gpu.js kernel classes that run on a GPU (the others, CPUKernel and WebAssemblyKernel, run on the CPU). */
export const GPU_KERNEL_CLASSES: ReadonlySet<string> = new Set([
  'HeadlessGLKernel',
  'WebGLKernel',
  'WebGL2Kernel',
  'WebGPUKernel',
]);

/** True when gpu.js kernel class `name` runs on a GPU. */
export const isGpuKernelClass = (name: string): boolean => GPU_KERNEL_CLASSES.has(name);

/** gpu.js modes (see gpu.js' `new GPU({ mode })`); the asynchronous ones are not usable by a synchronous backend. */
export type GpujsMode = 'gpu' | 'headlessgl' | 'webgl' | 'webgl2' | 'webasm' | 'cpu';

/** Options of {@link createGpujsBackend}. */
export interface GpujsBackendOptions {
  /** gpu.js mode. Default: gpu.js' automatic choice (HeadlessGL in Node, WebGL2 in browsers; WebAssembly, then CPU, without a GPU). */
  mode?: GpujsMode;
  /** Use this gpu.js instance instead of creating one (then `mode` is ignored). */
  gpu?: GPU;
  /** Keep kernel results on the GPU as Textures that feed the next kernel (gpu.js pipeline mode). Default true. */
  pipeline?: boolean;
  /**
   * float64 nodes: 'cpu' (default) runs them on the CPU backend, at full precision;
   * 'float32' runs them on the GPU in float32 and returns float64 arrays (float32 precision).
   */
  float64?: 'cpu' | 'float32';
  /**
   * A node whose operands or output have more elements than a kernel can address
   * ({@link GpujsBackend.maxElements}): 'error' (default) throws a RangeError naming the node,
   * the array and the limit; 'cpu' runs that call of the node on the CPU backend (warned once).
   */
  oversize?: 'error' | 'cpu';
  /** Where warnings go (default console.warn). */
  warn?: (message: string) => void;
  /** Where the one-time note of the kernel class that ran goes (default console.info; `false`: nowhere). */
  log?: ((message: string) => void) | false;
}

/** A node that runs on the CPU backend, and why. */
export interface FallbackRecord {
  /** The op's label, as debugprint shows it (`Nonzero`, `Elemwise{add}`). */
  label: string;
  /** Why it cannot run on the GPU. */
  reason: string;
}

/** Where a node runs: a gpu.js kernel (or a view of GPU data), shape metadata only, or the CPU backend. */
export type Placement = 'gpu' | 'shape' | 'cpu';

/** The gpu.js backend: a {@link Backend} with what it chose to run where. */
export interface GpujsBackend extends Backend {
  readonly name: 'gpujs';
  /** The gpu.js instance. */
  readonly gpu: GPU;
  /** gpu.js' mode ('gpu', 'headlessgl', 'webasm', 'cpu', …). */
  readonly gpuMode: string;
  /** The gpu.js kernel class this backend's kernels are created with ('HeadlessGLKernel', 'WebGL2Kernel', 'WebAssemblyKernel', 'CPUKernel', …). */
  readonly kernelClass: string;
  /** True when {@link kernelClass} runs on a GPU. */
  readonly isGpu: boolean;
  /** The GL renderer ('llvmpipe (LLVM …)', 'ANGLE (NVIDIA …)', …), or '' without a GL context. */
  readonly renderer: string;
  /**
   * The kernel classes of the kernels that actually ran (gpu.js may replace a kernel it cannot
   * build on the GPU by a CPUKernel, with a console warning 'Falling back to CPU').
   */
  readonly kernelClassesUsed: readonly string[];
  /**
   * Most inputs a node may have to run on the GPU (the context's texture units: 16 to 32 on
   * GL kernels; unlimited on CPU / WebAssembly kernels). Larger fused nodes fall back to the CPU.
   */
  readonly maxKernelInputs: number;
  /** The GL context's MAX_TEXTURE_SIZE (Infinity without a GL context). */
  readonly maxTextureSize: number;
  /** Most elements one array may have on the GPU: min(2^24, maxTextureSize²) (float32 index arithmetic). */
  readonly maxElements: number;
  /** The nodes that run on the CPU backend (one record per op label). */
  readonly fallbacks: readonly FallbackRecord[];
  /** Labels of the ops that fell back to the CPU. */
  readonly fallbackOps: readonly string[];
  /** Transfers and kernel launches so far (reset with `resetStats`). */
  readonly stats: Readonly<TransferCounters>;
  /** Set the transfer and launch counters of `stats` to 0. */
  resetStats(): void;
  /** Where a node runs. */
  placement(node: Apply): Placement;
  /** 'gpu.js <kernel class>', 'gpu.js view', 'shape only' or 'cpu fallback: <reason>'. */
  describeNode(node: Apply): string;
  /**
   * `Backend.loadShared`: the value of shared variable `sv` for a call, kept on the GPU between
   * calls (an owned texture, uploaded once and again only after a host-side `setValue`).
   * Registers a syncer on `sv`, through which `getValue()` reads back a newer GPU value.
   */
  loadShared(sv: SharedVariable): GpuTensor;
  /**
   * `Backend.storeShared`: make `value` (an update's result) the new value of `sv` without
   * reading it back: a GPU result is kept as `sv`'s texture (`getValue()` reads it back once,
   * when asked); a value on the host (computed by a CPU-fallback node) is copied into `sv`.
   */
  storeShared(sv: SharedVariable, value: unknown): void;
  /** Release the gpu.js instance (when this backend created it). */
  destroy(): Promise<void>;
}

/** Whether every value of an integer array is exact in float32 (|v| <= 2^24). */
function exactInFloat32(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] > 2 ** 24 || a[i] < -(2 ** 24)) return false;
  return true;
}

/** Elements a kernel output may have: float32 index arithmetic is exact below 2^24. */
const MAX_INDEX = 2 ** 24;
/** Compiled kernels kept per node (one per distinct input layout). */
const MAX_KERNELS_PER_NODE = 8;

type Plan = { where: 'gpu' | 'shape' } | { where: 'cpu'; reason: string; float64: boolean };

/** The GL context gpu.js tested its kernel class with (none for the CPU / WebAssembly kernels). */
function testContext(gpu: GPU): WebGLRenderingContext | undefined {
  const ctx = (gpu.Kernel as unknown as { testContext?: WebGLRenderingContext | null } | null)
    ?.testContext;
  return ctx && typeof ctx.getParameter === 'function' ? ctx : undefined;
}

function glParameter(ctx: WebGLRenderingContext | undefined, p: number): unknown {
  try {
    return ctx?.getParameter(p);
  } catch {
    return undefined;
  }
}

/** The GL renderer string (unmasked where the context allows). */
function rendererOf(ctx: WebGLRenderingContext | undefined): string {
  if (!ctx) return '';
  try {
    const ext = ctx.getExtension('WEBGL_debug_renderer_info');
    const r = ext ? glParameter(ctx, ext.UNMASKED_RENDERER_WEBGL) : undefined;
    return String(r ?? glParameter(ctx, ctx.RENDERER) ?? '');
  } catch {
    return String(glParameter(ctx, ctx.RENDERER) ?? '');
  }
}

/** Errors about the user's values (shapes): rethrown, never a reason to fall back to the CPU. */
const userErrors = new WeakSet<object>();
function userError(e: Error): Error {
  userErrors.add(e);
  return e;
}

/** GPU state of a shared variable compiled for this backend. */
interface Resident {
  /** The host array the device copy was made from / read back into (undefined: host unknown). */
  host: NDArray | undefined;
  /** The device copy (an owned texture). */
  dev: GpuTensor | undefined;
  /** The device copy is newer than the host value (a function stored an update there). */
  deviceNewer: boolean;
}

/**
 * Create the gpu.js backend. Elementwise nodes (primitive scalar ops and fused Composites),
 * dot / Gemm, reductions, argmax, softmax / log-softmax, the cross-entropies and their
 * gradients, and indexing run as generated gpu.js kernels; DimShuffle, Reshape and basic
 * indexing are views of GPU data; every other node runs the CPU backend's thunk
 * (`createCpuBackend()`), its inputs read back from the GPU first. See the package README.
 */
export function createGpujsBackend(opts: GpujsBackendOptions = {}): GpujsBackend {
  const ownGpu = !opts.gpu;
  const gpu = opts.gpu ?? (opts.mode ? new GPU({ mode: opts.mode }) : new GPU());
  if (gpu.mode === 'async' || gpu.mode === 'webgpu' || gpu.mode === 'dev' || !gpu.Kernel)
    throw new TypeError(
      `createGpujsBackend: gpu.js mode '${gpu.mode}' is not supported (its kernels are asynchronous or not compiled); use 'gpu', 'headlessgl', 'webgl', 'webgl2', 'webasm' or 'cpu'`,
    );
  const pipeline = opts.pipeline ?? true;
  const float64 = opts.float64 ?? 'cpu';
  const oversize = opts.oversize ?? 'error';
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const log = opts.log === false ? () => {} : (opts.log ?? ((m: string) => console.info(m)));
  const cpu = createCpuBackend();
  const kernelClass = gpu.Kernel.name;
  const isGpu = isGpuKernelClass(kernelClass);
  const single = GPU.isSinglePrecisionSupported;
  const ctx = testContext(gpu);
  const maxInputs = ctx
    ? Number(glParameter(ctx, ctx.MAX_TEXTURE_IMAGE_UNITS)) || 8
    : isGpu
      ? 8
      : Infinity;
  const maxTextureSize = ctx ? Number(glParameter(ctx, ctx.MAX_TEXTURE_SIZE)) || 4096 : Infinity;
  const maxElements = Math.min(MAX_INDEX, maxTextureSize * maxTextureSize);
  const renderer = rendererOf(ctx);

  const counters: TransferCounters = { readbacks: 0, uploads: 0, kernelRuns: 0, cpuRuns: 0 };
  const plans = new WeakMap<Apply, Plan>();
  const failed = new WeakMap<Apply, string>();
  const fallbacks: FallbackRecord[] = [];
  const classesUsed = new Set<string>();
  const warned = { ops: false, float64: false, kernel: false, oversize: false, logged: false };

  const record = (node: Apply, reason: string) => {
    const label = opLabel(node.op);
    if (!fallbacks.some((f) => f.label === label)) fallbacks.push({ label, reason });
  };

  // --------------------------------------------------------------- kernels

  function compile(source: string, n: number, label: string, loop = 0): Compiled {
    const run = gpu.createKernel(source, {
      output: [n],
      pipeline,
      immutable: false,
      tactic: 'precision',
      ...(single ? { precision: 'single' as const } : {}),
      ...(loop > 0 ? { loopMaxIterations: Math.max(1000, loop + 1) } : {}),
    });
    return { run, slot: new KernelSlot(label), n };
  }

  /** Kernels that copy host data into a texture this backend owns (per length). */
  const uploaders = new Map<number, IKernelRunShortcut>();
  function ownedTexture(data: Float32Array, n: number): Texture | undefined {
    if (!pipeline || !isGpu) return undefined;
    let up = uploaders.get(n);
    if (!up) {
      up = gpu.createKernel('function (a) { return a[this.thread.x]; }', {
        output: [n],
        pipeline: true,
        immutable: true,
        tactic: 'precision',
        ...(single ? { precision: 'single' as const } : {}),
      });
      uploaders.set(n, up);
    }
    counters.uploads++;
    counters.kernelRuns++;
    const t = up(data as unknown as number[]) as unknown;
    return isTexture(t) ? t : undefined;
  }

  /** A GPU copy of texture `t` that a kernel can read while it writes its own output texture. */
  function detachedCopy(t: Texture): Texture {
    const c = t.clone() as Texture & { cloneTexture?: () => void };
    if (typeof c.cloneTexture === 'function') c.cloneTexture();
    return c;
  }

  function launch(
    k: Compiled,
    args: readonly GpuTensor[],
    shape: readonly number[],
    dtype: DType,
  ): GpuTensor {
    const own = (k.run as unknown as { kernel?: { texture?: Texture } }).kernel?.texture;
    const temps: Texture[] = [];
    const kargs = args.map((t) => {
      const s = t.storage;
      if (s.location === 'host' && s.reads >= 1 && s.length > 0 && s.length <= maxElements) {
        // host data read by a second kernel: keep one texture of it instead of uploading again
        const tex = ownedTexture(s.hostFloat32(), s.length);
        if (tex) s.adoptTexture(tex);
      }
      const a = s.kernelArg();
      if (
        own &&
        isTexture(a) &&
        (a as unknown as { texture: unknown }).texture ===
          (own as unknown as { texture: unknown }).texture
      ) {
        // a kernel cannot read the texture it renders to: read a GPU copy
        const c = detachedCopy(a);
        temps.push(c);
        return c;
      }
      return a;
    });
    const out = k.run(...(kargs as unknown as Parameters<IKernelRunShortcut>)) as unknown;
    for (const t of temps) t.delete();
    k.slot.generation++;
    counters.kernelRuns++;
    const cls = (k.run as unknown as { kernel?: object }).kernel?.constructor?.name ?? kernelClass;
    if (!classesUsed.has(cls)) {
      classesUsed.add(cls);
      if (!warned.logged) {
        warned.logged = true;
        const where = renderer ? ` (renderer: ${renderer})` : '';
        if (isGpuKernelClass(cls))
          log(`theano-ts gpujs backend: kernels run on gpu.js ${cls}${where}`);
        else
          warn(
            `theano-ts gpujs backend: kernels run on gpu.js ${cls}, not on a GPU${where} (headless-gl needs an X display on Linux: run under xvfb-run)`,
          );
      }
    }
    const data: Texture | Float32Array = isTexture(out) ? out : flattenKernelOutput(out, k.n);
    return GpuTensor.fromKernel(data, shape, dtype, k.slot, counters);
  }

  function kernelCache() {
    const m = new Map<string, Compiled[]>();
    return (key: string, make: () => Compiled[]): Compiled[] => {
      let ks = m.get(key);
      if (ks) {
        m.delete(key);
        m.set(key, ks); // most recently used last
        return ks;
      }
      ks = make();
      m.set(key, ks);
      if (m.size > MAX_KERNELS_PER_NODE) {
        const [oldKey, old] = m.entries().next().value as [string, Compiled[]];
        m.delete(oldKey);
        for (const c of old) c.run.destroy?.();
      }
      return ks;
    };
  }

  const gpuCtx: GpuContext = {
    compile,
    launch,
    cache: kernelCache,
    host: (a) => GpuTensor.fromHost(a, counters),
    userError,
    fits(node, what, n) {
      if (n <= maxElements) return true;
      if (oversize === 'cpu') {
        if (!warned.oversize) {
          warned.oversize = true;
          warn(
            `theano-ts gpujs backend: ${opLabel(node.op)} runs on the CPU: ${what} has ${n} elements, more than the ${maxElements} a gpu.js kernel can address`,
          );
        }
        return false;
      }
      throw userError(
        new RangeError(
          `gpujs backend: ${opLabel(node.op)}: ${what} has ${n} elements, more than the ${maxElements} (${maxElements === MAX_INDEX ? '2^24, the float32 index limit' : `MAX_TEXTURE_SIZE ${maxTextureSize} squared`}) a gpu.js kernel can address on ${kernelClass}; ` +
            "split the array, or pass createGpujsBackend({ oversize: 'cpu' }) to run such nodes on the CPU",
        ),
      );
    },
  };
  const OPS = gpuOps(gpuCtx) as Record<string, ((node: Apply) => GpuBody) | undefined>;

  // --------------------------------------------------------------- placement

  function plan(node: Apply): Plan {
    let p = plans.get(node);
    if (p) return p;
    p = decide(node);
    plans.set(node, p);
    return p;
  }

  function decide(node: Apply): Plan {
    const kind = node.op.kind;
    if (SHAPE_ONLY.has(kind)) return { where: 'shape' };
    if (!OPS[kind])
      return {
        where: 'cpu',
        reason:
          kind === 'Nonzero'
            ? 'Nonzero: the output shape depends on the data'
            : `no gpu.js kernel for ${kind}`,
        float64: false,
      };
    if (float64 === 'cpu' && [...node.inputs, ...node.outputs].some((v) => v.dtype === 'float64'))
      return {
        where: 'cpu',
        reason:
          "float64 (computed on the CPU; pass { float64: 'float32' } to compute it on the GPU in float32)",
        float64: true,
      };
    if (node.inputs.length > maxInputs)
      return {
        where: 'cpu',
        reason: `${node.inputs.length} inputs: a gpu.js kernel on ${kernelClass} reads at most ${maxInputs} (texture units)`,
        float64: false,
      };
    const why = gpuUnsupported(node);
    if (why) return { where: 'cpu', reason: why, float64: false };
    return { where: 'gpu' };
  }

  function warnFallback(p: Plan & { where: 'cpu' }) {
    if (p.float64) {
      if (warned.float64) return;
      warned.float64 = true;
      warn(
        'theano-ts gpujs backend: float64 nodes run on the CPU backend (gpu.js computes in float32): ' +
          fallbacks
            .filter((f) => f.reason.startsWith('float64'))
            .map((f) => f.label)
            .join(', ') +
          ". Use float32 (config.floatX), or createGpujsBackend({ float64: 'float32' }) to compute them on the GPU with float32 precision.",
      );
      return;
    }
    if (warned.ops) return;
    warned.ops = true;
    const ops = fallbacks.filter((f) => !f.reason.startsWith('float64'));
    warn(
      `theano-ts gpujs backend: ${ops.length} op${ops.length === 1 ? '' : 's'} run on the CPU backend ` +
        `(values are copied between GPU and host around them): ${ops.map((f) => `${f.label} (${f.reason})`).join(', ')}. ` +
        'backend.fallbacks lists them (this warning is shown once per backend).',
    );
  }

  /** A value in this backend's storage, as a GpuTensor. */
  function asTensor(v: unknown, what: string): GpuTensor {
    if (v instanceof GpuTensor) return v;
    if (v instanceof NDArray) return GpuTensor.fromHost(v, counters);
    throw new TypeError(
      `gpujs backend: ${what} is not a GpuTensor or NDArray (got ${Object.prototype.toString.call(v)})`,
    );
  }

  /** The CPU backend's thunk for `node`, converting values to and from NDArray. */
  function cpuThunk(node: Apply): Thunk {
    const inner = cpu.makeThunk(node);
    return (inputs) =>
      (counters.cpuRuns++, inner)(
        inputs.map((v, i) => asTensor(v, `input ${i} of ${opLabel(node.op)}`).toNDArray()),
      ).map((o) => GpuTensor.fromHost(o as NDArray, counters));
  }

  function fallbackThunk(node: Apply, p: Plan & { where: 'cpu' }): Thunk {
    record(node, p.reason);
    const run = cpuThunk(node);
    return (inputs) => {
      warnFallback(p);
      return run(inputs);
    };
  }

  function gpuThunk(node: Apply): Thunk {
    const body = OPS[node.op.kind]!(node);
    const label = opLabel(node.op);
    let cpuRun: Thunk | undefined;
    const onCpu = (inputs: readonly unknown[]) => (cpuRun ??= cpuThunk(node))(inputs);
    return (inputs) => {
      if (failed.has(node)) return onCpu(inputs);
      const ts = inputs.map((v, i) => asTensor(v, `input ${i} of ${label}`));
      for (const t of ts) t.storage.checkFresh(); // throws the explanation
      let outs: GpuTensor[] | undefined;
      try {
        outs = body(ts);
      } catch (e) {
        if (userErrors.has(e as object)) throw e; // the user's shapes or sizes
        // gpu.js could not build or run the kernel: this node runs on the CPU from now on
        const reason = `gpu.js failed: ${e instanceof UnsupportedOnGpu ? e.message : String((e as Error)?.message ?? e).split('\n')[0]}`;
        failed.set(node, reason);
        record(node, reason);
        if (!warned.kernel) {
          warned.kernel = true;
          warn(`theano-ts gpujs backend: ${label} runs on the CPU backend: ${reason}`);
        }
        return onCpu(inputs);
      }
      return outs ?? onCpu(inputs); // this call's values need the CPU (errors, empty reductions, size)
    };
  }

  // --------------------------------------------------------------- residency

  const residents = new WeakMap<SharedVariable, Resident>();

  /** The GPU state of `sv`, created (with a syncer on `sv`) on first use. */
  function resident(sv: SharedVariable): Resident {
    let r = residents.get(sv);
    if (r) return r;
    const state: Resident = { host: undefined, dev: undefined, deviceNewer: false };
    residents.set(sv, (r = state));
    sv.addSyncer({
      pull() {
        // getValue(): read the stored update back, once (then cached until the next store)
        if (!state.deviceNewer || !state.dev) return undefined;
        state.deviceNewer = false;
        state.host = state.dev.toNDArray();
        return state.host;
      },
      invalidate() {
        // the host value was replaced (setValue, or an update stored by another backend)
        state.deviceNewer = false;
        state.host = undefined;
        dropDevice(state);
      },
    });
    return r;
  }

  function dropDevice(r: Resident) {
    const old = r.dev;
    r.dev = undefined;
    old?.storage.release();
  }

  /** An owned GPU copy of host array `h` (undefined without a GL context, or when too large). */
  function deviceCopyOf(h: NDArray): GpuTensor | undefined {
    if (!pipeline || !isGpu) return undefined;
    const c = h.isContiguous ? h : h.contiguous();
    const flat = c.data.subarray(c.offset, c.offset + c.size);
    if (c.size === 0 || c.size > maxElements) return undefined;
    // integers beyond float32's exact range (e.g. RNG states) stay on the host: a float32 texture
    // would round them, and the nodes that read them (on the CPU) need them exactly
    if (isInteger(c.dtype) && !exactInFloat32(flat)) return undefined;
    const tex = ownedTexture(flat instanceof Float32Array ? flat : Float32Array.from(flat), c.size);
    return tex ? GpuTensor.owned(tex, c.shape, c.dtype, counters) : undefined;
  }

  /**
   * An owned, contiguous GPU copy of a kernel result or a resident value: a reference-counted
   * texture clone (no GPU work, no read-back; a kernel that writes the original texture again
   * copies it first). Undefined for host data and non-contiguous views.
   */
  function keep(t: GpuTensor): GpuTensor | undefined {
    if (t.texture && t.isContiguous && !t.stale)
      return GpuTensor.owned(t.texture.clone(), t.shape, t.dtype, counters);
    return undefined;
  }

  /**
   * The value of a resident texture for one call: its own clone, so that storing an update
   * (which releases the variable's previous texture) cannot free a value another update of the
   * same call still reads (`updates: [[a, b], [b, a]]`). Freed when garbage collected.
   */
  const share = (dev: GpuTensor): GpuTensor => keep(dev)!;

  // --------------------------------------------------------------- the backend

  const backend: GpujsBackend = {
    name: 'gpujs',
    gpu,
    get gpuMode() {
      return gpu.mode;
    },
    kernelClass,
    isGpu,
    renderer,
    maxKernelInputs: maxInputs,
    maxTextureSize,
    maxElements,
    get kernelClassesUsed() {
      return [...classesUsed];
    },
    get fallbacks() {
      return fallbacks.map((f) => ({ ...f }));
    },
    get fallbackOps() {
      return fallbacks.map((f) => f.label);
    },
    get stats() {
      return { ...counters };
    },
    resetStats() {
      counters.readbacks = counters.uploads = counters.kernelRuns = counters.cpuRuns = 0;
    },
    makeThunk(node: Apply): Thunk {
      const p = plan(node);
      return p.where === 'cpu' ? fallbackThunk(node, p) : gpuThunk(node);
    },
    fromHost(a: NDArray) {
      return GpuTensor.fromHost(a, counters);
    },
    toHost(v: unknown): NDArray {
      return asTensor(v, 'toHost argument').toNDArray();
    },
    loadShared(sv) {
      const r = resident(sv);
      if (r.deviceNewer && r.dev) return share(r.dev);
      const h = sv.getValue({ borrow: true });
      if (r.host !== h) {
        dropDevice(r);
        r.host = h;
      }
      r.dev ??= deviceCopyOf(h);
      return r.dev ? share(r.dev) : GpuTensor.fromHost(h, counters);
    },
    storeShared(sv, value) {
      const r = resident(sv);
      const t = asTensor(value, `the update of shared variable '${sv.name ?? 'unnamed'}'`);
      const kept = keep(t);
      if (!kept) {
        // on the host (a CPU node computed it, or no GL context): a copy of it becomes the value
        sv.setInternal(t.toNDArray().copy());
        return;
      }
      const old = r.dev;
      r.dev = kept;
      r.deviceNewer = true;
      r.host = undefined;
      old?.storage.release();
    },
    placement(node) {
      if (failed.has(node)) return 'cpu';
      return plan(node).where;
    },
    describeNode(node) {
      const p = backend.placement(node);
      if (p === 'cpu') return 'cpu fallback';
      if (p === 'shape') return 'shape only';
      return VIEW_KINDS.has(node.op.kind) ? 'gpu.js view' : `gpu.js ${kernelClass}`;
    },
    async destroy() {
      for (const u of uploaders.values()) u.destroy?.();
      uploaders.clear();
      if (ownGpu) await gpu.destroy();
    },
  };
  return backend;
}

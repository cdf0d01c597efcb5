import {
  type DType,
  NDArray,
  broadcastShapes,
  formatShape,
  shapeSize,
  typedArrayFor,
} from '@theano-ts/tensor';
import { type Apply, type Backend, type Thunk, opLabel, performNode } from '@theano-ts/symbolic';
import { createCpuBackend } from '@theano-ts/backend-cpu';
import { GPU, type IKernelRunShortcut, type Texture } from 'gpu.js';
import { GpuTensor, KernelSlot, flattenKernelOutput, isTexture } from './gpu-tensor';
import { cStrides, dotKernelSource, gatherKernelSource } from './codegen';
import { UnsupportedOnGpu, gpuScalarBody, gpuScalarSupport } from './scalar-gpu';

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
  /** Where warnings go (default console.warn). */
  warn?: (message: string) => void;
}

/** A node that runs on the CPU backend, and why. */
export interface FallbackRecord {
  /** The op's label, as debugprint shows it (`Softmax`, `Elemwise{add}`). */
  label: string;
  reason: string;
}

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
  /** The nodes that run on the CPU backend (one record per op label). */
  readonly fallbacks: readonly FallbackRecord[];
  /** Labels of the ops that fell back to the CPU. */
  readonly fallbackOps: readonly string[];
  /** Where a node runs. */
  placement(node: Apply): 'gpu' | 'cpu';
  /** 'gpu.js <kernel class>' or 'cpu fallback'. */
  describeNode(node: Apply): string;
  /** Release the gpu.js instance (when this backend created it). */
  destroy(): Promise<void>;
}

/** Elements a kernel output may have: float32 index arithmetic is exact below 2^24. */
const MAX_ELEMENTS = 2 ** 24;
/** Compiled kernels kept per node (one per distinct input-shape signature). */
const MAX_KERNELS_PER_NODE = 8;

type Plan = { where: 'gpu' } | { where: 'cpu'; reason: string; float64: boolean };

/**
 * Most inputs one kernel may read: each is a texture, and a GL kernel with more inputs than the
 * context has texture units silently reads zeros. No limit for the CPU / WebAssembly kernels.
 */
function maxKernelInputs(gpu: GPU): number {
  const ctx = (gpu.Kernel as unknown as { testContext?: WebGLRenderingContext | null } | null)
    ?.testContext;
  try {
    if (ctx && typeof ctx.getParameter === 'function')
      return Number(ctx.getParameter(ctx.MAX_TEXTURE_IMAGE_UNITS)) || 8;
  } catch {
    /* no context to ask */
  }
  return isGpuKernelClass(gpu.Kernel?.name ?? '') ? 8 : Infinity;
}

/** A value in this backend's storage, as a GpuTensor. */
function asTensor(v: unknown, what: string): GpuTensor {
  if (v instanceof GpuTensor) return v;
  if (v instanceof NDArray) return GpuTensor.fromHost(v);
  throw new TypeError(
    `gpujs backend: ${what} is not a GpuTensor or NDArray (got ${Object.prototype.toString.call(v)})`,
  );
}

/** Errors about the user's values (shapes): rethrown, never a reason to fall back to the CPU. */
const userErrors = new WeakSet<object>();
function userError(e: Error): Error {
  userErrors.add(e);
  return e;
}

/** Output values of size 0 (no kernel runs). */
const emptyOf = (shape: readonly number[], dtype: DType) =>
  GpuTensor.fromHost(new NDArray(new (typedArrayFor(dtype))(0), shape, { dtype }));

/**
 * Create the gpu.js backend. Elemwise nodes (primitive scalar ops and fused Composites) run as
 * one generated gpu.js kernel per output, Dot as a loop kernel, DimShuffle as a view or a gather
 * kernel; every other node runs the CPU backend's thunk (`createCpuBackend()`), its inputs read
 * back from the GPU first. See the package README for precision.
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
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const cpu = createCpuBackend();
  const kernelClass = gpu.Kernel.name;
  const single = GPU.isSinglePrecisionSupported;
  const maxInputs = maxKernelInputs(gpu);

  const plans = new WeakMap<Apply, Plan>();
  const failed = new WeakMap<Apply, string>();
  const fallbacks: FallbackRecord[] = [];
  const classesUsed = new Set<string>();
  const warned = { ops: false, float64: false, kernel: false };
  /** Buffers of the arrays given to fromHost (inputs, shared values, constants). */
  const borrowed = new WeakSet<ArrayBufferLike>();

  const record = (node: Apply, reason: string) => {
    const label = opLabel(node.op);
    if (!fallbacks.some((f) => f.label === label)) fallbacks.push({ label, reason });
  };

  function plan(node: Apply): Plan {
    let p = plans.get(node);
    if (p) return p;
    p = decide(node);
    plans.set(node, p);
    return p;
  }

  function decide(node: Apply): Plan {
    const kind = node.op.kind;
    if (kind !== 'Elemwise' && kind !== 'Dot' && kind !== 'DimShuffle')
      return { where: 'cpu', reason: `no gpu.js kernel for ${kind}`, float64: false };
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
    if (kind === 'Elemwise') {
      const s = gpuScalarSupport((node as Apply<'Elemwise'>).op.params.scalarOp);
      if (s !== true) return { where: 'cpu', reason: s, float64: false };
    }
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
        `(values are copied between GPU and host around them): ${ops.map((f) => f.label).join(', ')}. ` +
        'backend.fallbacks lists them with reasons (this warning is shown once per backend).',
    );
  }

  /** The CPU backend's thunk for `node`, converting values to and from NDArray. */
  function cpuThunk(node: Apply): Thunk {
    const inner = cpu.makeThunk(node);
    return (inputs) =>
      inner(inputs.map((v, i) => asTensor(v, `input ${i} of ${opLabel(node.op)}`).toNDArray())).map(
        (o) => GpuTensor.fromHost(o as NDArray),
      );
  }

  function fallbackThunk(node: Apply, p: Plan & { where: 'cpu' }): Thunk {
    record(node, p.reason);
    const run = cpuThunk(node);
    return (inputs) => {
      warnFallback(p);
      return run(inputs);
    };
  }

  /** A compiled gpu.js kernel with its output slot. */
  interface Compiled {
    run: IKernelRunShortcut;
    slot: KernelSlot;
    n: number;
  }

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

  /** Run a compiled kernel on tensors, returning its result as a GpuTensor of `shape` and `dtype`. */
  function launch(
    k: Compiled,
    args: readonly GpuTensor[],
    shape: readonly number[],
    dtype: DType,
  ): GpuTensor {
    // a kernel cannot read the texture it writes: read an earlier result of this kernel back first
    const kargs = args.map((t) =>
      t.producedBy(k.slot) ? Float32Array.from(t.toNDArray().toFlat()) : t.kernelArg(),
    );
    const out = k.run(...(kargs as unknown as Parameters<IKernelRunShortcut>)) as unknown;
    k.slot.generation++;
    classesUsed.add(k.run.kernel?.constructor?.name ?? kernelClass);
    const data: Texture | Float32Array = isTexture(out) ? out : flattenKernelOutput(out, k.n);
    return GpuTensor.fromKernel(data, shape, dtype, k.slot);
  }

  /** A per-node cache of compiled kernels keyed by input shapes. */
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
        for (const k of old) k.run.destroy?.();
      }
      return ks;
    };
  }

  function elemwiseThunk(node: Apply<'Elemwise'>): (ts: GpuTensor[]) => GpuTensor[] | undefined {
    const op = node.op.params.scalarOp;
    const outDtypes = node.outputs.map((v) => v.dtype);
    const declared = node.inputs.map((v) => v.type.shape);
    const label = opLabel(node.op);
    const cache = kernelCache();
    return (ts) => {
      let shape: number[];
      try {
        shape = broadcastShapes(...ts.map((a) => a.shape));
      } catch (e) {
        throw userError(e as Error);
      }
      ts.forEach((a, i) =>
        a.shape.forEach((d, ax) => {
          if (d !== shape[ax] && declared[i][ax] !== 1)
            throw userError(
              new RangeError(
                `${label}: input ${i}${node.inputs[i].name ? ` '${node.inputs[i].name}'` : ''} has shape ${formatShape(a.shape)} but the output needs ${shape[ax]} in dimension ${ax}` +
                  (d === 1 ? ` (dimension ${ax} of that input is not declared broadcastable)` : ''),
              ),
            );
        }),
      );
      const n = shapeSize(shape);
      if (n === 0) return outDtypes.map((d) => emptyOf(shape, d));
      if (n > MAX_ELEMENTS) return undefined;
      const ks = cache(ts.map((t) => formatShape(t.shape)).join(), () => {
        const strides = ts.map((t) => {
          const cs = cStrides(t.shape);
          return shape.map((d, ax) => (t.shape[ax] === 1 && d !== 1 ? 0 : cs[ax]));
        });
        return outDtypes.map((_, k) =>
          compile(
            gatherKernelSource(shape, strides, (xs, fresh) => {
              const b = gpuScalarBody(op, xs, outDtypes, fresh);
              return { lines: b.lines, out: b.outs[k] };
            }),
            n,
            label,
          ),
        );
      });
      return ks.map((k, i) => launch(k, ts, shape, outDtypes[i]));
    };
  }

  function dotThunk(node: Apply<'Dot'>): (ts: GpuTensor[]) => GpuTensor[] | undefined {
    const dtype = node.outputs[0].dtype;
    const label = opLabel(node.op);
    const cache = kernelCache();
    return ([a, b]) => {
      const k = a.shape[a.ndim - 1];
      const k2 = b.shape[0];
      if (k !== k2)
        throw userError(
          new RangeError(
            `Dot: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} not aligned: ${k} != ${k2}`,
          ),
        );
      const shape = [...(a.ndim === 2 ? [a.shape[0]] : []), ...(b.ndim === 2 ? [b.shape[1]] : [])];
      const n = shapeSize(shape);
      if (n === 0) return [emptyOf(shape, dtype)];
      if (k === 0)
        return [GpuTensor.fromHost(new NDArray(new (typedArrayFor(dtype))(n), shape, { dtype }))];
      if (n > MAX_ELEMENTS || a.size > MAX_ELEMENTS || b.size > MAX_ELEMENTS) return undefined;
      const [kern] = cache(`${formatShape(a.shape)}${formatShape(b.shape)}`, () => [
        compile(dotKernelSource(a.shape, b.shape, dtype), n, label, k),
      ]);
      return [launch(kern, [a, b], shape, dtype)];
    };
  }

  function dimshuffleThunk(
    node: Apply<'DimShuffle'>,
  ): (ts: GpuTensor[]) => GpuTensor[] | undefined {
    const order = node.op.params.order;
    const kept = order.filter((o): o is number => o !== 'x');
    const permutes = kept.some((o, i) => i > 0 && o < kept[i - 1]);
    const label = opLabel(node.op);
    const cache = kernelCache();
    return ([x]) => {
      // on the host, or without a permutation, the result is a view
      if (x.location === 'host') return [GpuTensor.fromHost(performNode(node, [x.toNDArray()])[0])];
      const shape = order.map((o) => (o === 'x' ? 1 : x.shape[o]));
      if (!permutes) return [x.reshaped(shape)];
      const n = shapeSize(shape);
      if (n === 0) return [emptyOf(shape, x.dtype)];
      if (n > MAX_ELEMENTS) return undefined;
      const [kern] = cache(formatShape(x.shape), () => {
        const cs = cStrides(x.shape);
        const strides = [order.map((o) => (o === 'x' ? 0 : cs[o]))];
        return [
          compile(
            gatherKernelSource(shape, strides, ([v]) => ({ lines: [], out: v })),
            n,
            label,
          ),
        ];
      });
      return [launch(kern, [x], shape, x.dtype)];
    };
  }

  function gpuThunk(node: Apply): Thunk {
    const body =
      node.op.kind === 'Elemwise'
        ? elemwiseThunk(node as Apply<'Elemwise'>)
        : node.op.kind === 'Dot'
          ? dotThunk(node as Apply<'Dot'>)
          : dimshuffleThunk(node as Apply<'DimShuffle'>);
    const label = opLabel(node.op);
    let cpuRun: Thunk | undefined;
    const onCpu = (inputs: readonly unknown[]) => (cpuRun ??= cpuThunk(node))(inputs);
    return (inputs) => {
      if (failed.has(node)) return onCpu(inputs);
      const ts = inputs.map((v, i) => asTensor(v, `input ${i} of ${label}`));
      if (ts.some((t) => t.stale)) ts.forEach((t) => t.kernelArg()); // throws the explanation
      let outs: GpuTensor[] | undefined;
      try {
        outs = body(ts);
      } catch (e) {
        if (userErrors.has(e as object)) throw e; // the user's shapes
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
      return outs ?? onCpu(inputs); // too large for float32 index arithmetic
    };
  }

  const backend: GpujsBackend = {
    name: 'gpujs',
    gpu,
    get gpuMode() {
      return gpu.mode;
    },
    kernelClass,
    isGpu: isGpuKernelClass(kernelClass),
    maxKernelInputs: maxInputs,
    get kernelClassesUsed() {
      return [...classesUsed];
    },
    get fallbacks() {
      return fallbacks.map((f) => ({ ...f }));
    },
    get fallbackOps() {
      return fallbacks.map((f) => f.label);
    },
    makeThunk(node: Apply): Thunk {
      const p = plan(node);
      return p.where === 'cpu' ? fallbackThunk(node, p) : gpuThunk(node);
    },
    fromHost(a: NDArray) {
      borrowed.add(a.data.buffer);
      return GpuTensor.fromHost(a);
    },
    toHost(v: unknown): NDArray {
      const h = asTensor(v, 'toHost argument').toNDArray();
      // never hand out (a view of) an array the caller gave to fromHost: the values of this
      // backend are GpuTensors, so the linker cannot recognise its own input buffers in them
      return borrowed.has(h.data.buffer) ? h.copy() : h;
    },
    placement: (node) => (failed.has(node) ? 'cpu' : plan(node).where),
    describeNode(node) {
      return backend.placement(node) === 'cpu' ? 'cpu fallback' : `gpu.js ${kernelClass}`;
    },
    async destroy() {
      if (ownGpu) await gpu.destroy();
    },
  };
  return backend;
}

/**
 * The GPU implementation of each op kind: a function from the node to a body that takes the
 * input values (GpuTensors) and returns the outputs, or `undefined` to run this call on the CPU
 * backend (the CPU thunk then also raises the user's errors: bad shapes, labels or indices out
 * of range). Views (DimShuffle, Reshape of C-ordered data, Subtensor) run no kernel.
 */
import {
  type DType,
  NDArray,
  broadcastShapes,
  convOutputLength,
  formatShape,
  isInteger,
  resolveReshape,
  shapeSize,
  typedArrayFor,
} from '@theano-ts/tensor';
import {
  type AdvancedIdx,
  type Apply,
  type BasicIdx,
  type IdxScalar,
  type OpName,
  opLabel,
  sliceIndices,
} from '@theano-ts/symbolic';
import type { IKernelRunShortcut } from 'gpu.js';
import { GpuTensor, KernelSlot, cStrides } from './gpu-tensor';
import {
  type ViewSpec,
  advIncKernelSource,
  argmaxKernelSource,
  conv2dKernelSource,
  copyKernelSource,
  dotKernelSource,
  gatherKernelSource,
  incRegionKernelSource,
  reduceKernelSource,
  rowLseKernelSource,
  splitAxes,
  takeKernelSource,
  xentCategoricalGradKernelSource,
  xentCategoricalKernelSource,
  xentSoftmaxDxKernelSource,
  xentSoftmaxKernelSource,
} from './codegen';
import { gpuScalarBody, gpuScalarSupport } from './scalar-gpu';

/** A compiled gpu.js kernel with its output slot. */
export interface Compiled {
  run: IKernelRunShortcut;
  slot: KernelSlot;
  n: number;
}

/** What the op bodies need from the backend. */
export interface GpuContext {
  /** Compile kernel source with `n` threads. */
  compile(source: string, n: number, label: string, loop?: number): Compiled;
  /** Run a kernel on operands (their storages are the kernel's arguments, in order). */
  launch(
    k: Compiled,
    args: readonly GpuTensor[],
    shape: readonly number[],
    dtype: DType,
  ): GpuTensor;
  /** A per-node LRU of compiled kernels keyed by shapes / views. */
  cache(): (key: string, make: () => Compiled[]) => Compiled[];
  /** Wrap a host array (shape values, empty outputs). */
  host(a: NDArray): GpuTensor;
  /** An error about the user's values: rethrown as is, never a reason to fall back. */
  userError(e: Error): Error;
  /** Whether operands and outputs of `n` elements fit (throws or returns false past the limit). */
  fits(node: Apply, what: string, n: number): boolean;
}

/** The body of a GPU node: outputs, or undefined to run this call on the CPU. */
export type GpuBody = (ts: GpuTensor[]) => GpuTensor[] | undefined;

/** The view of a tensor as kernel source sees it. */
const viewOf = (t: GpuTensor): ViewSpec => ({ strides: t.strides, offset: t.offset });
/** A key for a tensor's layout (compiled kernels are per layout). */
const keyOf = (t: GpuTensor) => `${t.shape.join('x')}/${t.strides.join(',')}@${t.offset}`;
/** A view with broadcast (stride 0) dimensions to `shape` (right-aligned, as NumPy). */
function broadcastView(t: GpuTensor, shape: readonly number[]): ViewSpec {
  const lead = shape.length - t.ndim;
  return {
    strides: shape.map((d, ax) => {
      const a = ax - lead;
      if (a < 0) return 0;
      return t.shape[a] === 1 && d !== 1 ? 0 : t.strides[a];
    }),
    offset: t.offset,
  };
}

const emptyOf = (ctx: GpuContext, shape: readonly number[], dtype: DType) =>
  ctx.host(new NDArray(new (typedArrayFor(dtype))(shapeSize(shape)), shape, { dtype }));

/** Values of an int tensor on the host: they decide shapes, so they are read back (small). */
const hostInts = (t: GpuTensor): number[] => Array.from(t.toNDArray().toFlat());

/** True when an int tensor is on the host and every value is in [-len, len) (or [0, len) without negatives). */
function hostInRange(t: GpuTensor, len: number, negatives: boolean): boolean | undefined {
  if (t.location !== 'host') return undefined;
  for (const v of t.toNDArray().toFlat())
    if (v >= len || v < (negatives ? -len : 0) || !Number.isInteger(v)) return false;
  return true;
}

/** The ops with GPU kernels (or views): kind → body maker. */
export function gpuOps(ctx: GpuContext): { readonly [K in OpName]?: (node: Apply<K>) => GpuBody } {
  const label = (node: Apply) => opLabel(node.op);

  /** A contiguous copy of a view (when a kernel needs C-ordered data). */
  const copyCache = ctx.cache();
  function contiguous(t: GpuTensor, node: Apply): GpuTensor {
    if (t.isCOrder) return t;
    const [k] = copyCache(keyOf(t), () => [
      ctx.compile(copyKernelSource(t.shape, viewOf(t)), t.size, `${label(node)} (copy)`),
    ]);
    return ctx.launch(k, [t], t.shape, t.dtype);
  }

  /** Per row (all dims but `axis`): the log-sum-exp, as a C-ordered tensor of the other dims. */
  function rowLse(node: Apply, x: GpuTensor, axis: number, cache: ReturnType<GpuContext['cache']>) {
    const rows = x.shape.filter((_, i) => i !== axis);
    const [k] = cache(`lse/${keyOf(x)}`, () => [
      ctx.compile(
        rowLseKernelSource(x.shape, viewOf(x), axis),
        shapeSize(rows),
        `${label(node)} (log-sum-exp)`,
        x.shape[axis],
      ),
    ]);
    return ctx.launch(k, [x], rows, 'float32');
  }

  const elemwise = (node: Apply<'Elemwise'>): GpuBody => {
    const op = node.op.params.scalarOp;
    const outDtypes = node.outputs.map((v) => v.dtype);
    const declared = node.inputs.map((v) => v.type.shape);
    const cache = ctx.cache();
    return (ts) => {
      let shape: number[];
      try {
        shape = broadcastShapes(...ts.map((a) => a.shape));
      } catch (e) {
        throw ctx.userError(e as Error);
      }
      ts.forEach((a, i) =>
        a.shape.forEach((d, ax) => {
          if (d !== shape[ax] && declared[i][ax] !== 1)
            throw ctx.userError(
              new RangeError(
                `${label(node)}: input ${i}${node.inputs[i].name ? ` '${node.inputs[i].name}'` : ''} has shape ${formatShape(a.shape)} but the output needs ${shape[ax]} in dimension ${ax}` +
                  (d === 1 ? ` (dimension ${ax} of that input is not declared broadcastable)` : ''),
              ),
            );
        }),
      );
      const n = shapeSize(shape);
      if (n === 0) return outDtypes.map((d) => emptyOf(ctx, shape, d));
      if (!ctx.fits(node, 'the output', n)) return undefined;
      const ks = cache(ts.map(keyOf).join(), () => {
        const views = ts.map((t) => broadcastView(t, shape));
        return outDtypes.map((_, k) =>
          ctx.compile(
            gatherKernelSource(shape, views, (xs, fresh) => {
              const b = gpuScalarBody(op, xs, outDtypes, fresh);
              return { lines: b.lines, out: b.outs[k] };
            }),
            n,
            label(node),
          ),
        );
      });
      return ks.map((k, i) => ctx.launch(k, ts, shape, outDtypes[i]));
    };
  };

  const dot = (node: Apply<'Dot'>): GpuBody => {
    const dtype = node.outputs[0].dtype;
    const cache = ctx.cache();
    return ([a, b]) => {
      const k = a.shape[a.ndim - 1];
      if (k !== b.shape[0]) return undefined; // the CPU kernel raises the shape error
      const shape = [...(a.ndim === 2 ? [a.shape[0]] : []), ...(b.ndim === 2 ? [b.shape[1]] : [])];
      const n = shapeSize(shape);
      if (n === 0) return [emptyOf(ctx, shape, dtype)];
      if (k === 0) return [ctx.host(new NDArray(new (typedArrayFor(dtype))(n), shape, { dtype }))];
      if (!ctx.fits(node, 'the output', n)) return undefined;
      const [kern] = cache(`${keyOf(a)}|${keyOf(b)}`, () => [
        ctx.compile(
          dotKernelSource(a.shape, viewOf(a), b.shape, viewOf(b), dtype),
          n,
          label(node),
          k,
        ),
      ]);
      return [ctx.launch(kern, [a, b], shape, dtype)];
    };
  };

  const gemm = (node: Apply<'Gemm'>): GpuBody => {
    const dtype = node.outputs[0].dtype;
    const zDeclared = node.inputs[0].type.shape;
    const cache = ctx.cache();
    return ([z, alpha, x, y, beta]) => {
      const k = x.shape[1];
      if (k !== y.shape[0]) return undefined;
      const shape = [x.shape[0], y.shape[1]];
      if (z.shape.some((len, i) => len !== shape[i] && !(len === 1 && zDeclared[i] === 1)))
        return undefined; // the CPU kernel raises the shape error
      const n = shapeSize(shape);
      if (n === 0) return [emptyOf(ctx, shape, dtype)];
      if (!ctx.fits(node, 'the output', n)) return undefined;
      const [kern] = cache([z, alpha, x, y, beta].map(keyOf).join('|'), () => [
        ctx.compile(
          dotKernelSource(x.shape, viewOf(x), y.shape, viewOf(y), dtype, {
            z: broadcastView(z, shape),
            alpha: viewOf(alpha),
            beta: viewOf(beta),
          }),
          n,
          label(node),
          k,
        ),
      ]);
      return [ctx.launch(kern, [x, y, z, alpha, beta], shape, dtype)];
    };
  };

  const dimshuffle = (node: Apply<'DimShuffle'>): GpuBody => {
    const order = node.op.params.order;
    return ([x]) => [
      x.view(
        order.map((o) => (o === 'x' ? 1 : x.shape[o])),
        order.map((o) => (o === 'x' ? 0 : x.strides[o])),
        x.offset,
      ),
    ];
  };

  const reshape = (node: Apply<'Reshape'>): GpuBody => {
    return ([x, shp]) => {
      let shape: number[];
      try {
        shape = resolveReshape(x.size, hostInts(shp));
      } catch {
        return undefined; // the CPU kernel raises the error
      }
      if (x.isCOrder) return [x.reshaped(shape)];
      if (!ctx.fits(node, 'the output', x.size)) return undefined;
      return [contiguous(x, node).reshaped(shape)];
    };
  };

  const caReduce = (node: Apply<'CAReduce'>): GpuBody => {
    // a fused reduction (never made for this backend: it has no `supports` hook) runs on the CPU
    if (node.op.params.elemwise) return () => undefined;
    const { scalarOp, axes } = node.op.params;
    const dtype = node.outputs[0].dtype;
    const cache = ctx.cache();
    return ([x]) => {
      const outShape = x.shape.filter((_, i) => !axes.includes(i));
      const nOut = shapeSize(outShape);
      const r = axes.reduce((a, ax) => a * x.shape[ax], 1);
      if (nOut === 0) return [emptyOf(ctx, outShape, dtype)];
      if (r === 0) return undefined; // empty reductions: the identity (or the error) on the CPU
      if (!ctx.fits(node, 'the input', x.size)) return undefined;
      // pass 1 reduces chunks of the outermost reduced dimension when the reduction is long
      // and the output small; later passes reduce the partial results (contiguous rows)
      let cur = x;
      let curAxes = axes;
      for (;;) {
        const { kept, reduced } = splitAxes(cur.shape, cur.strides, curAxes);
        const rr = curAxes.reduce((a, ax) => a * cur.shape[ax], 1);
        const first = reduced.length ? reduced[0][0] : 1;
        const parts = rr > 4096 && nOut < 65536 ? Math.min(first, Math.ceil(rr / 1024)) : 1;
        const last = parts === 1;
        const outDtype: DType = last ? dtype : 'float32';
        const [k] = cache(`${keyOf(cur)}/${curAxes.join(',')}/${parts}`, () => [
          ctx.compile(
            reduceKernelSource(kept, reduced, cur.offset, scalarOp, parts, outDtype),
            nOut * parts,
            label(node),
            rr,
          ),
        ]);
        const out = ctx.launch(k, [cur], last ? outShape : [nOut, parts], outDtype);
        if (last) return [out];
        cur = out;
        curAxes = [1];
      }
    };
  };

  const argmax = (node: Apply<'Argmax'>): GpuBody => {
    const axis = node.op.params.axis;
    const cache = ctx.cache();
    return ([x]) => {
      const outShape = x.shape.filter((_, i) => i !== axis);
      if (x.shape[axis] === 0) return undefined; // the CPU raises the error
      const n = shapeSize(outShape);
      if (n === 0) return [emptyOf(ctx, outShape, 'int32')];
      if (!ctx.fits(node, 'the input', x.size)) return undefined;
      const [k] = cache(keyOf(x), () => [
        ctx.compile(argmaxKernelSource(x.shape, viewOf(x), axis), n, label(node), x.shape[axis]),
      ]);
      return [ctx.launch(k, [x], outShape, 'int32')];
    };
  };

  const softmaxLike =
    (log: boolean) =>
    (node: Apply<'Softmax'> | Apply<'LogSoftmax'>): GpuBody => {
      const axis = node.op.params.axis;
      const dtype = node.outputs[0].dtype;
      const cache = ctx.cache();
      return ([x]) => {
        if (x.size === 0) return [emptyOf(ctx, x.shape, dtype)];
        if (!ctx.fits(node, 'the input', x.size)) return undefined;
        const lse = rowLse(node, x, axis, cache);
        const lseStrides = cStrides(lse.shape);
        const lseView: ViewSpec = {
          strides: x.shape.map((_, i) => (i === axis ? 0 : lseStrides[i < axis ? i : i - 1])),
          offset: 0,
        };
        const [k] = cache(`out/${keyOf(x)}`, () => [
          ctx.compile(
            gatherKernelSource(x.shape, [viewOf(x), lseView], ([v, l]) => ({
              lines: [],
              out: log ? `(${v} - ${l})` : `Math.exp(${v} - ${l})`,
            })),
            x.size,
            label(node),
          ),
        ]);
        return [ctx.launch(k, [x, lse], x.shape, dtype)];
      };
    };

  /** Labels y for n rows of k classes: false when the CPU should run (and raise the error). */
  const labelsOk = (y: GpuTensor, n: number, k: number) =>
    y.shape[0] === n && hostInRange(y, k, false) !== false;

  const xentSoftmax = (node: Apply<'CrossentropySoftmax1Hot'>): GpuBody => {
    const dtype = node.outputs[0].dtype;
    const cache = ctx.cache();
    return ([x, y]) => {
      const [n, k] = x.shape;
      if (!labelsOk(y, n, k) || k === 0) return undefined;
      if (n === 0) return [emptyOf(ctx, [0], dtype)];
      if (!ctx.fits(node, 'the input', x.size)) return undefined;
      const [kern] = cache(`${keyOf(x)}|${keyOf(y)}`, () => [
        ctx.compile(xentSoftmaxKernelSource(x.shape, viewOf(x), viewOf(y)), n, label(node), k),
      ]);
      return [ctx.launch(kern, [x, y], [n], dtype)];
    };
  };

  const xentSoftmaxDx = (node: Apply<'CrossentropySoftmax1HotDx'>): GpuBody => {
    const dtype = node.outputs[0].dtype;
    const cache = ctx.cache();
    return ([gy, x, y]) => {
      const [n, k] = x.shape;
      if (!labelsOk(y, n, k) || gy.size !== n || k === 0) return undefined;
      if (n === 0) return [emptyOf(ctx, x.shape, dtype)];
      if (!ctx.fits(node, 'the input', x.size)) return undefined;
      const lse = rowLse(node, x, 1, cache);
      const [kern] = cache(`dx/${[gy, x, y].map(keyOf).join('|')}`, () => [
        ctx.compile(
          xentSoftmaxDxKernelSource(x.shape, viewOf(gy), viewOf(x), viewOf(y)),
          x.size,
          label(node),
        ),
      ]);
      return [ctx.launch(kern, [gy, x, y, lse], x.shape, dtype)];
    };
  };

  const xentCategorical = (node: Apply<'CrossentropyCategorical1Hot'>): GpuBody => {
    const dtype = node.outputs[0].dtype;
    const cache = ctx.cache();
    return ([p, y]) => {
      const [n, k] = p.shape;
      if (!labelsOk(y, n, k)) return undefined;
      if (n === 0) return [emptyOf(ctx, [0], dtype)];
      if (!ctx.fits(node, 'the input', p.size)) return undefined;
      const [kern] = cache(`${keyOf(p)}|${keyOf(y)}`, () => [
        ctx.compile(xentCategoricalKernelSource(viewOf(p), viewOf(y)), n, label(node)),
      ]);
      return [ctx.launch(kern, [p, y], [n], dtype)];
    };
  };

  const xentCategoricalGrad = (node: Apply<'CrossentropyCategorical1HotGrad'>): GpuBody => {
    const dtype = node.outputs[0].dtype;
    const cache = ctx.cache();
    return ([gy, p, y]) => {
      const [n, k] = p.shape;
      if (!labelsOk(y, n, k) || gy.size !== n) return undefined;
      if (p.size === 0) return [emptyOf(ctx, p.shape, dtype)];
      if (!ctx.fits(node, 'the input', p.size)) return undefined;
      const [kern] = cache([gy, p, y].map(keyOf).join('|'), () => [
        ctx.compile(
          xentCategoricalGradKernelSource(p.shape, viewOf(gy), viewOf(p), viewOf(y)),
          p.size,
          label(node),
        ),
      ]);
      return [ctx.launch(kern, [gy, p, y], p.shape, dtype)];
    };
  };

  /** Shape metadata: no data is read. */
  const shapeOp =
    (): GpuBody =>
    ([x]) => [ctx.host(new NDArray(Int32Array.from(x.shape), [x.ndim]))];
  const shapeI =
    (node: Apply<'ShapeI'>): GpuBody =>
    ([x]) => [ctx.host(new NDArray(Int32Array.of(x.shape[node.op.params.i]), []))];
  const makeVector = (): GpuBody => (items) => [
    ctx.host(new NDArray(Int32Array.from(items.map((t) => hostInts(t)[0])), [items.length])),
  ];

  /** The value of an index scalar (a constant of the op, or an index input, read on the host). */
  const scalarOf = (s: IdxScalar, args: readonly GpuTensor[]) =>
    typeof s === 'number' ? s : hostInts(args[s.arg])[0];

  /** The strided region x[idx] of basic indexing; undefined when an index is out of range (the CPU raises it). */
  function basicRegion(x: GpuTensor, idx: readonly BasicIdx[], args: readonly GpuTensor[]) {
    let offset = x.offset;
    const shape: number[] = [];
    const strides: number[] = [];
    const region: { start: number; step: number; n: number; kept: boolean }[] = [];
    for (let d = 0; d < idx.length; d++) {
      const e = idx[d];
      const len = x.shape[d];
      if ('int' in e) {
        let i = scalarOf(e.int, args);
        if (i < -len || i >= len) return undefined;
        if (i < 0) i += len;
        offset += i * x.strides[d];
        region.push({ start: i, step: 1, n: 1, kept: false });
      } else {
        const [a, b, c] = e.slice.map((s) => (s === null ? null : scalarOf(s, args)));
        if (c === 0) return undefined;
        const s = sliceIndices(len, a, b, c);
        if (s.n > 0) offset += s.start * x.strides[d];
        shape.push(s.n);
        strides.push(x.strides[d] * s.step);
        region.push({ start: s.start, step: s.step, n: s.n, kept: true });
      }
    }
    for (let d = idx.length; d < x.ndim; d++) {
      shape.push(x.shape[d]);
      strides.push(x.strides[d]);
      region.push({ start: 0, step: 1, n: x.shape[d], kept: true });
    }
    return { shape, strides, offset, region };
  }

  const subtensor = (node: Apply<'Subtensor'>): GpuBody => {
    const idx = node.op.params.idxList;
    return ([x, ...args]) => {
      if (idx.length > x.ndim) return undefined;
      const r = basicRegion(x, idx, args);
      if (!r) return undefined;
      return [x.view(r.shape, r.strides, shapeSize(r.shape) ? r.offset : 0)];
    };
  };

  const incSubtensor = (node: Apply<'IncSubtensor'>): GpuBody => {
    const { idxList, setInsteadOfInc } = node.op.params;
    const yDeclared = node.inputs[1].type.shape;
    const dtype = node.outputs[0].dtype;
    const cache = ctx.cache();
    return ([x, y, ...args]) => {
      if (idxList.length > x.ndim) return undefined;
      const r = basicRegion(x, idxList, args);
      if (!r) return undefined;
      const lead = r.shape.length - y.ndim;
      if (
        lead < 0 ||
        y.shape.some((d, i) => d !== r.shape[lead + i] && !(d === 1 && yDeclared[i] === 1))
      )
        return undefined; // the CPU raises the shape error
      if (x.size === 0) return [emptyOf(ctx, x.shape, dtype)];
      if (!ctx.fits(node, 'the input', x.size)) return undefined;
      const yv = broadcastView(y, r.shape);
      const key = `${keyOf(x)}|${keyOf(y)}|${JSON.stringify(r.region)}`;
      const [k] = cache(key, () => [
        ctx.compile(
          incRegionKernelSource(x.shape, viewOf(x), r.region, yv, setInsteadOfInc, dtype),
          x.size,
          label(node),
        ),
      ]);
      return [ctx.launch(k, [x, y], x.shape, dtype)];
    };
  };

  /** The axis of the one int index array in an idxList whose other entries are full slices. */
  const takeAxis = (idx: readonly AdvancedIdx[]): number | undefined => {
    let axis: number | undefined;
    for (let d = 0; d < idx.length; d++) {
      const e = idx[d];
      if ('array' in e) {
        if (axis !== undefined) return undefined;
        axis = d;
      } else if ('int' in e || e.slice.some((s) => s !== null)) return undefined;
    }
    return axis;
  };

  const advancedSubtensor = (node: Apply<'AdvancedSubtensor'>): GpuBody => {
    const idx = node.op.params.idxList;
    const axis = takeAxis(idx)!;
    const arrayArg = (idx[axis] as { array: number }).array;
    const dtype = node.outputs[0].dtype;
    const cache = ctx.cache();
    return ([x, ...args]) => {
      const ix = args[arrayArg];
      if (idx.length > x.ndim || hostInRange(ix, x.shape[axis], true) === false) return undefined;
      const outShape = [...x.shape.slice(0, axis), ...ix.shape, ...x.shape.slice(axis + 1)];
      const n = shapeSize(outShape);
      if (n === 0) return [emptyOf(ctx, outShape, dtype)];
      if (x.shape[axis] === 0) return undefined;
      if (!ctx.fits(node, 'the output', n) || !ctx.fits(node, 'the input', x.size))
        return undefined;
      const [k] = cache(`${keyOf(x)}|${keyOf(ix)}`, () => [
        ctx.compile(
          takeKernelSource(x.shape, viewOf(x), ix.shape, viewOf(ix), axis),
          n,
          label(node),
        ),
      ]);
      return [ctx.launch(k, [x, ix], outShape, dtype)];
    };
  };

  /** Most index entries an AdvancedIncSubtensor kernel loops over per output element. */
  const MAX_SCATTER = 65536;
  const advancedIncSubtensor = (node: Apply<'AdvancedIncSubtensor'>): GpuBody => {
    const { idxList, setInsteadOfInc, ignoreDuplicates } = node.op.params;
    const axis = takeAxis(idxList)!;
    const arrayArg = (idxList[axis] as { array: number }).array;
    const yDeclared = node.inputs[1].type.shape;
    const dtype = node.outputs[0].dtype;
    const mode = setInsteadOfInc ? 'set' : ignoreDuplicates ? 'incOnce' : 'inc';
    const cache = ctx.cache();
    return ([x, y, ...args]) => {
      const ix = args[arrayArg];
      if (idxList.length > x.ndim || hostInRange(ix, x.shape[axis], true) === false)
        return undefined;
      const region = [...x.shape.slice(0, axis), ...ix.shape, ...x.shape.slice(axis + 1)];
      const lead = region.length - y.ndim;
      if (
        lead < 0 ||
        y.shape.some((d, i) => d !== region[lead + i] && !(d === 1 && yDeclared[i] === 1))
      )
        return undefined;
      if (x.size === 0) return [emptyOf(ctx, x.shape, dtype)];
      if (ix.size > MAX_SCATTER) return undefined;
      if (!ctx.fits(node, 'the input', x.size)) return undefined;
      const [k] = cache([x, ix, y].map(keyOf).join('|'), () => [
        ctx.compile(
          advIncKernelSource(
            x.shape,
            viewOf(x),
            ix.shape,
            viewOf(ix),
            broadcastView(y, region),
            axis,
            mode,
            dtype,
          ),
          x.size,
          label(node),
          ix.size,
        ),
      ]);
      return [ctx.launch(k, [x, ix, y], x.shape, dtype)];
    };
  };

  const conv2d = (node: Apply<'Conv2d'>): GpuBody => {
    const p = node.op.params;
    const dtype = node.outputs[0].dtype;
    const cache = ctx.cache();
    return ([x, w]) => {
      const [N, C, H, W] = x.shape;
      const [O, cg, kh, kw] = w.shape;
      if (C !== cg * p.numGroups || O % p.numGroups !== 0) return undefined; // the CPU raises it
      const padOf = (k: number, d: number, a: 0 | 1) =>
        p.borderMode === 'valid'
          ? 0
          : p.borderMode === 'full'
            ? d * (k - 1)
            : p.borderMode === 'half'
              ? d * Math.floor(k / 2)
              : p.borderMode[a];
      const pad: [number, number] = [
        padOf(kh, p.filterDilation[0], 0),
        padOf(kw, p.filterDilation[1], 1),
      ];
      const oh = convOutputLength(H, kh, pad[0], p.subsample[0], p.filterDilation[0]);
      const ow = convOutputLength(W, kw, pad[1], p.subsample[1], p.filterDilation[1]);
      if (!(oh > 0 && ow > 0)) return undefined;
      const outShape = [N, O, oh, ow];
      const n = shapeSize(outShape);
      if (n === 0) return [emptyOf(ctx, outShape, dtype)];
      if (!ctx.fits(node, 'the output', n) || !ctx.fits(node, 'the images', x.size))
        return undefined;
      const [k] = cache(`${keyOf(x)}|${keyOf(w)}`, () => [
        ctx.compile(
          conv2dKernelSource(
            x.shape,
            viewOf(x),
            w.shape,
            viewOf(w),
            outShape,
            {
              pad,
              stride: p.subsample,
              dilation: p.filterDilation,
              flip: p.filterFlip,
              groups: p.numGroups,
            },
            dtype,
          ),
          n,
          label(node),
          cg * kh * kw,
        ),
      ]);
      return [ctx.launch(k, [x, w], outShape, dtype)];
    };
  };

  return {
    Conv2d: conv2d,
    Elemwise: elemwise,
    Dot: dot,
    Gemm: gemm,
    DimShuffle: dimshuffle,
    Reshape: reshape,
    Shape: shapeOp,
    ShapeI: shapeI,
    MakeVector: makeVector,
    CAReduce: caReduce,
    Argmax: argmax,
    Softmax: softmaxLike(false),
    LogSoftmax: softmaxLike(true),
    CrossentropySoftmax1Hot: xentSoftmax,
    CrossentropySoftmax1HotDx: xentSoftmaxDx,
    CrossentropyCategorical1Hot: xentCategorical,
    CrossentropyCategorical1HotGrad: xentCategoricalGrad,
    Subtensor: subtensor,
    IncSubtensor: incSubtensor,
    AdvancedSubtensor: advancedSubtensor,
    AdvancedIncSubtensor: advancedIncSubtensor,
  };
}

/** The op kinds with a GPU body (a kernel, a view of GPU data, or shape metadata). */
export const GPU_OP_KINDS: readonly OpName[] = [
  'Conv2d',
  'Elemwise',
  'Dot',
  'Gemm',
  'DimShuffle',
  'Reshape',
  'Shape',
  'ShapeI',
  'MakeVector',
  'CAReduce',
  'Argmax',
  'Softmax',
  'LogSoftmax',
  'CrossentropySoftmax1Hot',
  'CrossentropySoftmax1HotDx',
  'CrossentropyCategorical1Hot',
  'CrossentropyCategorical1HotGrad',
  'Subtensor',
  'IncSubtensor',
  'AdvancedSubtensor',
  'AdvancedIncSubtensor',
];

/** Kinds that only look at shapes (no data moves, no kernel). */
export const SHAPE_ONLY: ReadonlySet<string> = new Set(['Shape', 'ShapeI', 'MakeVector']);
/** Kinds that are views of their input (no kernel unless a copy is needed). */
export const VIEW_KINDS: ReadonlySet<string> = new Set(['DimShuffle', 'Subtensor', 'Reshape']);

/**
 * Why a node of a kind with a GPU body cannot run on the GPU (a reason), or undefined when it
 * can. Checked once per node, at compile time.
 */
export function gpuUnsupported(node: Apply): string | undefined {
  switch (node.op.kind) {
    case 'Elemwise':
      return ((s) => (s === true ? undefined : s))(
        gpuScalarSupport((node as Apply<'Elemwise'>).op.params.scalarOp),
      );
    case 'AdvancedSubtensor':
    case 'AdvancedIncSubtensor': {
      const idx = (node as Apply<'AdvancedSubtensor'>).op.params.idxList;
      let axis: number | undefined;
      let ok = true;
      idx.forEach((e, d) => {
        if ('array' in e) {
          if (axis !== undefined) ok = false;
          axis = d;
        } else if ('int' in e || e.slice.some((s) => s !== null)) ok = false;
      });
      if (!ok || axis === undefined)
        return 'only one int index array with full slices (take along an axis) runs on the GPU';
      const first = node.op.kind === 'AdvancedSubtensor' ? 1 : 2;
      const arr = node.inputs[first + (idx[axis] as { array: number }).array];
      if (!isInteger(arr.dtype)) return 'boolean mask indices run on the CPU';
      return undefined;
    }
    default:
      return undefined;
  }
}

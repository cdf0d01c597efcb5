/**
 * Fused float32 loops as WebAssembly SIMD, generated at run time from an Elemwise's scalar op
 * (a fused Composite or one primitive op): four lanes per step, the transcendental functions of
 * wasm-math.ts, and optionally a trailing reduction (a CAReduce with a fused `elemwise`).
 *
 * Data stays in JS typed arrays; the driver copies chunks of {@link CHUNK} elements (which
 * stay in cache) into the module's memory, runs the loop, and copies the results out. Inputs
 * are either contiguous arrays of the loop's length or scalars (one element, broadcast to
 * every lane); other layouts are for the JS codegen (elemwise-codegen.ts). Modules are cached
 * by scalar-op signature, which inputs are scalars, and the reduction.
 */
import type { Apply, CompositeScalarOp, ScalarOp } from '@theano-ts/symbolic';
import { type DType, NDArray } from '@theano-ts/tensor';
import { FunctionBuilder, type Local, ModuleBuilder, hasWasmSimd } from './wasm';
import { type Operand, VEC_FNS, Vec, vecFn } from './wasm-math';
import { allocate } from './buffer-pool';
import { threadsAllowed } from './gemm';
import {
  type ElemwiseThread,
  THREAD_MAX_STAGE_BYTES,
  startElemwiseThread,
} from './elemwise-thread';

/** Elements per array per call: 16 KiB of float32, so a chunk's arrays stay in L1/L2. */
export const CHUNK = 4096;

/** The reductions a loop can end with (CAReduce's scalar ops). */
export type LoopReduce = 'add' | 'mul' | 'maximum' | 'minimum';

/** Emitters of the primitive scalar ops on four float32 lanes (operands a, b). */
type Emit = (v: Vec, a: Operand, b: Operand) => Operand;
/** NumPy's maximum / minimum: NaN if either is NaN, else the larger (smaller); b on ties. */
const extremum =
  (cmp: string): Emit =>
  (v, a, b) =>
    v.select(a, v.select(a, b, v.op2(cmp, a, b)), v.op2('f32x4.ne', a, a));
const local = (v: Vec, a: Operand): Local =>
  typeof a === 'number' ? v.push(a).keep() : (a as Local);
const EMIT: Readonly<Record<string, Emit>> = {
  ...Object.fromEntries(
    VEC_FNS.map((name) => [name, (v: Vec, a: Operand) => vecFn(v, name, local(v, a))]),
  ),
  add: (v, a, b) => v.add(a, b),
  sub: (v, a, b) => v.sub(a, b),
  mul: (v, a, b) => v.mul(a, b),
  trueDiv: (v, a, b) => v.div(a, b),
  neg: (v, a) => v.op1('f32x4.neg', a),
  sqr: (v, a) => v.mul(a, a),
  sqrt: (v, a) => v.op1('f32x4.sqrt', a),
  abs: (v, a) => v.op1('f32x4.abs', a),
  reciprocal: (v, a) => v.div(1, a),
  maximum: extremum('f32x4.gt'),
  minimum: extremum('f32x4.lt'),
  // x > 0 ? x : NaN stays NaN : +0
  relu: (v, a) =>
    v.op2('v128.and', a, v.op2('v128.or', v.op2('f32x4.gt', a, 0), v.op2('f32x4.ne', a, a))),
  // comparisons: a bool held as float32 0 / 1 (what Elemwise's upcast of bool to float32 gives)
  ...Object.fromEntries(
    (
      [
        ['gt', 'f32x4.gt'],
        ['ge', 'f32x4.ge'],
        ['lt', 'f32x4.lt'],
        ['le', 'f32x4.le'],
        ['eq', 'f32x4.eq'],
        ['neq', 'f32x4.ne'],
      ] as const
    ).map(([name, cmp]) => [
      name,
      (v: Vec, a: Operand, b: Operand) => v.op2('v128.and', v.op2(cmp, a, b), 1),
    ]),
  ),
  identity: (_v, a) => a,
  cast: (_v, a) => a,
  second: (_v, _a, b) => b,
};

/** Ops whose bool result a loop holds as float32 0 / 1. */
const COMPARISONS = new Set(['gt', 'ge', 'lt', 'le', 'eq', 'neq']);

/** `op` as a Composite (a primitive op is a one-node Composite). */
function asComposite(op: ScalarOp, nin: number, outDtype: DType): CompositeScalarOp {
  if (op.name === 'composite') return op;
  return {
    name: 'composite',
    nin,
    nodes: [{ op, args: Array.from({ length: nin }, (_, i) => i), dtype: outDtype }],
    outputs: [nin],
  };
}

/**
 * Whether a float32 SIMD loop can compute `op` on inputs of `inDtypes`: every input and
 * every value of the scalar graph is float32 (or a comparison's bool, held as 0 / 1 and used
 * as float32 by the ops that read it, as Elemwise upcasts it), every op has an emitter, constants
 * are float32 values, one output; and the engine has WebAssembly SIMD.
 */
export function wasmLoopSupports(
  op: ScalarOp,
  inDtypes: readonly DType[],
  outDtypes: readonly DType[],
): boolean {
  if (outDtypes.length !== 1 || outDtypes[0] !== 'float32') return false;
  if (!inDtypes.every((d) => d === 'float32')) return false;
  const c = asComposite(op, inDtypes.length, outDtypes[0]);
  if (c.outputs.length !== 1) return false;
  const ok = c.nodes.every((n) =>
    n.op.name === 'constant'
      ? Object.is(Math.fround(n.op.value), n.op.value) || Number.isNaN(n.op.value)
      : (n.dtype === 'float32' || (n.dtype === 'bool' && COMPARISONS.has(n.op.name))) &&
        Object.hasOwn(EMIT, n.op.name),
  );
  return ok && hasWasmSimd();
}

/** A compiled loop: `run(n)` over the first n elements of each input region. */
export interface WasmLoop {
  /** The compiled module (a second thread instantiates it too). */
  readonly module: WebAssembly.Module;
  /** Elements per chunk ({@link CHUNK}). */
  readonly chunk: number;
  /** Work per element, roughly in SIMD arithmetic ops (see {@link loopCost}). */
  readonly cost: number;
  /** Module memory as float32. */
  readonly mem: Float32Array;
  /** Float32 index of input i's region (scalars: its value at that index). */
  readonly inBase: readonly number[];
  /** Float32 index of the output region (map loops). */
  readonly outBase: number;
  /** Map: compute n outputs. Reduce: returns the float64 reduction of n values. */
  readonly run: (n: number) => number;
  readonly reduce: LoopReduce | undefined;
}

const cache = new Map<string, WasmLoop>();

/**
 * The loop computing `op` (see {@link wasmLoopSupports}) with `scalar[i]` telling which inputs
 * are broadcast scalars, mapping into an output region or ending with `reduce`. Compiled once
 * per signature.
 */
export function wasmLoop(
  op: ScalarOp,
  scalar: readonly boolean[],
  reduce: LoopReduce | undefined,
): WasmLoop {
  const key = JSON.stringify([op, scalar, reduce ?? null]);
  let loop = cache.get(key);
  if (!loop) {
    loop = buildLoop(asComposite(op, scalar.length, 'float32'), scalar, reduce);
    cache.set(key, loop);
  }
  return loop;
}

/** Code of the scalar graph on four lanes; returns the local holding the output. */
function emitComposite(v: Vec, c: CompositeScalarOp, inputs: readonly Local[]): Local {
  const vals: Operand[] = [...inputs];
  for (const n of c.nodes) {
    if (n.op.name === 'constant') {
      vals.push(Math.fround(n.op.value));
      continue;
    }
    const [a, b] = n.args.map((i) => vals[i]);
    const r = EMIT[n.op.name](v, a, b);
    vals.push(r);
  }
  return local(v, vals[c.outputs[0]]);
}

/** The identity of a reduction as float32 lanes (and the float64 start value). */
const IDENTITY: Record<LoopReduce, number> = {
  add: 0,
  mul: 1,
  maximum: -Infinity,
  minimum: Infinity,
};

function buildLoop(
  c: CompositeScalarOp,
  scalar: readonly boolean[],
  reduce: LoopReduce | undefined,
): WasmLoop {
  const nin = scalar.length;
  const bytes = CHUNK * 4;
  const pages = Math.ceil(((nin + 1) * bytes) / 65536);
  const m = new ModuleBuilder()
    .defineMemory({ initial: pages, maximum: pages })
    .exportMemory('mem');
  const outByte = nin * bytes;
  // a dry run of the scalar graph lists the constants the loop body uses, to hoist them
  const dry = new Vec(new FunctionBuilder('dry', [], []));
  emitComposite(
    dry,
    c,
    scalar.map(() => dry.keep()),
  );
  m.addFunction('run', ['i32'], ['f64'], (f: FunctionBuilder) => {
    const v = new Vec(f);
    v.hoist(dry.used);
    const n = f.param(0);
    const j = f.local('i32');
    const end = f.local('i32');
    const splats = scalar.map((s, i) => {
      if (!s) return undefined;
      f.i32Const(0).mem('v128.load32_splat', i * bytes);
      return v.keep();
    });
    /** The inputs at byte j + `extra` (scalars: their splat). */
    const load = (extra = 0) =>
      scalar.map((_, i) => {
        if (splats[i]) return splats[i]!;
        f.get(j).mem('v128.load', i * bytes + extra);
        return v.keep();
      });
    // accumulators: float64 pairs for add / mul (as the reference), float32 lanes for max / min
    const f64acc = reduce === 'add' || reduce === 'mul';
    const acc = [f.local('v128'), f.local('v128')];
    if (reduce) {
      const id = IDENTITY[reduce];
      for (const a of acc) {
        if (f64acc) f.f64x2Const(id, id);
        else f.f32x4Const(id, id, id, id);
        f.set(a);
      }
    }
    const accumulate = (r: Local) => {
      if (!reduce) return;
      if (!f64acc) {
        f.get(acc[0])
          .get(r)
          .op(reduce === 'maximum' ? 'f32x4.max' : 'f32x4.min')
          .set(acc[0]);
        return;
      }
      const op = reduce === 'add' ? 'f64x2.add' : 'f64x2.mul';
      f.get(acc[0]).get(r).op('f64x2.promote_low_f32x4').op(op).set(acc[0]);
      f.get(acc[1])
        .get(r)
        .get(r)
        .shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7])
        .op('f64x2.promote_low_f32x4')
        .op(op)
        .set(acc[1]);
    };
    // main loop over whole vectors (map: n rounded up; the spare lanes are never read back)
    f.get(n).i32Const(2).op('i32.shl');
    if (reduce) f.i32Const(-16).op('i32.and');
    else f.i32Const(15).op('i32.add').i32Const(-16).op('i32.and');
    f.set(end);
    // two vectors per step (independent chains for the CPU to overlap), then one if left
    const body = (extra: number) => {
      const r = emitComposite(v, c, load(extra));
      if (reduce) accumulate(r);
      else
        f.get(j)
          .get(r)
          .mem('v128.store', outByte + extra);
    };
    const end2 = f.local('i32');
    f.get(end).i32Const(-32).op('i32.and').set(end2);
    f.forRange(j, 0, end2, 32, () => {
      body(0);
      body(16);
    });
    f.get(end2).set(j).get(end2).get(end).op('i32.lt_s');
    const single = f.if();
    body(0);
    f.end(single);
    if (reduce) {
      // the last n % 4 elements: lanes past n take the identity
      f.get(n).i32Const(3).op('i32.and');
      const tail = f.if();
      f.get(end).set(j);
      const r = emitComposite(v, c, load());
      const id = IDENTITY[reduce];
      v.push(r).push(id);
      f.get(n).i32Const(3).op('i32.and').op('i32x4.splat').i32x4Const(0, 1, 2, 3).op('i32x4.gt_s');
      f.op('v128.bitselect').set(r);
      accumulate(r);
      f.end(tail);
      if (f64acc) {
        const op = reduce === 'add' ? 'f64.add' : 'f64.mul';
        f.get(acc[0])
          .get(acc[1])
          .op(reduce === 'add' ? 'f64x2.add' : 'f64x2.mul')
          .set(acc[0]);
        f.get(acc[0])
          .lane('f64x2.extract_lane', 0)
          .get(acc[0])
          .lane('f64x2.extract_lane', 1)
          .op(op);
      } else {
        const op = reduce === 'maximum' ? 'f32x4.max' : 'f32x4.min';
        // fold lanes 2,3 onto 0,1 then 1 onto 0
        f.get(acc[0]).get(acc[0]).get(acc[0]);
        f.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).op(op).set(acc[0]);
        f.get(acc[0]).get(acc[0]).get(acc[0]);
        f.shuffle([4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15]).op(op);
        f.lane('f32x4.extract_lane', 0).op('f64.promote_f32');
      }
    } else f.f64Const(0);
  });
  const module = m.compile();
  const inst = new WebAssembly.Instance(module, {});
  const exports = inst.exports as { mem: WebAssembly.Memory; run: (n: number) => number };
  return {
    module,
    chunk: CHUNK,
    cost: loopCost(c),
    mem: new Float32Array(exports.mem.buffer),
    inBase: scalar.map((_, i) => (i * bytes) / 4),
    outBase: outByte / 4,
    run: exports.run,
    reduce,
  };
}

/** An input of a loop: contiguous data from `offset`, or a scalar (`scalar` true). */
export interface LoopInput {
  readonly data: Float32Array;
  readonly offset: number;
  readonly scalar: boolean;
}

/** Map loops of at least this many elements may give part of their work to a second thread. */
export const THREAD_MIN_ELEMENTS = 1 << 17;
/**
 * Splitting also needs at least this much work per element (see {@link loopCost}) for each
 * array the split copies (every array input, and the output): the staging copies run at memory
 * speed, so a cheap loop (x + y) would only get slower (measured: 0.93 → 2.2 ms at 1e6), while
 * the sigmoid chain (cost 25, two arrays) gains a quarter.
 */
export const THREAD_MIN_COST_PER_ARRAY = 8;
/** Map loops that ran split between the two threads (for tests and benchmarks). */
export const loopThreadRuns = { split: 0 };

/**
 * Work per element of a loop, roughly in SIMD arithmetic ops: a transcendental function
 * (wasm-math.ts: exp, log, tanh, sigmoid…) counts 20, a division or square root 4, anything
 * else 1.
 */
export function loopCost(c: CompositeScalarOp): number {
  let cost = 0;
  for (const n of c.nodes) {
    const name = n.op.name;
    if (name === 'constant') continue;
    cost += (VEC_FNS as readonly string[]).includes(name)
      ? 20
      : name === 'trueDiv' || name === 'sqrt' || name === 'reciprocal'
        ? 4
        : 1;
  }
  return cost;
}

let thread: ElemwiseThread | undefined | null = null; // null: not started yet
let splitDisabled = false;
/**
 * Runs every map loop on the main thread (true) or lets large ones use the second thread
 * (false, the default), for tests comparing the two; returns the previous setting.
 */
export function setLoopSplitDisabled(disabled: boolean): boolean {
  const prev = splitDisabled;
  splitDisabled = disabled;
  return prev;
}

/**
 * Whether large map loops run on two threads now: 'ready', 'starting' (the worker is not up
 * yet: one thread until then), or 'off' (no second thread here, or not allowed).
 */
export function loopThreadState(): 'off' | 'starting' | 'ready' {
  if (splitDisabled || !threadsAllowed()) return 'off';
  if (thread === null) thread = startElemwiseThread();
  return !thread ? 'off' : thread.ready() ? 'ready' : 'starting';
}

/** The second thread when it is up and allowed (started on the first large loop). */
const loopThread = (): ElemwiseThread | undefined =>
  loopThreadState() === 'ready' ? thread! : undefined;

/**
 * Run a map loop over n elements into `out` (from index `outOffset`), chunk by chunk. A large,
 * compute-heavy loop (at least {@link THREAD_MIN_ELEMENTS} elements, and
 * {@link THREAD_MIN_COST_PER_ARRAY} per staged array) shares its chunks with the second thread
 * (elemwise-thread.ts) when there is one; the results are the same element for element.
 */
export function runMap(
  loop: WasmLoop,
  inputs: readonly LoopInput[],
  out: Float32Array,
  outOffset: number,
  n: number,
): void {
  let arrays = 1; // the output, and every array input, go through the staging buffer
  for (const a of inputs) if (!a.scalar) arrays++;
  const t =
    n >= THREAD_MIN_ELEMENTS &&
    loop.cost >= THREAD_MIN_COST_PER_ARRAY * arrays &&
    4 * n * (inputs.length + 1) <= THREAD_MAX_STAGE_BYTES
      ? loopThread()
      : undefined;
  if (!t) {
    runChunks(loop, inputs, out, outOffset, n);
    return;
  }
  loopThreadRuns.split++;
  setScalars(loop, inputs);
  t.run(loop, inputs, out, outOffset, n, (s, len) =>
    mapChunk(loop, inputs, out, outOffset, s, len),
  );
}

/** Put the loop's scalar inputs in its memory (once per run). */
function setScalars(loop: WasmLoop, inputs: readonly LoopInput[]): void {
  inputs.forEach((a, i) => {
    if (a.scalar) loop.mem[loop.inBase[i]] = a.data[a.offset];
  });
}

/** Copy elements `from`…`from + len` of the array inputs into the loop's input regions. */
function loadChunk(loop: WasmLoop, inputs: readonly LoopInput[], from: number, len: number): void {
  for (let i = 0; i < inputs.length; i++) {
    const a = inputs[i];
    const p = a.offset + from;
    if (!a.scalar) loop.mem.set(a.data.subarray(p, p + len), loop.inBase[i]);
  }
}

/** One chunk of a map loop: elements s…s + len into `out` (from `outOffset`). */
function mapChunk(
  loop: WasmLoop,
  inputs: readonly LoopInput[],
  out: Float32Array,
  outOffset: number,
  s: number,
  len: number,
): void {
  loadChunk(loop, inputs, s, len);
  loop.run(len);
  out.set(loop.mem.subarray(loop.outBase, loop.outBase + len), outOffset + s);
}

/** {@link runMap} on the main thread: elements 0…n. */
function runChunks(
  loop: WasmLoop,
  inputs: readonly LoopInput[],
  out: Float32Array,
  outOffset: number,
  n: number,
): void {
  setScalars(loop, inputs);
  for (let s = 0; s < n; s += CHUNK)
    mapChunk(loop, inputs, out, outOffset, s, Math.min(CHUNK, n - s));
}

/** Run a reducing loop over n elements from `start` of each array input; the float64 result. */
export function runReduce(
  loop: WasmLoop,
  inputs: readonly LoopInput[],
  start: number,
  n: number,
): number {
  const red = loop.reduce!;
  setScalars(loop, inputs);
  let acc = IDENTITY[red];
  for (let s = 0; s < n; s += CHUNK) {
    const len = Math.min(CHUNK, n - s);
    loadChunk(loop, inputs, start + s, len);
    const r = loop.run(len);
    acc =
      red === 'add'
        ? acc + r
        : red === 'mul'
          ? acc * r
          : acc !== acc || r !== r
            ? NaN
            : red === 'maximum'
              ? Math.max(acc, r)
              : Math.min(acc, r);
  }
  return acc;
}

/** Below this many elements the JS loops are as fast (no chunk copies). */
export const WASM_MIN_SIZE = 16;

/**
 * The input whose buffer an Elemwise's output 0 may overwrite (Elemwise `inplacePattern`,
 * cross-helper interface 1: output index → input index), or undefined.
 */
export function inplaceInput(node: Apply<'Elemwise'>): number | undefined {
  const p = (node.op.params as { inplacePattern?: Readonly<Record<number, number>> })
    .inplacePattern;
  return p?.[0];
}

/**
 * The loop inputs for arrays `inputs` broadcast to `n` elements, or undefined when some
 * input is neither a one-element scalar nor a contiguous float32 array of all n elements.
 */
export function loopInputs(inputs: readonly NDArray[], n: number): LoopInput[] | undefined {
  const out: LoopInput[] = [];
  for (const a of inputs) {
    if (!(a.data instanceof Float32Array)) return undefined;
    if (a.size === 1) out.push({ data: a.data, offset: a.offset, scalar: true });
    else if (a.size === n && a.isContiguous)
      out.push({ data: a.data, offset: a.offset, scalar: false });
    else return undefined;
  }
  return out;
}

/** Which inputs are scalars, as a cache key of a kernel's loops. */
export const maskKey = (ins: readonly LoopInput[]): number =>
  ins.reduce((k, a, i) => k | (a.scalar ? 1 << i : 0), 0);

/** The SIMD map kernel of one float32 Elemwise node (loops compiled per scalar pattern). */
export class WasmMap {
  private readonly loops = new Map<number, WasmLoop>();
  constructor(private readonly op: ScalarOp) {}

  /**
   * The output (fresh, or input `inplace`'s NDArray when that one is contiguous float32 of the
   * output's shape), or undefined when the inputs' layout does not fit the loop.
   */
  run(
    inputs: readonly NDArray[],
    shape: readonly number[],
    n: number,
    inplace: number | undefined,
  ): NDArray | undefined {
    const ins = loopInputs(inputs, n);
    if (!ins || inputs.length > 30) return undefined;
    const key = maskKey(ins);
    let loop = this.loops.get(key);
    if (!loop) {
      loop = wasmLoop(
        this.op,
        ins.map((a) => a.scalar),
        undefined,
      );
      this.loops.set(key, loop);
    }
    const target = inplace === undefined ? undefined : inputs[inplace];
    if (target && !ins[inplace!].scalar && target.shape.length === shape.length) {
      runMap(loop, ins, target.data as Float32Array, target.offset, n);
      return target;
    }
    const out = allocate('float32', n) as Float32Array;
    runMap(loop, ins, out, 0, n);
    return new NDArray(out, shape, { dtype: 'float32' });
  }
}

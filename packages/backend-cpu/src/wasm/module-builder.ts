/**
 * A small WebAssembly binary module builder: types, a memory (imported or defined, optionally
 * exported), imported and defined functions with locals and structured control flow, exports.
 * Encodes the binary format of the WebAssembly Core Specification 2.0 (§5) including the
 * 128-bit SIMD instructions, for kernels generated at run time.
 */
import { ByteWriter } from './encoding';
import { LANE_OPS, MEMORY_OPS, OP, PLAIN_OPS, VALTYPE, type ValType } from './opcodes';

/** A local variable (parameters first, then declared locals) of a function being built. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** A structured-control label (block, loop or if) returned by the opening instruction. */
export interface Label {
  readonly kind: 'block' | 'loop' | 'if';
  /** Depth in the function's control stack (0 = outermost). */
  readonly depth: number;
}

/** Memory limits in 64 KiB pages. */
export interface MemoryLimits {
  initial: number;
  maximum?: number;
  /** A shared memory (threads proposal); needs `maximum`. */
  shared?: boolean;
}

interface FuncType {
  params: readonly ValType[];
  results: readonly ValType[];
}

/**
 * Builds one function body. Instructions are appended in order; every method returns `this`
 * (except those that open a block or declare a local) so calls chain.
 * Errors (`Error`, naming the function) on unknown instruction names, bad lanes, mismatched
 * `end`, or a branch to a label that is not open.
 */
export class FunctionBuilder {
  private readonly code = new ByteWriter();
  private readonly localTypes: ValType[] = [];
  private readonly control: Label[] = [];
  private finished = false;

  constructor(
    /** Function name (for error messages and the export). */
    readonly name: string,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}

  /** The i-th parameter as a local. */
  param(i: number): Local {
    const type = this.params[i];
    if (type === undefined)
      throw new Error(
        `wasm function '${this.name}': no parameter ${i} (has ${this.params.length})`,
      );
    return { index: i, type };
  }

  /** Declares a new local of the given type (zero-initialised). */
  local(type: ValType): Local {
    this.localTypes.push(type);
    return { index: this.params.length + this.localTypes.length - 1, type };
  }

  /** Any instruction without immediates, by its text name (e.g. 'f32x4.add', 'i32.mul'). */
  op(name: string): this {
    const code = PLAIN_OPS[name];
    if (!code) throw new Error(`wasm function '${this.name}': unknown instruction '${name}'`);
    this.code.bytes(code);
    return this;
  }

  /** Several plain instructions in order. */
  ops(...names: string[]): this {
    for (const n of names) this.op(n);
    return this;
  }

  /** local.get */
  get(l: Local): this {
    this.code.u8(OP.local_get).uleb(l.index);
    return this;
  }

  /** local.set */
  set(l: Local): this {
    this.code.u8(OP.local_set).uleb(l.index);
    return this;
  }

  /** local.tee */
  tee(l: Local): this {
    this.code.u8(OP.local_tee).uleb(l.index);
    return this;
  }

  /** i32.const (the value is wrapped to 32 bits, so 0xffffffff is −1). */
  i32Const(v: number): this {
    this.code.u8(OP.i32_const).sleb(v | 0);
    return this;
  }

  /** i64.const */
  i64Const(v: bigint | number): this {
    this.code.u8(OP.i64_const).sleb(typeof v === 'bigint' ? BigInt.asIntN(64, v) : v);
    return this;
  }

  /** f32.const */
  f32Const(v: number): this {
    this.code.u8(OP.f32_const).f32(v);
    return this;
  }

  /** f64.const */
  f64Const(v: number): this {
    this.code.u8(OP.f64_const).f64(v);
    return this;
  }

  /** v128.const from 16 raw bytes. */
  v128Const(bytes: ArrayLike<number>): this {
    if (bytes.length !== 16)
      throw new Error(
        `wasm function '${this.name}': v128.const needs 16 bytes, got ${bytes.length}`,
      );
    this.code.u8(OP.prefix_simd).uleb(OP.v128_const).bytes(bytes);
    return this;
  }

  /** v128.const of four f32 lanes. */
  f32x4Const(a: number, b: number, c: number, d: number): this {
    return this.v128Const(new Uint8Array(new Float32Array([a, b, c, d]).buffer));
  }

  /** v128.const of two f64 lanes. */
  f64x2Const(a: number, b: number): this {
    return this.v128Const(new Uint8Array(new Float64Array([a, b]).buffer));
  }

  /** v128.const of four i32 lanes. */
  i32x4Const(a: number, b: number, c: number, d: number): this {
    return this.v128Const(new Uint8Array(new Int32Array([a, b, c, d]).buffer));
  }

  /**
   * A load or store with its memarg: `offset` bytes added to the address operand, `alignLog2`
   * the alignment hint (default: natural).
   */
  mem(name: string, offset = 0, alignLog2?: number): this {
    const m = MEMORY_OPS[name];
    if (!m) throw new Error(`wasm function '${this.name}': unknown memory instruction '${name}'`);
    const align = alignLog2 ?? m.align;
    if (align > m.align)
      throw new Error(
        `wasm function '${this.name}': ${name} alignment 2^${align} exceeds natural 2^${m.align}`,
      );
    this.code.bytes(m.code).uleb(align).uleb(offset);
    return this;
  }

  /** A lane instruction (extract_lane / replace_lane) with its lane index. */
  lane(name: string, lane: number): this {
    const m = LANE_OPS[name];
    if (!m) throw new Error(`wasm function '${this.name}': unknown lane instruction '${name}'`);
    if (!Number.isInteger(lane) || lane < 0 || lane >= m.lanes)
      throw new Error(`wasm function '${this.name}': ${name} lane ${lane} not in [0, ${m.lanes})`);
    this.code.bytes(m.code).u8(lane);
    return this;
  }

  /** i8x16.shuffle with 16 lane indices in [0, 32). */
  shuffle(lanes: ArrayLike<number>): this {
    if (lanes.length !== 16 || Array.from(lanes).some((l) => l < 0 || l > 31 || l % 1 !== 0))
      throw new Error(`wasm function '${this.name}': i8x16.shuffle needs 16 lanes in [0, 32)`);
    this.code.u8(OP.prefix_simd).uleb(OP.i8x16_shuffle).bytes(lanes);
    return this;
  }

  /** memory.size (pages). */
  memorySize(): this {
    this.code.u8(OP.memory_size).u8(0);
    return this;
  }

  /** memory.grow: pops a page delta, pushes the old size or −1. */
  memoryGrow(): this {
    this.code.u8(OP.memory_grow).u8(0);
    return this;
  }

  /** memory.copy (dst, src, n) in bytes. */
  memoryCopy(): this {
    this.code.u8(OP.prefix_fc).uleb(OP.memory_copy).u8(0).u8(0);
    return this;
  }

  /** memory.fill (dst, byte value, n). */
  memoryFill(): this {
    this.code.u8(OP.prefix_fc).uleb(OP.memory_fill).u8(0);
    return this;
  }

  private open(kind: Label['kind'], opcode: number, result?: ValType): Label {
    this.code.u8(opcode).u8(result ? VALTYPE[result] : 0x40);
    const label: Label = { kind, depth: this.control.length };
    this.control.push(label);
    return label;
  }

  /** Opens a block (a branch to it exits it). */
  block(result?: ValType): Label {
    return this.open('block', OP.block, result);
  }

  /** Opens a loop (a branch to it jumps back to its start). */
  loop(result?: ValType): Label {
    return this.open('loop', OP.loop, result);
  }

  /** Opens an if (pops an i32 condition). */
  if(result?: ValType): Label {
    return this.open('if', OP.if, result);
  }

  /** else of the innermost open if. */
  else(): this {
    const top = this.control[this.control.length - 1];
    if (top?.kind !== 'if')
      throw new Error(`wasm function '${this.name}': else without an open if`);
    this.code.u8(OP.else);
    return this;
  }

  /** Closes the innermost open block/loop/if; with a label, checks it is that one. */
  end(label?: Label): this {
    const top = this.control.pop();
    if (!top) throw new Error(`wasm function '${this.name}': end without an open block`);
    if (label && label !== top)
      throw new Error(
        `wasm function '${this.name}': end of a ${label.kind} at depth ${label.depth} while a ${top.kind} at depth ${top.depth} is innermost`,
      );
    this.code.u8(OP.end);
    return this;
  }

  private relDepth(label: Label): number {
    if (this.control[label.depth] !== label)
      throw new Error(`wasm function '${this.name}': branch to a ${label.kind} that is not open`);
    return this.control.length - 1 - label.depth;
  }

  /** br to a label. */
  br(label: Label): this {
    this.code.u8(OP.br).uleb(this.relDepth(label));
    return this;
  }

  /** br_if to a label (pops an i32). */
  brIf(label: Label): this {
    this.code.u8(OP.br_if).uleb(this.relDepth(label));
    return this;
  }

  /** call of a function by its index in the module (imports first). */
  call(funcIndex: number): this {
    this.code.u8(OP.call).uleb(funcIndex);
    return this;
  }

  /**
   * A counted loop `for (i = start; i < end; i += step) body()`, with `start`/`end` given as
   * locals or constants (i32). The body runs zero times when start ≥ end.
   */
  forRange(
    i: Local,
    start: Local | number,
    end: Local | number,
    step: number,
    body: (exit: Label) => void,
  ): this {
    const push = (v: Local | number) => (typeof v === 'number' ? this.i32Const(v) : this.get(v));
    push(start).set(i);
    const exit = this.block();
    push(end).get(i).op('i32.le_s').brIf(exit);
    const top = this.loop();
    body(exit);
    this.get(i).i32Const(step).op('i32.add').tee(i);
    push(end).op('i32.lt_s').brIf(top);
    this.end(top).end(exit);
    return this;
  }

  /** The encoded body (locals + code + final end). */
  encode(): Uint8Array {
    if (this.control.length > 0)
      throw new Error(
        `wasm function '${this.name}': ${this.control.length} block(s) left open (innermost: ${this.control[this.control.length - 1]!.kind})`,
      );
    if (this.finished) throw new Error(`wasm function '${this.name}': encoded twice`);
    this.finished = true;
    const w = new ByteWriter();
    const runs: Array<[number, ValType]> = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    w.uleb(runs.length);
    for (const [n, t] of runs) w.uleb(n).u8(VALTYPE[t]);
    w.bytes(this.code.finish()).u8(OP.end);
    return w.finish();
  }
}

interface FuncImport extends FuncType {
  module: string;
  field: string;
}

/**
 * Builds a module. Typical use:
 * ```ts
 * const m = new ModuleBuilder();
 * m.importMemory('env', 'memory', { initial: 1 });
 * m.addFunction('add', ['i32', 'i32'], ['i32'], (f) => f.get(f.param(0)).get(f.param(1)).op('i32.add'));
 * const inst = m.instantiate({ env: { memory } });
 * ```
 */
export class ModuleBuilder {
  private readonly types: FuncType[] = [];
  private readonly funcImports: FuncImport[] = [];
  private readonly funcs: Array<{ typeIndex: number; body: Uint8Array }> = [];
  private readonly exports: Array<{ name: string; kind: number; index: number }> = [];
  private memory?: { limits: MemoryLimits; import?: { module: string; field: string } };

  private typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = (t: FuncType) => `${t.params.join(',')}->${t.results.join(',')}`;
    const k = key({ params, results });
    const found = this.types.findIndex((t) => key(t) === k);
    if (found >= 0) return found;
    this.types.push({ params: [...params], results: [...results] });
    return this.types.length - 1;
  }

  private setMemory(limits: MemoryLimits, imp?: { module: string; field: string }): void {
    if (this.memory) throw new Error('wasm module: a memory is already declared');
    if (limits.shared && limits.maximum === undefined)
      throw new Error('wasm module: a shared memory needs a maximum');
    this.memory = { limits, import: imp };
  }

  /** Imports the module's memory (memory index 0). */
  importMemory(module: string, field: string, limits: MemoryLimits): this {
    this.setMemory(limits, { module, field });
    return this;
  }

  /** Defines the module's own memory (memory index 0). */
  defineMemory(limits: MemoryLimits): this {
    this.setMemory(limits);
    return this;
  }

  /** Exports memory 0 under a name. */
  exportMemory(name: string): this {
    if (!this.memory) throw new Error('wasm module: exportMemory before a memory is declared');
    this.exports.push({ name, kind: 0x02, index: 0 });
    return this;
  }

  /**
   * Imports a function; returns its function index. All imports must be declared before the
   * first defined function (their indices come first).
   */
  importFunction(
    module: string,
    field: string,
    params: readonly ValType[],
    results: readonly ValType[],
  ): number {
    if (this.funcs.length > 0)
      throw new Error(`wasm module: import '${module}.${field}' after a defined function`);
    this.typeIndex(params, results);
    this.funcImports.push({ module, field, params, results });
    return this.funcImports.length - 1;
  }

  /**
   * Defines a function built by `build`; exported under `name` unless `exported` is false.
   * Returns its function index (for `call`).
   */
  addFunction(
    name: string,
    params: readonly ValType[],
    results: readonly ValType[],
    build: (f: FunctionBuilder) => void,
    exported = true,
  ): number {
    const f = new FunctionBuilder(name, params, results);
    build(f);
    const index = this.funcImports.length + this.funcs.length;
    this.funcs.push({ typeIndex: this.typeIndex(params, results), body: f.encode() });
    if (exported) this.exports.push({ name, kind: 0x00, index });
    return index;
  }

  /** The module's binary. */
  toBytes(): Uint8Array<ArrayBuffer> {
    const out = new ByteWriter();
    out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, fill: (w: ByteWriter) => void) => {
      const w = new ByteWriter();
      fill(w);
      out.u8(id).sized(w);
    };
    const limits = (w: ByteWriter, l: MemoryLimits) => {
      const flags = (l.maximum !== undefined ? 1 : 0) | (l.shared ? 2 : 0);
      w.u8(flags).uleb(l.initial);
      if (l.maximum !== undefined) w.uleb(l.maximum);
    };
    if (this.types.length)
      section(1, (w) => {
        w.uleb(this.types.length);
        for (const t of this.types) {
          w.u8(0x60).uleb(t.params.length);
          for (const p of t.params) w.u8(VALTYPE[p]);
          w.uleb(t.results.length);
          for (const r of t.results) w.u8(VALTYPE[r]);
        }
      });
    const memImport = this.memory?.import;
    if (this.funcImports.length || memImport)
      section(2, (w) => {
        w.uleb(this.funcImports.length + (memImport ? 1 : 0));
        for (const fi of this.funcImports)
          w.name(fi.module).name(fi.field).u8(0x00).uleb(this.typeIndex(fi.params, fi.results));
        if (memImport) {
          w.name(memImport.module).name(memImport.field).u8(0x02);
          limits(w, this.memory!.limits);
        }
      });
    if (this.funcs.length)
      section(3, (w) => {
        w.uleb(this.funcs.length);
        for (const f of this.funcs) w.uleb(f.typeIndex);
      });
    if (this.memory && !memImport)
      section(5, (w) => {
        w.uleb(1);
        limits(w, this.memory!.limits);
      });
    if (this.exports.length)
      section(7, (w) => {
        w.uleb(this.exports.length);
        for (const e of this.exports) w.name(e.name).u8(e.kind).uleb(e.index);
      });
    if (this.funcs.length)
      section(10, (w) => {
        w.uleb(this.funcs.length);
        for (const f of this.funcs) w.uleb(f.body.length).bytes(f.body);
      });
    return out.finish();
  }

  /** Compiles the module synchronously. Throws WebAssembly.CompileError if invalid. */
  compile(): WebAssembly.Module {
    return new WebAssembly.Module(this.toBytes());
  }

  /** Compiles and instantiates synchronously. */
  instantiate(imports: WebAssembly.Imports = {}): WebAssembly.Instance {
    return new WebAssembly.Instance(this.compile(), imports);
  }
}

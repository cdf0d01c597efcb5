import { describe, expect, it } from 'vitest';
import { ByteWriter } from './encoding';
import { hasWasmSimd, setWasmSimdDisabled } from './features';
import { ModuleBuilder } from './module-builder';
import { PLAIN_OPS } from './opcodes';

const bytesOf = (fill: (w: ByteWriter) => void) => {
  const w = new ByteWriter();
  fill(w);
  return Array.from(w.finish());
};

describe('LEB128 and float encodings', () => {
  it('matches the encodings given in the LEB128 literature (DWARF spec examples)', () => {
    expect(bytesOf((w) => w.uleb(624485))).toEqual([0xe5, 0x8e, 0x26]);
    expect(bytesOf((w) => w.uleb(0))).toEqual([0]);
    expect(bytesOf((w) => w.uleb(127))).toEqual([0x7f]);
    expect(bytesOf((w) => w.uleb(128))).toEqual([0x80, 0x01]);
    expect(bytesOf((w) => w.sleb(-123456))).toEqual([0xc0, 0xbb, 0x78]);
    expect(bytesOf((w) => w.sleb(-1))).toEqual([0x7f]);
    expect(bytesOf((w) => w.sleb(63))).toEqual([0x3f]);
    expect(bytesOf((w) => w.sleb(64))).toEqual([0xc0, 0x00]);
    expect(bytesOf((w) => w.sleb(-64))).toEqual([0x40]);
    expect(bytesOf((w) => w.sleb(-65))).toEqual([0xbf, 0x7f]);
    expect(bytesOf((w) => w.sleb(-(2n ** 63n)))).toEqual([
      0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f,
    ]);
  });

  it('rejects values LEB128 cannot hold', () => {
    expect(() => new ByteWriter().uleb(-1)).toThrow(/non-negative safe integer, got -1/);
    expect(() => new ByteWriter().uleb(1.5)).toThrow(RangeError);
    expect(() => new ByteWriter().sleb(2 ** 60)).toThrow(/safe integer/);
  });

  it('writes IEEE-754 little-endian floats and UTF-8 names', () => {
    expect(bytesOf((w) => w.f32(1))).toEqual([0, 0, 0x80, 0x3f]);
    expect(bytesOf((w) => w.f64(-2))).toEqual([0, 0, 0, 0, 0, 0, 0, 0xc0]);
    expect(bytesOf((w) => w.name('é'))).toEqual([2, 0xc3, 0xa9]);
  });
});

describe('opcode tables', () => {
  it('spot-check against the spec index of instructions', () => {
    expect(PLAIN_OPS['i32.eqz']).toEqual([0x45]);
    expect(PLAIN_OPS['f32.add']).toEqual([0x92]);
    expect(PLAIN_OPS['f64.promote_f32']).toEqual([0xbb]);
    expect(PLAIN_OPS['i64.extend32_s']).toEqual([0xc4]);
    expect(PLAIN_OPS['f32x4.add']).toEqual([0xfd, 0xe4, 0x01]);
    expect(PLAIN_OPS['f32x4.eq']).toEqual([0xfd, 0x41]);
    expect(PLAIN_OPS['i32x4.eq']).toEqual([0xfd, 0x37]);
  });
});

function memoryModule(build: (m: ModuleBuilder) => void, pages = 1) {
  const memory = new WebAssembly.Memory({ initial: pages });
  const m = new ModuleBuilder();
  m.importMemory('env', 'memory', { initial: pages });
  build(m);
  expect(WebAssembly.validate(m.toBytes())).toBe(true);
  const inst = m.instantiate({ env: { memory } });
  return { memory, exports: inst.exports as Record<string, (...a: number[]) => number> };
}

describe('ModuleBuilder', () => {
  it('builds a valid scalar module that computes', () => {
    const m = new ModuleBuilder();
    m.addFunction('mad', ['i32', 'i32', 'i32'], ['i32'], (f) =>
      f.get(f.param(0)).get(f.param(1)).op('i32.mul').get(f.param(2)).op('i32.add'),
    );
    m.addFunction('neg1', [], ['i32'], (f) => f.i32Const(0xffffffff));
    m.addFunction('big', [], ['i64'], (f) => f.i64Const(2n ** 62n + 5n));
    const bytes = m.toBytes();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const e = m.instantiate().exports as Record<string, () => unknown>;
    expect((e['mad'] as (a: number, b: number, c: number) => number)(6, 7, -2)).toBe(40);
    expect(e['neg1']!()).toBe(-1);
    expect(e['big']!()).toBe(2n ** 62n + 5n);
  });

  it('calls imported and defined functions, branches with labels', () => {
    const seen: number[] = [];
    const m = new ModuleBuilder();
    const log = m.importFunction('env', 'log', ['f64'], []);
    // collatz steps of n, logging every value.
    const steps = m.addFunction('collatz', ['i32'], ['i32'], (f) => {
      const n = f.param(0);
      const count = f.local('i32');
      const done = f.block();
      const top = f.loop();
      f.get(n).op('f64.convert_i32_s').call(log);
      f.get(n).i32Const(1).op('i32.le_s').brIf(done);
      f.get(n).i32Const(1).op('i32.and');
      f.if();
      f.get(n).i32Const(3).op('i32.mul').i32Const(1).op('i32.add').set(n);
      f.else();
      f.get(n).i32Const(1).op('i32.shr_u').set(n);
      f.end();
      f.get(count).i32Const(1).op('i32.add').set(count).br(top);
      f.end(top).end(done);
      f.get(count);
    });
    m.addFunction('twice', ['i32'], ['i32'], (f) =>
      f.get(f.param(0)).call(steps).i32Const(2).op('i32.mul'),
    );
    const e = m.instantiate({ env: { log: (x: number) => seen.push(x) } }).exports as Record<
      string,
      (n: number) => number
    >;
    expect(e['collatz']!(6)).toBe(8);
    expect(seen).toEqual([6, 3, 10, 5, 16, 8, 4, 2, 1]);
    expect(e['twice']!(7)).toBe(32);
  });

  it('forRange runs start..end by step and zero times on an empty range', () => {
    const { exports } = memoryModule((m) =>
      m.addFunction('sum', ['i32', 'i32', 'i32'], ['i32'], (f) => {
        const [a, b] = [f.param(0), f.param(1)];
        const i = f.local('i32');
        const s = f.local('i32');
        f.forRange(i, a, b, 3, () => {
          f.get(s).get(i).op('i32.add').set(s);
        });
        f.get(s);
      }),
    );
    expect(exports['sum']!(1, 11, 0)).toBe(1 + 4 + 7 + 10);
    expect(exports['sum']!(5, 5, 0)).toBe(0);
    expect(exports['sum']!(9, 2, 0)).toBe(0);
  });

  it('a SIMD f32x4 loop over imported memory sums like the same-order JS reference', () => {
    const n = 1003;
    const { memory, exports } = memoryModule((m) =>
      m.addFunction('sum', ['i32', 'i32'], ['f32'], (f) => {
        const [ptr, len] = [f.param(0), f.param(1)];
        const end4 = f.local('i32');
        const i = f.local('i32');
        const acc = f.local('v128');
        const s = f.local('f32');
        f.get(len).i32Const(-4).op('i32.and').set(end4);
        f.forRange(i, 0, end4, 4, () => {
          f.get(acc).get(ptr).get(i).i32Const(2).op('i32.shl').op('i32.add');
          f.mem('v128.load', 0, 2).op('f32x4.add').set(acc);
        });
        for (let l = 0; l < 4; l++) {
          f.get(s).get(acc).lane('f32x4.extract_lane', l).op('f32.add').set(s);
        }
        f.forRange(i, end4, len, 1, () => {
          f.get(s).get(ptr).get(i).i32Const(2).op('i32.shl').op('i32.add');
          f.mem('f32.load').op('f32.add').set(s);
        });
        f.get(s);
      }),
    );
    const x = new Float32Array(memory.buffer, 64, n);
    for (let i = 0; i < n; i++) x[i] = Math.sin(i) * 3;
    const lanes = [0, 0, 0, 0];
    const f = Math.fround;
    for (let i = 0; i + 4 <= n; i += 4)
      for (let l = 0; l < 4; l++) lanes[l] = f(lanes[l]! + x[i + l]!);
    let ref = 0;
    for (let l = 0; l < 4; l++) ref = f(ref + lanes[l]!);
    for (let i = n & ~3; i < n; i++) ref = f(ref + x[i]!);
    expect(exports['sum']!(64, n)).toBe(ref);
  });

  const f32Bin: Array<[string, (a: number, b: number) => number]> = [
    ['f32x4.add', (a, b) => a + b],
    ['f32x4.sub', (a, b) => a - b],
    ['f32x4.mul', (a, b) => a * b],
    ['f32x4.div', (a, b) => a / b],
    ['f32x4.min', Math.min],
    ['f32x4.max', Math.max],
  ];
  const f64Bin: Array<[string, (a: number, b: number) => number]> = [
    ['f64x2.add', (a, b) => a + b],
    ['f64x2.sub', (a, b) => a - b],
    ['f64x2.mul', (a, b) => a * b],
    ['f64x2.div', (a, b) => a / b],
    ['f64x2.min', Math.min],
    ['f64x2.max', Math.max],
  ];
  it.each(f32Bin)('%s on lanes matches IEEE float32 arithmetic', (name, ref) => {
    const { memory, exports } = memoryModule((m) =>
      m.addFunction('op', [], [], (f) =>
        f
          .i32Const(32)
          .i32Const(0)
          .mem('v128.load')
          .i32Const(16)
          .mem('v128.load')
          .op(name)
          .mem('v128.store'),
      ),
    );
    const v = new Float32Array(memory.buffer, 0, 12);
    v.set([1.5, -2.25, 3e30, 7, 0.1, 4, 1e10, -3]);
    exports['op']!();
    for (let l = 0; l < 4; l++) expect(v[8 + l]).toBe(Math.fround(ref(v[l]!, v[4 + l]!)));
  });
  it.each(f64Bin)('%s on lanes matches IEEE float64 arithmetic', (name, ref) => {
    const { memory, exports } = memoryModule((m) =>
      m.addFunction('op', [], [], (f) =>
        f
          .i32Const(32)
          .i32Const(0)
          .mem('v128.load')
          .i32Const(16)
          .mem('v128.load')
          .op(name)
          .mem('v128.store'),
      ),
    );
    const v = new Float64Array(memory.buffer, 0, 6);
    v.set([1.5, -1 / 3, 0.1, 7]);
    exports['op']!();
    for (let l = 0; l < 2; l++) expect(v[4 + l]).toBe(ref(v[l]!, v[2 + l]!));
  });

  it('splats, constants, shuffles, lanes, comparisons and bitselect', () => {
    const { memory, exports } = memoryModule((m) =>
      m.addFunction('k', ['f32'], [], (f) => {
        // out[0..4) = bitselect(splat(x), const, x > const) ; out[4..8) = reverse(const)
        f.i32Const(0);
        f.get(f.param(0)).op('f32x4.splat');
        f.f32x4Const(1, 2, 3, 4);
        f.get(f.param(0)).op('f32x4.splat').f32x4Const(1, 2, 3, 4).op('f32x4.gt');
        f.op('v128.bitselect').mem('v128.store');
        f.i32Const(16).f32x4Const(1, 2, 3, 4).f32x4Const(0, 0, 0, 0);
        f.shuffle([12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]);
        f.f32Const(9).lane('f32x4.replace_lane', 1).mem('v128.store');
        f.i32Const(32).i32Const(16).mem('v128.load32_splat', 4).mem('v128.store');
      }),
    );
    exports['k']!(2.5);
    expect(Array.from(new Float32Array(memory.buffer, 0, 12))).toEqual([
      2.5, 2.5, 3, 4, 4, 9, 2, 1, 9, 9, 9, 9,
    ]);
  });

  it('grows memory, copies and fills, exports a defined memory', () => {
    const m = new ModuleBuilder();
    m.defineMemory({ initial: 1, maximum: 4 }).exportMemory('mem');
    m.addFunction('grow', ['i32'], ['i32'], (f) => f.get(f.param(0)).memoryGrow());
    m.addFunction('size', [], ['i32'], (f) => f.memorySize());
    m.addFunction('cpfill', [], [], (f) => {
      f.i32Const(0).i32Const(7).i32Const(4).memoryFill();
      f.i32Const(8).i32Const(0).i32Const(4).memoryCopy();
    });
    const e = m.instantiate().exports as Record<string, unknown>;
    const call = (k: string, ...a: number[]) => (e[k] as (...x: number[]) => number)(...a);
    expect(call('grow', 2)).toBe(1);
    expect(call('size')).toBe(3);
    expect(call('grow', 5)).toBe(-1);
    call('cpfill');
    const mem = e['mem'] as WebAssembly.Memory;
    expect(Array.from(new Uint8Array(mem.buffer, 0, 12))).toEqual([
      7, 7, 7, 7, 0, 0, 0, 0, 7, 7, 7, 7,
    ]);
  });

  it('imports a shared memory', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
    const m = new ModuleBuilder();
    m.importMemory('env', 'memory', { initial: 1, maximum: 2, shared: true });
    m.addFunction('put', ['i32', 'f64'], [], (f) =>
      f.get(f.param(0)).get(f.param(1)).mem('f64.store'),
    );
    const e = m.instantiate({ env: { memory } }).exports as Record<
      string,
      (...a: number[]) => void
    >;
    e['put']!(8, Math.PI);
    expect(new Float64Array(memory.buffer)[1]).toBe(Math.PI);
  });

  it('reports malformed structure clearly before encoding', () => {
    const m = new ModuleBuilder();
    expect(() => m.addFunction('bad', [], [], (f) => f.op('f32x4.fma'))).toThrow(
      "wasm function 'bad': unknown instruction 'f32x4.fma'",
    );
    expect(() => m.addFunction('open', [], [], (f) => void f.loop())).toThrow(
      "wasm function 'open': 1 block(s) left open (innermost: loop)",
    );
    expect(() => m.addFunction('lane', [], [], (f) => f.lane('f64x2.extract_lane', 2))).toThrow(
      'f64x2.extract_lane lane 2 not in [0, 2)',
    );
    expect(() =>
      m.addFunction('br', [], [], (f) => {
        const b = f.block();
        f.end(b);
        f.br(b);
      }),
    ).toThrow('branch to a block that is not open');
    expect(() => m.addFunction('al', [], [], (f) => f.i32Const(0).mem('f32.load', 0, 3))).toThrow(
      'f32.load alignment 2^3 exceeds natural 2^2',
    );
    expect(() => new ModuleBuilder().exportMemory('m')).toThrow('before a memory is declared');
  });
});

describe('hasWasmSimd', () => {
  it('is true on this Node and false while disabled', () => {
    expect(hasWasmSimd()).toBe(true);
    const prev = setWasmSimdDisabled(true);
    try {
      expect(hasWasmSimd()).toBe(false);
    } finally {
      setWasmSimdDisabled(prev);
    }
    expect(hasWasmSimd()).toBe(true);
  });
});

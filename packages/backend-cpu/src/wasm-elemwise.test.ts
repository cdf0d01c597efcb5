import { afterEach, describe, expect, it } from 'vitest';
import { type DType, Generator, NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { hasWasmSimd, setWasmSimdDisabled } from './wasm';
import {
  CHUNK,
  THREAD_MIN_ELEMENTS,
  loopThreadRuns,
  loopThreadState,
  runMap,
  runReduce,
  setLoopSplitDisabled,
  wasmLoop,
  wasmLoopSupports,
} from './wasm-elemwise';
import type { VecFn } from './wasm-math';
import { backend, expectSameBits, randomArray, runKernel } from './test-helpers.test-helper';

const rng = new Generator(20261130);

/** Distance in float32 units in the last place (ordered bit patterns; +0 and -0 are 0 apart). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const i = new Int32Array(new Float32Array([a, b]).buffer);
  const ord = (v: number) => (v >= 0 ? v : -2147483648 - v);
  return Math.abs(ord(i[0]) - ord(i[1]));
}

/** Float32 values covering the whole range: every 8191st bit pattern, both signs, and specials. */
function sweep(): Float32Array {
  const bits: number[] = [];
  for (let b = 0; b < 0x7f800000; b += 8191) bits.push(b, b | 0x80000000);
  const out = new Float32Array(new Int32Array(bits).buffer);
  const specials = [
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    1,
    -1,
    1.4e-45,
    -1.4e-45,
    1.1754942e-38,
    1.1754944e-38,
    3.4028235e38,
    -3.4028235e38,
    88.72283,
    88.72284,
    -87.33655,
    -103.27893,
    -103.97208,
    -104,
    89,
    0.625,
    -0.625,
    0.6249999,
    1e-8,
    -1e-8,
    5.9604645e-8,
    -0.99999994,
    16.635532,
    9.01,
  ];
  return Float32Array.from([...out, ...specials]);
}

const REFERENCE: Record<VecFn, (x: number) => number> = {
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  tanh: Math.tanh,
  sigmoid: T.SCALAR_OPS.sigmoid.impl,
  softplus: T.SCALAR_OPS.softplus.impl,
};

/**
 * Largest error in float32 ulps against the float64 function rounded to float32, over the
 * sweep (measured: exp 1, log 1, log1p 2, expm1 2, tanh 1, sigmoid 2, softplus 3). Specials
 * (NaN, ±inf, ±0, overflow and underflow thresholds, subnormals) are in the sweep.
 */
const MAX_ULPS: Record<VecFn, number> = {
  exp: 1,
  log: 1,
  log1p: 2,
  expm1: 2,
  tanh: 1,
  sigmoid: 2,
  softplus: 3,
};

const simd = hasWasmSimd();
afterEach(() => {
  setWasmSimdDisabled(false);
});

describe.skipIf(!simd)('vectorised float32 functions (WebAssembly SIMD)', () => {
  const xs = sweep();
  for (const name of Object.keys(REFERENCE) as VecFn[])
    it(`${name} is within ${MAX_ULPS[name]} ulp of the float64 function over the float32 range`, () => {
      const loop = wasmLoop({ name }, [false], undefined);
      const out = new Float32Array(xs.length);
      runMap(loop, [{ data: xs, offset: 0, scalar: false }], out, 0, xs.length);
      let worst = 0;
      let at = 0;
      for (let i = 0; i < xs.length; i++) {
        const d = ulps(out[i], Math.fround(REFERENCE[name](xs[i])));
        if (d > worst) [worst, at] = [d, i];
      }
      expect(
        worst,
        `${name}(${xs[at]}) = ${out[at]}, reference ${Math.fround(REFERENCE[name](xs[at]))}`,
      ).toBeLessThanOrEqual(MAX_ULPS[name]);
      // special values exactly (±0 keep their sign)
      for (const x of [NaN, Infinity, -Infinity, 0, -0]) {
        const o = new Float32Array(4);
        runMap(loop, [{ data: Float32Array.of(x), offset: 0, scalar: false }], o, 0, 1);
        expect(Object.is(o[0], Math.fround(REFERENCE[name](x))), `${name}(${x}) = ${o[0]}`).toBe(
          true,
        );
      }
    });
});

/** An Elemwise node of `scalarOp` on float32 inputs of the given static shapes. */
function elemwiseNode(scalarOp: T.ScalarOp, shapes: readonly (readonly (number | null)[])[]) {
  const inputs = shapes.map((s, i) => T.tensor(`in${i}`, { dtype: 'float32', shape: s }));
  return T.applyOp('Elemwise', { scalarOp }, inputs);
}

/** sigmoid(x*w+b)*2-1 as one Composite (what fusion makes of it): inputs x, w, b. */
const SIGMOID_CHAIN: T.CompositeScalarOp = {
  name: 'composite',
  nin: 3,
  nodes: [
    { op: { name: 'mul' }, args: [0, 1], dtype: 'float32' },
    { op: { name: 'add' }, args: [3, 2], dtype: 'float32' },
    { op: { name: 'sigmoid' }, args: [4], dtype: 'float32' },
    { op: { name: 'constant', value: 2, dtype: 'int8' }, args: [], dtype: 'int8' },
    { op: { name: 'mul' }, args: [5, 6], dtype: 'float32' },
    { op: { name: 'constant', value: 1, dtype: 'int8' }, args: [], dtype: 'int8' },
    { op: { name: 'sub' }, args: [7, 8], dtype: 'float32' },
  ],
  outputs: [9],
};

/** Every element within `maxUlps` of the reference, or within `atol` (NaN where NaN). */
function expectUlps(got: NDArray, want: NDArray, maxUlps: number, what = '', atol = 0): void {
  expect(got.dtype, what).toBe(want.dtype);
  expect(got.shape, what).toEqual(want.shape);
  const g = got.toFlat();
  const w = want.toFlat();
  for (let i = 0; i < g.length; i++)
    if (ulps(g[i], w[i]) > maxUlps && !(Math.abs(g[i] - w[i]) <= atol))
      expect(`element ${i}: ${g[i]} vs reference ${w[i]}`, what).toBe('within tolerance');
}

const SHAPES = [[1], [7], [16], [17], [CHUNK - 1], [CHUNK + 3], [3, 1031], [2, 5, 409]];

describe.skipIf(!simd)('float32 Elemwise kernels on the SIMD path equal the reference', () => {
  it('arithmetic, max / min, relu, abs, sqrt: bit for bit (each op rounds once)', () => {
    const c: T.CompositeScalarOp = {
      name: 'composite',
      nin: 2,
      nodes: [
        { op: { name: 'trueDiv' }, args: [0, 1], dtype: 'float32' },
        { op: { name: 'maximum' }, args: [2, 1], dtype: 'float32' },
        { op: { name: 'minimum' }, args: [3, 0], dtype: 'float32' },
        { op: { name: 'relu' }, args: [4], dtype: 'float32' },
        { op: { name: 'sqrt' }, args: [5], dtype: 'float32' },
        { op: { name: 'sub' }, args: [6, 0], dtype: 'float32' },
        { op: { name: 'abs' }, args: [1], dtype: 'float32' },
        { op: { name: 'reciprocal' }, args: [8], dtype: 'float32' },
        { op: { name: 'sqr' }, args: [9], dtype: 'float32' },
        { op: { name: 'neg' }, args: [10], dtype: 'float32' },
        { op: { name: 'add' }, args: [7, 11], dtype: 'float32' },
      ],
      outputs: [12],
    };
    for (const shape of SHAPES) {
      const node = elemwiseNode(c, [shape.map(() => null), shape.map(() => null)]);
      const ins = [randomArray(rng, 'float32', shape), randomArray(rng, 'float32', shape)];
      expectSameBits(runKernel(node, ins)[0], T.performNode(node, ins)[0], `shape ${shape}`);
    }
  });

  it('comparisons held as 0 / 1 inside a float32 loop (relu gradient i1 * (i0 > 0)): bit for bit, NaN compares false', () => {
    for (const cmp of ['gt', 'ge', 'lt', 'le', 'eq', 'neq'] as const) {
      const c: T.CompositeScalarOp = {
        name: 'composite',
        nin: 2,
        nodes: [
          { op: { name: cmp }, args: [0, 1], dtype: 'bool' },
          { op: { name: 'mul' }, args: [1, 2], dtype: 'float32' },
          { op: { name: 'sub' }, args: [3, 2], dtype: 'float32' },
        ],
        outputs: [4],
      };
      expect(wasmLoopSupports(c, ['float32', 'float32'], ['float32'])).toBe(true);
      for (const shape of SHAPES) {
        const node = elemwiseNode(c, [shape.map(() => null), shape.map(() => null)]);
        const x = randomArray(rng, 'float32', shape);
        // equal pairs too, so that eq / ge / le see both answers
        const y = x.copy();
        y.data.forEach(
          (_, i) => (y.data[i] = i % 3 === 0 ? x.data[i] : Math.fround(rng.normal(0, 3).item())),
        );
        const ins = [x, y];
        expectSameBits(
          runKernel(node, ins)[0],
          T.performNode(node, ins)[0],
          `${cmp} shape ${shape}`,
        );
      }
    }
    // a bool output, or a bool read by an op that is not float32, stays off the loop
    const gt: T.ScalarOp = { name: 'gt' };
    expect(wasmLoopSupports(gt, ['float32', 'float32'], ['bool'])).toBe(false);
  });

  // sigmoid within 2 ulp of values < 1 (2^-23 each), doubled by *2, then -1 rounds once more
  const CHAIN_ATOL = 5 * 2 ** -23;

  it('the sigmoid chain with scalar w and b broadcast, within 2 ulp or 5·2^-23', () => {
    for (const shape of SHAPES) {
      const nd = shape.length;
      const node = elemwiseNode(SIGMOID_CHAIN, [
        shape.map(() => null),
        shape.map(() => 1),
        shape.map(() => 1),
      ]);
      const one = shape.map(() => 1);
      const ins = [
        randomArray(rng, 'float32', shape),
        new NDArray(Float32Array.of(0.75), one),
        new NDArray(Float32Array.of(-0.25), one),
      ];
      expectUlps(runKernel(node, ins)[0], T.performNode(node, ins)[0], 2, `ndim ${nd}`, CHAIN_ATOL);
    }
  });

  it('every vector function on random shapes and specials, within its ulp bound', () => {
    for (const name of Object.keys(REFERENCE) as VecFn[])
      for (const shape of SHAPES) {
        const node = elemwiseNode({ name }, [shape.map(() => null)]);
        const ins = [randomArray(rng, 'float32', shape)];
        expectUlps(runKernel(node, ins)[0], T.performNode(node, ins)[0], MAX_ULPS[name], name);
      }
  });

  it('non-contiguous views, offsets and row broadcasting take the JS loop (bit for bit)', () => {
    const x = randomArray(rng, 'float32', [37, 41]);
    const node = elemwiseNode({ name: 'exp' }, [[null, null]]);
    const views = [
      x.transpose(), // strided
      new NDArray(x.data, [36, 41], { dtype: 'float32', offset: 41 }), // offset, contiguous: SIMD
    ];
    expectSameBits(runKernel(node, [views[0]])[0], T.performNode(node, [views[0]])[0]);
    expectUlps(runKernel(node, [views[1]])[0], T.performNode(node, [views[1]])[0], 1);
    const add = elemwiseNode({ name: 'add' }, [
      [null, null],
      [1, null],
    ]);
    const row = randomArray(rng, 'float32', [1, 41]);
    expectSameBits(runKernel(add, [x, row])[0], T.performNode(add, [x, row])[0]);
  });

  it('honours inplacePattern: output 0 overwrites input 1 and is that NDArray', () => {
    const node = elemwiseNode({ name: 'mul' }, [[null], [null]]);
    const inplace = T.applyOp(
      'Elemwise',
      { scalarOp: { name: 'mul' }, inplacePattern: { 0: 1 } } as never,
      node.inputs,
    );
    const a = randomArray(rng, 'float32', [1000]);
    const b = randomArray(rng, 'float32', [1000]);
    const want = T.performNode(node, [a, b])[0];
    const [got] = runKernel(inplace, [a, b]);
    expect(got).toBe(b);
    expectSameBits(got, want);
  });

  it('with SIMD disabled, the JS codegen runs: bit for bit with the reference', () => {
    setWasmSimdDisabled(true);
    const node = elemwiseNode(SIGMOID_CHAIN, [[null], [1], [1]]);
    expect(wasmLoopSupports(SIGMOID_CHAIN, ['float32', 'float32', 'float32'], ['float32'])).toBe(
      false,
    );
    const ins = [
      randomArray(rng, 'float32', [5003]),
      new NDArray(Float32Array.of(0.75), [1]),
      new NDArray(Float32Array.of(-0.25), [1]),
    ];
    expectSameBits(runKernel(node, ins)[0], T.performNode(node, ins)[0]);
  });

  it('float64 and int graphs stay on the JS codegen', () => {
    expect(wasmLoopSupports({ name: 'exp' }, ['float64'], ['float64'])).toBe(false);
    expect(wasmLoopSupports({ name: 'add' }, ['int32', 'int32'], ['int32'])).toBe(false);
    expect(wasmLoopSupports({ name: 'pow' }, ['float32', 'float32'], ['float32'])).toBe(false);
  });
});

/** A fused CAReduce node: `scalarOp` reduction over `axes` of `elemwise` on float32 inputs. */
function fusedReduce(
  scalarOp: 'add' | 'mul' | 'maximum' | 'minimum',
  axes: number[],
  elemwise: T.ScalarOp,
  shapes: readonly (readonly (number | null)[])[],
  dtype: DType = 'float32',
) {
  const inputs = shapes.map((s, i) => T.tensor(`in${i}`, { dtype, shape: s }));
  return T.applyOp('CAReduce', { scalarOp, axes, elemwise }, inputs);
}

describe('fused reductions (CAReduce with elemwise) equal the reference', () => {
  /**
   * Error bound of a fused sum of float32 values e_i: each e_i within u ulp of the reference
   * value, the sum accumulated in float64 (error ≤ n·2^-53·Σ|e_i|, negligible), so
   * |got − want| ≤ u·2^-23·Σ|e_i| before the final rounding to float32, plus 1 ulp of it.
   */
  function expectSumClose(got: NDArray, want: NDArray, absSum: NDArray, u: number): void {
    const g = got.toFlat();
    const w = want.toFlat();
    const s = absSum.toFlat();
    for (let i = 0; i < g.length; i++) {
      if (Number.isNaN(w[i])) {
        expect(Number.isNaN(g[i])).toBe(true);
        continue;
      }
      const bound = u * 2 ** -23 * s[i] + 2 ** -23 * Math.abs(w[i]);
      expect(Math.abs(g[i] - w[i]), `element ${i}: ${g[i]} vs ${w[i]}`).toBeLessThanOrEqual(bound);
    }
  }

  const cases: [string, number[], number[]][] = [
    ['a vector of 1', [1], [0]],
    ['a vector of 1 000 003 (prime, many chunks)', [1000003], [0]],
    ['all of a 13 × 4099 matrix', [13, 4099], [0, 1]],
    ['rows (trailing axis) of 13 × 4099', [13, 4099], [1]],
    ['trailing axes of 3 × 5 × 7', [3, 5, 7], [1, 2]],
    ['a leading axis (JS path)', [31, 17], [0]],
  ];
  for (const [name, shape, axes] of cases)
    it(`sum(exp(x)) over ${name}`, () => {
      const node = fusedReduce('add', axes, { name: 'exp' }, [shape.map(() => null)]);
      const x = randomArray(rng, 'float32', shape, false);
      const [got] = runKernel(node, [x]);
      const [want] = T.performNode(node, [x]);
      expect(got.shape).toEqual(want.shape);
      expectSumClose(got, want, want, MAX_ULPS.exp);
    });

  it('sum of the sigmoid chain with broadcast scalars; prod, max, min', () => {
    const shape = [5, 1009];
    const x = randomArray(rng, 'float32', shape, false);
    const w = new NDArray(Float32Array.of(0.5), [1, 1]);
    const b = new NDArray(Float32Array.of(0.25), [1, 1]);
    const shapes = [
      [null, null],
      [1, 1],
      [1, 1],
    ];
    for (const red of ['add', 'maximum', 'minimum'] as const) {
      const node = fusedReduce(red, [0, 1], SIGMOID_CHAIN, shapes);
      const [got] = runKernel(node, [x, w, b]);
      const [want] = T.performNode(node, [x, w, b]);
      if (red === 'add') {
        const absNode = fusedReduce('add', [0, 1], { name: 'abs' }, [[null, null]]);
        const elem = T.performNode(elemwiseNode(SIGMOID_CHAIN, shapes), [x, w, b])[0];
        expectSumClose(got, want, T.performNode(absNode, [elem])[0], 2);
      } else expectUlps(got, want, 2, red, 5 * 2 ** -23);
    }
    const small = randomArray(rng, 'float32', [3, 301], false);
    const prod = fusedReduce('mul', [1], { name: 'sigmoid' }, [[null, null]]);
    const [pg] = runKernel(prod, [small]);
    const [pw] = T.performNode(prod, [small]);
    // each factor within 2 ulp: the product within 2·301 ulp (relative), before rounding
    pg.toFlat().forEach((v, i) =>
      expect(Math.abs(v - pw.toFlat()[i])).toBeLessThanOrEqual(
        (2 * 301 + 1) * 2 ** -23 * Math.abs(pw.toFlat()[i]),
      ),
    );
  });

  it('NaN and inf propagate; empty max raises as the reference; non-contiguous views', () => {
    const x = new NDArray(
      Float32Array.from({ length: 100 }, (_, i) => i / 10),
      [100],
    );
    x.data[37] = NaN;
    for (const red of ['add', 'maximum', 'minimum', 'mul'] as const) {
      const node = fusedReduce(red, [0], { name: 'exp' }, [[null]]);
      expect(Number.isNaN(runKernel(node, [x])[0].item()), red).toBe(true);
    }
    const big = new NDArray(
      Float32Array.from({ length: 64 }, () => 100),
      [64],
    );
    expect(runKernel(fusedReduce('add', [0], { name: 'exp' }, [[null]]), [big])[0].item()).toBe(
      Infinity,
    );
    const empty = new NDArray(new Float32Array(0), [0]);
    const mx = fusedReduce('maximum', [0], { name: 'exp' }, [[null]]);
    expect(() => runKernel(mx, [empty])).toThrow(/zero-size array to reduction operation maximum/);
    const m = randomArray(rng, 'float32', [29, 31], false);
    const node = fusedReduce('add', [1], { name: 'tanh' }, [[null, null]]);
    expectSameBits(runKernel(node, [m.transpose()])[0], T.performNode(node, [m.transpose()])[0]);
  });

  it('float64 fused reductions and the forced JS fallback equal the reference bit for bit', () => {
    const x64 = randomArray(rng, 'float64', [7, 300]);
    const n64 = fusedReduce('add', [1], { name: 'exp' }, [[null, null]], 'float64');
    expectSameBits(runKernel(n64, [x64])[0], T.performNode(n64, [x64])[0]);
    setWasmSimdDisabled(true);
    const x = randomArray(rng, 'float32', [4099], false);
    const node = fusedReduce('add', [0], { name: 'exp' }, [[null]]);
    const k = backend.makeThunk(node);
    expectSameBits((k([x]) as NDArray[])[0], T.performNode(node, [x])[0]);
  });

  it('the reduce loop alone: the tail of n % 4 lanes takes the identity', () => {
    if (!simd) return;
    for (const red of ['add', 'mul', 'maximum', 'minimum'] as const) {
      const loop = wasmLoop({ name: 'identity' }, [false], red);
      for (const n of [1, 2, 3, 5, 6, 7]) {
        const data = Float32Array.from({ length: n }, (_, i) => i + 2);
        const want = { add: 0, mul: 1, maximum: -Infinity, minimum: Infinity }[red];
        const ref = Array.from(data).reduce(
          (a, v) =>
            red === 'add'
              ? a + v
              : red === 'mul'
                ? a * v
                : red === 'maximum'
                  ? Math.max(a, v)
                  : Math.min(a, v),
          want,
        );
        expect(runReduce(loop, [{ data, offset: 0, scalar: false }], 0, n), `${red} ${n}`).toBe(
          ref,
        );
      }
    }
  });
});

describe.skipIf(!simd)('large map loops on two threads (elemwise-thread.ts)', () => {
  it('give the same bits as one thread: sizes around the threshold, scalars, offsets, in place', async () => {
    // the worker starts on the first large loop and is used once it is up
    for (let k = 0; k < 200 && loopThreadState() === 'starting'; k++)
      await new Promise((r) => setTimeout(r, 10));
    const state = loopThreadState();
    if (state === 'off') return; // one core or no worker_threads here: nothing to compare
    expect(state).toBe('ready');
    const loop = wasmLoop(SIGMOID_CHAIN, [false, true, true], undefined);
    // exp(x) · tanh(y): two array inputs, heavy enough to split
    const EXP_TANH: T.CompositeScalarOp = {
      name: 'composite',
      nin: 2,
      nodes: [
        { op: { name: 'exp' }, args: [0], dtype: 'float32' },
        { op: { name: 'tanh' }, args: [1], dtype: 'float32' },
        { op: { name: 'mul' }, args: [2, 3], dtype: 'float32' },
      ],
      outputs: [4],
    };
    const mul = wasmLoop(EXP_TANH, [false, false], undefined);
    const splits = loopThreadRuns.split;
    for (const n of [
      THREAD_MIN_ELEMENTS,
      THREAD_MIN_ELEMENTS + 1,
      THREAD_MIN_ELEMENTS + CHUNK - 1,
      3 * THREAD_MIN_ELEMENTS + 4099,
    ]) {
      const x = randomArray(rng, 'float32', [n + 7]).data as Float32Array;
      const y = randomArray(rng, 'float32', [n + 3]).data as Float32Array;
      const w = Float32Array.of(0.75);
      const b = Float32Array.of(-0.25);
      const run = (split: boolean, f: () => Float32Array) => {
        const prev = setLoopSplitDisabled(!split);
        try {
          return f();
        } finally {
          setLoopSplitDisabled(prev);
        }
      };
      const chain = (split: boolean) =>
        run(split, () => {
          const out = new Float32Array(n + 5).fill(NaN);
          runMap(
            loop,
            [
              { data: x, offset: 7, scalar: false },
              { data: w, offset: 0, scalar: true },
              { data: b, offset: 0, scalar: true },
            ],
            out,
            5,
            n,
          );
          return out;
        });
      const one = chain(false);
      const two = chain(true);
      expect(new Int32Array(two.buffer)).toEqual(new Int32Array(one.buffer));
      expect(Number.isNaN(two[4]) && !Number.isNaN(two[5 + n - 1])).toBe(true);
      // two array inputs, the output written over the second one (in place)
      const prod = (split: boolean) =>
        run(split, () => {
          const target = y.slice();
          runMap(
            mul,
            [
              { data: x, offset: 0, scalar: false },
              { data: target, offset: 3, scalar: false },
            ],
            target,
            3,
            n,
          );
          return target;
        });
      expect(new Int32Array(prod(true).buffer)).toEqual(new Int32Array(prod(false).buffer));
    }
    // both loops ran split in every size (two runs each with the split allowed)
    expect(loopThreadRuns.split - splits).toBe(8);
  });

  it('cheap loops stay on one thread (the staging copies would cost more than the split saves)', () => {
    const add = wasmLoop({ name: 'add' }, [false, false], undefined);
    const n = 4 * THREAD_MIN_ELEMENTS;
    const x = randomArray(rng, 'float32', [n]).data as Float32Array;
    const splits = loopThreadRuns.split;
    const out = new Float32Array(n);
    const ins = [
      { data: x, offset: 0, scalar: false },
      { data: x, offset: 0, scalar: false },
    ];
    runMap(add, ins, out, 0, n);
    expect(loopThreadRuns.split).toBe(splits);
    expect(out[7]).toBe(Math.fround(x[7] + x[7]));
  });
});

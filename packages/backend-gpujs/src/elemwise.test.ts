import { afterAll, describe, expect, it } from 'vitest';
import { NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import type { CompositeScalarOp } from '@theano-ts/symbolic';
import {
  GPU_AVAILABLE,
  REQUIRE_GPU,
  checkAgainstReference,
  expectClose,
  gpuFunction,
  makeBackend,
  rand,
} from './test-utils';
import { isGpuKernelClass } from './backend';

const backend = makeBackend();
afterAll(async () => {
  // every kernel these tests ran used the kernel class the backend reports (no silent CPU fallback)
  if (GPU_AVAILABLE || REQUIRE_GPU)
    expect(backend.kernelClassesUsed.filter((c) => !isGpuKernelClass(c))).toEqual([]);
  await backend.destroy();
});

const unary: [string, (x: T.Variable) => T.Variable, number, number][] = [
  ['neg', T.neg, -3, 3],
  ['sqr', T.sqr, -3, 3],
  ['sqrt', T.sqrt, 0, 9],
  ['exp', T.exp, -10, 10],
  ['log', T.log, 1e-3, 100],
  ['log1p', T.log1p, -0.9, 3],
  ['expm1', T.expm1, -3, 3],
  ['tanh', T.tanh, -5, 5],
  ['sigmoid', T.sigmoid, -20, 20],
  ['softplus', T.softplus, -30, 30],
  ['relu', T.relu, -2, 2],
  ['abs', T.abs, -2, 2],
  ['sgn', T.sgn, -2, 2],
  ['reciprocal', T.reciprocal, 0.1, 4],
];

describe(`elementwise ops on the gpu.js ${backend.kernelClass} kernel match the reference evaluator`, () => {
  for (const [name, f, lo, hi] of unary)
    it(`${name}`, () => {
      const x = T.fmatrix('x');
      const out = f(x);
      expect(backend.placement(out.owner!)).toBe('gpu');
      checkAgainstReference(backend, [x], [out], [rand([7, 13], lo, hi)]);
    });

  const binary: [string, (a: T.Variable, b: T.Variable) => T.Variable, number, number][] = [
    ['add', T.add, -5, 5],
    ['sub', T.sub, -5, 5],
    ['mul', T.mul, -5, 5],
    ['div', T.trueDiv, 0.5, 5],
    ['maximum', T.maximum, -1, 1],
    ['minimum', T.minimum, -1, 1],
    ['pow (positive base)', T.pow, 0.1, 3],
  ];
  for (const [name, f, lo, hi] of binary)
    it(`${name}`, () => {
      const [a, b] = [T.fmatrix('a'), T.fmatrix('b')];
      checkAgainstReference(
        backend,
        [a, b],
        [f(a, b)],
        [rand([5, 9], lo, hi, 'float32', 1), rand([5, 9], lo, hi, 'float32', 2)],
      );
    });

  it('pow with negative bases and integer exponents, and int ** int exactly', () => {
    const [a, b] = [T.fvector('a'), T.fvector('b')];
    checkAgainstReference(
      backend,
      [a, b],
      [T.pow(a, b)],
      [
        array([-2, -2, -3, 0, 0, 5, -1.5, 2], { dtype: 'float32' }),
        array([2, 3, 3, 0, 2, 0, 2, -1], { dtype: 'float32' }),
      ],
    );
    const [i, j] = [T.ivector('i'), T.ivector('j')];
    const got = checkAgainstReference(
      backend,
      [i, j],
      [T.pow(i, j)],
      [array([3, -3, 7, 2, 10], { dtype: 'int32' }), array([3, 3, 2, 20, 6], { dtype: 'int32' })],
    );
    expect(Array.from(got[0].data)).toEqual([27, -27, 49, 1048576, 1000000]);
  });

  it('log1p, expm1 and tanh keep their precision near 0 and saturate far from it', () => {
    const x = T.fvector('x');
    const v = array([1e-7, -1e-7, 1e-5, 3e-3, -0.2, 0.6, 50, -50, 100], { dtype: 'float32' });
    checkAgainstReference(
      backend,
      [x],
      [T.log1p(x), T.expm1(x), T.tanh(x), T.sigmoid(x), T.softplus(x)],
      [v],
      { atol: 1e-12 },
    );
  });

  it('comparisons, switch and casts to int and bool dtypes', () => {
    const [a, b] = [T.fvector('a'), T.fvector('b')];
    const va = array([-1, 0, 1, 2.5, 300.7, -129.2], { dtype: 'float32' });
    const vb = array([0, 0, 2, 2.5, 1, -1], { dtype: 'float32' });
    const outs = [
      T.gt(a, b),
      T.ge(a, b),
      T.lt(a, b),
      T.le(a, b),
      T.eq(a, b),
      T.neq(a, b),
      T.switch_(T.gt(a, b), a, b),
    ];
    const casts = (['int32', 'int16', 'int8', 'uint8', 'bool'] as const).map((d) => T.cast(a, d));
    const got = checkAgainstReference(backend, [a, b], [...outs, ...casts], [va, vb]);
    expect(got.map((g) => g.dtype)).toEqual([
      'bool',
      'bool',
      'bool',
      'bool',
      'bool',
      'bool',
      'float32',
      'int32',
      'int16',
      'int8',
      'uint8',
      'bool',
    ]);
  });

  it('integer arithmetic is exact (below 2^24)', () => {
    const [i, j] = [T.ivector('i'), T.ivector('j')];
    const vi = array([1, -7, 4000000, 123456, 16777215], { dtype: 'int32' });
    const vj = array([2, 3, 4, -2, 0], { dtype: 'int32' });
    checkAgainstReference(
      backend,
      [i, j],
      [
        T.add(i, j),
        T.mul(i, j),
        T.sub(i, j),
        T.trueDiv(T.cast(i, 'float32'), T.cast(j, 'float32')),
      ],
      [vi, vj],
      { rtol: 0, atol: 0 },
    );
  });

  it('a fused Composite runs as one kernel: sigmoid(a * b + 1) - exp(a) / 2 rounded through int8', () => {
    const [a, b] = [T.fmatrix('a'), T.fmatrix('b')];
    // values: 0 = a, 1 = b, 2.. = nodes
    const scalarOp: CompositeScalarOp = {
      name: 'composite',
      nin: 2,
      nodes: [
        { op: { name: 'mul' }, args: [0, 1], dtype: 'float32' }, // 2
        { op: { name: 'constant', value: 1, dtype: 'float32' }, args: [], dtype: 'float32' }, // 3
        { op: { name: 'add' }, args: [2, 3], dtype: 'float32' }, // 4
        { op: { name: 'sigmoid' }, args: [4], dtype: 'float32' }, // 5
        { op: { name: 'exp' }, args: [0], dtype: 'float32' }, // 6
        { op: { name: 'constant', value: -0.5, dtype: 'float32' }, args: [], dtype: 'float32' }, // 7
        { op: { name: 'mul' }, args: [6, 7], dtype: 'float32' }, // 8
        { op: { name: 'add' }, args: [5, 8], dtype: 'float32' }, // 9
      ],
      outputs: [9],
    };
    const node = T.applyOp('Elemwise', { scalarOp }, [a, b]);
    expect(backend.placement(node)).toBe('gpu');
    expect(backend.describeNode(node)).toBe(`gpu.js ${backend.kernelClass}`);
    checkAgainstReference(backend, [a, b], node.outputs, [
      rand([6, 11], -2, 2, 'float32', 3),
      rand([6, 11], -2, 2, 'float32', 4),
    ]);

    // two outputs (one kernel each), with an int8 intermediate that wraps around
    const two: CompositeScalarOp = {
      name: 'composite',
      nin: 2,
      nodes: [
        { op: { name: 'mul' }, args: [0, 1], dtype: 'float32' }, // 2
        { op: { name: 'cast', dtype: 'int8' }, args: [2], dtype: 'int8' }, // 3
        { op: { name: 'maximum' }, args: [2, 0], dtype: 'float32' }, // 4
      ],
      outputs: [3, 4],
    };
    const node2 = T.applyOp('Elemwise', { scalarOp: two }, [a, b]);
    checkAgainstReference(backend, [a, b], node2.outputs, [
      rand([3, 4], -40, 40, 'float32', 5),
      rand([3, 4], -10, 10, 'float32', 6),
    ]);
  });

  it(`a Composite with as many inputs as a kernel can read runs on the GPU; one more falls back to the CPU (limit here: ${backend.maxKernelInputs})`, () => {
    const chain = (nin: number) => {
      const xs = Array.from({ length: nin }, (_, i) => T.fvector(`x${i}`));
      const nodes: CompositeScalarOp['nodes'][number][] = [];
      for (let i = 1; i < nin; i++)
        nodes.push({
          op: { name: i % 2 ? 'add' : 'mul' },
          args: [i === 1 ? 0 : nin + i - 2, i],
          dtype: 'float32',
        });
      const node = T.applyOp(
        'Elemwise',
        { scalarOp: { name: 'composite', nin, nodes, outputs: [nin + nodes.length - 1] } },
        xs,
      );
      return { xs, node, values: xs.map((_, i) => rand([6], -1, 1, 'float32', i + 1)) };
    };
    const limit = Number.isFinite(backend.maxKernelInputs) ? backend.maxKernelInputs : 24;
    const fits = chain(limit);
    expect(backend.placement(fits.node)).toBe('gpu');
    checkAgainstReference(backend, fits.xs, fits.node.outputs, fits.values, {
      rtol: 1e-4,
      atol: 1e-5,
    });
    if (Number.isFinite(backend.maxKernelInputs)) {
      const over = chain(limit + 1);
      expect(backend.describeNode(over.node)).toBe('cpu fallback');
      checkAgainstReference(backend, over.xs, over.node.outputs, over.values, {
        rtol: 1e-4,
        atol: 1e-5,
      });
      expect(backend.fallbacks.find((f) => f.label === T.opLabel(over.node.op))?.reason).toMatch(
        /texture units/,
      );
    }
  });
});

describe(`broadcasting on the gpu.js ${backend.kernelClass} kernel`, () => {
  it('matrix + row, matrix * col, matrix - scalar', () => {
    const m = T.fmatrix('m');
    const r = T.frow('r');
    const c = T.fcol('c');
    const s = T.fscalar('s');
    const out = [T.add(m, r), T.mul(m, c), T.sub(m, T.dimshuffle(s, ['x', 'x'])), T.add(r, c)];
    checkAgainstReference(backend, [m, r, c, s], out, [
      rand([5, 7], -1, 1, 'float32', 1),
      rand([1, 7], -1, 1, 'float32', 2),
      rand([5, 1], -1, 1, 'float32', 3),
      array(2.5, { dtype: 'float32' }),
    ]);
  });

  it('matrix + vector through DimShuffle (the bias add of a dense layer)', () => {
    const [m, v] = [T.fmatrix('m'), T.fvector('v')];
    checkAgainstReference(
      backend,
      [m, v],
      [T.add(m, v), T.add(m, T.dimshuffle(v, [0, 'x']))],
      [rand([4, 4]), rand([4], -1, 1, 'float32', 9)],
    );
  });

  it('rank-4 broadcasting over non-adjacent dimensions', () => {
    const a = T.tensor('a', { ndim: 4, shape: [null, 1, null, 1] });
    const b = T.tensor('b', { ndim: 4, shape: [1, null, 1, null] });
    checkAgainstReference(
      backend,
      [a, b],
      [T.mul(T.add(a, b), a)],
      [rand([3, 1, 5, 1], -2, 2, 'float32', 7), rand([1, 4, 1, 6], -2, 2, 'float32', 8)],
    );
  });

  it('transposed operands (a DimShuffle that permutes runs as a gather kernel)', () => {
    const [a, b] = [T.ftensor3('a'), T.fmatrix('b')];
    const at = T.dimshuffle(a, [2, 0, 1]);
    const out = T.add(at, T.dimshuffle(b.T, ['x', 0, 1]));
    checkAgainstReference(
      backend,
      [a, b],
      [out, at],
      [rand([3, 4, 5], -1, 1, 'float32', 1), rand([4, 3], -1, 1, 'float32', 2)],
    );
  });

  it('shape errors name the input, like the CPU backend', () => {
    const [m, r] = [T.fmatrix('m'), T.fmatrix('r')];
    const f = gpuFunction(backend, [m, r], T.add(m, r));
    expect(() => f(rand([3, 4]), rand([1, 4]))).toThrow(
      /input 1 'r' has shape \(1, 4\).*not declared broadcastable/,
    );
    expect(() => f(rand([3, 4]), rand([3, 5]))).toThrow(RangeError);
  });

  it('empty arrays and one compiled kernel per input-shape signature', () => {
    const [m, r] = [T.fmatrix('m'), T.frow('r')];
    const f = gpuFunction(backend, [m, r], T.add(m, r));
    expect((f(new NDArray(new Float32Array(0), [0, 3]), rand([1, 3])) as NDArray).shape).toEqual([
      0, 3,
    ]);
    for (const rows of [2, 9, 2]) {
      const [vm, vr] = [rand([rows, 3], -1, 1, 'float32', rows), rand([1, 3], -1, 1, 'float32', 5)];
      expectClose(
        f(vm, vr) as NDArray,
        T.evaluate(
          [T.add(m, r)],
          new Map([
            [m, vm],
            [r, vr],
          ]),
        )[0],
      );
    }
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { Mode, theanoFunction } from '@theano-ts/compile';
import { grad } from '@theano-ts/autodiff';
import { isGpuKernelClass } from './backend';
import {
  GPU_AVAILABLE,
  REQUIRE_GPU,
  checkAgainstReference,
  expectClose,
  gpuFunction,
  makeBackend,
  rand,
} from './test-utils';

const backend = makeBackend();
afterAll(async () => {
  if (GPU_AVAILABLE || REQUIRE_GPU)
    expect(backend.kernelClassesUsed.filter((c) => !isGpuKernelClass(c))).toEqual([]);
  // every op these tests ran had a GPU kernel, and only the two error tests ran nodes on the CPU
  expect(backend.fallbacks).toEqual([]);
  expect(backend.stats.cpuRuns).toBe(2);
  await backend.destroy();
});

/** Every node of the compiled graph of `outputs` runs on the GPU (or is shape metadata). */
function expectAllOnGpu(outputs: T.Variable[]) {
  for (const node of T.toposort(outputs))
    expect(backend.placement(node), T.opLabel(node.op)).not.toBe('cpu');
}

/** All non-empty subsets of 0..n-1. */
const subsets = (n: number): number[][] =>
  Array.from({ length: 2 ** n - 1 }, (_, m) =>
    Array.from({ length: n }, (_, i) => i).filter((i) => ((m + 1) >> i) & 1),
  );

describe(`reductions on gpu.js ${backend.kernelClass}`, () => {
  const x3 = T.tensor3('x');
  const v3 = rand([3, 4, 5], -2, 2, 'float32', 7);
  for (const axes of subsets(3)) {
    it(`sum / prod / max / min over axes [${axes}] of a 3-d tensor`, () => {
      const outs = [
        T.sum(x3, { axis: axes }),
        T.prod(x3, { axis: axes }),
        T.max(x3, { axis: axes }),
        T.min(x3, { axis: axes }),
      ];
      expectAllOnGpu(outs);
      checkAgainstReference(backend, [x3], outs, [v3], { rtol: 1e-4, atol: 1e-5 });
    });
  }

  it('reductions of a transposed (strided) view, keepdims and mean', () => {
    const x = T.fmatrix('x');
    const outs = [
      T.sum(x.T, { axis: 1 }),
      T.mean(x, { axis: 0, keepdims: true }),
      T.max(T.dimshuffle(x, [1, 0]), { axis: 0 }),
    ];
    expectAllOnGpu(outs);
    checkAgainstReference(backend, [x], outs, [rand([6, 7])], { rtol: 1e-5 });
  });

  it('a long reduction runs in several passes (sum of 300 000 values, max over a 2 000 × 300 axis)', () => {
    const x = T.fvector('x');
    const m = T.fmatrix('m');
    checkAgainstReference(backend, [x], [T.sum(x), T.max(x)], [rand([300_000], 0, 1)], {
      rtol: 1e-4,
    });
    checkAgainstReference(
      backend,
      [m],
      [T.sum(m, { axis: 0 }), T.min(m, { axis: 0 })],
      [rand([2000, 300], -1, 1)],
      { rtol: 1e-4, atol: 1e-4 },
    );
  });

  it('int reductions are exact (int8 sums to int32), bool all/any-like max', () => {
    const x = T.tensor('x', { dtype: 'int8', shape: [null, null] });
    checkAgainstReference(
      backend,
      [x],
      [T.sum(x, { axis: 1 }), T.max(x, { axis: 0 })],
      [rand([5, 40], -100, 100, 'int8')],
      { rtol: 0, atol: 0 },
    );
  });

  it('argmax along every axis (first maximum on ties), with keepdims', () => {
    const x = T.tensor3('x');
    const v = rand([4, 3, 5], -2, 2, 'float32', 3);
    const outs = [0, 1, 2].map((axis) => T.argmax(x, { axis }));
    outs.push(T.argmax(x, { axis: 1, keepdims: true }));
    expectAllOnGpu(outs);
    checkAgainstReference(backend, [x], outs, [v], { rtol: 0, atol: 0 });
    const t = T.fmatrix('t');
    checkAgainstReference(
      backend,
      [t],
      [T.argmax(t, { axis: 1 })],
      [
        array(
          [
            [1, 3, 3, 0],
            [2, 2, 2, 2],
          ],
          { dtype: 'float32' },
        ),
      ],
      { rtol: 0, atol: 0 },
    );
  });
});

describe('softmax, log-softmax and the cross-entropies', () => {
  it('softmax and logSoftmax along the last and the first axis, large logits', () => {
    const x = T.fmatrix('x');
    const outs = [
      T.softmax(x),
      T.logSoftmax(x),
      T.softmax(x, { axis: 0 }),
      T.logSoftmax(x, { axis: 0 }),
    ];
    expectAllOnGpu(outs);
    checkAgainstReference(backend, [x], outs, [rand([5, 7], -3, 3)], { rtol: 1e-5, atol: 1e-6 });
    checkAgainstReference(backend, [x], outs.slice(0, 2), [rand([3, 4], 500, 800)], {
      rtol: 1e-5,
      atol: 1e-5,
    });
  });

  it('the fused crossentropySoftmax1Hot and its gradient CrossentropySoftmax1HotDx', () => {
    const x = T.fmatrix('x');
    const y = T.ivector('y');
    const cost = T.mean(T.crossentropySoftmax1Hot(x, y));
    const [g] = grad(cost, [x]);
    const f = gpuFunction(backend, [x, y], [cost, g]);
    const kinds = f.maker.fgraph.toposort().map((n) => n.op.kind);
    expect(kinds).toContain('CrossentropySoftmax1Hot');
    expect(kinds).toContain('CrossentropySoftmax1HotDx');
    const vx = rand([6, 5], -2, 2);
    const vy = array([0, 4, 2, 1, 3, 4], { dtype: 'int32' });
    checkAgainstReference(backend, [x, y], [cost, g], [vx, vy], { rtol: 1e-5, atol: 1e-6 });
  });

  it('categoricalCrossentropy (not fused, optimizer off) and its gradient', () => {
    const p = T.fmatrix('p');
    const y = T.ivector('y');
    const cost = T.sum(T.categoricalCrossentropy(p, y));
    const [g] = grad(cost, [p]);
    const vp = rand([4, 3], 0.1, 1);
    const vy = array([2, 0, 1, 2], { dtype: 'int32' });
    const out = [T.categoricalCrossentropy(p, y), g];
    expectAllOnGpu(out);
    checkAgainstReference(backend, [p, y], out, [vp, vy], { rtol: 1e-5, atol: 1e-6 });
  });

  it("labels out of range raise the CPU backend's error (labels given from the host are checked)", () => {
    const x = T.fmatrix('x');
    const y = T.ivector('y');
    const f = gpuFunction(backend, [x, y], [T.crossentropySoftmax1Hot(x, y)]);
    expect(() => f(rand([2, 3]), array([0, 3], { dtype: 'int32' }))).toThrow(
      /label 3 .*out of range for 3 classes/,
    );
  });
});

describe('shape and indexing ops', () => {
  it('reshape of contiguous data is a view; of a transposed view, a copy kernel', () => {
    const x = T.fmatrix('x');
    const outs = [T.reshape(x, [3, -1]), T.flatten(x.T), T.reshape(T.exp(x), [2, 3, 2])];
    expectAllOnGpu(outs);
    checkAgainstReference(backend, [x], outs, [rand([4, 3])]);
  });

  it('shape, shape_i and reshape to a symbolic shape run without reading data back', () => {
    const x = T.fmatrix('x');
    const y = T.fmatrix('y');
    const out = T.reshape(T.exp(y), T.shape(x));
    expectAllOnGpu([out]);
    const nodes = T.toposort([out]);
    expect(nodes.filter((n) => n.op.kind === 'Shape').map((n) => backend.describeNode(n))).toEqual([
      'shape only',
    ]);
    checkAgainstReference(backend, [x, y], [out], [rand([2, 6]), rand([3, 4])]);
  });

  it('basic indexing (ints, slices, negative steps) is a view; incSubtensor / setSubtensor a kernel', () => {
    const x = T.fmatrix('x');
    const y = T.fmatrix('y');
    const s = T.fscalar('s');
    const outs = [
      x.get(1),
      x.get(T.slice(1, 4), T.slice(null, null, -2)),
      T.exp(x.get(T.slice(null, null, 2), -1)),
      T.incSubtensor(x.get(T.slice(1, 3), T.slice(0, 4, 2)), y),
      T.setSubtensor(x.get(T.slice(null, null, -1), 2), T.mul(s, 1)),
    ];
    expectAllOnGpu(outs);
    checkAgainstReference(backend, [x, y, s], outs, [
      rand([5, 6]),
      rand([2, 2], -1, 1, 'float32', 5),
      array(7, { dtype: 'float32' }),
    ]);
  });

  it('take along an axis (advanced indexing with one int array) and its gradient (inc with repeats)', () => {
    const x = T.fmatrix('x');
    const i = T.ivector('i');
    const rows = x.get(i);
    const cols = x.get(T.slice(), i);
    const cost = T.add(T.sum(T.mul(rows, rows)), T.sum(cols));
    const [g] = grad(cost, [x]);
    const outs = [rows, cols, g];
    const vx = rand([5, 5]);
    const vi = array([4, 0, -1, 4, 2], { dtype: 'int32' });
    checkAgainstReference(backend, [x, i], outs, [vx, vi], { rtol: 1e-5, atol: 1e-6 });
    for (const node of T.toposort(outs))
      if (node.op.kind.startsWith('Advanced')) expect(backend.placement(node)).toBe('gpu');
  });

  it("an index out of range raises the CPU backend's error", () => {
    const x = T.fmatrix('x');
    const i = T.ivector('i');
    const f = gpuFunction(backend, [x, i], [x.get(i)]);
    expect(() => f(rand([3, 2]), array([0, 3], { dtype: 'int32' }))).toThrow(/out of bounds/);
  });
});

describe('Gemm (made by the optimizer from dot + scaled add) and strided Dot operands', () => {
  it('b·z + a·dot(x, y) with a row bias, and dot of transposed operands', () => {
    const x = T.fmatrix('x');
    const w = T.fmatrix('w');
    const b = T.fvector('b');
    const out = T.add(T.dot(x, w), b);
    const outT = T.dot(w.T, x.T);
    const f = theanoFunction([x, w, b], [out, outT], { mode: new Mode({ backend }) });
    expect(f.maker.fgraph.toposort().map((n) => n.op.kind)).toContain('Gemm');
    const vals = [rand([7, 9]), rand([9, 5], -1, 1, 'float32', 2), rand([5], -1, 1, 'float32', 3)];
    const got = f(...vals) as NDArray[];
    const want = T.evaluate(
      [out, outT],
      new Map([
        [x, vals[0]],
        [w, vals[1]],
        [b, vals[2]],
      ]),
    );
    got.forEach((g, i) => expectClose(g, want[i], 1e-5, 1e-5));
  });
});

describe('conv2d', () => {
  const cases: [string, T.Conv2dOptions, number[], number[]][] = [
    ['valid', {}, [2, 3, 7, 6], [4, 3, 3, 2]],
    ['half, stride 2', { borderMode: 'half', subsample: 2 }, [1, 2, 8, 7], [3, 2, 3, 3]],
    [
      'full, dilation 2, no flip',
      { borderMode: 'full', filterDilation: 2, filterFlip: false },
      [1, 2, 6, 6],
      [2, 2, 2, 3],
    ],
    [
      'explicit padding, 2 groups',
      { borderMode: [1, 2], numGroups: 2 },
      [2, 4, 5, 5],
      [4, 2, 3, 3],
    ],
  ];
  for (const [name, opts, xs, ws] of cases)
    it(`${name}: forward on the GPU`, () => {
      const x = T.tensor4('x');
      const w = T.tensor4('w');
      const out = T.conv2d(x, w, opts);
      expectAllOnGpu([out]);
      checkAgainstReference(
        backend,
        [x, w],
        [out],
        [rand(xs, -1, 1, 'float32', 1), rand(ws, -1, 1, 'float32', 2)],
        {
          rtol: 1e-4,
          atol: 1e-5,
        },
      );
    });
});

import { describe, expect, it } from 'vitest';
import { type DType, Generator, NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { backend, expectKernelMatchesReference, randomArray } from './test-helpers.test-helper';

const rng = new Generator(11);
const OPS = ['add', 'mul', 'maximum', 'minimum'] as const;

/** Every non-empty subset of the axes 0 … ndim-1. */
const subsets = (ndim: number): number[][] =>
  Array.from({ length: (1 << ndim) - 1 }, (_, m) =>
    Array.from({ length: ndim }, (_, a) => a).filter((a) => ((m + 1) >> a) & 1),
  );

/** A plain CAReduce node over `axes` of a variable of `dtype` and rank `ndim`. */
const reduceNode = (dtype: DType, ndim: number, scalarOp: (typeof OPS)[number], axes: number[]) =>
  T.applyOp('CAReduce', { scalarOp, axes }, [
    T.tensor('x', { dtype, shape: Array<null>(ndim).fill(null) }),
  ]);

/** The same values seen through strides that are not C order: a transpose of a transpose, spread. */
function strided(x: NDArray, step: number): NDArray {
  const n = x.size;
  const buf = randomArray(rng, x.dtype, [n * step + 5], false).data;
  const flat = x.toFlat();
  for (let i = 0; i < n; i++) buf[5 + i * step] = flat[i];
  const strides = x.shape.map((_, ax) => step * x.shape.slice(ax + 1).reduce((a, b) => a * b, 1));
  return new NDArray(buf, x.shape, { dtype: x.dtype, offset: 5, strides });
}

describe('plain CAReduce kernel: bit-identical to the reference', () => {
  const shapes = [
    [1],
    [7],
    [1, 1],
    [1, 13],
    [13, 1],
    [128, 256],
    [3, 5, 7],
    [2, 1, 11],
    [4, 3, 2, 5],
  ];
  for (const dtype of ['float32', 'float64'] as DType[])
    for (const scalarOp of OPS)
      it(`${dtype} ${scalarOp} over every set of axes, contiguous, transposed and strided, with NaN/±Inf`, () => {
        for (const shape of shapes) {
          const x = randomArray(rng, dtype, shape, true);
          for (const axes of subsets(shape.length)) {
            const node = reduceNode(dtype, shape.length, scalarOp, axes);
            const what = `${scalarOp} axes [${axes}] of ${dtype} [${shape}]`;
            expectKernelMatchesReference(node, [x], `${what} contiguous`);
            expectKernelMatchesReference(node, [strided(x, 3)], `${what} strided`);
            const xt = randomArray(rng, dtype, [...shape].reverse(), true).T;
            expectKernelMatchesReference(node, [xt], `${what} transposed`);
          }
        }
      });

  it('a float32 sum accumulates in float64 and rounds once (like the reference, not pairwise float32)', () => {
    // 1 + 2^-24 added 2^12 times: float32 accumulation would stay at 1
    const n = 4096;
    const d = new Float32Array(n + 1).fill(2 ** -24);
    d[0] = 1;
    const node = reduceNode('float32', 1, 'add', [0]);
    const [got] = expectKernelMatchesReference(node, [new NDArray(d, [n + 1])]);
    expect(got.item()).toBe(Math.fround(1 + n * 2 ** -24));
  });

  it('empty max raises the reference error; empty sum is 0; ints run the reference', () => {
    const empty = new NDArray(new Float64Array(0), [0, 3], { dtype: 'float64' });
    expect(() => backend.makeThunk(reduceNode('float64', 2, 'maximum', [0]))([empty])).toThrow(
      /zero-size array to reduction operation maximum/,
    );
    expectKernelMatchesReference(reduceNode('float64', 2, 'add', [0]), [empty]);
    const ints = randomArray(rng, 'int16', [6, 5], true);
    expectKernelMatchesReference(reduceNode('int16', 2, 'add', [1]), [ints]);
  });
});

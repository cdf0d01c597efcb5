import { describe, expect, it } from 'vitest';
import { type NDArray, Generator, abs, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { wasmKernelRuns } from './gemm';
import { hasWasmSimd } from './wasm/features';
import {
  backend,
  expectKernelMatchesReference,
  randomArray,
  runKernel,
  withoutWasmSimd,
} from './test-helpers.test-helper';

const rng = new Generator(42);
const geometries: [string, T.Conv2dOptions, number[], number[]][] = [
  ['valid', {}, [2, 3, 6, 5], [4, 3, 3, 2]],
  ['half, stride 2', { borderMode: 'half', subsample: 2 }, [1, 2, 7, 6], [3, 2, 3, 3]],
  [
    'full, dilation (2, 1), no flip',
    { borderMode: 'full', filterDilation: [2, 1], filterFlip: false },
    [2, 2, 5, 5],
    [2, 2, 2, 3],
  ],
  [
    'groups 2, padding (1, 2), stride (1, 2)',
    { numGroups: 2, borderMode: [1, 2], subsample: [1, 2] },
    [1, 4, 5, 6],
    [6, 2, 3, 2],
  ],
];

describe('conv2d kernels without WebAssembly (im2col, forced) equal the reference bit for bit', () => {
  withoutWasmSimd();
  for (const dtype of ['float64', 'float32'] as const)
    for (const [name, opts, xs, ws] of geometries) {
      it(`${name} (${dtype}): Conv2d, Conv2dGradWeights, Conv2dGradInputs`, () => {
        const x = T.tensor('x', { dtype, ndim: 4 });
        const w = T.tensor('w', { dtype, ndim: 4 });
        const y = T.conv2d(x, w, opts);
        const xv = randomArray(rng, dtype, xs);
        const wv = randomArray(rng, dtype, ws);
        expect(backend.hasKernel(y.owner!)).toBe(true);
        const [yv] = expectKernelMatchesReference(y.owner!, [xv, wv], 'Conv2d');
        const gz = T.tensor('gz', { dtype, ndim: 4 });
        const gzv = randomArray(rng, dtype, yv.shape);
        const gw = T.conv2dGradWrtWeights(x, gz, ws, opts);
        expectKernelMatchesReference(
          gw.owner!,
          [xv, gzv, T.evaluate([gw.owner!.inputs[2]])[0]],
          'Conv2dGradWeights',
        );
        const gx = T.conv2dGradWrtInputs(gz, w, xs, opts);
        expectKernelMatchesReference(
          gx.owner!,
          [wv, gzv, T.evaluate([gx.owner!.inputs[2]])[0]],
          'Conv2dGradInputs',
        );
      });
    }
  it('an infinite weight next to the padding does not turn padded taps into NaN', () => {
    const x = T.dtensor4('x');
    const w = T.dtensor4('w');
    const y = T.conv2d(x, w, { borderMode: 'full' });
    const xv = array(
      [
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
      ],
      { dtype: 'float64' },
    );
    const wv = array(
      [
        [
          [
            [1, 1],
            [1, Infinity],
          ],
        ],
      ],
      { dtype: 'float64' },
    );
    const [out] = expectKernelMatchesReference(y.owner!, [xv, wv]);
    // with the flip, the infinite weight meets x[0, 0] only at output (0, 0)
    expect(Array.from(out.toFlat()).filter(Number.isNaN)).toEqual([]);
    expect(out.shape).toEqual([1, 1, 3, 3]);
  });
});

/**
 * The wasm kernel's result against the reference within (taps + 2)·eps·Σ|x·w| per element (the
 * bound for a sum of that many products; Σ|x·w| is the reference run on |x| and |w|).
 */
function expectCloseToReference(
  node: T.Apply,
  inputs: NDArray[],
  taps: number,
  what: string,
  kernel: 'gemm' | 'conv' = 'conv',
) {
  const before = wasmKernelRuns[kernel];
  const [got] = runKernel(node, inputs);
  expect(wasmKernelRuns[kernel], `${what} ran on the wasm kernel`).toBeGreaterThan(before);
  const [want] = T.performNode(node, inputs);
  const [absRef] = T.performNode(node, [abs(inputs[0]), abs(inputs[1]), ...inputs.slice(2)]);
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  const eps = got.dtype === 'float32' ? 2 ** -23 : 2 ** -52;
  const g = got.toFlat();
  const w = want.toFlat();
  const s = absRef.toFlat();
  for (let i = 0; i < g.length; i++) {
    const bound = (taps + 2) * eps * s[i];
    if (!(Math.abs(g[i] - w[i]) <= bound))
      throw new Error(`${what}: element ${i} ${g[i]} vs reference ${w[i]} (bound ${bound})`);
  }
}

/** The same values as a non-contiguous view (every other element of a bigger last axis). */
function spread(a: NDArray): NDArray {
  const big = randomArray(rng, a.dtype, [...a.shape.slice(0, -1), a.shape[a.ndim - 1] * 2], false);
  const v = big.slice(':', ':', ':', '::2');
  const [n0, n1, n2, n3] = a.shape;
  for (let i = 0; i < n0; i++)
    for (let j = 0; j < n1; j++)
      for (let k = 0; k < n2; k++)
        for (let l = 0; l < n3; l++) v.set([i, j, k, l], a.get(i, j, k, l));
  return v;
}

describe.skipIf(!hasWasmSimd())(
  'conv2d on the WebAssembly SIMD kernels (direct convolution; im2col + GEMM for the filter gradient)',
  () => {
    const cases: [string, T.Conv2dOptions, number[], number[]][] = [
      // (width strides > 1 run the im2col kernels)
      ...geometries.filter(([, opts]) => (opts.subsample ?? 1) === 1),
      [
        'groups 3, padding (2, 1)',
        { numGroups: 3, borderMode: [2, 1] },
        [2, 6, 5, 7],
        [9, 2, 3, 2],
      ],
      [
        'the bench shape, smaller batch',
        { borderMode: 'half', filterFlip: false },
        [3, 1, 28, 28],
        [16, 1, 5, 5],
      ],
      ['1×1 filter, one pixel', {}, [1, 1, 1, 1], [1, 1, 1, 1]],
      ['primes', { borderMode: 'half' }, [2, 3, 7, 13], [5, 3, 3, 5]],
      [
        'stride 2 in height only',
        { borderMode: 'valid', subsample: [2, 1] },
        [2, 2, 9, 11],
        [3, 2, 3, 3],
      ],
    ];
    for (const dtype of ['float64', 'float32'] as const)
      for (const [name, opts, xs, ws] of cases)
        it(`${name} (${dtype}): Conv2d and Conv2dGradInputs`, () => {
          const x = T.tensor('x', { dtype, ndim: 4 });
          const w = T.tensor('w', { dtype, ndim: 4 });
          const y = T.conv2d(x, w, opts);
          const xv = spread(randomArray(rng, dtype, xs, false));
          if (xs[3] > 1) expect(xv.isContiguous).toBe(false);
          const wv = randomArray(rng, dtype, ws, false);
          const taps = ws[1] * ws[2] * ws[3];
          expectCloseToReference(y.owner!, [xv, wv], taps, 'Conv2d');
          const [yv] = T.performNode(y.owner!, [xv, wv]);
          const gz = T.tensor('gz', { dtype, ndim: 4 });
          const gzv = randomArray(rng, dtype, yv.shape, false);
          const gw = T.conv2dGradWrtWeights(x, gz, ws, opts);
          expectCloseToReference(
            gw.owner!,
            [xv, gzv, T.evaluate([gw.owner!.inputs[2]])[0]],
            xs[0] * yv.shape[2] * yv.shape[3],
            'Conv2dGradWeights',
            'gemm',
          );
          const stride = (opts.subsample ?? 1) as number | number[];
          if (stride !== 1) return; // the input gradient needs unit strides for the fast path
          const gx = T.conv2dGradWrtInputs(gz, w, xs, opts);
          const og = ws[0] / (opts.numGroups ?? 1);
          expectCloseToReference(
            gx.owner!,
            [wv, gzv, T.evaluate([gx.owner!.inputs[2]])[0]],
            og * ws[2] * ws[3],
            'Conv2dGradInputs',
          );
        });
  },
);

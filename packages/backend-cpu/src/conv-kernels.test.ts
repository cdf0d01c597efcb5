import { describe, expect, it } from 'vitest';
import { Generator, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { backend, expectKernelMatchesReference, randomArray } from './test-helpers.test-helper';

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

describe('conv2d kernels (im2col) equal the reference bit for bit', () => {
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

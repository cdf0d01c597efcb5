import { afterAll, describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import {
  GPU_AVAILABLE,
  REQUIRE_GPU,
  checkAgainstReference,
  gpuFunction,
  makeBackend,
  rand,
} from './test-utils';
import { isGpuKernelClass } from './backend';

const backend = makeBackend();
afterAll(async () => {
  if (GPU_AVAILABLE || REQUIRE_GPU)
    expect(backend.kernelClassesUsed.filter((c) => !isGpuKernelClass(c))).toEqual([]);
  await backend.destroy();
});

describe(`Dot on the gpu.js ${backend.kernelClass} kernel matches the reference evaluator`, () => {
  const cases: [string, () => T.Variable, () => T.Variable, number[], number[]][] = [
    ['matrix · matrix', () => T.fmatrix('a'), () => T.fmatrix('b'), [7, 5], [5, 3]],
    [
      'matrix · matrix (square, 1-row, 1-column)',
      () => T.fmatrix('a'),
      () => T.fmatrix('b'),
      [1, 6],
      [6, 1],
    ],
    ['matrix · vector', () => T.fmatrix('a'), () => T.fvector('b'), [4, 9], [9]],
    ['vector · matrix', () => T.fvector('a'), () => T.fmatrix('b'), [9], [9, 4]],
    ['vector · vector', () => T.fvector('a'), () => T.fvector('b'), [17], [17]],
    [
      'a long inner dimension (K = 1500)',
      () => T.fmatrix('a'),
      () => T.fmatrix('b'),
      [3, 1500],
      [1500, 2],
    ],
  ];
  for (const [name, ma, mb, sa, sb] of cases)
    it(name, () => {
      const [a, b] = [ma(), mb()];
      const out = T.dot(a, b);
      expect(backend.placement(out.owner!)).toBe('gpu');
      checkAgainstReference(
        backend,
        [a, b],
        [out],
        [rand(sa, -1, 1, 'float32', 1), rand(sb, -1, 1, 'float32', 2)],
        { rtol: 1e-4, atol: 1e-5 },
      );
    });

  it('a dense layer: relu(x · W + b), with W transposed on the GPU', () => {
    const [x, w, b] = [T.fmatrix('x'), T.fmatrix('w'), T.fvector('b')];
    const out = T.relu(T.add(T.dot(x, w.T), b));
    checkAgainstReference(
      backend,
      [x, w, b],
      [out],
      [
        rand([8, 6], -1, 1, 'float32', 1),
        rand([4, 6], -1, 1, 'float32', 2),
        rand([4], -1, 1, 'float32', 3),
      ],
      { rtol: 1e-4, atol: 1e-5 },
    );
  });

  it('int32 · int32 is exact', () => {
    const [a, b] = [T.imatrix('a'), T.imatrix('b')];
    const got = checkAgainstReference(
      backend,
      [a, b],
      [T.dot(a, b)],
      [
        array(
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
          { dtype: 'int32' },
        ),
        array(
          [
            [7, 8],
            [9, 10],
            [11, 12],
          ],
          { dtype: 'int32' },
        ),
      ],
      { rtol: 0, atol: 0 },
    );
    expect(got[0].toArray()).toEqual([
      [58, 64],
      [139, 154],
    ]);
  });

  it('misaligned shapes raise the CPU backend error', () => {
    const [a, b] = [T.fmatrix('a'), T.fmatrix('b')];
    const f = gpuFunction(backend, [a, b], T.dot(a, b));
    expect(() => f(rand([2, 3]), rand([4, 2]))).toThrow(
      /Dot: shapes \(2, 3\) and \(4, 2\) not aligned: 3 != 4/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import type { NDArray } from '@theano-ts/tensor';
import * as T from './index';

const ev = (outs: T.Variable[], givens: [T.Variable, unknown][]): NDArray[] =>
  T.evaluate(outs, new Map(givens));
const t = (
  name: string,
  shape: (number | null)[],
  dtype: 'float64' | 'float32' | 'int32' = 'float64',
) => T.tensor(name, { dtype, shape });

describe('numpy.linalg errors at run time (LinAlgError naming the op and input)', () => {
  const A = T.dmatrix('A');
  const singular = [
    [1, 2],
    [2, 4],
  ];
  it('inv and solve of a singular matrix: Singular matrix', () => {
    expect(() => ev([T.inv(A)], [[A, singular]])).toThrow(T.LinAlgError);
    expect(() => ev([T.inv(A)], [[A, singular]])).toThrow(
      /^MatrixInverse: Singular matrix \(input 0 'A' of shape \(2, 2\)\)/,
    );
    expect(() =>
      ev(
        [T.solve(A, T.dvector('b'))],
        [
          [A, singular],
          [T.dvector('b'), [1, 2]],
        ],
      ),
    ).toThrow(/input/);
    const b = T.dvector('b');
    expect(() =>
      ev(
        [T.solve(A, b)],
        [
          [A, singular],
          [b, [1, 2]],
        ],
      ),
    ).toThrow(/^Solve: Singular matrix/);
  });
  it('cholesky of a matrix that is not positive definite: Matrix is not positive definite', () => {
    expect(() =>
      ev(
        [T.cholesky(A)],
        [
          [
            A,
            [
              [1, 2],
              [2, 1],
            ],
          ],
        ],
      ),
    ).toThrow(T.LinAlgError);
    expect(() =>
      ev(
        [T.cholesky(A)],
        [
          [
            A,
            [
              [1, 2],
              [2, 1],
            ],
          ],
        ],
      ),
    ).toThrow(/^Cholesky: Matrix is not positive definite/);
    expect(() =>
      ev(
        [T.cholesky(A, { lower: false })],
        [
          [
            A,
            [
              [-1, 0],
              [0, 1],
            ],
          ],
        ],
      ),
    ).toThrow(/not positive definite/);
  });
  it('det and slogdet of a singular matrix are 0 and (0, -inf), as NumPy', () => {
    const [d, s, l] = ev([T.det(A), ...T.slogdet(A)], [[A, singular]]);
    expect(d.item()).toBe(0);
    expect(s.item()).toBe(0);
    expect(l.item()).toBe(-Infinity);
  });
  it('cholesky reads only its triangle', () => {
    // the other triangle holds garbage that would make the matrix indefinite
    const [lo] = ev(
      [T.cholesky(A)],
      [
        [
          A,
          [
            [4, 99],
            [2, 5],
          ],
        ],
      ],
    );
    expect(lo.toArray()).toEqual([
      [2, 0],
      [1, 2],
    ]);
    const [up] = ev(
      [T.cholesky(A, { lower: false })],
      [
        [
          A,
          [
            [4, 2],
            [-7, 5],
          ],
        ],
      ],
    );
    expect(up.toArray()).toEqual([
      [2, 1],
      [0, 2],
    ]);
  });
});

describe('types inferred at build time', () => {
  it('matmul broadcasts static batch dimensions; 1-D operands drop their dimension', () => {
    expect(T.matmul(t('a', [2, 1, 3, 4]), t('b', [5, 4, 6])).type.shape).toEqual([2, 5, 3, 6]);
    expect(T.matmul(t('a', [4]), t('b', [null, 4, 6])).type.shape).toEqual([null, 6]);
    expect(T.matmul(t('a', [2, 3, 4]), t('b', [4])).type.shape).toEqual([2, 3]);
    expect(T.matmul(t('a', [3, 4]), t('b', [4, 2])).owner!.op.kind).toBe('Dot');
    expect(T.matmul(t('a', [2, 3, 4], 'float32'), t('b', [2, 4, 2], 'float64')).dtype).toBe(
      'float64',
    );
  });
  it('matmul does not broadcast a length-1 batch dimension that is not declared broadcastable', () => {
    const a = T.dtensor3('a');
    const b = T.dtensor3('b');
    expect(() =>
      ev(
        [T.matmul(a, b)],
        [
          [a, [[[1, 2]]]],
          [
            b,
            [
              [[1], [2]],
              [[3], [4]],
            ],
          ],
        ],
      ),
    ).toThrow(
      /Matmul: batch dimensions of shapes \(1, 1, 2\) and \(2, 2, 1\) do not match in batch dimension 0/,
    );
  });
  it('N-d dot and tensordot keep the static shapes they can', () => {
    expect(T.dot(t('a', [2, 3, 4]), t('b', [4, 5])).type.shape).toEqual([2, 3, 5]);
    expect(T.dot(t('a', [3, 4]), t('b', [2, 4, 5])).type.shape).toEqual([3, 2, 5]);
    expect(
      T.tensordot(t('a', [2, 3, 4]), t('b', [4, 3, 5]), [
        [1, 2],
        [1, 0],
      ]).type.shape,
    ).toEqual([2, 5]);
    expect(T.dot(T.dtensor3('a'), T.dmatrix('b')).ndim).toBe(3);
    expect(T.batchedDot(t('a', [3, 4]), t('b', [3, 4, 2])).type.shape).toEqual([3, 2]);
  });
  it('decompositions: shapes of their outputs', () => {
    const [q, r] = T.qr(t('a', [5, 3]));
    expect([q.type.shape, r.type.shape]).toEqual([
      [5, 3],
      [3, 3],
    ]);
    expect(T.qr(t('a', [5, 3]), 'complete')[0].type.shape).toEqual([5, 5]);
    const [u, s, vt] = T.svd(t('a', [2, 4]), { fullMatrices: false });
    expect([u.type.shape, s.type.shape, vt.type.shape]).toEqual([[2, 2], [2], [2, 4]]);
    expect(T.svd(t('a', [2, 4])).map((v) => v.type.shape)).toEqual([[2, 2], [2], [4, 4]]);
    expect(T.eigh(t('a', [3, 3])).map((v) => v.type.shape)).toEqual([[3], [3, 3]]);
    expect(T.inv(T.imatrix('m')).dtype).toBe('float64');
    expect(T.norm(T.fvector('v')).dtype).toBe('float32');
  });
  it('conv2d, conv2dTranspose and pool2d shapes', () => {
    expect(
      T.conv2d(t('x', [8, 3, 32, 30]), t('w', [16, 3, 5, 3]), { borderMode: 'half', subsample: 2 })
        .type.shape,
    ).toEqual([8, 16, 16, 15]);
    expect(
      T.conv2d(t('x', [null, 4, 9, 9]), t('w', [6, 2, 3, 3]), { numGroups: 2, filterDilation: 2 })
        .type.shape,
    ).toEqual([null, 6, 5, 5]);
    expect(
      T.conv2dTranspose(t('x', [1, 6, 4, 4]), t('w', [6, 3, 3, 3]), undefined, { subsample: 2 })
        .type.shape,
    ).toEqual([1, 3, 9, 9]);
    expect(T.pool2d(t('x', [2, 3, 7, 6]), { ws: 3, stride: 2, pad: 1 }).type.shape).toEqual([
      2, 3, 4, 3,
    ]);
    expect(T.pool2d(t('x', [7, 6]), { ws: 2, ignoreBorder: false }).type.shape).toEqual([4, 3]);
  });
  it('batch normalization checks its parameters and epsilon', () => {
    const x = T.dmatrix('x');
    const [out, mean, invstd] = T.batchNormalizationTrain(x, T.dvector('g'), T.dvector('b'));
    expect([out.ndim, mean.ndim, invstd.ndim]).toEqual([2, 1, 1]);
    expect(() =>
      T.batchNormalizationTrain(x, T.dvector('g'), T.dvector('b'), { epsilon: 1e-6 }),
    ).toThrow(/epsilon must be at least 1e-5/);
    expect(() => T.batchNormalizationTrain(x, T.dmatrix('g'), T.dvector('b'))).toThrow(
      /gamma .* must be broadcastable \(static length 1\) in the normalization axis 0/,
    );
    expect(() =>
      T.batchNormalizationTrain(x, T.dvector('g'), T.dvector('b'), { runningMean: T.dvector('m') }),
    ).toThrow(/give both runningMean and runningVar/);
  });
});

describe('values', () => {
  it('conv2d flips filters by default (a true convolution)', () => {
    const x = T.dtensor4('x');
    const w = T.dtensor4('w');
    const img = [[[[1, 2, 3]]]];
    const k = [[[[1, 0, -1]]]];
    const [conv, xcorr] = ev(
      [T.conv2d(x, w), T.conv2d(x, w, { filterFlip: false })],
      [
        [x, img],
        [w, k],
      ],
    );
    expect(conv.toArray()).toEqual([[[[2]]]]);
    expect(xcorr.toArray()).toEqual([[[[-2]]]]);
  });
  it('pool2d modes on a padded input', () => {
    const x = T.dmatrix('x');
    const v = [
      [1, 2],
      [3, 4],
    ];
    const opts = { ws: 2, stride: 1, pad: 1 } as const;
    const outs = (['max', 'sum', 'average_inc_pad', 'average_exc_pad'] as const).map((mode) =>
      T.pool2d(x, { ...opts, mode }),
    );
    const [mx, sm, inc, exc] = ev(outs, [[x, v]]).map((a) => a.toArray());
    expect(mx).toEqual([
      [1, 2, 2],
      [3, 4, 4],
      [3, 4, 4],
    ]);
    expect(sm).toEqual([
      [1, 3, 2],
      [4, 10, 6],
      [3, 7, 4],
    ]);
    expect(inc).toEqual([
      [0.25, 0.75, 0.5],
      [1, 2.5, 1.5],
      [0.75, 1.75, 1],
    ]);
    expect(exc).toEqual([
      [1, 1.5, 2],
      [2, 2.5, 3],
      [3, 3.5, 4],
    ]);
  });
  it('norm orders', () => {
    const v = T.dvector('v');
    const m = T.dmatrix('m');
    const [n2, n1, ninf, n0, fro, m1, minf] = ev(
      [
        T.norm(v),
        T.norm(v, 1),
        T.norm(v, Infinity),
        T.norm(v, 0),
        T.norm(m),
        T.norm(m, 1),
        T.norm(m, Infinity),
      ],
      [
        [v, [3, -4, 0]],
        [
          m,
          [
            [1, -2],
            [3, 4],
          ],
        ],
      ],
    ).map((a) => a.item());
    expect([n2, n1, ninf, n0]).toEqual([5, 7, 4, 2]);
    expect(fro).toBeCloseTo(Math.sqrt(30), 14);
    expect([m1, minf]).toEqual([6, 7]);
    expect(() => T.norm(v, 'fro')).toThrow(/invalid norm order 'fro' for vectors/);
  });
  it('gradient modifiers are the identity forward', () => {
    const x = T.dvector('x');
    const [a] = ev(
      [T.gradScale(T.gradClip(T.disconnectedGrad(T.zeroGrad(x)), -1, 1), 3)],
      [[x, [1, 2]]],
    );
    expect(a.toArray()).toEqual([1, 2]);
  });
});

describe('printing ops with several outputs', () => {
  it('pp and debugprint name the output index; debugprint can show types and cut depth', () => {
    const A = T.dmatrix('A');
    const [q, r] = T.qr(A);
    expect(T.pp(T.dot(q, r))).toBe('Dot(QR{reduced}.0(A), QR{reduced}.1(A))');
    expect(T.debugprint(T.dot(q, r), { printType: true })).toBe(
      [
        'Dot [id A] <float64 matrix>',
        ' |QR{reduced}.0 [id B] <float64 matrix>',
        ' | |A [id C] <float64 matrix>',
        ' |QR{reduced}.1 [id B] <float64 matrix>',
      ].join('\n'),
    );
    expect(T.debugprint(T.exp(T.dot(q, r)), { depth: 1 })).toBe(
      ['Elemwise{exp} [id A]', ' |Dot [id B]'].join('\n'),
    );
  });
});

describe('run-time shape errors name the op and the inputs', () => {
  it('conv2d with channels unknown at build time', () => {
    const x = T.dtensor4('x');
    const w = T.dtensor4('w');
    expect(() =>
      ev(
        [T.conv2d(x, w)],
        [
          [
            x,
            [
              [
                [
                  [1, 2],
                  [3, 4],
                ],
              ],
            ],
          ],
          [w, [[[[1]], [[1]]]]],
        ],
      ),
    ).toThrow(
      /^Conv2d: the input has 1 channels but the filters expect 2 × 1 groups = 2 \(inputs: 'x' \(1, 1, 2, 2\), 'w' \(1, 2, 1, 1\)\)/,
    );
  });
});

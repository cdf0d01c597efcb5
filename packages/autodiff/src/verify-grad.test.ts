import { describe, it, expect } from 'vitest';
import { Generator, NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { verifyGrad, type VerifyGradOptions } from './index';

// Finite-difference checks (Theano's verify_grad method) for every differentiable op of the slice.
const rng = new Generator(20261129);
const u = (shape: number[], lo = -2, hi = 2) => rng.uniform(lo, hi, shape, 'float64');
const pos = (shape: number[]) => u(shape, 0.5, 2);
const labels = array([2, 0, 1, 2], { dtype: 'int32' });

const cases: [string, (...xs: T.Variable[]) => T.Variable, NDArray[], VerifyGradOptions?][] = [
  ['add (broadcast row)', (a, b) => T.add(a, T.dimshuffle(b, ['x', 0])), [u([3, 4]), u([4])]],
  ['sub', (a, b) => T.sub(a, b), [u([3, 4]), u([3, 4])]],
  ['mul (scalar broadcast)', (a, b) => T.mul(a, b), [u([3, 4]), u([])]],
  ['div', (a, b) => T.div(a, b), [u([3, 4]), pos([3, 4])]],
  ['neg', (a) => T.neg(a), [u([5])]],
  ['sqr', (a) => T.sqr(a), [u([2, 3])]],
  ['pow (both inputs)', (a, b) => T.pow(a, b), [pos([2, 3]), u([2, 3], -1.5, 1.5)]],
  ['exp', (a) => T.exp(a), [u([2, 3])]],
  ['log', (a) => T.log(a), [pos([2, 3])]],
  ['tanh', (a) => T.tanh(a), [u([2, 3])]],
  ['sigmoid', (a) => T.sigmoid(a), [u([2, 3], -4, 4)]],
  [
    'relu (away from 0)',
    (a) => T.relu(a),
    [
      array(
        [
          [-1.5, 0.7, 2.1],
          [0.3, -0.2, -3],
        ],
        { dtype: 'float64' },
      ),
    ],
  ],
  ['dot matrix·matrix', (a, b) => T.dot(a, b), [u([3, 4]), u([4, 2])]],
  ['dot matrix·vector', (a, b) => T.dot(a, b), [u([3, 4]), u([4])]],
  ['dot vector·matrix', (a, b) => T.dot(a, b), [u([4]), u([4, 2])]],
  ['dot vector·vector', (a, b) => T.dot(a, b), [u([4]), u([4])]],
  ['sum all', (a) => T.sum(a), [u([3, 4])]],
  ['sum axis 0 keepdims', (a) => T.sum(a, { axis: 0, keepdims: true }), [u([3, 4])]],
  ['mean axis 1', (a) => T.mean(a, { axis: 1 }), [u([3, 4])]],
  ['mean all (unknown shape)', (a) => T.mean(a), [u([2, 3, 2])]],
  ['max axis 1 (no ties)', (a) => T.max(a, { axis: 1 }), [u([3, 4])]],
  ['softmax', (a) => T.softmax(a), [u([3, 4])]],
  ['logSoftmax', (a) => T.logSoftmax(a), [u([3, 4])]],
  [
    'categoricalCrossentropy (int labels)',
    (a) => T.categoricalCrossentropy(T.softmax(a), T.constant(labels)),
    [u([4, 3])],
  ],
  [
    'categoricalCrossentropy (one-hot)',
    (a, t) => T.categoricalCrossentropy(T.softmax(a), t),
    [u([2, 3]), pos([2, 3])],
  ],
  ['crossentropySoftmax1Hot', (a) => T.crossentropySoftmax1Hot(a, T.constant(labels)), [u([4, 3])]],
  ['dimshuffle transpose + x', (a) => T.dimshuffle(a, [1, 'x', 0]), [u([3, 4])]],
  ['reshape with -1', (a) => T.reshape(a, [2, -1]), [u([3, 4])]],
  ['flatten', (a) => T.flatten(a), [u([3, 4])]],
  // a float32 step makes the function flat at float64's default step: use float32's step and tolerance
  [
    'cast float64 → float32 → float64',
    (a) => T.cast(T.cast(a, 'float32'), 'float64'),
    [u([3])],
    { eps: 3e-4, absTol: 1e-2, relTol: 1e-2 },
  ],
];

describe('verifyGrad on every differentiable op of the slice', () => {
  for (const [name, fn, pt, opts] of cases) it(name, () => verifyGrad(fn, pt, opts));

  it('float32 inputs use the float32 tolerances', () => {
    verifyGrad((a) => T.tanh(T.dot(a, a.T)), [rng.uniform(-1, 1, [3, 3], 'float32')]);
  });
  it('no gradient flows through argmax (integer output): only the sum() path counts', () => {
    expect(() =>
      verifyGrad((a) => T.cast(T.argmax(a, { axis: 1 }), 'float64').mul(a.sum()), [u([2, 3])]),
    ).not.toThrow();
  });
});

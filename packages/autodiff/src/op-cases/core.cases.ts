import { Generator, type DType, type NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import type { FamilyCases, VerifyCase } from './types';

type Params = Record<string, unknown>;
type Build = (p: Params, v: T.Variable[]) => T.Variable;
type Axis = number | number[] | null;
const reduceOpts = (p: Params) => ({ axis: p.axis as Axis, keepdims: p.keepdims as boolean });

/** How each fixture op name is built with the theano-ts API. */
const OPS: Record<string, Build> = {
  add: (_p, [a, b]) => T.add(a, b),
  sub: (_p, [a, b]) => T.sub(a, b),
  mul: (_p, [a, b]) => T.mul(a, b),
  div: (_p, [a, b]) => T.div(a, b),
  pow: (_p, [a, b]) => T.pow(a, b),
  neg: (_p, [a]) => T.neg(a),
  sqr: (_p, [a]) => T.sqr(a),
  exp: (_p, [a]) => T.exp(a),
  log: (_p, [a]) => T.log(a),
  tanh: (_p, [a]) => T.tanh(a),
  sigmoid: (_p, [a]) => T.sigmoid(a),
  relu: (_p, [a]) => T.relu(a),
  dot: (_p, [a, b]) => T.dot(a, b),
  sum: (p, [x]) => T.sum(x, reduceOpts(p)),
  mean: (p, [x]) => T.mean(x, reduceOpts(p)),
  max: (p, [x]) => T.max(x, reduceOpts(p)),
  argmax: (p, [x]) =>
    T.argmax(x, { axis: p.axis as number | null, keepdims: p.keepdims as boolean }),
  softmax: (p, [x]) => T.softmax(x, { axis: p.axis as number }),
  categoricalCrossentropy: (_p, [pr, y]) => T.categoricalCrossentropy(pr, y),
  crossentropySoftmax1Hot: (_p, [x, y]) => T.crossentropySoftmax1Hot(x, y),
  dimshuffle: (p, [x]) => T.dimshuffle(x, p.order as (number | 'x')[]),
  reshape: (p, [x]) => T.reshape(x, p.shape as number[]),
  cast: (p, [x]) => T.cast(x, p.dtype as DType),
};

const rng = new Generator(20261129);
const u = (shape: number[], lo = -2, hi = 2) => rng.uniform(lo, hi, shape, 'float64');
const pos = (shape: number[]) => u(shape, 0.5, 2);
const labels = array([2, 0, 1, 2], { dtype: 'int32' });

const cases: [string, (...xs: T.Variable[]) => T.Variable, NDArray[], VerifyCase['opts']?][] = [
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

const x = () => T.dmatrix('x');

/** The first slice's ops: add … cast, dot, sum/mean/max/argmax, softmax, cross-entropies, shape. */
export const CORE_CASES: FamilyCases = {
  family: 'core',
  fixtureFiles: ['slice-ops.json'],
  builders: OPS,
  verify: cases.map(([name, fn, pt, opts]) => ({ name, fn, pt, opts })),
  buildErrors: [
    {
      op: 'Elemwise',
      name: 'static shapes that do not broadcast',
      build: () =>
        T.add(
          T.tensor('a', { dtype: 'float64', shape: [2, 3] }),
          T.tensor('b', { dtype: 'float64', shape: [3, 2] }),
        ),
      message:
        /Elemwise\{add\}: static shapes do not broadcast in dimension 0: input 0 'a' .* has 2, input 1 'b' .* has 3/,
    },
    {
      op: 'DimShuffle',
      name: 'dropping a non-broadcastable dimension',
      build: () => T.dimshuffle(x(), [1]),
      message: /DimShuffle\{1\}: cannot drop dimension 0 of float64 matrix/,
    },
    {
      op: 'CAReduce',
      name: 'axis out of range',
      build: () => T.sum(x(), { axis: 2 }),
      message: /axis 2 is out of bounds for an array of dimension 2/,
    },
    {
      op: 'Argmax',
      name: 'axis out of range',
      build: () => T.argmax(x(), { axis: -3 }),
      message: /axis -3 is out of bounds/,
    },
    {
      op: 'Dot',
      name: 'misaligned static shapes',
      build: () =>
        T.dot(
          T.tensor('a', { dtype: 'float64', shape: [2, 3] }),
          T.tensor('b', { dtype: 'float64', shape: [4, 2] }),
        ),
      message: /Dot: shapes not aligned: input 0 'a' .* has 3 columns, input 1 'b' .* has 4 rows/,
    },
    {
      op: 'Reshape',
      name: 'size mismatch with a known shape',
      build: () => T.reshape(T.tensor('a', { dtype: 'float64', shape: [2, 3] }), [4, 2]),
      message: /Reshape: cannot reshape array of size 6 into shape \[4, 2\]/,
    },
    {
      op: 'Shape',
      name: 'shape of a non-variable',
      build: () => T.shape({} as never),
      message: /cannot convert argument/,
    },
    {
      op: 'ShapeI',
      name: 'dimension out of range',
      build: () => T.shapeI(x(), 5),
      message: /out of bounds/,
    },
    {
      op: 'MakeVector',
      name: 'a float entry',
      build: () => T.applyOp('MakeVector', {}, [T.dscalar('s')]),
      message: /MakeVector: input 0 's' .* must be an int scalar/,
    },
    {
      op: 'Softmax',
      name: 'int input',
      build: () => T.softmax(T.imatrix('m')),
      message: /Softmax: input 0 'm' .* must be a float tensor/,
    },
    {
      op: 'LogSoftmax',
      name: 'int input',
      build: () => T.logSoftmax(T.imatrix('m')),
      message: /LogSoftmax: input 0 'm' .* must be a float tensor/,
    },
    {
      op: 'CrossentropyCategorical1Hot',
      name: 'float labels',
      build: () => T.categoricalCrossentropy(x(), T.dvector('y').dimshuffle('x', 0).dimshuffle(1)),
      message: /CrossentropyCategorical1Hot: input 1 .* must be an integer tensor/,
    },
    {
      op: 'CrossentropyCategorical1HotGrad',
      name: 'labels of the wrong rank',
      build: () =>
        T.applyOp('CrossentropyCategorical1HotGrad', {}, [T.dvector('g'), x(), T.imatrix('y')]),
      message: /input 1 'y' .* must have 1 dimensions/,
    },
    {
      op: 'CrossentropySoftmax1Hot',
      name: 'a vector of logits',
      build: () => T.crossentropySoftmax1Hot(T.dvector('v'), T.ivector('y')),
      message: /CrossentropySoftmax1Hot: input 0 'v' .* must have 2 dimensions, got 1/,
    },
    {
      op: 'CrossentropySoftmax1HotDx',
      name: 'rows and labels differ',
      build: () =>
        T.applyOp('CrossentropySoftmax1HotDx', {}, [
          T.dvector('g'),
          T.tensor('x', { dtype: 'float64', shape: [3, 4] }),
          T.tensor('y', { dtype: 'int32', shape: [2] }),
        ]),
      message: /number of rows and of labels differ: 3 != 2/,
    },
  ],
};

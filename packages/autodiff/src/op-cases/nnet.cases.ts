import { Generator, type NDArray, array, full } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from '../grad';
import type { BuildErrorCase, FamilyCases, FixtureBuilder, VerifyCase } from './types';

type Params = Record<string, unknown>;

// ---------------------------------------------------------------- conv2d / pool2d / batch norm

const convOpts = (p: Params): T.Conv2dOptions => ({
  borderMode: p.borderMode as T.BorderMode,
  subsample: p.subsample as [number, number],
  filterDilation: p.filterDilation as [number, number],
  filterFlip: p.filterFlip as boolean,
  numGroups: p.numGroups as number,
});
const poolOpts = (p: Params): T.Pool2dOptions => ({
  ws: p.ws as [number, number],
  stride: p.stride as [number, number],
  pad: p.pad as [number, number],
  ignoreBorder: p.ignoreBorder as boolean,
  mode: p.mode as T.Pool2dOptions['mode'],
});
const bnOpts = (p: Params) => ({
  axes: p.axes as T.BatchNormAxes,
  epsilon: p.epsilon as number,
  runningAverageFactor: p.factor as number,
});
/** gamma = 1 / beta = 0 / a running average of the parameters' shape, in x's dtype. */
const paramConst = (p: Params, x: T.Variable, v: number) =>
  T.constant(full(p.paramShape as number[], v, { dtype: x.dtype }));
const bnStat = (
  p: Params,
  x: T.Variable,
  i: number,
  running?: { mean?: T.Variable; var?: T.Variable },
) =>
  T.batchNormalizationTrain(x, paramConst(p, x, 1), paramConst(p, x, 0), {
    ...bnOpts(p),
    ...(running
      ? {
          runningMean: running.mean ?? paramConst(p, x, 0),
          runningVar: running.var ?? paramConst(p, x, 1),
        }
      : {}),
  })[i];

/** How each fixture op name of nnet-ops.json (conv, pool, batch norm, gradient modifiers) is built. */
const BUILDERS: Record<string, FixtureBuilder> = {
  conv2d: (p, [x, w]) => T.conv2d(x, w, convOpts(p)),
  conv2dTranspose: (p, [x, w]) => T.conv2dTranspose(x, w, p.outputShape as number[], convOpts(p)),
  conv2dGradWrtWeights: (p, [x, gz]) =>
    T.conv2dGradWrtWeights(x, gz, p.filterShape as number[], convOpts(p)),
  pool2d: (p, [x]) => T.pool2d(x, poolOpts(p)),
  pool2dGrad: (p, [x, w]) => grad(T.sum(T.mul(T.pool2d(x, poolOpts(p)), w)), x),
  batchNormTrain: (p, [x, g, b]) => T.batchNormalizationTrain(x, g, b, bnOpts(p))[0],
  batchNormTrainMean: (p, [x]) => bnStat(p, x, 1),
  batchNormTrainInvstd: (p, [x]) => bnStat(p, x, 2),
  batchNormTrainRunningMean: (p, [x, rm]) => bnStat(p, x, 3, { mean: rm }),
  batchNormTrainRunningVar: (p, [x, rv]) => bnStat(p, x, 4, { var: rv }),
  batchNormTest: (p, [x, g, b, mu, v]) =>
    T.batchNormalizationTest(x, g, b, mu, v, {
      axes: p.axes as T.BatchNormAxes,
      epsilon: p.epsilon as number,
    }),
  zeroGrad: (_p, [x]) => T.zeroGrad(x),
  disconnectedGrad: (_p, [x]) => T.disconnectedGrad(x),
  gradClip: (p, [x]) => T.gradClip(x, p.lower as number, p.upper as number),
  gradScale: (p, [x]) => T.gradScale(x, p.multiplier as number),
};

const rng = new Generator(20261201);
const u = (shape: number[], lo = -1, hi = 1) => rng.uniform(lo, hi, shape, 'float64');
/** Values at least 0.05 apart (no ties in a pooling window): a shuffled grid with jitter. */
function distinct(shape: number[]): NDArray {
  const n = shape.reduce((p, d) => p * d, 1);
  const perm = rng.permutation(n).toFlat();
  return array(
    Array.from(perm, (k) => (k - (n - 1) / 2) * 0.1 + 0.02 * rng.nextDouble()),
    { dtype: 'float64' },
  ).reshape(shape);
}
const pool = (
  mode: T.Pool2dOptions['mode'],
  extra: Partial<T.Pool2dOptions> = {},
): T.Pool2dOptions => ({
  ws: [2, 2],
  mode,
  ...extra,
});
const pairOf = (v: number | readonly [number, number]): [number, number] =>
  typeof v === 'number' ? [v, v] : [v[0], v[1]];
/** The op params pool2d() makes from its options. */
const poolParams = (o: T.Pool2dOptions): T.Pool2dParams => ({
  ws: pairOf(o.ws),
  stride: pairOf(o.stride ?? o.ws),
  pad: pairOf(o.pad ?? 0),
  ignoreBorder: o.ignoreBorder ?? true,
  mode: o.mode ?? 'max',
});
const C = (a: NDArray) => T.constant(a);
const bnGamma = u([3], 0.5, 1.5);
const labels = array([2, 0, 1, 2], { dtype: 'int32' });

type Case = [string, (...xs: T.Variable[]) => T.Variable, NDArray[], VerifyCase['opts']?];

const cases: Case[] = [
  // conv2d (both inputs), its gradient ops as functions (conv2dTranspose, conv2dGradWrtWeights)
  ['conv2d valid', (x, w) => T.conv2d(x, w), [u([2, 2, 5, 4]), u([3, 2, 3, 2])]],
  [
    'conv2d full, stride 2',
    (x, w) => T.conv2d(x, w, { borderMode: 'full', subsample: 2 }),
    [u([1, 2, 4, 5]), u([2, 2, 3, 3])],
  ],
  [
    'conv2d half, dilation 2, no flip',
    (x, w) => T.conv2d(x, w, { borderMode: 'half', filterDilation: 2, filterFlip: false }),
    [u([1, 1, 6, 6]), u([2, 1, 3, 2])],
  ],
  [
    'conv2d groups 2, padding (1, 2)',
    (x, w) => T.conv2d(x, w, { numGroups: 2, borderMode: [1, 2] }),
    [u([1, 4, 4, 3]), u([4, 2, 2, 2])],
  ],
  [
    'conv2dTranspose (Conv2dGradInputs, both inputs)',
    (x, w) => T.conv2dTranspose(x, w, [5, 7], { subsample: 2, borderMode: 'half' }),
    [u([1, 2, 3, 4]), u([2, 3, 3, 3])],
  ],
  [
    'conv2dGradWrtWeights (Conv2dGradWeights, both inputs)',
    (x, gz) => T.conv2dGradWrtWeights(x, gz, [3, 2, 2, 3], { subsample: [1, 2] }),
    [u([2, 2, 4, 5]), u([2, 3, 3, 2])],
  ],
  [
    'second order: grad of sum(conv2d(x, w) ** 2) wrt w (both inputs)',
    (x, w) => grad(T.sum(T.sqr(T.conv2d(x, w, { subsample: 2 }))), w),
    [u([1, 2, 5, 5]), u([2, 2, 3, 3])],
  ],
  // pooling
  ['pool2d max', (x) => T.pool2d(x, pool('max')), [distinct([1, 2, 4, 4])]],
  [
    'pool2d max, overlapping, padded',
    (x) => T.pool2d(x, pool('max', { ws: 3, stride: [2, 1], pad: 1 })),
    [distinct([1, 1, 5, 4])],
  ],
  [
    'pool2d max, partial border windows',
    (x) => T.pool2d(x, pool('max', { ws: [2, 3], ignoreBorder: false })),
    [distinct([2, 5, 5])],
  ],
  ['pool2d sum', (x) => T.pool2d(x, pool('sum', { stride: 1 })), [u([1, 2, 3, 4])]],
  [
    'pool2d average_inc_pad, padded',
    (x) => T.pool2d(x, pool('average_inc_pad', { ws: 3, stride: 2, pad: 1 })),
    [u([1, 1, 5, 5])],
  ],
  [
    'pool2d average_exc_pad, padded',
    (x) => T.pool2d(x, pool('average_exc_pad', { ws: 3, stride: 2, pad: 1 })),
    [u([1, 1, 5, 5])],
  ],
  [
    'MaxPoolGrad (grad of max pooling as a function; both inputs)',
    (x, w) => grad(T.sum(T.mul(T.pool2d(x, pool('max')), w)), x),
    [distinct([1, 2, 4, 4]), u([1, 2, 2, 2])],
  ],
  [
    'MaxPoolGradGrad (both inputs)',
    (x, g) =>
      T.applyOp('MaxPoolGradGrad', poolParams(pool('max', { ws: 3, stride: 2, pad: 1 })), [x, g])
        .outputs[0],
    [distinct([1, 1, 5, 5]), u([1, 1, 5, 5])],
  ],
  [
    'AveragePoolGrad (both inputs)',
    (x, gz) =>
      T.applyOp(
        'AveragePoolGrad',
        poolParams(pool('average_exc_pad', { ws: 3, stride: 2, pad: 1 })),
        [x, gz],
      ).outputs[0],
    [u([1, 1, 5, 5]), u([1, 1, 3, 3])],
  ],
  [
    'second order: grad of sum(avg pool(x) ** 2) wrt x',
    (x) =>
      grad(T.sum(T.sqr(T.pool2d(x, pool('average_inc_pad', { ws: 3, stride: 2, pad: 1 })))), x),
    [u([1, 1, 5, 5])],
  ],
  // batch normalization (compositions of Elemwise and reductions)
  [
    'batchNormalizationTrain output (x, gamma, beta)',
    (x, g, b) => T.batchNormalizationTrain(x, g, b)[0],
    [u([5, 3], -2, 2), u([3], 0.5, 1.5), u([3])],
  ],
  [
    'batchNormalizationTrain spatial: new running variance (x, running var)',
    (x, rv) =>
      T.batchNormalizationTrain(x, C(bnGamma), C(u([3])), {
        axes: 'spatial',
        runningMean: C(u([3])),
        runningVar: rv,
      })[4],
    [u([2, 3, 2, 2], -2, 2), u([3], 0.5, 1.5)],
  ],
  [
    'batchNormalizationTrain invstd',
    (x) => T.batchNormalizationTrain(x, C(bnGamma), C(u([3])))[2],
    [u([4, 3], -2, 2)],
  ],
  [
    'batchNormalizationTest (all inputs)',
    (x, g, b, mu, v) => T.batchNormalizationTest(x, g, b, mu, v),
    [u([4, 3]), u([3]), u([3]), u([3]), u([3], 0.5, 1.5)],
  ],
  // the cross-entropy gradient ops (core) are differentiable too: double backprop through losses
  [
    'second order: CrossentropyCategorical1HotGrad (grad of categoricalCrossentropy, both float inputs)',
    (p, v) =>
      T.add(
        grad(T.sum(T.mul(T.categoricalCrossentropy(p, C(labels)), v)), p),
        T.dimshuffle(T.sqr(v), [0, 'x']),
      ),
    [u([4, 3], 0.2, 1), u([4], 0.5, 1.5)],
  ],
  [
    'second order: CrossentropySoftmax1HotDx (grad of crossentropySoftmax1Hot, both float inputs)',
    (x, v) =>
      T.add(
        grad(T.sum(T.mul(T.crossentropySoftmax1Hot(x, C(labels)), v)), x),
        T.dimshuffle(T.sqr(v), [0, 'x']),
      ),
    [u([4, 3], -2, 2), u([4], 0.5, 1.5)],
  ],
  // gradient modifiers: finite differences see the forward identity, so each case uses the
  // modifier where the modified gradient is still the true one
  ['gradScale by 1', (x) => T.mul(T.gradScale(x, 1), x), [u([3, 2])]],
  ['gradClip with bounds beyond the gradient', (x) => T.sqr(T.gradClip(x, -10, 10)), [u([3, 2])]],
  [
    'zeroGrad on a term constant in x',
    (x) => T.mul(x, T.zeroGrad(T.add(T.sub(T.sum(x), T.sum(x)), 2))),
    [u([3])],
  ],
  [
    'disconnectedGrad on a term constant in x',
    (x) => T.mul(x, T.disconnectedGrad(T.add(T.sub(T.sum(x), T.sum(x)), 2))),
    [u([3])],
  ],
];

const x4 = (shape: (number | null)[], name = 'x', dtype: 'float64' | 'int32' = 'float64') =>
  T.tensor(name, { dtype, shape });
const maxP = poolParams(pool('max'));

const buildErrors: BuildErrorCase[] = [
  {
    op: 'Conv2d',
    name: 'images and filters with different channels',
    build: () => T.conv2d(x4([2, 3, 5, 5]), x4([4, 2, 3, 3], 'w')),
    message:
      /Conv2d: input 0 'x' .* and input 1 'w' .*: the images have 3 channels but the filters expect 2 per group × 1 groups = 2/,
  },
  {
    op: 'Conv2d',
    name: "an unknown borderMode ('same')",
    build: () => T.conv2d(T.dtensor4('x'), T.dtensor4('w'), { borderMode: 'same' as 'half' }),
    message:
      /Conv2d: borderMode must be 'valid', 'full', 'half' or a pair of non-negative integers, got "same"/,
  },
  {
    op: 'Conv2d',
    name: 'a 3-d input',
    build: () => T.conv2d(T.dtensor3('x'), T.dtensor4('w')),
    message: /Conv2d: input 0 'x' \(float64 tensor3\) must have 4 dimensions, got 3/,
  },
  {
    op: 'Conv2dGradWeights',
    name: 'a float filter shape',
    build: () =>
      T.applyOp(
        'Conv2dGradWeights',
        {
          borderMode: 'valid',
          subsample: [1, 1],
          filterDilation: [1, 1],
          filterFlip: true,
          numGroups: 1,
        },
        [T.dtensor4('x'), T.dtensor4('gz'), T.dvector('k')],
      ),
    message:
      /Conv2dGradWeights: input 2 'k' .* must be an int vector of 2 lengths \(the filter shape \[kh, kw\]\)/,
  },
  {
    op: 'Conv2dGradInputs',
    name: 'an output gradient whose size does not match the image shape',
    build: () => T.conv2dGradWrtInputs(x4([1, 2, 4, 4], 'gz'), x4([2, 3, 3, 3], 'w'), [7, 6]),
    message: /Conv2dGradInputs: output gradient rows: 5 != 4/,
  },
  {
    op: 'Pool',
    name: 'padding as large as the window',
    build: () => T.pool2d(T.dtensor4('x'), { ws: 2, pad: 2 }),
    message: /Pool: padding \(2, 2\) must be smaller than the window \(2, 2\)/,
  },
  {
    op: 'Pool',
    name: 'padding without ignoreBorder',
    build: () => T.pool2d(T.dtensor4('x'), { ws: 3, pad: 1, ignoreBorder: false }),
    message: /Pool: padding works only with ignoreBorder: true/,
  },
  {
    op: 'Pool',
    name: 'a vector',
    build: () => T.pool2d(T.dvector('v'), { ws: 2 }),
    message: /Pool: input 0 'v' .* must have at least 2 dimensions/,
  },
  {
    op: 'MaxPoolGrad',
    name: "a mode other than 'max'",
    build: () =>
      T.applyOp('MaxPoolGrad', { ...maxP, mode: 'sum' }, [T.dtensor4('x'), T.dtensor4('gz')]),
    message: /MaxPoolGrad: mode must be 'max', got 'sum'/,
  },
  {
    op: 'MaxPoolGradGrad',
    name: 'ggx of another rank',
    build: () => T.applyOp('MaxPoolGradGrad', maxP, [T.dtensor4('x'), T.dtensor3('ggx')]),
    message: /MaxPoolGradGrad: input 1 'ggx' .* must have 4 dimensions like input 0 'x'/,
  },
  {
    op: 'AveragePoolGrad',
    name: "mode 'max'",
    build: () => T.applyOp('AveragePoolGrad', maxP, [T.dtensor4('x'), T.dtensor4('gz')]),
    message:
      /AveragePoolGrad: mode must be 'sum', 'average_inc_pad' or 'average_exc_pad', got 'max'/,
  },
  {
    op: 'ZeroGrad',
    name: 'two inputs',
    build: () => T.applyOp('ZeroGrad', {}, [T.dvector('a'), T.dvector('b')]),
    message: /ZeroGrad: expected 1 input, got 2/,
  },
  {
    op: 'DisconnectedGrad',
    name: 'no input',
    build: () => T.applyOp('DisconnectedGrad', {}, []),
    message: /DisconnectedGrad: expected 1 input, got 0/,
  },
  {
    op: 'GradClip',
    name: 'lower above upper',
    build: () => T.gradClip(T.dvector('x'), 1, -1),
    message: /GradClip: lower \(1\) must be a number not above upper \(-1\)/,
  },
  {
    op: 'GradScale',
    name: 'a NaN multiplier',
    build: () => T.gradScale(T.dvector('x'), NaN),
    message: /GradScale: multiplier must be a finite number, got NaN/,
  },
];

/** nnet and signal: conv2d and its gradient ops, pooling and its gradient ops, gradient modifiers. */
export const NNET_CASES: FamilyCases = {
  family: 'nnet',
  fixtureFiles: ['nnet-ops.json'],
  builders: BUILDERS,
  verify: cases.map(([name, fn, pt, opts]) => ({ name, fn, pt, opts })),
  buildErrors,
};

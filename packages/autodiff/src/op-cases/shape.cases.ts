import { type DType, Generator, type NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import type { FamilyCases, FixtureBuilder, VerifyCase } from './types';

type Params = Record<string, unknown>;
type Axes = number | number[];
const axisOpt = (p: Params) => (p.axis === null ? null : (p.axis as Axes));
const num = (p: Params, k: string) => p[k] as number;

/** How each fixture op name of shape-ops.json is built with the theano-ts API. */
const BUILDERS: Record<string, FixtureBuilder> = {
  swapaxes: (p, [x]) => T.swapaxes(x, num(p, 'axis1'), num(p, 'axis2')),
  moveaxis: (p, [x]) => T.moveaxis(x, p.source as Axes, p.destination as Axes),
  squeeze: (p, [x]) => T.squeeze(x, { axis: (p.axis as Axes | null) ?? undefined }),
  expandDims: (p, [x]) => T.expandDims(x, p.axis as Axes),
  shapePadleft: (p, [x]) => T.shapePadleft(x, num(p, 'n')),
  shapePadright: (p, [x]) => T.shapePadright(x, num(p, 'n')),
  shapePadaxis: (p, [x]) => T.shapePadaxis(x, num(p, 'axis')),
  concatenate: (p, xs) => T.concatenate(xs, { axis: num(p, 'axis') }),
  join: (p, xs) => T.join(num(p, 'axis'), ...xs),
  stack: (p, xs) => T.stack(xs, { axis: num(p, 'axis') }),
  horizontalStack: (_p, xs) => T.horizontalStack(...xs),
  verticalStack: (_p, xs) => T.verticalStack(...xs),
  split: (p, [x]) => T.split(x, p.sizes as number[], { axis: num(p, 'axis') })[num(p, 'which')],
  splitSymbolic: (p, [x, s]) =>
    T.split(x, s, { axis: num(p, 'axis'), nSplits: num(p, 'nSplits') })[num(p, 'which')],
  tile: (p, [x]) => T.tile(x, p.reps as number[]),
  repeat: (p, [x]) => T.repeat(x, p.repeats as number | number[], { axis: axisOpt(p) as number }),
  repeatSymbolic: (p, [x, r]) => T.repeat(x, r, { axis: num(p, 'axis') }),
  roll: (p, [x]) => T.roll(x, p.shift as number | number[], { axis: axisOpt(p) }),
  flip: (p, [x]) => T.flip(x, { axis: axisOpt(p) }),
  broadcastTo: (p, [x]) => T.broadcastTo(x, p.shape as number[]),
  alloc: (p, [x]) => T.alloc(x, ...(p.shape as number[])),
  full: (p, [x]) => T.full(p.shape as number[], x),
  zeros: (p) => T.zeros(p.shape as number[], p.dtype as DType),
  ones: (p) => T.ones(p.shape as number[], p.dtype as DType),
  arange: (p, xs) =>
    xs.length
      ? T.arange(xs[0], xs[1], xs[2])
      : T.arange(num(p, 'start'), num(p, 'stop'), num(p, 'step')),
  eye: (p) => T.eye(num(p, 'n'), num(p, 'm'), num(p, 'k'), { dtype: p.dtype as DType }),
  tri: (p) => T.tri(num(p, 'n'), num(p, 'm'), num(p, 'k'), { dtype: p.dtype as DType }),
  tril: (p, [x]) => T.tril(x, num(p, 'k')),
  triu: (p, [x]) => T.triu(x, num(p, 'k')),
  diag: (p, [x]) => T.diag(x, num(p, 'k')),
  diagonal: (p, [x]) =>
    T.diagonal(x, { offset: num(p, 'offset'), axis1: num(p, 'axis1'), axis2: num(p, 'axis2') }),
};

const rng = new Generator(20261130);
const u = (shape: number[], lo = -2, hi = 2) => rng.uniform(lo, hi, shape, 'float64');
const s = (v: number) => array(v, { dtype: 'float64' });
const ivec = (v: number[]) => T.constant(array(v, { dtype: 'int32' }));

// verifyGrad types inputs by rank only (no static shapes): a value that broadcasts must get its
// broadcastable dimensions from the graph (dimshuffle), as Theano requires
const cases: [string, (...xs: T.Variable[]) => T.Variable, NDArray[]][] = [
  [
    'concatenate axis 1 (both inputs)',
    (a, b) => T.concatenate([a, b], { axis: 1 }),
    [u([3, 2]), u([3, 4])],
  ],
  ['join axis 0, three inputs', (a, b, c) => T.join(0, a, b, c), [u([1, 3]), u([2, 3]), u([3, 3])]],
  ['stack axis 1', (a, b) => T.stack([a, b], { axis: 1 }), [u([3, 2]), u([3, 2])]],
  ['split (middle piece)', (a) => T.split(a, [1, 2, 1], { axis: 1 })[1], [u([2, 4])]],
  [
    'split (symbolic sizes, both pieces used)',
    (a) => {
      const [p, q] = T.split(a, ivec([2, 1]), { axis: 0 });
      return T.concatenate([q, p.mul(2)], { axis: 0 });
    },
    [u([3, 2])],
  ],
  ['alloc (vector into a matrix)', (a) => T.alloc(a, 3, 4), [u([4])]],
  ['alloc (broadcastable dim)', (a) => T.alloc(a.dimshuffle(0, 'x'), 2, 3, 4), [u([3])]],
  ['broadcastTo', (a) => T.broadcastTo(a.dimshuffle('x', 0), [3, 2]), [u([2])]],
  ['full (0-d value)', (a) => T.full([2, 3], a), [s(0.7)]],
  ['tile 2x3', (a) => T.tile(a, [2, 3]), [u([2, 2])]],
  ['tile with more reps than dims', (a) => T.tile(a, [2, 1, 3]), [u([3])]],
  ['repeat scalar along axis 1', (a) => T.repeat(a, 3, { axis: 1 }), [u([2, 3])]],
  ['repeat per element along axis 0', (a) => T.repeat(a, [2, 0, 1], { axis: 0 }), [u([3, 2])]],
  ['repeat flattened', (a) => T.repeat(a, 2), [u([2, 2])]],
  ['roll axis 1', (a) => T.roll(a, -1, { axis: 1 }), [u([2, 4])]],
  ['roll flattened', (a) => T.roll(a, 3), [u([2, 3])]],
  ['arange (start, stop, step)', (a, b, c) => T.arange(a, b, c), [s(0.3), s(2.45), s(0.4)]],
  ['diag of a matrix (offset -1)', (a) => T.diag(a, -1), [u([3, 4])]],
  [
    'diagonal of a tensor3 (axes 2, 0, offset 1)',
    (a) => T.diagonal(a, { offset: 1, axis1: 2, axis2: 0 }),
    [u([3, 2, 4])],
  ],
  ['diagonal (adjacent axes 1, 2)', (a) => T.diagonal(a, { axis1: 1, axis2: 2 }), [u([2, 3, 3])]],
  ['diag of a vector (offset 1)', (a) => T.diag(a, 1), [u([3])]],
  ['tril', (a) => T.tril(a, -1), [u([3, 4])]],
  ['triu (batched)', (a) => T.triu(a, 1), [u([2, 3, 3])]],
  ['swapaxes', (a) => T.swapaxes(a, 0, 2), [u([2, 3, 4])]],
  ['moveaxis', (a) => T.moveaxis(a, 0, -1), [u([2, 3, 4])]],
  ['expandDims + squeeze', (a) => T.squeeze(T.expandDims(a, [0, 2]).mul(2)), [u([3, 2])]],
  ['flip axes 0 and 2', (a) => T.flip(a, { axis: [0, 2] }), [u([2, 3, 4])]],
];

const f64 = (name: string, shape: (number | null)[]) => T.tensor(name, { dtype: 'float64', shape });

/** Cases of the shape ops (fixture builders, verifyGrad cases, build-time errors). */
export const SHAPE_CASES: FamilyCases = {
  family: 'shape',
  fixtureFiles: ['shape-ops.json'],
  builders: BUILDERS,
  verify: cases.map(([name, fn, pt]): VerifyCase => ({ name, fn, pt })),
  buildErrors: [
    {
      op: 'Join',
      name: 'concatenate with mismatched static shapes',
      build: () => T.concatenate([f64('a', [2, 3]), f64('b', [2, 4])], { axis: 0 }),
      message:
        /Join: static shapes differ in dimension 1 \(only axis 0 may differ\): input 0 'a' .* has 3, input 1 'b' .* has 4/,
    },
    {
      op: 'Join',
      name: 'zero-dimensional inputs',
      build: () => T.concatenate([T.dscalar('a'), T.dscalar('b')]),
      message: /Join: zero-dimensional input 0 'a' .* cannot be concatenated/,
    },
    {
      op: 'Join',
      name: 'inputs of different ranks',
      build: () => T.concatenate([T.dmatrix('a'), T.dvector('b')]),
      message:
        /Join: all inputs must have the same number of dimensions: input 0 has 2, input 1 'b' .* has 1/,
    },
    {
      op: 'Split',
      name: 'sizes that do not sum to the static length',
      build: () => T.split(f64('x', [5, 2]), [2, 2]),
      message: /Split: the sizes \[2, 2\] sum to 4 but input 0 'x' .* has 5 along axis 0/,
    },
    {
      op: 'Split',
      name: 'float sizes',
      build: () => T.split(T.dmatrix('x'), T.dvector('s'), { nSplits: 2 }),
      message: /Split: input 1 's' .* must be an integer vector of split sizes/,
    },
    {
      op: 'Alloc',
      name: 'a float dimension length',
      build: () => T.alloc(1.5, T.dscalar('n')),
      message:
        /Alloc: input 1 'n' \(float64 scalar\) must be an integer scalar \(a dimension length\)/,
    },
    {
      op: 'Alloc',
      name: 'broadcastTo a shape the static shape does not fit',
      build: () => T.broadcastTo(f64('v', [3]), [2, 4]),
      message: /Alloc: cannot broadcast input 0 'v' .* its dimension 0 is 3, the shape says 4/,
    },
    {
      op: 'Repeat',
      name: 'float repeats',
      build: () => T.repeat(T.dmatrix('x'), T.dvector('r'), { axis: 0 }),
      message: /Repeat: input 1 'r' .* must be an integer scalar or vector of repeats/,
    },
    {
      op: 'Repeat',
      name: 'as many repeats as elements (static)',
      build: () => T.repeat(f64('x', [3, 2]), [1, 2], { axis: 0 }),
      message: /Repeat: input 1 .* has 2 repeats for the 3 elements of input 0 'x'/,
    },
    {
      op: 'Roll',
      name: 'a float shift',
      build: () => T.roll(T.dmatrix('x'), T.dscalar('s'), { axis: 0 }),
      message: /Roll: input 1 's' \(float64 scalar\) must be an integer scalar \(the shift\)/,
    },
    {
      op: 'ARange',
      name: 'a vector argument',
      build: () => T.arange(T.dvector('v')),
      message: /ARange: input 1 'v' \(float64 vector\) must be a numeric scalar \(stop\)/,
    },
    {
      op: 'ARange',
      name: 'a zero step',
      build: () => T.arange(0, 5, 0),
      message: /ARange: step must not be zero/,
    },
    {
      op: 'Eye',
      name: 'a float size',
      build: () => T.eye(T.dscalar('n')),
      message: /Eye: input 0 'n' \(float64 scalar\) must be an integer scalar \(rows\)/,
    },
    {
      op: 'ExtractDiag',
      name: 'diagonal of a vector',
      build: () => T.diagonal(T.dvector('v')),
      message: /ExtractDiag: input 0 'v' .* must have at least 2 dimensions/,
    },
    {
      op: 'ExtractDiag',
      name: 'the same axis twice',
      build: () => T.diagonal(T.dtensor3('t'), { axis1: 1, axis2: -2 }),
      message: /ExtractDiag: axis1 and axis2 cannot be the same \(1\)/,
    },
    {
      op: 'AllocDiag',
      name: 'a matrix (applied directly)',
      build: () => T.applyOp('AllocDiag', { offset: 0 }, [T.dmatrix('m')]),
      message: /AllocDiag: input 0 'm' .* must be a vector/,
    },
    {
      op: 'AllocDiag',
      name: 'diag of a tensor3',
      build: () => T.diag(T.dtensor3('t')),
      message: /diag: input must be 1-d or 2-d, got float64 tensor3/,
    },
    {
      op: 'DimShuffle',
      name: 'squeeze of a dimension that is not broadcastable',
      build: () => T.squeeze(T.dmatrix('m'), { axis: 1 }),
      message:
        /squeeze: cannot remove dimension 1 of float64 matrix: only broadcastable dimensions/,
    },
    {
      op: 'DimShuffle',
      name: 'swapaxes with an axis out of range',
      build: () => T.swapaxes(T.dmatrix('m'), 0, 2),
      message:
        /swapaxes: axis 2 is out of bounds for an array of dimension 2 \(for float64 matrix\)/,
    },
  ],
};

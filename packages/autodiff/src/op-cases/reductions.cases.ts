import { Generator, type NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import type { FamilyCases, FixtureBuilder, VerifyCase } from './types';

type Axis = number | number[] | null;
const reduceOpts = (p: Record<string, unknown>) => ({
  axis: p.axis as Axis,
  keepdims: p.keepdims as boolean,
});

/** How each fixture op of reductions-ops.json is built with the theano-ts API. */
const OPS: Record<string, FixtureBuilder> = {
  prod: (p, [x]) => T.prod(x, reduceOpts(p)),
  min: (p, [x]) => T.min(x, reduceOpts(p)),
  var: (p, [x]) => T.var_(x, { ...reduceOpts(p), ddof: p.ddof as number }),
  std: (p, [x]) => T.std(x, { ...reduceOpts(p), ddof: p.ddof as number }),
  argmin: (p, [x]) =>
    T.argmin(x, { axis: p.axis as number | null, keepdims: p.keepdims as boolean }),
  all: (p, [x]) => T.all(x, reduceOpts(p)),
  any: (p, [x]) => T.any(x, reduceOpts(p)),
  logsumexp: (p, [x]) => T.logsumexp(x, reduceOpts(p)),
  cumsum: (p, [x]) => T.cumsum(x, { axis: p.axis as number | null }),
  cumprod: (p, [x]) => T.cumprod(x, { axis: p.axis as number | null }),
};

const rng = new Generator(20261201);
const u = (shape: number[], lo = -2, hi = 2) => rng.uniform(lo, hi, shape, 'float64');
const f64 = (v: number[][]) => array(v, { dtype: 'float64' });

type Case = [string, (...xs: T.Variable[]) => T.Variable, NDArray[], VerifyCase['opts']?];

const cases: Case[] = [
  ['prod over an axis', (x) => T.prod(x, { axis: 1 }), [u([3, 4], 0.5, 1.5)]],
  ['prod over all, keepdims', (x) => T.prod(x, { keepdims: true }), [u([2, 3], 0.5, 1.5)]],
  [
    'prod with one zero in a row and two in another',
    (x) => T.prod(x, { axis: 1 }),
    [
      f64([
        [0.7, 0, 1.3, -0.9],
        [0, 1.1, 0, 0.8],
        [1.2, -0.6, 0.9, 1.4],
      ]),
    ],
  ],
  ['min over an axis (no ties)', (x) => T.min(x, { axis: 0 }), [u([3, 4])]],
  ['var over an axis', (x) => T.var_(x, { axis: 1 }), [u([3, 4])]],
  ['var ddof 1 over all axes', (x) => T.var_(x, { ddof: 1 }), [u([3, 4])]],
  [
    'std over axes [0, 2], keepdims',
    (x) => T.std(x, { axis: [0, 2], keepdims: true }),
    [u([2, 3, 2])],
  ],
  ['logsumexp over an axis', (x) => T.logsumexp(x, { axis: 1 }), [u([3, 4], -3, 3)]],
  ['logsumexp over all axes of large values', (x) => T.logsumexp(x.add(300)), [u([2, 3], -3, 3)]],
  ['cumsum along axis 0', (x) => T.cumsum(x, { axis: 0 }), [u([3, 4])]],
  ['cumsum flattened', (x) => T.cumsum(x), [u([2, 3])]],
  ['cumprod along axis 1', (x) => T.cumprod(x, { axis: 1 }), [u([3, 4], 0.5, 1.5)]],
  [
    'hessian path: grad of the sum of a cumprod is differentiable',
    (x) => T.cumsum(T.cumprod(x, { axis: 1 }), { axis: 1 }).mul(T.prod(x)),
    [u([2, 3], 0.5, 1.5)],
  ],
];

const x = () => T.dmatrix('x');

/** prod (zero-safe gradient), min, var, std, argmin, all, any, logsumexp, cumsum, cumprod. */
export const REDUCTIONS_CASES: FamilyCases = {
  family: 'reductions',
  fixtureFiles: ['reductions-ops.json'],
  builders: OPS,
  verify: cases.map(([name, fn, pt, opts]) => ({ name, fn, pt, opts })),
  buildErrors: [
    {
      op: 'Argmin',
      name: 'axis out of range (user function)',
      build: () => T.argmin(x(), { axis: 2 }),
      message: /argmin: axis 2 is out of bounds for an array of dimension 2 \(for float64 matrix/,
    },
    {
      op: 'Argmin',
      name: 'axis out of range (op)',
      build: () => T.applyOp('Argmin', { axis: 3 }, [x()]),
      message: /Argmin: axis 3 out of range for float64 matrix[^]*built at/,
    },
    {
      op: 'All',
      name: 'repeated axes',
      build: () => T.applyOp('All', { axes: [0, 0] }, [x()]),
      message: /All: axes \[0, 0\] out of range or repeated for float64 matrix/,
    },
    {
      op: 'All',
      name: 'axis out of range',
      build: () => T.all(x(), { axis: 5 }),
      message: /all: axis 5 is out of bounds/,
    },
    {
      op: 'Any',
      name: 'axis out of range',
      build: () => T.any(x(), { axis: [0, -3] }),
      message: /any: axis -3 is out of bounds/,
    },
    {
      op: 'LogSumExp',
      name: 'axis out of range',
      build: () => T.logsumexp(T.dvector('v'), { axis: 1 }),
      message: /logsumexp: axis 1 is out of bounds for an array of dimension 1/,
    },
    {
      op: 'LogSumExp',
      name: 'axes out of range (op)',
      build: () => T.applyOp('LogSumExp', { axes: [2] }, [x()]),
      message: /LogSumExp: axes \[2\] out of range/,
    },
    {
      op: 'CumOp',
      name: 'axis out of range',
      build: () => T.cumsum(x(), { axis: 2 }),
      message: /cumsum: axis 2 is out of bounds/,
    },
    {
      op: 'CumOp',
      name: 'unknown mode',
      build: () => T.applyOp('CumOp', { axis: 0, mode: 'max' as never, reverse: false }, [x()]),
      message: /CumOp: mode must be 'add' or 'mul', got "max"/,
    },
    {
      op: 'CAReduce',
      name: 'var with a negative ddof',
      build: () => T.var_(x(), { ddof: -1 }),
      message: /var: ddof must be a non-negative integer, got -1/,
    },
    {
      op: 'CAReduce',
      name: 'prod over an axis out of range',
      build: () => T.prod(x(), { axis: -3 }),
      message: /axis -3 is out of bounds/,
    },
  ],
};

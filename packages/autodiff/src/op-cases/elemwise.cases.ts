import { Generator, type NDArray, array, elemwise } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import type { FamilyCases, FixtureBuilder, VerifyCase } from './types';

type Unary = (x: T.TensorLike) => T.Variable;
type Binary = (a: T.TensorLike, b: T.TensorLike) => T.Variable;

const UNARY: Record<string, Unary> = {
  exp2: T.exp2,
  log2: T.log2,
  log10: T.log10,
  sin: T.sin,
  cos: T.cos,
  tan: T.tan,
  arcsin: T.arcsin,
  arccos: T.arccos,
  arctan: T.arctan,
  sinh: T.sinh,
  cosh: T.cosh,
  arcsinh: T.arcsinh,
  arccosh: T.arccosh,
  arctanh: T.arctanh,
  ceil: T.ceil,
  floor: T.floor,
  trunc: T.trunc,
  roundHalfAwayFromZero: T.roundHalfAwayFromZero,
  erf: T.erf,
  erfc: T.erfc,
  erfinv: T.erfinv,
  gammaln: T.gammaln,
  psi: T.psi,
  log1mexp: T.log1mexp,
  logicalNot: T.logicalNot,
  invert: T.invert,
  selu: T.selu,
  softsign: T.softsign,
  hardSigmoid: T.hardSigmoid,
};
const BINARY: Record<string, Binary> = {
  intDiv: T.intDiv,
  mod: T.mod,
  arctan2: T.arctan2,
  logicalAnd: T.logicalAnd,
  logicalOr: T.logicalOr,
  logicalXor: T.logicalXor,
  bitwiseAnd: T.bitwiseAnd,
  bitwiseOr: T.bitwiseOr,
  bitwiseXor: T.bitwiseXor,
  binaryCrossentropy: T.binaryCrossentropy,
  sigmoidBinaryCrossentropy: T.sigmoidBinaryCrossentropy,
};

/** How each fixture op of elemwise-ops.json is built with the theano-ts API. */
const OPS: Record<string, FixtureBuilder> = {
  ...Object.fromEntries(Object.entries(UNARY).map(([k, f]) => [k, (_p, [x]) => f(x)])),
  ...Object.fromEntries(Object.entries(BINARY).map(([k, f]) => [k, (_p, [a, b]) => f(a, b)])),
  clip: (_p, [x, lo, hi]) => T.clip(x, lo, hi),
  clipScalar: (p, [x]) => T.clip(x, p.min as number, p.max as number),
  round: (_p, [x]) => T.round(x),
  polygamma: (p, [x]) => T.polygamma(p.n as number, x),
  isnanOfLog: (_p, [x]) => T.isnan(T.log(x)),
  isinfOfReciprocal: (_p, [x]) => T.isinf(T.reciprocal(x)),
  isfiniteOfLog: (_p, [x]) => T.isfinite(T.log(x)),
  isclose: (p, [a, b]) => T.isclose(a, b, { rtol: p.rtol as number, atol: p.atol as number }),
  relu: (p, [x]) => T.relu(x, p.alpha as number),
  elu: (p, [x]) => T.elu(x, p.alpha as number),
  logSoftmax: (p, [x]) => T.logSoftmax(x, { axis: p.axis as number }),
  makeVector: (_p, xs) => T.makeVector(xs),
};

const rng = new Generator(20261130);
const u = (shape: number[], lo = -2, hi = 2) => rng.uniform(lo, hi, shape, 'float64');
/** Values in [lo, hi] with random signs: away from 0 (kinks, poles). */
const away = (shape: number[], lo = 0.3, hi = 2) =>
  elemwise([u(shape, lo, hi), u(shape, 0, 1)], 'float64', (v, r) => (r < 0.5 ? -v : v));
const f64 = (v: number[] | number[][]) => array(v, { dtype: 'float64' });

type Case = [string, (...xs: T.Variable[]) => T.Variable, NDArray[], VerifyCase['opts']?];

/** verifyGrad (finite differences) of every differentiable input of every op of the family. */
const cases: Case[] = [
  [
    'mod w.r.t. both inputs',
    (a, b) => T.mod(a, b),
    [f64([[2.3, -1.7, 4.1]]), f64([[0.9, 1.3, -1.6]])],
  ],
  [
    'intDiv (zero gradient)',
    (a, b) => T.intDiv(a, b),
    [f64([[2.3, -1.7, 4.1]]), f64([[0.9, 1.3, -1.6]])],
  ],
  ['arctan2 w.r.t. y and x', (y, x) => T.arctan2(y, x), [u([2, 3]), away([2, 3])]],
  [
    'clip w.r.t. x, min and max (tensor bounds)',
    (x, lo, hi) => T.clip(x, lo, hi),
    [f64([[-2.1, -0.2, 0.4, 1.9]]), f64([[-1, -1, -1, -1]]), f64([[1.2, 1.2, 1.2, 1.2]])],
  ],
  ['exp2', (x) => T.exp2(x), [u([2, 3])]],
  ['log2', (x) => T.log2(x), [u([2, 3], 0.3, 4)]],
  ['log10', (x) => T.log10(x), [u([2, 3], 0.3, 4)]],
  ['sin', (x) => T.sin(x), [u([2, 3], -3, 3)]],
  ['cos', (x) => T.cos(x), [u([2, 3], -3, 3)]],
  ['tan', (x) => T.tan(x), [u([2, 3], -1.2, 1.2)]],
  ['arcsin', (x) => T.arcsin(x), [u([2, 3], -0.9, 0.9)]],
  ['arccos', (x) => T.arccos(x), [u([2, 3], -0.9, 0.9)]],
  ['arctan', (x) => T.arctan(x), [u([2, 3], -3, 3)]],
  ['sinh', (x) => T.sinh(x), [u([2, 3])]],
  ['cosh', (x) => T.cosh(x), [u([2, 3])]],
  ['arcsinh', (x) => T.arcsinh(x), [u([2, 3], -3, 3)]],
  ['arccosh', (x) => T.arccosh(x), [u([2, 3], 1.2, 4)]],
  ['arctanh', (x) => T.arctanh(x), [u([2, 3], -0.9, 0.9)]],
  [
    'ceil, floor, trunc (zero gradient)',
    (x) => T.ceil(x).add(T.floor(x)).add(T.trunc(x)),
    [f64([[0.3, -1.7, 2.2]])],
  ],
  [
    'round, both modes (zero gradient)',
    (x) => T.round(x).add(T.roundHalfAwayFromZero(x)),
    [f64([[0.3, -1.7, 2.2]])],
  ],
  ['erf', (x) => T.erf(x), [u([2, 3])]],
  ['erfc', (x) => T.erfc(x), [u([2, 3], -1, 3)]],
  ['erfinv', (x) => T.erfinv(x), [u([2, 3], -0.95, 0.95)]],
  ['gammaln (positive and negative x)', (x) => T.gammaln(x), [f64([[0.3, 1.5, 4.2, -0.4, -2.6]])]],
  ['psi (positive and negative x)', (x) => T.psi(x), [f64([[0.3, 1.5, 4.2, -0.4, -2.6]])]],
  ['polygamma n = 1, 2', (x) => T.polygamma(1, x).add(T.polygamma(2, x)), [u([2, 3], 0.5, 4)]],
  ['triGamma', (x) => T.triGamma(x), [u([2, 3], 0.5, 4)]],
  ['log1mexp', (x) => T.log1mexp(x), [u([2, 3], -5, -0.05)]],
  ['relu with alpha', (x) => T.relu(x, 0.2), [away([2, 3])]],
  ['elu', (x) => T.elu(x), [away([2, 3])]],
  ['selu', (x) => T.selu(x), [away([2, 3])]],
  ['softsign', (x) => T.softsign(x), [u([2, 3], -3, 3)]],
  ['hardSigmoid', (x) => T.hardSigmoid(x), [f64([[-3.1, -1.2, 0.4, 2.0, 2.9]])]],
  [
    'binaryCrossentropy w.r.t. output and target',
    (p, t) => T.binaryCrossentropy(p, t),
    [u([2, 3], 0.1, 0.9), u([2, 3], 0, 1)],
  ],
  [
    'sigmoidBinaryCrossentropy w.r.t. logits and target',
    (x, t) => T.sigmoidBinaryCrossentropy(x, t),
    [away([2, 3], 0.2, 4), u([2, 3], 0, 1)],
  ],
  [
    'hessian path: grad of sum(erf(x) * gammaln(x)) is itself differentiable',
    (x) => {
      const c = T.sum(T.mul(T.erf(x), T.gammaln(x)));
      return T.mul(x, x).add(T.erfinv(T.tanh(x)).mul(c));
    },
    [u([3], 0.5, 1.5)],
  ],
];

const m = (name = 'x', dtype: 'float64' | 'int32' | 'bool' = 'float64') =>
  T.matrix(name, { dtype });

/**
 * The elementwise scalar ops of issue 4 (intDiv … invert, each an Elemwise of a scalar op) and
 * the nnet activations and losses built from them; the fixture file also covers the core ops
 * LogSoftmax and MakeVector, which slice-ops.json lacked.
 */
export const ELEMWISE_CASES: FamilyCases = {
  family: 'elemwise',
  fixtureFiles: ['elemwise-ops.json'],
  builders: OPS,
  verify: cases.map(([name, fn, pt, opts]) => ({ name, fn, pt, opts })),
  buildErrors: [
    {
      op: 'Elemwise',
      name: 'bitwiseAnd of a float tensor',
      build: () => T.bitwiseAnd(T.imatrix('i'), m('x')),
      message:
        /bitwiseAnd: input 1 'x' \(float64 matrix.*\) must be an integer or bool tensor; bitwise ops are not defined on float64[^]*built at/,
    },
    {
      op: 'Elemwise',
      name: 'invert of a float tensor (method ~x)',
      build: () => m('x').invert(),
      message: /invert: input 0 'x' .* must be an integer tensor/,
    },
    {
      op: 'Elemwise',
      name: 'a bitwise scalar op applied to floats directly',
      build: () => T.elemwiseOp('bitwiseOr', [T.imatrix('i'), m('x')]),
      message:
        /Elemwise\{bitwiseOr\}: input 1 has dtype float64; bitwiseOr takes integer or bool tensors/,
    },
    {
      op: 'Elemwise',
      name: 'polygamma with a float order',
      build: () => T.polygamma(T.dscalar('n'), m('x')),
      message: /polygamma: input 0 'n' .* must be an integer tensor \(the order n\)/,
    },
    {
      op: 'Elemwise',
      name: 'round with an unknown mode',
      build: () => T.round(m('x'), { mode: 'half_up' as never }),
      message: /round: mode must be 'half_to_even' or 'half_away_from_zero', got "half_up"/,
    },
    {
      op: 'Elemwise',
      name: 'isclose with a negative tolerance',
      build: () => T.isclose(m('a'), m('b'), { rtol: -1 }),
      message: /isclose: rtol and atol must be >= 0/,
    },
    {
      op: 'Elemwise',
      name: 'arctan2 of static shapes that do not broadcast',
      build: () =>
        T.arctan2(
          T.tensor('y', { dtype: 'float64', shape: [2, 3] }),
          T.tensor('x', { dtype: 'float64', shape: [3, 3] }),
        ),
      message:
        /Elemwise\{arctan2\}: static shapes do not broadcast in dimension 0: input 0 'y' .* has 2, input 1 'x' .* has 3/,
    },
    {
      op: 'Elemwise',
      name: 'clip with bounds of another static shape',
      build: () =>
        T.clip(
          T.tensor('x', { dtype: 'float64', shape: [2, 3] }),
          T.tensor('lo', { dtype: 'float64', shape: [2, 4] }),
          1,
        ),
      message: /Elemwise\{clip\}: static shapes do not broadcast in dimension 1/,
    },
    {
      op: 'Elemwise',
      name: 'clip applied with two inputs',
      build: () => T.applyOp('Elemwise', { scalarOp: { name: 'clip' } }, [m('x'), m('y')]),
      message: /Elemwise\{clip\}: expected 3 inputs, got 2/,
    },
    {
      op: 'Elemwise',
      name: 'elu of an int tensor',
      build: () => T.elu(T.imatrix('m')),
      message: /elu: input 0 'm' .* must be a float tensor/,
    },
    {
      op: 'Elemwise',
      name: 'binaryCrossentropy of int outputs',
      build: () => T.binaryCrossentropy(T.ivector('p'), T.dvector('t')),
      message: /binaryCrossentropy: input 0 'p' .* must be a float tensor \(output\)/,
    },
  ],
};

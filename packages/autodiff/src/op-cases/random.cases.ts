import * as T from '@theano-ts/symbolic';
import type { DType } from '@theano-ts/tensor';
import type { BuildErrorCase, FamilyCases, FixtureBuilder } from './types';

type Params = Record<string, unknown>;
type DistKind = Parameters<typeof T.randomDraw>[0];

/** A draw of `kind` on the fixture's state input, its output `which` (0: next state, 1: sample). */
const dist =
  (kind: DistKind, which: 0 | 1): FixtureBuilder =>
  (p: Params, [rng, a, b]) =>
    T.randomDraw(kind, rng, p.size as number[], [a, b], { dtype: p.dtype as DType })[which];

/**
 * How each fixture op name of random-ops.json is built (the fixture gives the RNG state as an
 * int32 input `rng`; tools/fixtures/gen_random.py draws from the same Philox stream in Python).
 */
const BUILDERS: Record<string, FixtureBuilder> = {
  uniform: dist('RandomUniform', 1),
  uniformNextState: dist('RandomUniform', 0),
  normal: dist('RandomNormal', 1),
  normalNextState: dist('RandomNormal', 0),
  truncatedNormal: dist('RandomTruncatedNormal', 1),
  truncatedNormalNextState: dist('RandomTruncatedNormal', 0),
  binomial: dist('RandomBinomial', 1),
  binomialNextState: dist('RandomBinomial', 0),
  randint: dist('RandomRandint', 1),
  randintNextState: dist('RandomRandint', 0),
  choice: (p, [rng, ...rest]) => {
    const withPop = p.n === undefined;
    const a = withPop ? rest[0] : (p.n as number);
    const pv = withPop ? rest[1] : rest[0];
    return T.randomChoice(rng, p.size as number[], a, {
      replace: p.replace as boolean,
      ...(pv ? { p: pv } : {}),
    })[1];
  },
  permutation: (p, [rng, x]) => T.randomPermutation(rng, x ?? (p.n as number))[1],
};

const rng = () => T.tensor('rng', { dtype: 'int32', shape: [4] });
const draw = (
  kind: DistKind,
  size: T.RandomSize,
  a: T.TensorLike,
  b: T.TensorLike,
  dtype?: DType,
) => T.randomDraw(kind, rng(), size, [a, b], dtype ? { dtype } : {});
const userLine = /The expression was built at .*random\.cases\.ts/;

const buildErrors: BuildErrorCase[] = [
  {
    op: 'RandomUniform',
    name: 'low > high (constants)',
    build: () => draw('RandomUniform', [3], 2, 1),
    message: /RandomUniform: low must be <= high \(both finite\), got low = 2 > high = 1/,
  },
  {
    op: 'RandomUniform',
    name: 'the error names the user line',
    build: () => draw('RandomUniform', [3], 2, 1),
    message: userLine,
  },
  {
    op: 'RandomUniform',
    name: 'a negative size',
    build: () => draw('RandomUniform', [2, -1], 0, 1),
    message: /RandomUniform: size\[1\] must be a non-negative integer, got -1/,
  },
  {
    op: 'RandomUniform',
    name: 'a non-integer size',
    build: () => draw('RandomUniform', [2.5], 0, 1),
    message: /RandomUniform: size\[0\] must be a non-negative integer, got 2.5/,
  },
  {
    op: 'RandomUniform',
    name: 'an integer dtype',
    build: () => draw('RandomUniform', [2], 0, 1, 'int32'),
    message: /RandomUniform: dtype must be a float dtype, got int32/,
  },
  {
    op: 'RandomUniform',
    name: 'a size vector of unknown length without ndim',
    build: () => draw('RandomUniform', T.ivector('s'), 0, 1),
    message: /RandomUniform: size s has no static length: pass \{ ndim \}/,
  },
  {
    op: 'RandomUniform',
    name: 'a parameter that does not broadcast to size',
    build: () => draw('RandomUniform', [2, 3], T.constant([0, 0]), 1),
    message: /RandomUniform: input 2 .* \(low\) does not broadcast to size \(2, 3\)/,
  },
  {
    op: 'RandomUniform',
    name: 'a state that is not 4 int32 words',
    build: () => T.randomDraw('RandomUniform', T.fvector('r'), [2], [0, 1]),
    message: /RandomUniform: input 0 'r' .* must be an RNG state \(int32 vector of 4 words/,
  },
  {
    op: 'RandomNormal',
    name: 'a negative std',
    build: () => draw('RandomNormal', [3], T.dvector('avg'), -1),
    message: /RandomNormal: std must be non-negative, got std = -1/,
  },
  {
    op: 'RandomTruncatedNormal',
    name: 'a negative std',
    build: () => draw('RandomTruncatedNormal', [3], 0, -0.5),
    message: /RandomTruncatedNormal: std must be non-negative, got std = -0.5/,
  },
  {
    op: 'RandomBinomial',
    name: 'n < 0',
    build: () => draw('RandomBinomial', [3], -2, 0.5),
    message: /RandomBinomial: n must be a non-negative integer, got n = -2/,
  },
  {
    op: 'RandomBinomial',
    name: 'p outside [0, 1] (n unknown)',
    build: () => draw('RandomBinomial', [3], T.iscalar('n'), 1.5),
    message: /RandomBinomial: p must be in \[0, 1\], got p = 1.5/,
  },
  {
    op: 'RandomRandint',
    name: 'low >= high',
    build: () => draw('RandomRandint', [3], 5, 5),
    message: /RandomRandint: low must be < high, got low = 5 >= high = 5/,
  },
  {
    op: 'RandomRandint',
    name: 'a float dtype',
    build: () => draw('RandomRandint', [3], 0, 5, 'float32'),
    message: /RandomRandint: dtype must be an integer dtype, got float32/,
  },
  {
    op: 'RandomChoice',
    name: 'more draws than the population without replacement',
    build: () => T.randomChoice(rng(), [2, 3], 5, { replace: false }),
    message:
      /RandomChoice: cannot take a larger sample than the population when replace is false: expected at most 5 draws, got 6/,
  },
  {
    op: 'RandomChoice',
    name: 'p not summing to 1',
    build: () => T.randomChoice(rng(), [2], 3, { p: T.constant([0.5, 0.2, 0.2]) }),
    message: /RandomChoice: probabilities do not sum to 1: expected a sum of 1, got 0.9/,
  },
  {
    op: 'RandomChoice',
    name: 'p of the wrong length',
    build: () => T.randomChoice(rng(), [2], 3, { p: T.constant([0.5, 0.5]) }),
    message: /RandomChoice: a and p must have the same size: expected 3 probabilities, got 2/,
  },
  {
    op: 'RandomPermutation',
    name: 'a float scalar',
    build: () => T.randomPermutation(rng(), T.dscalar('n')),
    message: /RandomPermutation: input 1 'n' .* must be an integer n/,
  },
  {
    op: 'RandomPermutation',
    name: 'a negative n',
    build: () => T.randomPermutation(rng(), -3),
    message: /RandomPermutation: n must be a non-negative integer, got -3/,
  },
];

/** Random ops: samples and next states against an independent Python Philox implementation. */
export const RANDOM_CASES: FamilyCases = {
  family: 'random',
  fixtureFiles: ['random-ops.json'],
  builders: BUILDERS,
  verify: [],
  buildErrors,
};

import { Generator, type NDArray, type NestedArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import type { FamilyCases, FixtureBuilder, VerifyCase } from './types';

type Params = Record<string, unknown>;
type Bound = number | null | { input: number };
type Entry =
  | number
  | '...'
  | { slice: [Bound, Bound, Bound] }
  | { input: number }
  | { mask: number }
  | { array: NestedArray[] }
  | { boolArray: NestedArray[] };

/** The index of a fixture case (see tools/fixtures/gen_shape_indexing.py) as `get` arguments. */
function indexArgs(p: Params, vars: T.Variable[]): T.IndexArg[] {
  const bound = (b: Bound) => (b !== null && typeof b === 'object' ? vars[b.input] : b);
  return (p.index as Entry[]).map((e): T.IndexArg => {
    if (typeof e === 'number' || e === '...') return e;
    if ('slice' in e) return T.slice(bound(e.slice[0]), bound(e.slice[1]), bound(e.slice[2]));
    if ('input' in e) return vars[e.input];
    if ('mask' in e) return T.neq(vars[e.mask], 0);
    if ('array' in e) return e.array;
    return array(e.boolArray);
  });
}

/** How each fixture op name of indexing-ops.json is built with the theano-ts API. */
const BUILDERS: Record<string, FixtureBuilder> = {
  get: (p, vars) => vars[0].get(...indexArgs(p, vars)),
  setSubtensor: (p, vars) => T.setSubtensor(vars[0].get(...indexArgs(p, vars)), vars[1]),
  incSubtensor: (p, vars) =>
    T.incSubtensor(vars[0].get(...indexArgs(p, vars)), vars[1], {
      ignoreDuplicates: p.ignoreDuplicates as boolean | undefined,
    }),
  take: (p, [x, i]) => T.take(x, i, { axis: p.axis as number | null }),
  takeAlongAxis: (p, [x, i]) => T.takeAlongAxis(x, i, p.axis as number),
  nonzero: (p, [x]) => T.nonzero(x)[p.which as number],
  flatnonzero: (_p, [x]) => T.flatnonzero(x),
  nonzeroValues: (_p, [x]) => T.nonzeroValues(x),
};

const rng = new Generator(20261201);
const u = (shape: number[]) => rng.uniform(-2, 2, shape, 'float64');
const s = (v: number) => array(v, { dtype: 'float64' });
const iv = (v: NestedArray[]) => T.constant(array(v, { dtype: 'int32' }));
const ALL = T.slice();

const cases: [string, (...xs: T.Variable[]) => T.Variable, NDArray[]][] = [
  // Subtensor
  ['get an int and a negative-step slice', (a) => a.get(1, T.slice(null, null, -2)), [u([3, 5])]],
  ['get negative bounds, step -1', (a) => a.get(T.slice(-1, 0, -1), T.slice(-3, -1)), [u([4, 4])]],
  ['get with an ellipsis', (a) => a.get('...', 0), [u([2, 3, 2])]],
  [
    'get with an int constant variable',
    (a) => a.get(T.constant(-1, undefined, 'int32')),
    [u([3, 2])],
  ],
  // IncSubtensor (x and y)
  ['setSubtensor of a row (x and y)', (a, b) => T.setSubtensor(a.get(1), b), [u([3, 4]), u([4])]],
  [
    'setSubtensor broadcast 0-d y',
    (a, b) => a.get(T.slice(null, null, 2), 1).set(b),
    [u([4, 3]), s(0.5)],
  ],
  [
    'incSubtensor negative-step slice (x and y)',
    (a, b) => T.incSubtensor(a.get(ALL, T.slice(3, null, -2)), b),
    [u([3, 4]), u([3, 2])],
  ],
  [
    'incSubtensor of a block, y broadcast over rows',
    (a, b) => a.get(T.slice(0, 2), T.slice(1, 3)).inc(b.dimshuffle('x', 0)),
    [u([3, 4]), u([2])],
  ],
  // AdvancedSubtensor
  ['get an int array with duplicates', (a) => a.get([4, 0, -1, 0]), [u([5, 3])]],
  ['get two broadcast index arrays', (a) => a.get([[0], [2]], [[1, 3, 3]]), [u([3, 4])]],
  ['get slice, then an array (adjacent)', (a) => a.get(ALL, [3, 0, 3]), [u([2, 4, 3])]],
  [
    'get array, slice, array (non-adjacent)',
    (a) => a.get([2, 0], T.slice(1, 3), [1, 4]),
    [u([3, 4, 5])],
  ],
  ['get a boolean mask', (a) => a.get(a.gt(0)), [u([3, 4])]],
  ['take along axis 1', (a) => T.take(a, iv([2, 0, 2]), { axis: 1 }), [u([3, 4])]],
  [
    'takeAlongAxis axis 0',
    (a) =>
      T.takeAlongAxis(
        a,
        iv([
          [2, 0, 1],
          [0, 0, 2],
        ]),
        0,
      ),
    [u([3, 3])],
  ],
  ['nonzeroValues', (a) => T.nonzeroValues(T.relu(a)), [u([3, 4])]],
  // AdvancedIncSubtensor (x and y)
  [
    'incSubtensor with duplicates accumulates (x and y)',
    (a, b) => T.incSubtensor(a.get(iv([0, 2, 0, 0])), b),
    [u([4, 3]), u([4, 3])],
  ],
  [
    'incSubtensor of pairs, y broadcast',
    (a, b) => T.incSubtensor(a.get([1, 1, 0], [2, 0, 2]), b),
    [u([3, 3]), s(0.3)],
  ],
  [
    'setSubtensor at an int array (x and y)',
    (a, b) => T.setSubtensor(a.get(iv([3, 1])), b),
    [u([5, 3]), u([2, 3])],
  ],
  [
    'setSubtensor at a boolean mask',
    (a, b) => T.setSubtensor(a.get(a.lt(0)), b),
    [u([3, 4]), s(-0.25)],
  ],
];

const x34 = () => T.tensor('x', { dtype: 'float64', shape: [3, 4] });

/** Cases of the indexing ops (fixture builders, verifyGrad cases, build-time errors). */
export const INDEXING_CASES: FamilyCases = {
  family: 'indexing',
  fixtureFiles: ['indexing-ops.json'],
  builders: BUILDERS,
  verify: cases.map(([name, fn, pt]): VerifyCase => ({ name, fn, pt })),
  buildErrors: [
    {
      op: 'Subtensor',
      name: 'an index out of range for a static shape',
      build: () => x34().get(5),
      message: /Subtensor: index 5 is out of bounds for axis 0 with size 3 \(input 0 'x'/,
    },
    {
      op: 'Subtensor',
      name: 'a negative index out of range for a static shape',
      build: () => x34().get(0, -5),
      message: /Subtensor: index -5 is out of bounds for axis 1 with size 4/,
    },
    {
      op: 'Subtensor',
      name: 'too many indices',
      build: () => T.dvector('v').get(0, 1),
      message: /Subtensor: too many indices for input 0 'v' \(float64 vector\): 2 given/,
    },
    {
      op: 'Subtensor',
      name: 'a float scalar index',
      build: () => T.dmatrix('m').get(T.dscalar('i')),
      message: /Subtensor: input 1 'i' \(float64 scalar\) must be an integer scalar index/,
    },
    {
      op: 'Subtensor',
      name: 'a non-integer number',
      build: () => T.dmatrix('m').get(1.5),
      message: /Subtensor: index 0 must be an integer, got 1.5/,
    },
    {
      op: 'Subtensor',
      name: 'a zero step',
      build: () => T.dmatrix('m').get(T.slice(null, null, 0)),
      message: /Subtensor: slice step cannot be zero/,
    },
    {
      op: 'IncSubtensor',
      name: 'y of higher rank than the region',
      build: () => T.setSubtensor(T.dmatrix('m').get(0), T.dmatrix('y')),
      message: /SetSubtensor: input 1 'y' .* has 2 dimensions but the indexed region of x has 1/,
    },
    {
      op: 'IncSubtensor',
      name: 'y of a wider dtype',
      build: () => T.incSubtensor(T.fmatrix('m').get(0), T.dvector('y')),
      message:
        /IncSubtensor: input 1 'y' \(float64 vector\) must have the dtype of x \(float32\); cast it first/,
    },
    {
      op: 'IncSubtensor',
      name: 'y that does not broadcast to the static region',
      build: () =>
        T.incSubtensor(
          x34().get(T.slice(0, 2)),
          T.tensor('y', { dtype: 'float64', shape: [3, 4] }),
        ),
      message:
        /IncSubtensor: input 1 'y' .* does not broadcast to the indexed region \(2, 4\): dimension 0 is 3, the region has 2/,
    },
    {
      op: 'IncSubtensor',
      name: 'setSubtensor of something that is not indexing',
      build: () => T.setSubtensor(T.dmatrix('m').T, 0),
      message: /setSubtensor: the first argument must be the result of indexing, x.get\(…\)/,
    },
    {
      op: 'AdvancedSubtensor',
      name: 'a float index array',
      build: () => T.dmatrix('m').get(T.dvector('idx')),
      message:
        /AdvancedSubtensor: input 1 'idx' \(float64 vector\) must be an integer or boolean index array/,
    },
    {
      op: 'AdvancedSubtensor',
      name: 'a constant index out of range for a static shape',
      build: () => x34().get([0, 5]),
      message: /AdvancedSubtensor: index 5 is out of bounds for axis 0 with size 3/,
    },
    {
      op: 'AdvancedSubtensor',
      name: 'index arrays that do not broadcast (static shapes)',
      build: () =>
        T.dmatrix('m').get(
          T.tensor('i', { dtype: 'int32', shape: [2] }),
          T.tensor('j', { dtype: 'int32', shape: [3] }),
        ),
      message:
        /AdvancedSubtensor: shape mismatch: indexing arrays could not be broadcast together with shapes \(2\) \(3\)/,
    },
    {
      op: 'AdvancedSubtensor',
      name: 'a boolean mask of the wrong static shape',
      build: () => x34().get(T.tensor('b', { dtype: 'bool', shape: [4] })),
      message:
        /AdvancedSubtensor: boolean index did not match indexed array along dimension 0; dimension is 3 but corresponding boolean dimension is 4/,
    },
    {
      op: 'AdvancedIncSubtensor',
      name: 'y that does not broadcast to the static region',
      build: () =>
        T.incSubtensor(
          x34().get(T.tensor('i', { dtype: 'int32', shape: [2] })),
          T.tensor('y', { dtype: 'float64', shape: [3, 4] }),
        ),
      message:
        /AdvancedIncSubtensor: input 1 'y' .* does not broadcast to the indexed region \(2, 4\)/,
    },
    {
      op: 'AdvancedIncSubtensor',
      name: 'a float y into an int x',
      build: () => T.setSubtensor(T.imatrix('m').get(T.ivector('i')), T.dvector('y')),
      message:
        /AdvancedSetSubtensor: input 1 'y' \(float64 vector\) must have the dtype of x \(int32\)/,
    },
    {
      op: 'Nonzero',
      name: 'a 0-d input',
      build: () => T.nonzero(T.dscalar('s')),
      message: /Nonzero: input 0 's' \(float64 scalar\) must have at least one dimension/,
    },
  ],
};

/**
 * The ops of the first slice against independent references: forward values from NumPy and
 * gradients of sum(out * u) from PyTorch autograd (float64), read from the committed fixture
 * written by tools/fixtures/generate.py (see tools/fixtures/README.md to regenerate it).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { type DType, type NDArray, type NestedArray, array } from '@theano-ts/tensor';
import { grad } from './index';

interface FixtureArray {
  dtype: 'float64' | 'float32' | 'int32';
  shape: number[];
  values: NestedArray;
}
interface FixtureInput extends FixtureArray {
  name: string;
}
interface FixtureGrad extends FixtureArray {
  input: string;
}
interface FixtureCase {
  name: string;
  op: string;
  params: Record<string, unknown>;
  inputs: FixtureInput[];
  expected: FixtureArray;
  differentiable: boolean;
  u?: FixtureArray;
  grads?: FixtureGrad[];
}
interface Fixture {
  numpy: string;
  torch: string;
  cases: FixtureCase[];
}

const fixture = JSON.parse(
  fs.readFileSync(new URL('../fixtures/slice-ops.json', import.meta.url), 'utf8'),
) as Fixture;

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

/**
 * Cases where theano-ts is known to disagree with the references, with the reason; they run
 * as `it.fails` so that fixing the code turns them red until the entry is removed.
 */
const KNOWN_FAILURES: Record<string, string> = {};

function flat(values: NestedArray): number[] {
  return Array.isArray(values) ? (values as NestedArray[]).flatMap(flat) : [values as number];
}

/**
 * allclose with a tolerance relative to the array's scale: |a - e| <= rtol * max(|e|, max|E|)
 * for floats (so exact zeros in a gradient are compared at the array's magnitude), exact
 * equality for ints. Also checks shape. Returns readable mismatches (empty when close).
 */
function mismatches(actual: NDArray, want: FixtureArray, rtol: number): string[] {
  if (JSON.stringify(actual.shape) !== JSON.stringify(want.shape))
    return [`shape [${actual.shape.join(', ')}], expected [${want.shape.join(', ')}]`];
  const a = Array.from(actual.toFlat());
  const e = flat(want.values);
  if (a.length !== e.length) return [`${a.length} elements, expected ${e.length}`];
  const scale = Math.max(...e.map(Math.abs), Number.MIN_VALUE);
  const isInt = want.dtype === 'int32';
  const out: string[] = [];
  e.forEach((ev, i) => {
    const ok = isInt ? a[i] === ev : Math.abs(a[i] - ev) <= rtol * Math.max(Math.abs(ev), scale);
    if (!ok) out.push(`[${i}] got ${a[i]}, expected ${ev}`);
  });
  return out.slice(0, 8);
}

const dimsOf = (shape: number[]) => shape.map((d) => (d === 1 ? 1 : null));

function runCase(c: FixtureCase): void {
  const build = OPS[c.op];
  if (!build) throw new Error(`fixture op '${c.op}' has no theano-ts builder`);
  const rtol = c.inputs.some((i) => i.dtype === 'float32') ? 1e-5 : 1e-6;
  const vars = c.inputs.map((i) => T.tensor(i.name, { dtype: i.dtype, shape: dimsOf(i.shape) }));
  const givens = new Map<T.Variable, NDArray>(
    c.inputs.map((i, k) => [vars[k], array(i.values, { dtype: i.dtype })]),
  );
  const out = build(c.params, vars);

  const [y] = T.evaluate([out], givens);
  expect(y.dtype, 'forward dtype').toBe(c.expected.dtype);
  expect(mismatches(y, c.expected, rtol), 'forward values').toEqual([]);

  if (!c.differentiable) return;
  const u = c.u!;
  const cost = T.sum(T.mul(out, T.constant(array(u.values, { dtype: u.dtype }))));
  const floatIdx = c.inputs.flatMap((i, k) => (i.dtype === 'int32' ? [] : [k]));
  const gs = grad(
    cost,
    floatIdx.map((k) => vars[k]),
  );
  const gv = T.evaluate(gs, givens);
  expect(c.grads!.map((g) => g.input)).toEqual(floatIdx.map((k) => c.inputs[k].name));
  floatIdx.forEach((k, j) => {
    const want = c.grads![j];
    expect(gv[j].dtype, `dtype of the gradient wrt ${want.input}`).toBe(c.inputs[k].dtype);
    expect(mismatches(gv[j], want, rtol), `gradient wrt ${want.input}`).toEqual([]);
  });
}

describe(`slice ops vs NumPy ${fixture.numpy} / PyTorch ${fixture.torch} fixtures`, () => {
  it('the fixture covers every op of the slice', () => {
    expect(new Set(fixture.cases.map((c) => c.op))).toEqual(new Set(Object.keys(OPS)));
    expect(fixture.cases.filter((c) => c.differentiable).length).toBeGreaterThan(50);
  });

  for (const c of fixture.cases) {
    const why = KNOWN_FAILURES[c.name];
    if (why) it.fails(`${c.name} [known failure: ${why}]`, () => runCase(c));
    else it(c.name, () => runCase(c));
  }
});

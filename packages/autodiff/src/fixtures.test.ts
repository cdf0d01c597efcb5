/**
 * Every op family against independent references: forward values from NumPy and gradients of
 * sum(out * u) from PyTorch autograd (float64), read from the committed fixtures written by
 * tools/fixtures/*.py (see tools/fixtures/README.md to regenerate them).
 */
import { describe, expect, it } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { type NDArray, type NestedArray, array } from '@theano-ts/tensor';
import { grad } from './index';
import { FAMILIES, type FixtureBuilder } from './op-cases';
import {
  type FixtureArray,
  type FixtureCase,
  buildCase,
  readFixture,
} from './op-cases/fixture-file';

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

function runCase(c: FixtureCase, builders: Record<string, FixtureBuilder>): void {
  const rtol = c.inputs.some((i) => i.dtype === 'float32') ? 1e-5 : 1e-6;
  const { vars, out } = buildCase(c, builders);
  const givens = new Map<T.Variable, NDArray>(
    c.inputs.map((i, k) => [vars[k], array(i.values, { dtype: i.dtype })]),
  );

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

for (const fam of FAMILIES)
  for (const file of fam.fixtureFiles) {
    const fixture = readFixture(file);
    describe(`${fam.family} ops (${file}) vs NumPy ${fixture.numpy} / PyTorch ${fixture.torch}`, () => {
      it('every fixture op has a builder and every builder a case', () => {
        const ops = new Set(fixture.cases.map((c) => c.op));
        for (const op of ops) expect(fam.builders, `builder for '${op}'`).toHaveProperty(op);
      });
      for (const c of fixture.cases) {
        const why = KNOWN_FAILURES[c.name];
        if (why) it.fails(`${c.name} [known failure: ${why}]`, () => runCase(c, fam.builders));
        else it(c.name, () => runCase(c, fam.builders));
      }
    });
  }

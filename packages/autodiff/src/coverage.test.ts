import { describe, expect, it } from 'vitest';
import { OP_NAMES, type OpName, type Variable, toposort } from '@theano-ts/symbolic';
import { GRADS } from './grad-rules';
import { grad } from './grad';
import { FAMILIES } from './op-cases';
import { buildCase, readFixture } from './op-cases/fixture-file';
import * as T from '@theano-ts/symbolic';

/** Op kinds in the graph of `outs`. */
const kindsOf = (outs: Variable[]): Set<OpName> => new Set(toposort(outs).map((n) => n.op.kind));

const isDifferentiable = (op: OpName) => !('nonDifferentiable' in (GRADS[op] as object));

/** Ops exercised by the fixture cases, forward graphs and gradient graphs. */
function fixtureKinds(): Set<OpName> {
  const seen = new Set<OpName>();
  for (const fam of FAMILIES)
    for (const file of fam.fixtureFiles)
      for (const c of readFixture(file).cases) {
        const { vars, out } = buildCase(c, fam.builders);
        kindsOf([out]).forEach((k) => seen.add(k));
        if (!c.differentiable) continue;
        const floats = vars.filter((_, i) => c.inputs[i].dtype !== 'int32');
        const gs = grad(T.sum(out), floats, { disconnectedInputs: 'ignore' });
        kindsOf(gs).forEach((k) => seen.add(k));
      }
  return seen;
}

function verifyKinds(): Set<OpName> {
  const seen = new Set<OpName>();
  for (const fam of FAMILIES)
    for (const c of fam.verify) {
      const vars = c.pt.map((a, i) => T.tensor(`x${i}`, { dtype: a.dtype, ndim: a.ndim }));
      kindsOf([c.fn(...vars)]).forEach((k) => seen.add(k));
    }
  return seen;
}

describe('every op is covered', () => {
  it('by a NumPy/PyTorch fixture case', () => {
    const seen = fixtureKinds();
    expect(OP_NAMES.filter((op) => !seen.has(op))).toEqual([]);
  });
  it('by a verifyGrad case, if it is differentiable', () => {
    const seen = verifyKinds();
    expect(OP_NAMES.filter((op) => isDifferentiable(op) && !seen.has(op))).toEqual([]);
  });
  it('by a build-time error test', () => {
    const seen = new Set(FAMILIES.flatMap((f) => f.buildErrors.map((c) => c.op)));
    expect(OP_NAMES.filter((op) => !seen.has(op))).toEqual([]);
  });
});

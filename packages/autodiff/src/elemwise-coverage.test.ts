/**
 * coverage.test.ts checks ops by OpName, and every scalar op is the one OpName 'Elemwise': this
 * checks the elementwise scalar ops of issue 4 one by one (a fixture case each, and a verifyGrad
 * case each for those with a float result that is not a truth value).
 */
import { describe, expect, it } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { grad } from './grad';
import { ELEMWISE_CASES } from './op-cases/elemwise.cases';
import { buildCase, readFixture } from './op-cases/fixture-file';

/** Scalar op names of the Elemwise nodes (fused or not) in the graph of `outs`. */
function scalarNames(outs: T.Variable[]): Set<string> {
  const names = new Set<string>();
  for (const n of T.toposort(outs))
    if (n.op.kind === 'Elemwise') {
      const s = (n.op.params as T.OpParams['Elemwise']).scalarOp;
      if (s.name === 'composite')
        s.nodes.forEach((c) => c.op.name !== 'constant' && names.add(c.op.name));
      else names.add(s.name);
    }
  return names;
}

/** A float64 result that is not a truth value: the ops with a gradient. */
function differentiable(name: T.ElemwiseScalarOpName): boolean {
  const spec = T.SCALAR_OPS[name];
  try {
    return spec.outDtype(Array(spec.nin).fill('float64'), { name }) === 'float64';
  } catch {
    return false; // bitwise ops refuse floats
  }
}

describe('every elementwise scalar op of issue 4 is covered', () => {
  it('by a NumPy/PyTorch/mpmath fixture case', () => {
    const seen = new Set<string>();
    for (const file of ELEMWISE_CASES.fixtureFiles)
      for (const c of readFixture(file).cases) {
        const { out } = buildCase(c, ELEMWISE_CASES.builders);
        scalarNames([out]).forEach((s) => seen.add(s));
      }
    expect(T.ELEMWISE_SCALAR_OP_NAMES.filter((s) => !seen.has(s))).toEqual([]);
  });
  it('by a verifyGrad case, if it has a gradient', () => {
    const seen = new Set<string>();
    for (const c of ELEMWISE_CASES.verify) {
      const vars = c.pt.map((a, i) => T.tensor(`x${i}`, { dtype: a.dtype, ndim: a.ndim }));
      scalarNames([c.fn(...vars)]).forEach((s) => seen.add(s));
    }
    expect(T.ELEMWISE_SCALAR_OP_NAMES.filter((s) => differentiable(s) && !seen.has(s))).toEqual([]);
  });
  it('and the gradient graphs of the fixtures build for every differentiable case', () => {
    for (const file of ELEMWISE_CASES.fixtureFiles)
      for (const c of readFixture(file).cases.filter((k) => k.differentiable)) {
        const { vars, out } = buildCase(c, ELEMWISE_CASES.builders);
        const floats = vars.filter((_, i) => c.inputs[i].dtype !== 'int32');
        expect(() => grad(T.sum(out), floats), c.name).not.toThrow();
      }
  });
});

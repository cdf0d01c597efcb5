import { describe, expect, it } from 'vitest';
import { Generator } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { verifyGrad } from './index';
import { FAMILIES } from './op-cases';

// Finite-difference checks (Theano's verify_grad method) for every differentiable op; the cases
// live in op-cases/<family>.cases.ts.
for (const fam of FAMILIES.filter((f) => f.verify.length > 0))
  describe(`verifyGrad: ${fam.family} ops`, () => {
    for (const c of fam.verify) it(c.name, () => verifyGrad(c.fn, c.pt, c.opts));
  });

describe('verifyGrad itself', () => {
  const rng = new Generator(7);
  it('float32 inputs use the float32 tolerances', () => {
    verifyGrad((a) => T.tanh(T.dot(a, a.T)), [rng.uniform(-1, 1, [3, 3], 'float32')]);
  });
  it("no gradient flows through argmax's integer output: only the sum() path counts", () => {
    expect(() =>
      verifyGrad(
        (a) => T.cast(T.argmax(a, { axis: 1 }), 'float64').mul(a.sum()),
        [rng.uniform(-2, 2, [2, 3])],
      ),
    ).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { FAMILIES } from './op-cases';

// Graph-build-time errors: each names the op, what was expected and what was given, and (for
// errors raised through an op's spec) where in the user's code the expression was built.
for (const fam of FAMILIES.filter((f) => f.buildErrors.length > 0))
  describe(`build-time errors: ${fam.family} ops`, () => {
    for (const c of fam.buildErrors)
      it(`${c.op}: ${c.name}`, () => {
        expect(c.build).toThrow(c.message);
      });
  });

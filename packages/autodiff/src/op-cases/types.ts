import type { NDArray } from '@theano-ts/tensor';
import type { OpName, Variable } from '@theano-ts/symbolic';
import type { VerifyGradOptions } from '../verify-grad';

/** Builds a fixture case's graph from its params and input variables. */
export type FixtureBuilder = (p: Record<string, unknown>, inputs: Variable[]) => Variable;

/** A finite-difference check: `fn` on inputs of the values `pt`. */
export interface VerifyCase {
  name: string;
  fn: (...xs: Variable[]) => Variable;
  pt: NDArray[];
  opts?: VerifyGradOptions;
}

/** A graph-build-time error: `build()` must throw a message matching `message`. */
export interface BuildErrorCase {
  /** The op whose check this is. */
  op: OpName;
  name: string;
  build: () => unknown;
  message: RegExp;
}

/**
 * What one op family contributes to the op test suites (fixtures.test.ts, verify-grad.test.ts,
 * build-errors.test.ts) and to the coverage check (coverage.test.ts), which fails when an op
 * lacks a fixture case, a verifyGrad case (if differentiable) or a build-error case.
 */
export interface FamilyCases {
  family: string;
  /** Fixture files in packages/autodiff/fixtures/ (written by tools/fixtures/*.py). */
  fixtureFiles: string[];
  /** Fixture op name → graph. */
  builders: Record<string, FixtureBuilder>;
  verify: VerifyCase[];
  buildErrors: BuildErrorCase[];
}

import type { FamilyCases } from './types';

/** Cases of the reductions ops (fixture builders, verifyGrad cases, build-time errors). */
export const REDUCTIONS_CASES: FamilyCases = {
  family: 'reductions',
  fixtureFiles: [],
  builders: {},
  verify: [],
  buildErrors: [],
};

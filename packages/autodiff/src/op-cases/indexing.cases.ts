import type { FamilyCases } from './types';

/** Cases of the indexing ops (fixture builders, verifyGrad cases, build-time errors). */
export const INDEXING_CASES: FamilyCases = {
  family: 'indexing',
  fixtureFiles: [],
  builders: {},
  verify: [],
  buildErrors: [],
};

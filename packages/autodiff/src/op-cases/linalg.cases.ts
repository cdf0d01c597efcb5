import type { FamilyCases } from './types';

/** Cases of the linalg ops (fixture builders, verifyGrad cases, build-time errors). */
export const LINALG_CASES: FamilyCases = {
  family: 'linalg',
  fixtureFiles: [],
  builders: {},
  verify: [],
  buildErrors: [],
};

import type { FamilyCases } from './types';

/** Cases of the nnet ops (fixture builders, verifyGrad cases, build-time errors). */
export const NNET_CASES: FamilyCases = {
  family: 'nnet',
  fixtureFiles: [],
  builders: {},
  verify: [],
  buildErrors: [],
};

import type { FamilyCases } from './types';

/** Cases of the shape ops (fixture builders, verifyGrad cases, build-time errors). */
export const SHAPE_CASES: FamilyCases = {
  family: 'shape',
  fixtureFiles: [],
  builders: {},
  verify: [],
  buildErrors: [],
};

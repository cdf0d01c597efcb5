import { CORE_CASES } from './core.cases';
import { REDUCTIONS_CASES } from './reductions.cases';
import { SHAPE_CASES } from './shape.cases';
import { INDEXING_CASES } from './indexing.cases';
import { LINALG_CASES } from './linalg.cases';
import { NNET_CASES } from './nnet.cases';
import { ELEMWISE_CASES } from './elemwise.cases';
import { RANDOM_CASES } from './random.cases';
import { CONTROL_CASES } from './control.cases';

export type { FamilyCases, FixtureBuilder, VerifyCase, BuildErrorCase } from './types';

/** Every op family's test cases (test-only: not exported by the package). */
export const FAMILIES = [
  CORE_CASES,
  REDUCTIONS_CASES,
  SHAPE_CASES,
  INDEXING_CASES,
  LINALG_CASES,
  NNET_CASES,
  ELEMWISE_CASES,
  RANDOM_CASES,
  CONTROL_CASES,
];

/**
 * theano-ts: Theano for TypeScript. `import * as theano from 'theano-ts'`, `const T = theano.tensor`.
 * Every part is also its own package (@theano-ts/*); this umbrella re-exports them with Theano's
 * names and registers the gpu.js backend under the name 'gpujs'.
 */
import { pp, RandomStreams } from '@theano-ts/symbolic';
import { registerBackend, debugprint } from '@theano-ts/compile';
import { createGpujsBackend } from '@theano-ts/backend-gpujs';
import { grad, verifyGrad, GradientError, DisconnectedInputError } from '@theano-ts/autodiff';
import {
  jacobian,
  hessian,
  Lop,
  Rop,
  zeroGrad,
  disconnectedGrad,
  gradClip,
  gradScale,
  DisconnectedType,
} from '@theano-ts/autodiff';

registerBackend('gpujs', () => createGpujsBackend());

export * as tensor from './tensor';
export {
  config,
  shared,
  SharedVariable,
  Variable,
  Constant,
  TensorType,
  RandomStreams,
} from '@theano-ts/symbolic';
export {
  theanoFunction as function,
  In,
  Out,
  Mode,
  DebugMode,
  NanGuardMode,
  registerBackend,
  UnusedInputError,
  MissingInputError,
  DebugModeError,
  NanGuardError,
  nodeErrorInfo,
  ProfileStats,
} from '@theano-ts/compile';
export type { TheanoFunction, FunctionOptions } from '@theano-ts/compile';
export { grad } from '@theano-ts/autodiff';

/** Theano's theano.gradient module. */
export const gradient = {
  grad,
  verifyGrad,
  GradientError,
  DisconnectedInputError,
  jacobian,
  hessian,
  Lop,
  Rop,
  zeroGrad,
  disconnectedGrad,
  gradClip,
  gradScale,
  DisconnectedType,
} as const;

/** Theano's theano.printing module. */
export const printing = { debugprint, pp } as const;

/** Theano's theano.sandbox.rng_mrg: MRG_RandomStreams (the same Philox streams as RandomStreams). */
export const sandbox = { rngMrg: { MRG_RandomStreams: RandomStreams } } as const;

// ---- loops and lazy branches (issue 8: scan and ifelse)
import { scan, map, reduce, foldl, foldr, until } from '@theano-ts/symbolic';
export { scan, map, reduce, foldl, foldr, until, ifelse, Until } from '@theano-ts/symbolic';
export type {
  ScanOptions,
  ScanUpdates,
  ScanFnResult,
  SequenceSpec,
  OutputSpec,
  MapOptions,
} from '@theano-ts/symbolic';
/** Theano's theano.scan_module: `theano.scanModule.until(cond)` as in `theano.scan_module.until`. */
export const scanModule = { scan, map, reduce, foldl, foldr, until } as const;

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
  /** Gradients of a scalar cost (Theano's theano.grad). */
  grad,
  /** Check a gradient against finite differences (Theano's verify_grad). */
  verifyGrad,
  /** Thrown by verifyGrad when the gradients disagree. */
  GradientError,
  /** Thrown by grad when a wrt variable is not connected to the cost. */
  DisconnectedInputError,
  /** The Jacobian of an expression (Theano's jacobian). */
  jacobian,
  /** The Hessian of a scalar cost (Theano's hessian). */
  hessian,
  /** Left operator: vector times Jacobian (Theano's Lop). */
  Lop,
  /** Right operator: Jacobian times vector (Theano's Rop). */
  Rop,
  zeroGrad,
  disconnectedGrad,
  gradClip,
  gradScale,
  /** What grad returns for a disconnected wrt with returnDisconnected 'disconnected'. */
  DisconnectedType,
} as const;

/** Theano's theano.printing module. */
export const printing = {
  /** A text tree of a graph or compiled function (Theano's debugprint). */
  debugprint,
  /** An expression as a formula (Theano's pp). */
  pp,
} as const;

/** Theano's theano.sandbox.rng_mrg: MRG_RandomStreams (the same Philox streams as RandomStreams). */
export const sandbox = {
  /** Theano's theano.sandbox.rng_mrg. */
  rngMrg: {
    /** The same class as RandomStreams. */
    MRG_RandomStreams: RandomStreams,
  },
} as const;

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
export const scanModule = {
  /** A symbolic loop (Theano's theano.scan). */
  scan,
  /** `fn` applied to each slice of the sequences (Theano's theano.map). */
  map,
  /** A scan keeping only the values after the last step (Theano's theano.reduce). */
  reduce,
  foldl,
  foldr,
  /** The stop condition a scan's `fn` returns (Theano's scan_module.until). */
  until,
} as const;

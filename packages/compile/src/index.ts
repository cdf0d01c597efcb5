export {
  theanoFunction,
  theanoFunction as function,
  debugprint,
  functionGraphOf,
  type FunctionOptions,
  type TheanoFunction,
  type FunctionMaker,
  type CopyOptions,
  type UpdateInfo,
  type Updates,
  type Givens,
  type ExpressionLike,
  type InputValue,
  type CallArgument,
} from './function';
export { In, Out, type InOptions, type OutOptions } from './io';
export {
  Mode,
  DebugMode,
  NanGuardMode,
  getMode,
  registerBackend,
  backendNames,
  type ModeOptions,
  type DebugModeOptions,
  type NanGuardModeOptions,
  type ModeName,
  type OptimizerName,
} from './mode';
export {
  UnusedInputError,
  MissingInputError,
  DebugModeError,
  NanGuardError,
  debugprintNode,
  nodeErrorInfo,
  type NodeErrorInfo,
} from './errors';
export {
  ProfileStats,
  type CompileTime,
  type PhaseTime,
  type NodeProfile,
  type OpProfile,
} from './profile';
export { TrackedFunctionGraph, cloneForFunction, type CloneResult } from './provenance';

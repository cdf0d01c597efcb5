export { config, upgradeToFloat } from './config';
export { TensorType, type Dim } from './type';
export {
  Op,
  Apply,
  Variable,
  Constant,
  SharedVariable,
  filterValue,
  describe,
  type TensorLike,
  type ReduceOptions,
  type SharedOptions,
} from './graph';
export * from './op-params';
export {
  SCALAR_OPS,
  sigmoid as scalarSigmoid,
  softplus as scalarSoftplus,
  type ScalarOpSpec,
} from './scalar-ops';
export {
  OP_SPECS,
  OP_NAMES,
  type OpSpec,
  scalarOpLabel,
  scalarOutDtypes,
  evalComposite,
  CAREDUCE_FOLDS,
  type CAReduceFold,
} from './ops';
export * from './basic';
export * from './vars';
export {
  toposort,
  graphInputs,
  cloneGraph,
  FunctionGraph,
  isConstant,
  isShared,
  cloneVariable,
} from './graph-utils';
export { evaluate, performNode } from './evaluate';
export { debugprint, pp } from './printing';
export type { Backend, Thunk } from './backend';
export { TheanoTypeError, userStackLine, builtAt } from './errors';
export type { ReductionOpParams } from './ops/reductions';
export type { ShapeOpParams } from './ops/shape';
export type { IndexingOpParams } from './ops/indexing';
export type { LinalgOpParams } from './ops/linalg';
export type { NnetOpParams } from './ops/nnet';
export {
  fail,
  describeVar,
  checkFloat,
  checkInt,
  checkNdim,
  sameDim,
  type OpLabel,
} from './op-spec';
export * from './shape-fns';
export * from './indexing-fns';
export {
  type IdxScalar,
  type IdxInt,
  type IdxSlice,
  type IdxArray,
  type BasicIdx,
  type AdvancedIdx,
  sliceIndices,
  idxListLabel,
} from './ops/indexing';
export * from './linalg-fns';
export * from './nnet-fns';
export { LinAlgError, JacobianGraph, type QRMode } from './ops/linalg';
export {
  type BorderMode,
  type Conv2dParams,
  type Pool2dParams,
  convGeometry,
  convPadding,
} from './ops/nnet';
export * from './elemwise-fns';
export * from './reduction-fns';
export { ELEMWISE_SCALAR_OP_NAMES, type ElemwiseScalarOpName } from './elemwise-scalar-names';
export type { DebugprintOptions } from './printing';
export type { RandomOpParams } from './ops/random';
export { RNG_STATE_TYPE, rngStateOf, rngStateFromSeed, generatorFromState } from './ops/random';
export {
  RandomStreams,
  randomDraw,
  randomChoice,
  randomPermutation,
  type RandomSize,
  type RandomOptions,
  type ChoiceDrawOptions,
} from './random-streams';
export { VIEW_MAPS, viewedInputs, destroyedInputs } from './view-map';
export * from './control-fns';
export {
  type ControlOpParams,
  ScanInfo,
  runScanLoop,
  referenceStep,
  rowType,
  stackedType,
  isTrue,
} from './ops/control';

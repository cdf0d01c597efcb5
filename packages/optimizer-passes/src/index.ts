/**
 * @theano-ts/optimizer-passes: the rewrite database (phases, tags, include/exclude), the
 * walkers and equilibrium driver, and the rewrites: merge, constant folding, stabilizations,
 * canonicalizations, specializations and elementwise fusion.
 */
export {
  optimizeGraph,
  defaultDatabase,
  registerBuiltinRewrites,
  registerRewrite,
  registerCanonicalize,
  registerStabilize,
  registerSpecialize,
  type OptimizeOptions,
  type OptimizeReport,
} from './optimize-graph';
export {
  RewriteDatabase,
  PhasedRewriter,
  PHASES,
  EQUILIBRIUM_PHASES,
  type Phase,
  type OptimizerMode,
  type RewriteEntry,
  type RegisterOptions,
  type RewriteQuery,
  type PhaseReport,
} from './database';
export {
  nodeRewriter,
  graphRewriter,
  RewriteRun,
  withoutStackCapture,
  DIRTY_DEPTH,
  canReplace,
  matchType,
  describeNode,
  type Track,
  type NodeRewriteFn,
  type NodeRewriter,
  type GraphRewriter,
  type Rewriter,
  type OnRewriteError,
  type RewriteRunOptions,
} from './rewriter';
export {
  walkGraph,
  applyNodeRewriter,
  inToOut,
  outToIn,
  equilibrium,
  DEFAULT_MAX_ITERATIONS,
  type WalkOrder,
  type EquilibriumOptions,
} from './walkers';
export {
  isOp,
  isElemwise,
  elemwiseName,
  getScalarConstantValue,
  isConstantValue,
  fillLike,
  scalarConstant,
  isScalarLike,
  toScalar,
  dimshuffleOf,
  negated,
  hasSingleClient,
} from './match';
export { mergeRewriter, makeMergeRewriter, MERGE_CONSTANT_LIMIT } from './merge';
export { inplaceElemwise, canDestroy } from './inplace';
export {
  localUselessSubtensor,
  localSubtensorMerge,
  localSubtensorLift,
  localUselessIncSubtensor,
  localIncSubtensorSerialize,
  SUBTENSOR_REWRITES,
} from './subtensor-rewrites';
export { constantFolding, CONSTANT_FOLDING_LIMIT } from './constant-folding';
export {
  localMulOne,
  localAddRemoveZeros,
  localNegNeg,
  localPowSpecialize,
  localMulToSqr,
} from './math-rewrites';
export {
  localSubSelf,
  localAddSubCancel,
  localAddNegToSub,
  localMulCanonizer,
  localMulDivCancel,
  localDivSelf,
  localMulZero,
  localMulSwitchSink,
  localDivSwitchSink,
  localUselessSwitch,
  localUselessCast,
  localCastCast,
  localUselessDimshuffle,
  localDimshuffleMerge,
  localDimshuffleLift,
  localUselessReshape,
  localReshapeChain,
  localSumMulByScalar,
  localReduceChain,
  localReduceBroadcastable,
} from './canonicalize-rewrites';
export { localFillSink, localUselessFill } from './fill-rewrites';
export {
  STABILIZE_REWRITES,
  localLog1p,
  localExpm1,
  log1pexpToSoftplus,
  local1msigmoid,
  localExpOver1PlusExp,
  localInv1PlusExp,
  localLogExp,
  localExpLogNanSwitch,
  localSqrtSqr,
  localSoftmax,
  localLogSumExp,
} from './stabilize-rewrites';
export { localDotToGemm } from './blas-rewrites';
export {
  localLogSoftmax,
  localLogSoftmaxGrad,
  crossentropyToCrossentropyWithSoftmax,
  localSoftmaxGradToCrossentropyWithSoftmaxGrad,
  matchSoftmaxGrad,
  type SoftmaxGradMatch,
} from './softmax-rewrites';
export { logsigmToSoftplus, log1msigmToSoftplus } from './sigmoid-rewrites';
export { elemwiseFusion, makeFusionRewriter, buildComposite, type FusionOptions } from './fusion';
export { reduceFusion, makeReduceFusionRewriter } from './reduce-fusion';
export { scanPushOutNonSeqs } from './scan-rewrites';

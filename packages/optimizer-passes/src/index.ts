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
export { isOp, isElemwise, elemwiseName, getScalarConstantValue, isConstantValue } from './match';
export { mergeRewriter, makeMergeRewriter, MERGE_CONSTANT_LIMIT } from './merge';
export { constantFolding, CONSTANT_FOLDING_LIMIT } from './constant-folding';
export { localMulOne, localAddRemoveZeros, localNegNeg, localPowSpecialize } from './math-rewrites';
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

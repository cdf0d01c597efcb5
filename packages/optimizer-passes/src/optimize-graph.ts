/**
 * The default rewrite database (Theano's `optdb`), the registration helpers (Theano's
 * `register_canonicalize`, `register_stabilize`, `register_specialize`) and `optimizeGraph`,
 * which runs the database on a FunctionGraph for a mode.
 */
import { type FunctionGraph, type Op, config } from '@theano-ts/symbolic';
import { constantFolding } from './constant-folding';
import {
  type OptimizerMode,
  type PhaseReport,
  type RegisterOptions,
  RewriteDatabase,
  type RewriteEntry,
} from './database';
import { localFillSink, localUselessFill } from './fill-rewrites';
import { elemwiseFusion } from './fusion';
import { inplaceElemwise } from './inplace';
import { SUBTENSOR_REWRITES } from './subtensor-rewrites';
import { reduceFusion } from './reduce-fusion';
import {
  localAddRemoveZeros,
  localMulOne,
  localMulToSqr,
  localNegNeg,
  localPowSpecialize,
} from './math-rewrites';
import {
  localAddSubCancel,
  localCastCast,
  localDimshuffleLift,
  localDimshuffleMerge,
  localDivSelf,
  localDivSwitchSink,
  localAddNegToSub,
  localMulCanonizer,
  localMulDivCancel,
  localMulSwitchSink,
  localMulZero,
  localReduceBroadcastable,
  localReduceChain,
  localReshapeChain,
  localSubSelf,
  localSumMulByScalar,
  localUselessCast,
  localUselessDimshuffle,
  localUselessReshape,
  localUselessSwitch,
} from './canonicalize-rewrites';
import { STABILIZE_REWRITES } from './stabilize-rewrites';
import { localDotToGemm } from './blas-rewrites';
import { mergeRewriter } from './merge';
import { type OnRewriteError, type Rewriter, RewriteRun, withoutStackCapture } from './rewriter';
import { log1msigmToSoftplus, logsigmToSoftplus } from './sigmoid-rewrites';
import {
  crossentropyToCrossentropyWithSoftmax,
  localLogSoftmax,
  localLogSoftmaxGrad,
  localSoftmaxGradToCrossentropyWithSoftmaxGrad,
} from './softmax-rewrites';
import { scanPushOutNonSeqs } from './scan-rewrites';

/** Tags of the phase helpers: stabilizations run in every mode, including fast_compile. */
const PHASE_TAGS = {
  canonicalize: ['fast_run', 'canonicalize'],
  stabilize: ['fast_run', 'fast_compile', 'stabilize'],
  specialize: ['fast_run', 'specialize'],
} as const;

/** Put the built-in rewrites into `db`. */
export function registerBuiltinRewrites(db: RewriteDatabase): void {
  const both = ['fast_run', 'fast_compile'];
  db.register(mergeRewriter, { phase: 'merge1', tags: both });
  for (const phase of ['canonicalize', 'stabilize', 'specialize'] as const)
    db.register(mergeRewriter, { phase, tags: both, final: true, position: 1001 });
  // Constant folding is final in stabilize and specialize only: folding in canonicalize would
  // evaluate softmax(constant) or sigmoid(constant) before a stabilization could see them
  // (crossentropy of a constant softmax would fold to inf).
  for (const phase of ['stabilize', 'specialize'] as const)
    db.register(constantFolding, { phase, tags: both, final: true, position: 1000 });

  const canonicalize = (rw: Rewriter, ...tags: string[]) =>
    db.register(rw, { phase: 'canonicalize', tags: [...PHASE_TAGS.canonicalize, ...tags] });
  for (const rw of [localMulOne, localAddRemoveZeros, localNegNeg, localAddNegToSub])
    canonicalize(rw);
  for (const rw of [localSubSelf, localAddSubCancel, localMulDivCancel, localDivSelf, localMulZero])
    canonicalize(rw, 'algebraic');
  for (const rw of [localMulSwitchSink, localDivSwitchSink, localUselessSwitch])
    canonicalize(rw, 'switch');
  for (const rw of [localUselessCast, localCastCast]) canonicalize(rw, 'cast', 'useless');
  canonicalize(localFillSink, 'fill');
  // PyTensor's local_useless_fill is in canonicalize, stabilize and specialize, not in
  // fast_compile; here in canonicalize and specialize (every stabilize entry here is in
  // fast_compile): specialize drops the fills stabilize's rewrites make
  canonicalize(localUselessFill, 'fill', 'useless');
  for (const rw of [localUselessDimshuffle, localDimshuffleMerge, localDimshuffleLift])
    canonicalize(rw, 'dimshuffle');
  for (const rw of [localUselessReshape, localReshapeChain]) canonicalize(rw, 'reshape');
  for (const rw of [localSumMulByScalar, localReduceChain, localReduceBroadcastable])
    canonicalize(rw, 'reduce');
  for (const rw of SUBTENSOR_REWRITES) canonicalize(rw, 'subtensor');

  const stabilize = (rw: Rewriter, ...tags: string[]) =>
    db.register(rw, { phase: 'stabilize', tags: [...PHASE_TAGS.stabilize, ...tags] });
  for (const rw of [
    localLogSoftmax,
    localLogSoftmaxGrad,
    crossentropyToCrossentropyWithSoftmax,
    localSoftmaxGradToCrossentropyWithSoftmaxGrad,
  ])
    stabilize(rw, 'xent', 'softmax');
  // the sigmoid patterns before local_log1p: log(1 − sigmoid(x)) is theirs
  for (const rw of [logsigmToSoftplus, log1msigmToSoftplus]) stabilize(rw, 'sigmoid');
  for (const rw of STABILIZE_REWRITES) stabilize(rw);
  // also a stabilization: the gradient of log(sigmoid(x)) is (1/s)·s·(1−s), NaN where s = 0
  stabilize(localMulDivCancel, 'algebraic');
  // the general case: −(1/sigmoid(−x))·sigmoid(x)·sigmoid(−x), the gradient of log(1 − sigmoid(x))
  stabilize(localMulCanonizer, 'algebraic');
  // 1 + (−s) from log1p(−s)'s gradient as the 1 − s of s's gradient (FAST_COMPILE too)
  stabilize(localAddNegToSub);

  const specialize = (rw: Rewriter, ...tags: string[]) =>
    db.register(rw, { phase: 'specialize', tags: [...PHASE_TAGS.specialize, ...tags] });
  specialize(localPowSpecialize);
  specialize(localMulToSqr);
  specialize(localUselessFill, 'fill', 'useless');
  specialize(localDotToGemm);
  db.register(elemwiseFusion, { phase: 'fusion', tags: ['fast_run'] });
  db.register(reduceFusion, { phase: 'fusion', tags: ['fast_run'] });
  db.register(mergeRewriter, { phase: 'merge2', tags: both });
  db.register(inplaceElemwise, { phase: 'inplace', tags: ['fast_run'] });
  // loops (issue 8): loop-invariant code motion out of Scan
  db.register(scanPushOutNonSeqs, { phase: 'canonicalize', tags: [...PHASE_TAGS.canonicalize] });
}

let defaultDb: RewriteDatabase | undefined;

/** The database `optimizeGraph` uses unless given another (Theano's `optdb`). */
export function defaultDatabase(): RewriteDatabase {
  if (!defaultDb) {
    defaultDb = new RewriteDatabase();
    registerBuiltinRewrites(defaultDb);
  }
  return defaultDb;
}

/**
 * Register a rewrite in the default database (or `opts.db`), e.g.
 * `registerRewrite(myRewrite, { phase: 'canonicalize', tags: ['fast_run'] })`.
 */
export function registerRewrite(
  rewriter: Rewriter,
  opts: RegisterOptions & { db?: RewriteDatabase },
): RewriteEntry {
  return (opts.db ?? defaultDatabase()).register(rewriter, opts);
}

/** Theano's `register_canonicalize`: phase canonicalize, tags fast_run + canonicalize + `tags`. */
export const registerCanonicalize = (rw: Rewriter, ...tags: string[]): RewriteEntry =>
  registerRewrite(rw, { phase: 'canonicalize', tags: [...PHASE_TAGS.canonicalize, ...tags] });

/**
 * Theano's `register_stabilize`: phase stabilize, tags fast_run + fast_compile + stabilize +
 * `tags` (stabilizations run in every mode: Theano skipped them in FAST_COMPILE).
 */
export const registerStabilize = (rw: Rewriter, ...tags: string[]): RewriteEntry =>
  registerRewrite(rw, { phase: 'stabilize', tags: [...PHASE_TAGS.stabilize, ...tags] });

/** Theano's `register_specialize`: phase specialize, tags fast_run + specialize + `tags`. */
export const registerSpecialize = (rw: Rewriter, ...tags: string[]): RewriteEntry =>
  registerRewrite(rw, { phase: 'specialize', tags: [...PHASE_TAGS.specialize, ...tags] });

/** Options of {@link optimizeGraph}. */
export interface OptimizeOptions {
  /**
   * 'fast_run' (default): every rewrite tagged fast_run. 'fast_compile': merge, constant
   * folding and all stabilizations. 'none': nothing but what `include` names.
   */
  mode?: OptimizerMode;
  /** Rewrite names or tags to add (Theano's `optimizer_including`, `Mode.including`). */
  include?: readonly string[];
  /** Rewrite names or tags to leave out, e.g. 'fusion' (Theano's `optimizer_excluding`). */
  exclude?: readonly string[];
  /** Push `{ rewrite, node }` into `fgraph.trace` for each rewrite applied. Default `config.traceRewrites`. */
  trace?: boolean;
  /** When a rewrite throws or returns a badly typed replacement. Default 'raise'. */
  onError?: OnRewriteError;
  /** Loop guard of each equilibrium phase (passes). Default 50. */
  maxIterations?: number;
  /** The database to query. Default {@link defaultDatabase}. */
  db?: RewriteDatabase;
  /**
   * Whether the target backend runs an op (the compiler passes `Backend.supports`); rewrites
   * that create ops only some backends implement (reduce fusion) fire only where it says yes.
   * Default: they never fire.
   */
  supports?: (op: Op) => boolean;
}

/** What {@link optimizeGraph} did. */
export interface OptimizeReport {
  /** How many times each rewrite fired, by name. */
  applied: Record<string, number>;
  /** Per phase: replacements and milliseconds. */
  phases: PhaseReport[];
  /** Names of equilibria stopped by their loop guard (empty normally). */
  limitsHit: string[];
}

/**
 * Rewrite `fgraph` in place with the rewrites `opts` selects, phase by phase: merge →
 * canonicalize → stabilize → specialize → fusion → (inplace) → merge (Theano's optdb run by
 * a Mode's optimizer). Every replacement keeps the replaced variable's type.
 * @example
 * const fg = new FunctionGraph([x], [T.log(T.softmax(x))]);
 * optimizeGraph(fg, { mode: 'fast_compile', trace: true }); // fg.outputs[0] is LogSoftmax(x)
 * @throws TypeError for an include/exclude word that names no rewrite or tag; Error when a
 *   rewrite fails and `onError` is 'raise'.
 */
export function optimizeGraph(fgraph: FunctionGraph, opts: OptimizeOptions = {}): OptimizeReport {
  const db = opts.db ?? defaultDatabase();
  const entries = db.query({
    mode: opts.mode ?? 'fast_run',
    include: opts.include,
    exclude: opts.exclude,
  });
  const run = new RewriteRun({
    trace: opts.trace ?? config.traceRewrites,
    onError: opts.onError,
    supports: opts.supports,
  });
  const rewriter = RewriteDatabase.compose(entries, { maxIterations: opts.maxIterations });
  const phases = withoutStackCapture(() => rewriter.apply(fgraph, run));
  return { applied: Object.fromEntries(run.counts), phases, limitsHit: [...run.limitsHit] };
}

/**
 * The rewrite database (Theano's `optdb`: a SequenceDB of phases, the middle ones
 * EquilibriumDBs; pytensor/graph/rewriting/db.py and pytensor/compile/mode.py) and the query
 * that picks the rewrites a mode runs.
 */
import type { FunctionGraph } from '@theano-ts/symbolic';
import { type GraphRewriter, type NodeRewriter, type Rewriter, type RewriteRun } from './rewriter';
import { DEFAULT_MAX_ITERATIONS, equilibrium, walkGraph } from './walkers';

/**
 * The phases, in the order they run (Theano's optdb positions: merge1 0, canonicalize 1,
 * stabilize 1.5, specialize 2, elemwise_fusion and merge2 49, inplace_elemwise 50.5). inplace
 * comes last: a merge after it could give a value an inplace node destroys a second reader.
 */
export const PHASES = [
  'merge1',
  'canonicalize',
  'stabilize',
  'specialize',
  'fusion',
  'merge2',
  'inplace',
] as const;
/** The name of a phase (one of {@link PHASES}). */
export type Phase = (typeof PHASES)[number];

/** Phases run as an equilibrium of their node rewriters; the others run their entries once, in order. */
export const EQUILIBRIUM_PHASES: readonly Phase[] = ['canonicalize', 'stabilize', 'specialize'];

/** Which rewrites a mode runs: those tagged 'fast_run', those tagged 'fast_compile', or none. */
export type OptimizerMode = 'fast_run' | 'fast_compile' | 'none';

/** One registration of a rewriter in a phase. */
export interface RewriteEntry {
  /** The rewriter's name (unique in the database). */
  readonly name: string;
  /** The phase it runs in. */
  readonly phase: Phase;
  /** Tags: those given at registration, the rewriter's own, and the phase name. */
  readonly tags: readonly string[];
  /** The rewriter. */
  readonly rewriter: Rewriter;
  /** Order within the phase (lower first; ties keep registration order). */
  readonly position: number;
  /**
   * In equilibrium phases: a node rewriter run in a second walk of each pass (constant
   * folding); a graph rewriter run after each pass that changed something (merge).
   */
  readonly final: boolean;
}

/** Options of {@link RewriteDatabase.register}. */
export interface RegisterOptions {
  /** The phase to run in. */
  phase: Phase;
  /** Tags such as 'fast_run', 'fast_compile', 'stabilize', 'xent'. */
  tags?: readonly string[];
  /** Order within the phase (lower first; default: after those registered before). */
  position?: number;
  /** See {@link RewriteEntry.final}. */
  final?: boolean;
}

/** A query on the database (Theano's `RewriteDatabaseQuery(include, exclude)`). */
export interface RewriteQuery {
  /** The mode whose tagged rewrites run. */
  mode: OptimizerMode;
  /** Names or tags to run in addition to the mode's. */
  include?: readonly string[];
  /** Names or tags not to run (wins over include). */
  exclude?: readonly string[];
}

/**
 * An ordered collection of named, tagged rewrites in phases. A name may be registered in
 * several phases (constant folding and merge are); `include` / `exclude` by name select all
 * of them.
 */
export class RewriteDatabase {
  private readonly list: RewriteEntry[] = [];

  /**
   * Add `rewriter` to a phase. Tags are the given ones plus the rewriter's own and the phase
   * name.
   * @throws TypeError when the same name is registered twice in one phase, or for an unknown phase.
   */
  register(rewriter: Rewriter, opts: RegisterOptions): RewriteEntry {
    if (!(PHASES as readonly string[]).includes(opts.phase))
      throw new TypeError(
        `register '${rewriter.name}': unknown phase '${opts.phase}'; expected one of ${PHASES.join(', ')}`,
      );
    if (this.list.some((e) => e.name === rewriter.name && e.phase === opts.phase))
      throw new TypeError(
        `register: a rewrite named '${rewriter.name}' is already in phase '${opts.phase}'`,
      );
    const entry: RewriteEntry = {
      name: rewriter.name,
      phase: opts.phase,
      tags: [...new Set([...(opts.tags ?? []), ...rewriter.tags, opts.phase])],
      rewriter,
      position: opts.position ?? this.list.filter((e) => e.phase === opts.phase).length,
      final: opts.final ?? false,
    };
    this.list.push(entry);
    return entry;
  }

  /** Remove every entry named `name`; returns how many were removed. */
  unregister(name: string): number {
    let n = 0;
    for (let i = this.list.length - 1; i >= 0; i--)
      if (this.list[i].name === name) {
        this.list.splice(i, 1);
        n++;
      }
    return n;
  }

  /** All entries, by phase then position. */
  entries(): RewriteEntry[] {
    return [...this.list].sort(
      (a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) || a.position - b.position,
    );
  }

  /** Entries named `name`. */
  get(name: string): RewriteEntry[] {
    return this.entries().filter((e) => e.name === name);
  }

  /** Every name and tag known to the database, plus the phase names and mode tags. */
  namesAndTags(): Set<string> {
    // phase names and mode tags are always valid words, even with no entry yet ('inplace')
    return new Set([
      ...PHASES,
      'fast_run',
      'fast_compile',
      ...this.list.flatMap((e) => [e.name, ...e.tags]),
    ]);
  }

  /** A copy that can be changed without affecting this one. */
  clone(): RewriteDatabase {
    const db = new RewriteDatabase();
    db.list.push(...this.list);
    return db;
  }

  /**
   * The entries a query selects, in run order: those tagged with the mode ('fast_run' or
   * 'fast_compile'; none for 'none'), plus those matching `include` by name or tag, minus
   * those matching `exclude`.
   * @throws TypeError naming an include/exclude word that is neither a rewrite name nor a tag.
   */
  query(q: RewriteQuery): RewriteEntry[] {
    const known = this.namesAndTags();
    for (const [what, words] of [
      ['include', q.include ?? []],
      ['exclude', q.exclude ?? []],
    ] as const)
      for (const w of words)
        if (!known.has(w))
          throw new TypeError(
            `optimizeGraph: ${what} names '${w}', which is neither a rewrite nor a tag; known: ${[...known].sort().join(', ')}`,
          );
    const matches = (e: RewriteEntry, w: string) => e.name === w || e.tags.includes(w);
    return this.entries().filter((e) => {
      const on =
        (q.mode !== 'none' && e.tags.includes(q.mode)) ||
        (q.include ?? []).some((w) => matches(e, w));
      return on && !(q.exclude ?? []).some((w) => matches(e, w));
    });
  }

  /**
   * The graph rewriter running `entries` (as selected by {@link query}) phase by phase:
   * equilibrium phases loop over their node rewriters with final rewriters and cleanup; the
   * other phases run their entries once, in order.
   */
  static compose(
    entries: readonly RewriteEntry[],
    opts: { maxIterations?: number } = {},
  ): PhasedRewriter {
    return new PhasedRewriter(entries, opts.maxIterations ?? DEFAULT_MAX_ITERATIONS);
  }
}

/** Timing and counts of one phase of a run. */
export interface PhaseReport {
  /** The phase. */
  phase: Phase;
  /** Replacements made in the phase. */
  changes: number;
  /** Milliseconds spent. */
  ms: number;
  /** Nodes looked at in the phase (see `RewriteRun.work`): a count, not a clock. */
  visits: number;
  /** Node-rewriter calls in the phase. */
  attempts: number;
}

/** The rewriter made by {@link RewriteDatabase.compose}. */
export class PhasedRewriter {
  constructor(
    /** The entries it runs, by phase. */
    readonly entries: readonly RewriteEntry[],
    /** Most passes of an equilibrium phase before it stops. */
    readonly maxIterations: number,
  ) {}

  /** Run all phases on `fgraph` in place. */
  apply(fgraph: FunctionGraph, run: RewriteRun): PhaseReport[] {
    const reports: PhaseReport[] = [];
    for (const phase of PHASES) {
      const inPhase = this.entries.filter((e) => e.phase === phase);
      if (inPhase.length === 0) continue;
      const t0 = performance.now();
      const { visits, attempts } = run.work;
      let changes = 0;
      if (EQUILIBRIUM_PHASES.includes(phase)) {
        const nodeRws = (final: boolean) =>
          inPhase
            .filter((e) => e.rewriter.kind === 'node' && e.final === final)
            .map((e) => e.rewriter as NodeRewriter);
        const graphRws = inPhase.filter((e) => e.rewriter.kind === 'graph');
        const before = graphRws.filter((e) => !e.final).map((e) => e.rewriter as GraphRewriter);
        const cleanup = graphRws.filter((e) => e.final).map((e) => e.rewriter as GraphRewriter);
        for (const g of before) changes += g.apply(fgraph, run);
        changes += equilibrium(phase, {
          rewriters: nodeRws(false),
          finalRewriters: nodeRws(true),
          cleanup,
          maxIterations: this.maxIterations,
        }).apply(fgraph, run);
      } else
        for (const e of inPhase)
          changes +=
            e.rewriter.kind === 'graph'
              ? e.rewriter.apply(fgraph, run)
              : walkGraph(fgraph, [e.rewriter], run, 'in_to_out');
      reports.push({
        phase,
        changes,
        ms: performance.now() - t0,
        visits: run.work.visits - visits,
        attempts: run.work.attempts - attempts,
      });
    }
    return reports;
  }
}

/**
 * The rewrite framework's building blocks: node rewriters (Theano's `@node_rewriter`, formerly
 * `local_optimizer`), graph rewriters (Theano's `GraphRewriter`, formerly `Optimizer`) and the
 * run context that applies replacements with type checks and records a trace.
 */
import {
  type Apply,
  type FunctionGraph,
  type Op,
  type OpName,
  type ScalarOpName,
  type TensorType,
  type Variable,
  cast,
  opLabel,
} from '@theano-ts/symbolic';

/** A user of a variable in a FunctionGraph: (node, input index) or ('output', i). */
type Client = ReturnType<FunctionGraph['clients']>[number];

/**
 * What a node rewriter applies to: an op kind (`'Softmax'`), or for Elemwise a scalar op
 * (`'Elemwise:log'`, `'Elemwise:composite'`). Theano's `tracks` argument of `@node_rewriter`.
 */
export type Track = OpName | `Elemwise:${ScalarOpName}` | 'Elemwise:composite';

/**
 * The body of a node rewriter: given the graph and a node it tracks, return the replacements
 * for the node's outputs (one entry per output; `null` keeps that output), or `null` /
 * `undefined` / `false` when it does not apply. Replacements must have the type of the
 * variable they replace (same dtype and rank, same broadcastable dimensions); use
 * {@link matchType} to cast. Never mutate the graph directly.
 */
export type NodeRewriteFn = (
  fgraph: FunctionGraph,
  node: Apply,
) => readonly (Variable | null)[] | null | undefined | false;

/** A named rewrite of one node (Theano's `NodeRewriter`, made with `@node_rewriter`). */
export interface NodeRewriter {
  /** Marks a node rewriter. */
  readonly kind: 'node';
  /** Unique name, used in traces and by `include` / `exclude` (Theano's names where they exist). */
  readonly name: string;
  /** Ops it applies to; `null` means every node. */
  readonly tracks: readonly Track[] | null;
  /** Tags it brings to its database entry (in addition to those given at registration). */
  readonly tags: readonly string[];
  /**
   * How many levels above its node the rewrite's pattern reads (1: the node's own inputs;
   * constants seen through DimShuffle / cast chains count those links). After a replacement, an
   * equilibrium looks again at the nodes this far downstream of it. Default
   * {@link DIRTY_DEPTH}.
   */
  readonly depth?: number;
  /** The rewrite: replacements for the node's outputs, or null to leave it. */
  readonly transform: NodeRewriteFn;
}

/** A named whole-graph pass (Theano's `GraphRewriter`): merge, fusion, walkers, equilibria. */
export interface GraphRewriter {
  /** Marks a graph rewriter. */
  readonly kind: 'graph';
  /** Unique name, used in traces and by `include` / `exclude`. */
  readonly name: string;
  /** Tags it brings to its database entry. */
  readonly tags: readonly string[];
  /** Rewrite `fgraph` in place; returns the number of replacements made. */
  apply(fgraph: FunctionGraph, run: RewriteRun): number;
}

/** A node rewriter or a graph rewriter. */
export type Rewriter = NodeRewriter | GraphRewriter;

/**
 * Make a node rewriter (Theano's `@node_rewriter(tracks)` decorator).
 * @example
 * const localNegNeg = nodeRewriter('local_neg_neg', ['Elemwise:neg'], (_fg, node) => {
 *   const inner = node.inputs[0].owner;
 *   return inner && isElemwise(inner, 'neg') ? [inner.inputs[0]] : null;
 * });
 */
export function nodeRewriter(
  name: string,
  tracks: readonly Track[] | null,
  transform: NodeRewriteFn,
  opts: { tags?: readonly string[]; depth?: number } = {},
): NodeRewriter {
  return { kind: 'node', name, tracks, tags: opts.tags ?? [], depth: opts.depth, transform };
}

/** Make a graph rewriter from a function (Theano's `GraphRewriter.apply`). */
export function graphRewriter(
  name: string,
  apply: (fgraph: FunctionGraph, run: RewriteRun) => number,
  opts: { tags?: readonly string[] } = {},
): GraphRewriter {
  return { kind: 'graph', name, tags: opts.tags ?? [], apply };
}

/** What to do when a rewrite throws or returns a replacement of the wrong type. */
export type OnRewriteError = 'raise' | 'warn' | 'ignore';

/** Options of a {@link RewriteRun}. */
export interface RewriteRunOptions {
  /** Push `{ rewrite, node }` into `fgraph.trace` for each rewrite applied. */
  trace?: boolean;
  /** Default 'raise': a failing rewrite is a bug to report, not to hide (Theano warns: #4594). */
  onError?: OnRewriteError;
  /**
   * Whether the target backend runs an op (Backend.supports): rewrites that create ops only
   * some backends implement (reduce fusion) ask {@link RewriteRun.supports}. Default: no op.
   */
  supports?: (op: Op) => boolean;
}

/**
 * The state of one optimization run: options, how often each rewrite fired, which loop guards
 * were hit. Every replacement goes through {@link RewriteRun.replace}, which checks types.
 */
export class RewriteRun {
  /** Whether rewrites are recorded in `fgraph.trace`. */
  readonly trace: boolean;
  /** What a failing rewrite does. */
  readonly onError: OnRewriteError;
  /** How many times each rewrite (by name) replaced something. */
  readonly counts = new Map<string, number>();
  /** Names of equilibria stopped by their loop guard. */
  readonly limitsHit: string[] = [];
  /**
   * Work done so far, counted without a clock: `visits`, the nodes looked at by walks, graph
   * rewriters (merge, fusion) and the dirty marking after a replacement; `attempts`, the
   * node-rewriter calls. Near-linear rewriting keeps both proportional to the graph's size.
   */
  readonly work: {
    /** Nodes looked at (walked, or marked dirty downstream of a replacement). */
    visits: number;
    /** Rewriter calls on nodes. */
    attempts: number;
  } = { visits: 0, attempts: 0 };
  /**
   * When set (an equilibrium does, for its next pass), {@link replace} adds to it the nodes a
   * replacement may have made rewritable: the new nodes, the nodes up to
   * {@link DIRTY_DEPTH} levels downstream of each replacement (a pattern rooted there may
   * now match), and the nodes that lost a client with their other clients (rewrites may check
   * how many users a value has).
   */
  dirty: Set<Apply> | undefined;
  /** Levels downstream of a replacement that {@link dirty} receives (set with it). */
  dirtyDepth = DIRTY_DEPTH;
  /**
   * How many levels above a node the patterns of the rewriters tracking it read (set with
   * {@link dirty}; default {@link dirtyDepth} for every node). A node `d` levels downstream of
   * a replacement (0: a direct user) becomes dirty only when this exceeds `d`: no rewriter of
   * the phase could see the change from there.
   */
  depthOf: ((node: Apply) => number) | undefined;
  /**
   * When set (with {@link dirty}), {@link replace} adds to it the nodes whose inputs it
   * changed and the new nodes: the only ones that can have become duplicates (merge cleanup).
   */
  touched: Set<Apply> | undefined;

  /** See {@link RewriteRunOptions.supports}. */
  readonly supports: (op: Op) => boolean;

  constructor(opts: RewriteRunOptions = {}) {
    this.trace = opts.trace ?? false;
    this.onError = opts.onError ?? 'raise';
    this.supports = opts.supports ?? (() => false);
  }

  /** Record that `rewrite` fired on `node` (count, and trace when on). */
  record(fgraph: FunctionGraph, rewrite: string, node: Apply | string): void {
    this.counts.set(rewrite, (this.counts.get(rewrite) ?? 0) + 1);
    if (this.trace)
      fgraph.trace.push({ rewrite, node: typeof node === 'string' ? node : describeNode(node) });
  }

  /** Report a rewrite failure according to `onError`. */
  fail(rewrite: string, node: Apply | undefined, msg: string, cause?: unknown): void {
    const where = node ? ` on ${describeNode(node)}` : '';
    const text = `rewrite '${rewrite}' failed${where}: ${msg}`;
    if (this.onError === 'raise') {
      // the error the user sees gets a stack even inside withoutStackCapture
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = Math.max(limit, savedStackTraceLimit ?? 10);
      const err = new Error(text, { cause });
      Error.stackTraceLimit = limit;
      throw err;
    }
    if (this.onError === 'warn') console.warn(text);
  }

  /**
   * Replace each `old` by its `by` in `fgraph` (through `fgraph.replace`), after checking
   * that types are compatible ({@link canReplace}) and that no replacement depends on the
   * variable it replaces. Returns false, changing nothing, when a check fails (reported as a
   * failure when `strict`; merge uses non-strict to skip quietly).
   */
  replace(
    fgraph: FunctionGraph,
    pairs: readonly (readonly [Variable, Variable])[],
    rewrite: string,
    node: Apply | undefined,
    strict = true,
  ): boolean {
    const todo = pairs.length === 1 ? pairs : pairs.filter(([old, by]) => old !== by);
    if (todo.length === 0 || todo[0][0] === todo[0][1]) return false;
    // (no set for a replacement already in the graph: every merge)
    let created: Set<Apply> = NO_NODES;
    for (let i = 0; i < todo.length; i++) {
      const [old, by] = todo[i];
      if (by.owner && !fgraph.hasNode(by.owner) && created === NO_NODES) created = new Set<Apply>();
      const why = !canReplace(old.type, by.type)
        ? `replacement of type ${by.type} cannot stand for ${old.type}`
        : newNodesOf(fgraph, by, old, created)
          ? 'the replacement depends on the variable it replaces'
          : undefined;
      if (why) {
        if (strict) this.fail(rewrite, node, why);
        return false;
      }
    }
    // new nodes keep the user's creation site of the node they replace (Theano's copy_stack_trace)
    if (node?.trace) created.forEach((n) => (n.trace = node.trace));
    // the users of the replaced variables get new inputs (not all users of `by`: merging a
    // constant into one used a thousand times changes only the replaced one's users)
    let users: Client[] = [];
    if (this.dirty)
      for (let i = 0; i < todo.length; i++) users = users.concat(fgraph.clients(todo[i][0]));
    for (let i = 0; i < todo.length; i++) fgraph.replace(todo[i][0], todo[i][1], rewrite);
    if (this.dirty) {
      if (this.passFor !== this.dirty) {
        this.passFor = this.dirty;
        this.pass = ++passCount;
      }
      markDirty(
        fgraph,
        this.work,
        this.dirty,
        this.pass,
        this.dirtyDepth,
        this.depthOf,
        todo,
        users,
        created,
      );
      const touched = this.touched;
      if (touched) {
        created.forEach((n) => touched.add(n));
        for (let i = 0; i < users.length; i++) {
          const c = users[i][0];
          if (c !== 'output') touched.add(c);
        }
      }
    }
    return true;
  }

  /**
   * For {@link markDirty}: the number of the pass that fills {@link dirty} (a new one for each
   * new set), which marks nodes (`Apply.dirtyMark`, `Apply.reachMark`).
   */
  private pass = 0;
  private passFor: Set<Apply> | undefined;
}

/** Passes numbered across runs, so that marks left on nodes by another pass never match. */
let passCount = 0;

/** The empty node set of a replacement that creates no node (never added to). */
const NO_NODES: Set<Apply> = new Set();

/**
 * How far downstream of a replaced variable an equilibrium looks again, for rewriters that do
 * not declare their `depth`: the deepest pattern of the built-in rewrites (the expanded softmax
 * gradient is 6 levels deep).
 */
export const DIRTY_DEPTH = 6;

/** See {@link RewriteRun.dirty}. Marks on nodes (numbered by `pass`) stand for set lookups. */
function markDirty(
  fgraph: FunctionGraph,
  work: RewriteRun['work'],
  dirty: Set<Apply>,
  pass: number,
  depth: number,
  depthOf: ((node: Apply) => number) | undefined,
  pairs: readonly (readonly [Variable, Variable])[],
  users: readonly Client[],
  created: ReadonlySet<Apply>,
): void {
  const add = (n: Apply) => {
    if (n.dirtyMark !== pass) {
      n.dirtyMark = pass;
      dirty.add(n);
    }
  };
  created.forEach(add);
  // downstream of the replaced variables' users, level by level (d = 0: the users); a node is
  // dirty when one of its rewriters reads d + 1 levels up, and a node already walked with at
  // least as many levels below it is not walked again (a pass costs O(nodes × depth) at most)
  const mark = (c: Apply, d: number): boolean => {
    work.visits++;
    if ((depthOf?.(c) ?? depth) > d) add(c);
    const below = depth - 1 - d;
    if (c.reachMark === pass && c.reachBelow >= below) return false;
    c.reachMark = pass;
    c.reachBelow = below;
    return below > 0;
  };
  let level: Apply[] = [];
  for (let i = 0; i < users.length; i++) {
    const c = users[i][0];
    if (c !== 'output' && fgraph.hasNode(c) && mark(c, 0)) level.push(c);
  }
  for (let d = 1; d < depth && level.length; d++) {
    const next: Apply[] = [];
    for (const n of level)
      for (const o of n.outputs) {
        const clients = fgraph.clients(o);
        for (let i = 0; i < clients.length; i++) {
          const c = clients[i][0];
          if (c !== 'output' && mark(c, d)) next.push(c);
        }
      }
    level = next;
  }
  // the producers that lost a client (the edge of what the replacement pruned), and their
  // remaining clients: a rewrite there may check how many users a value has
  const stack: Apply[] = [];
  for (const [old] of pairs) if (old.owner) stack.push(old.owner);
  const visited = new Set<Apply>();
  while (stack.length) {
    const n = stack.pop()!;
    if (visited.has(n)) continue;
    visited.add(n);
    work.visits++;
    if (!fgraph.hasNode(n)) {
      for (const v of n.inputs) if (v.owner) stack.push(v.owner);
      continue;
    }
    add(n);
    for (const o of n.outputs) {
      const clients = fgraph.clients(o);
      for (let i = 0; i < clients.length; i++) {
        const c = clients[i][0];
        if (c !== 'output') add(c);
      }
    }
  }
}

let savedStackTraceLimit: number | undefined;

/**
 * Run `fn` without capturing JS stacks (`Error.stackTraceLimit = 0`). Every node a rewrite
 * builds would otherwise capture one (symbolic's `userStackLine`, for `Apply.trace`), which
 * then costs more than all the rewriting; {@link RewriteRun.replace} gives new nodes the trace
 * of the node they replace instead. Errors raised by {@link RewriteRun.fail} still get a stack;
 * errors thrown inside a rewrite keep their message (and are the `cause`) but not their stack.
 */
export function withoutStackCapture<R>(fn: () => R): R {
  if (savedStackTraceLimit !== undefined) return fn(); // nested
  savedStackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = savedStackTraceLimit;
    savedStackTraceLimit = undefined;
  }
}

/** Short description of a node for traces and errors: `Elemwise{log}(Softmax{axis=1}.out)`. */
export function describeNode(node: Apply): string {
  return `${opLabel(node.op)}(${node.inputs.map((v) => String(v)).join(', ')})`;
}

/**
 * True when a variable of type `by` may replace one of type `old`: same dtype and rank, the
 * same broadcastable (static length 1) dimensions, and no conflicting static lengths. A
 * replacement may know less about static lengths, never broadcast differently.
 */
export function canReplace(old: TensorType, by: TensorType): boolean {
  if (old.dtype !== by.dtype || old.ndim !== by.ndim) return false;
  return old.shape.every((d, i) => {
    const e = by.shape[i];
    if (d === 1 || e === 1) return d === e;
    return d === null || e === null || d === e;
  });
}

/**
 * `by` adjusted to stand for `like`: cast to its dtype when they differ (the cast is the one
 * the original expression performed), or `null` when ranks or broadcast patterns differ.
 */
export function matchType(by: Variable, like: Variable): Variable | null {
  if (by.ndim !== like.ndim) return null;
  const v = by.dtype === like.dtype ? by : cast(by, like.dtype);
  return canReplace(like.type, v.type) ? v : null;
}

/**
 * Collect into `created` the nodes computing `by` that are not yet in the graph (a rewrite's
 * new nodes); returns true when one of them uses `old` (the replacement would make a cycle).
 */
function newNodesOf(
  fgraph: FunctionGraph,
  by: Variable,
  old: Variable,
  created: Set<Apply>,
): boolean {
  if (by === old) return true;
  if (!by.owner || fgraph.hasNode(by.owner)) return false; // nothing new (a merge)
  const stack = [by];
  const seen = new Set<Variable>();
  while (stack.length) {
    const v = stack.pop()!;
    if (v === old) return true;
    if (seen.has(v)) continue;
    seen.add(v);
    const o = v.owner;
    if (o && !fgraph.hasNode(o)) {
      created.add(o);
      for (let i = 0; i < o.inputs.length; i++) stack.push(o.inputs[i]);
    }
  }
  return false;
}

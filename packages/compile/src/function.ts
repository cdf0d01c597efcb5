import { NDArray, type NestedArray, type TypedArray } from '@theano-ts/tensor';
import {
  type Apply,
  Constant,
  type FunctionGraph,
  SharedVariable,
  TheanoTypeError,
  type TensorType,
  Variable,
  builtAt,
  constant,
  debugprint as debugprintVariables,
  describe,
  filterValue,
  graphInputs,
  loopDefaults,
  opLabel,
  toposort,
  userStackLine,
} from '@theano-ts/symbolic';
import { type OptimizeReport, optimizeGraph } from '@theano-ts/optimizer-passes';
import { In, Out } from './io';
import { DebugMode, type Mode, type ModeName, NanGuardMode, getMode } from './mode';
import { MissingInputError, UnusedInputError, nodeError } from './errors';
import {
  type Container,
  type InputSpec,
  bindArguments,
  convertInput,
  fastConverter,
  inputLabel,
} from './inputs';
import {
  type Core,
  type CoreEnv,
  type Program,
  type Residency,
  type RunHooks,
  type UpdateTarget,
  generateCore,
  instantiateCore,
  planProgram,
  runInterpreted,
} from './linker';
import { TrackedFunctionGraph, cloneForFunction } from './provenance';
import { type CompileTime, ProfileStats } from './profile';
import { type NodeOrigin, debugHooks, nanGuardHooks } from './checks';
import { makeNodeThunk } from './control-thunks';
import { truthyVia } from './lazy';

/** A value where an expression is expected (updates, givens): becomes a constant of the target's type. */
export type ExpressionLike = Variable | NDArray | number | NestedArray;

/** Updates: pairs [shared, expression] or a Map. */
export type Updates =
  | ReadonlyArray<readonly [SharedVariable, ExpressionLike]>
  | ReadonlyMap<SharedVariable, ExpressionLike>;

/** Givens: pairs [variable, replacement] or a Map. */
export type Givens =
  ReadonlyArray<readonly [Variable, ExpressionLike]> | ReadonlyMap<Variable, ExpressionLike>;

/** Options of `function` (Theano's theano.function, camelCase). */
export interface FunctionOptions {
  /** Values that shared variables take after each call, all together, after the outputs. */
  updates?: Updates;
  /** Replace variables by others of the same type, in outputs and updates alike. */
  givens?: Givens;
  /** 'FAST_RUN' (default: `config.mode`), 'FAST_COMPILE', 'DebugMode', 'NanGuardMode' or a Mode. */
  mode?: ModeName | Mode;
  /** Name used in error messages and profiles. */
  name?: string;
  /** Accept lossy input conversions (float64 data into float32 inputs). Default false. */
  allowInputDowncast?: boolean;
  /** An input that no output or update uses: 'raise' (default), 'warn' or 'ignore'. */
  onUnusedInput?: 'raise' | 'warn' | 'ignore';
  /**
   * Ignore shared variables' defaultUpdate: all of them (true) or those listed. A
   * defaultUpdate built inside a scan's `fn` (a draw's RNG state there) is never applied by
   * the function: the loop advances that state, and scan's `updates` carry it across calls.
   */
  noDefaultUpdates?: boolean | readonly SharedVariable[];
  /**
   * Givens must have exactly the replaced variable's type (default true). With false, the
   * graph above a replacement is rebuilt with the types it implies (same rank required).
   */
  rebuildStrict?: boolean;
  /** Collect time per node and per op type in `fn.profile`. Default false. */
  profile?: boolean;
}

const OPTION_NAMES = [
  'updates',
  'givens',
  'mode',
  'name',
  'allowInputDowncast',
  'onUnusedInput',
  'noDefaultUpdates',
  'rebuildStrict',
  'profile',
];

/** What a call accepts for one input. */
export type InputValue = NDArray | NestedArray | TypedArray;
/** Arguments of a call: positional values, optionally a trailing `{ name: value }` object. */
export type CallArgument = InputValue | Record<string, InputValue>;

/** One update of a compiled function. */
export interface UpdateInfo {
  /** The shared variable, or the In whose stored value is updated. */
  readonly target: SharedVariable | In;
  /** The expression as the user gave it. */
  readonly expression: Variable;
  /** True when it came from the shared variable's defaultUpdate. */
  readonly isDefault: boolean;
}

/** How a function was made (Theano's FunctionMaker), for introspection. */
export interface FunctionMaker {
  /** The optimized graph: outputs, then update values. Records where each node came from. */
  readonly fgraph: TrackedFunctionGraph;
  /** The mode it was compiled with. */
  readonly mode: Mode;
  /** The inputs, as In objects (positional order). */
  readonly inputs: readonly In[];
  /** The outputs, as Out objects. */
  readonly outputs: readonly Out[];
  /** The shared variables updated after each call, with their update expressions. */
  readonly updates: readonly UpdateInfo[];
  /** What the optimizer did (rewrites fired, per-phase times). */
  readonly report: OptimizeReport;
  /** Compile time split by phase. */
  readonly compileTime: CompileTime;
  /** The schedule: nodes in run order. */
  readonly schedule: readonly Apply[];
  /** The generated JS of a call (FAST_RUN / FAST_COMPILE). */
  readonly source: string;
  /** The user's node a compiled node was cloned or rewritten from. */
  originOf(node: Apply): Apply | undefined;
  /** The rewrites that produced a compiled node, oldest first. */
  rewritesOf(node: Apply): readonly string[];
}

/** Options of `fn.copy()` (Theano's Function.copy). */
export interface CopyOptions {
  /**
   * Shared variables to use instead of others in the copy (same type each), as pairs or a Map;
   * the original function is unchanged.
   */
  swap?:
    | ReadonlyArray<readonly [SharedVariable, SharedVariable]>
    | ReadonlyMap<SharedVariable, SharedVariable>;
  /** A copy without updates (outputs only; nodes only updates need are not run). */
  deleteUpdates?: boolean;
  /** Name of the copy. */
  name?: string;
  /** Accepted for Theano compatibility; calls keep no intermediate storage to share. */
  shareMemory?: boolean;
}

/** A compiled function: call it positionally, optionally with a trailing `{ name: value }` object. */
export interface TheanoFunction<R = NDArray | NDArray[]> {
  (...args: CallArgument[]): R;
  /**
   * How it was compiled: the optimized graph, the mode, inputs, outputs and updates (Theano's
   * f.maker).
   */
  readonly maker: FunctionMaker;
  /** The `name` option, for messages and profiles. */
  readonly name: string | undefined;
  /** Statistics when compiled with `profile: true`. */
  readonly profile: ProfileStats | undefined;
  /** A new function from the same compiled graph (Theano's copy): own defaults and In state, optional swaps. */
  copy(opts?: CopyOptions): TheanoFunction<R>;
  /** Release what the function keeps between calls (buffers, cached values); it stays callable. */
  free(): void;
  /** debugprint of the compiled graph. */
  toString(): string;
}

function pairsOf<K, V>(
  x: ReadonlyArray<readonly [K, V]> | ReadonlyMap<K, V> | undefined,
  what: string,
  at: string,
): (readonly [K, V])[] {
  if (x === undefined || x === null) return [];
  if (x instanceof Map) return [...x.entries()];
  if (!Array.isArray(x))
    throw new TheanoTypeError(
      `function: ${what} must be a list of [key, value] pairs or a Map, got ${describe(x)}${at}`,
    );
  return x.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2)
      throw new TheanoTypeError(
        `function: ${what} entry ${i} must be a pair [key, value], got ${describe(p)}${at}`,
      );
    return p as unknown as readonly [K, V];
  });
}

const label = (v: Variable, i?: number) =>
  v.name ? `'${v.name}'` : i !== undefined ? `#${i}` : `(unnamed ${v.type})`;

/** A value given where a variable is expected (updates, givens): a constant of `like`'s type. */
function toVariable(x: unknown, what: string, like: TensorType, at: string): Variable {
  if (x instanceof Variable) return x;
  if (x instanceof NDArray || typeof x === 'number' || typeof x === 'boolean' || Array.isArray(x))
    return constant(filterValue(like, x, { what, allowDowncast: true }));
  throw new TheanoTypeError(
    `${what}: expected a symbolic Variable or a value, got ${describe(x)}${at}`,
  );
}

/** Why `e` cannot be the new value of something of type `t` (undefined when it can). */
function updateMismatch(t: TensorType, e: TensorType): string | undefined {
  if (e.dtype !== t.dtype) return `cast the update: expr.astype('${t.dtype}')`;
  if (e.ndim !== t.ndim)
    return `the update has ${e.ndim} dimension${e.ndim === 1 ? '' : 's'} and the variable ${t.ndim}`;
  const k = t.shape.findIndex((d, i) => d !== null && e.shape[i] !== d);
  if (k >= 0)
    return `dimension ${k} of the variable has static length ${t.shape[k]}, the update's is ${e.shape[k] ?? 'unknown'} (declare it, e.g. with T.specifyShape, or drop the variable's static shape)`;
  return undefined;
}

/** Why `by` cannot replace `a` in givens (undefined when it can). */
function givensMismatch(a: TensorType, by: TensorType, strict: boolean): string | undefined {
  if (a.ndim !== by.ndim)
    return `the ranks differ (${a.ndim} and ${by.ndim} dimensions); a replacement must have the same rank`;
  if (!strict) return undefined;
  if (a.dtype !== by.dtype)
    return `the dtypes differ (${a.dtype} and ${by.dtype}); cast the replacement (.astype('${a.dtype}')) or pass rebuildStrict: false`;
  const k = a.shape.findIndex((d, i) => (d === 1) !== (by.shape[i] === 1));
  if (k >= 0)
    return `dimension ${k} is ${a.shape[k] === 1 ? '' : 'not '}broadcastable in the variable but ${by.shape[k] === 1 ? '' : 'not '}in the replacement; pass rebuildStrict: false to rebuild the graph on the replacement's type`;
  const j = a.shape.findIndex((d, i) => d !== null && by.shape[i] !== null && by.shape[i] !== d);
  if (j >= 0)
    return `dimension ${j} has static length ${a.shape[j]} in the variable and ${by.shape[j]} in the replacement`;
  return undefined;
}

/**
 * Compile `outputs` as a function of `inputs` (Theano's theano.function).
 *
 * - Inputs are variables or `In`s (defaults, names, state with `update`, `strict`,
 *   `allowDowncast`, `mutable`, `borrow`); a call passes them by position and/or by name in a
 *   trailing object, and every value is checked (dtype with Theano's downcast rules, rank, static
 *   and broadcastable dimensions) before any work.
 * - Outputs are a variable (the call returns one NDArray), a list (returns a list) or `Out`s;
 *   they never alias inputs, shared values, constants or each other unless `Out(…, { borrow: true })`.
 * - Updates apply all together after every output is computed; outputs see the values from
 *   before the call; none apply if the call throws.
 *
 * Source: https://theano-pymc.readthedocs.io/en/latest/library/compile/function.html
 * @throws TheanoTypeError for bad inputs, outputs, updates or givens; UnusedInputError;
 *   MissingInputError (all at compile time, naming the culprit).
 */
export function theanoFunction(
  inputs: readonly (Variable | In)[],
  outputs: Variable | Out,
  opts?: FunctionOptions,
): TheanoFunction<NDArray>;
export function theanoFunction(
  inputs: readonly (Variable | In)[],
  outputs: readonly (Variable | Out)[] | null | undefined,
  opts?: FunctionOptions,
): TheanoFunction<NDArray[]>;
export function theanoFunction(
  inputs: readonly (Variable | In)[],
  outputs: Variable | Out | readonly (Variable | Out)[] | null | undefined,
  opts?: FunctionOptions,
): TheanoFunction;
export function theanoFunction(
  inputs: readonly (Variable | In)[],
  outputs: Variable | Out | readonly (Variable | Out)[] | null | undefined,
  opts: FunctionOptions = {},
): TheanoFunction {
  const t0 = performance.now();
  const where = userStackLine();
  // errors of the call itself name the line that called `function` (not an expression's)
  const compiledAt = where ? `\n  The function was compiled at ${where}` : '';
  const at = compiledAt;
  for (const k of Object.keys(opts))
    if (!OPTION_NAMES.includes(k))
      throw new TheanoTypeError(
        `function: unknown option '${k}'; options are ${OPTION_NAMES.join(', ')}${at}`,
      );
  const fnName = opts.name !== undefined ? `function '${opts.name}'` : 'theano function';
  const mode = getMode(opts.mode);

  // --- inputs
  if (!Array.isArray(inputs))
    throw new TheanoTypeError(
      `function: inputs must be a list of variables, got ${describe(inputs)} (for one input write [x])${at}`,
    );
  const ins = inputs.map((x, i) => {
    if (x instanceof In) return x;
    if (!(x instanceof Variable))
      throw new TheanoTypeError(
        `function: input ${i} is not a symbolic Variable (got ${describe(x)})${at}`,
      );
    return new In(x);
  });
  ins.forEach((inp, i) => {
    const v = inp.variable;
    if (v instanceof SharedVariable || v instanceof Constant)
      throw new TheanoTypeError(
        `function: input ${i} ${label(v, i)} is a ${v instanceof SharedVariable ? 'shared variable' : 'constant'}; shared variables and constants cannot be inputs (they supply their own values; use givens to substitute one)${at}`,
      );
    if (v.owner)
      throw new TheanoTypeError(
        `function: input ${i} ${label(v, i)} is computed by ${opLabel(v.owner.op)}; inputs must be free variables (use givens to replace an expression)${at}`,
      );
    const first = ins.findIndex((o) => o.variable === v);
    if (first !== i)
      throw new TheanoTypeError(
        `function: input ${label(v, i)} is given twice (inputs ${first} and ${i})${at}`,
      );
  });
  const inputVars = ins.map((i) => i.variable);

  // --- outputs
  const single = !(Array.isArray(outputs) || outputs === null || outputs === undefined);
  const outList: (Variable | Out)[] =
    outputs === null || outputs === undefined
      ? []
      : Array.isArray(outputs)
        ? [...outputs]
        : [outputs as Variable | Out];
  const outs = outList.map((o, i) => {
    if (o instanceof Out) return o;
    if (!(o instanceof Variable))
      throw new TheanoTypeError(
        `function: output ${i} is not a symbolic Variable (got ${describe(o)})${at}`,
      );
    return new Out(o);
  });
  const outVars = outs.map((o) => o.variable);
  const nOut = outVars.length;

  // --- updates: explicit, then In updates
  interface Upd {
    target: SharedVariable | In;
    expr: Variable;
    isDefault: boolean;
    what: string;
    type: TensorType;
  }
  const updates: Upd[] = [];
  const updateOf = new Map<SharedVariable, number>();
  pairsOf(opts.updates, 'updates', at).forEach(([s, e], j) => {
    if (!((s as unknown) instanceof SharedVariable)) {
      const given: unknown = s;
      const isInput = given instanceof Variable && inputVars.includes(given);
      throw new TheanoTypeError(
        `function: update ${j} targets ${given instanceof Variable ? `${label(given)} (${given.type})` : describe(given)}, which is not a shared variable; only shared variables can be updated` +
          (isInput ? ` (for state carried by an input use In(x, { value, update }))` : '') +
          at,
      );
    }
    const prev = updateOf.get(s);
    if (prev !== undefined)
      throw new TheanoTypeError(
        `function: shared variable ${label(s)} has two updates (updates ${prev} and ${j}); give one${at}`,
      );
    const what = `the update of shared variable ${label(s)}`;
    const ev = toVariable(e, what, s.type, at);
    const bad = updateMismatch(s.type, ev.type);
    if (bad)
      throw new TheanoTypeError(
        `function: ${what} has type ${ev.type}, but the variable is ${s.type}; ${bad}${builtAt(ev.owner?.trace ?? where)}`,
      );
    updateOf.set(s, updates.length);
    updates.push({ target: s, expr: ev, isDefault: false, what, type: s.type });
  });
  ins.forEach((inp, i) => {
    const e = inp.opts.update;
    if (!e) return;
    const what = `the update of ${inputLabel({ index: i, name: inp.name } as InputSpec)}`;
    const bad = updateMismatch(inp.variable.type, e.type);
    if (bad)
      throw new TheanoTypeError(
        `function: ${what} has type ${e.type}, but the input is ${inp.variable.type}; ${bad}${builtAt(e.owner?.trace ?? where)}`,
      );
    updates.push({ target: inp, expr: e, isDefault: false, what, type: inp.variable.type });
  });

  // --- givens
  const strict = opts.rebuildStrict ?? true;
  const givens = new Map<Variable, Variable>();
  for (const [a, b] of pairsOf(opts.givens, 'givens', at)) {
    if (!(a instanceof Variable))
      throw new TheanoTypeError(`function: givens keys must be Variables, got ${describe(a)}${at}`);
    if (givens.has(a))
      throw new TheanoTypeError(`function: givens replaces ${label(a)} twice${at}`);
    const bv = toVariable(b, `givens for ${label(a)}`, a.type, at);
    const bad = givensMismatch(a.type, bv.type, strict);
    if (bad)
      throw new TheanoTypeError(
        `function: givens replaces ${label(a)} (${a.type}) by ${label(bv)} (${bv.type}): ${bad}${at}`,
      );
    givens.set(a, bv);
  }

  // shared variables whose default update belongs inside a loop's fn (scan's updates carry it)
  let frontier: Variable[] = [...outVars, ...updates.map((u) => u.expr), ...givens.values()];
  const inLoops = loopDefaults(frontier);
  // an explicit update by the next state of a draw made inside a scan's fn (from
  // `srng.stateUpdates`) would draw once outside the loop: the stream would repeat numbers
  for (const u of updates)
    if (
      u.target instanceof SharedVariable &&
      inLoops.has(u.target) &&
      u.expr === u.target.defaultUpdate
    )
      throw new TheanoTypeError(
        `function: the update of ${label(u.target)} is the next state of a random draw made inside a scan's fn; inside the loop that state advances at every step: pass the updates scan returned instead (function(..., { updates: scanUpdates }))${at}`,
      );

  // --- default updates of the shared variables the graph reads (after givens), to a fixed point
  if (opts.noDefaultUpdates !== true) {
    const skip = new Set(Array.isArray(opts.noDefaultUpdates) ? opts.noDefaultUpdates : []);
    const keys = new Set(givens.keys());
    let inner = inLoops;
    while (frontier.length) {
      // a default update built inside a loop's fn is that loop's (scan's updates carry it)
      for (const v of inner) skip.add(v);
      const added: Variable[] = [];
      for (const v of graphInputs(frontier, keys)) {
        if (
          !(v instanceof SharedVariable) ||
          !v.defaultUpdate ||
          keys.has(v) ||
          skip.has(v) ||
          updateOf.has(v)
        )
          continue;
        const what = `the defaultUpdate of shared variable ${label(v)}`;
        const bad = updateMismatch(v.type, v.defaultUpdate.type);
        if (bad)
          throw new TheanoTypeError(
            `function: ${what} has type ${v.defaultUpdate.type}, but the variable is ${v.type}; ${bad} (or pass noDefaultUpdates)${builtAt(v.defaultUpdate.owner?.trace ?? where)}`,
          );
        updateOf.set(v, updates.length);
        updates.push({ target: v, expr: v.defaultUpdate, isDefault: true, what, type: v.type });
        added.push(v.defaultUpdate);
      }
      frontier = added;
      inner = loopDefaults(frontier);
    }
  }

  // --- clone (with givens), then check what the graph needs
  const roots = [...outVars, ...updates.map((u) => u.expr)];
  const cl = cloneForFunction(roots, givens, strict);
  if (!strict)
    updates.forEach((u, j) => {
      const t = cl.cloned[nOut + j].type;
      const bad = updateMismatch(u.type, t);
      if (bad)
        throw new TheanoTypeError(
          `function: with the givens (rebuildStrict: false), ${u.what} has type ${t}, but the target is ${u.type}; ${bad}${at}`,
        );
    });
  const inputSet = new Set(inputVars);
  const leaves = graphInputs(cl.cloned);
  for (const v of leaves)
    if (!(v instanceof Constant) && !(v instanceof SharedVariable) && !inputSet.has(v)) {
      const user = toposort(cl.cloned).find((n) => n.inputs.includes(v));
      throw new MissingInputError(
        `function: the graph needs ${label(v)} (${v.type}), which is not an input; add it to the inputs, or replace it with givens` +
          (user ? `\n  It is used by ${opLabel(user.op)}${builtAt(user.trace)}` : '') +
          compiledAt,
      );
    }
  const used = new Set(leaves);
  ins.forEach((inp, i) => {
    if (used.has(inp.variable)) return;
    const msg = `function: input ${i} ${label(inp.variable, i)} is not used to compute any output or update; remove it or pass onUnusedInput: 'ignore'${at}`;
    const policy = opts.onUnusedInput ?? 'raise';
    if (policy === 'raise') throw new UnusedInputError(msg);
    if (policy === 'warn') console.warn(msg);
  });
  const shareds = leaves.filter((v): v is SharedVariable => v instanceof SharedVariable);
  const tPrepared = performance.now();

  // --- optimize
  const fgraph = new TrackedFunctionGraph([...inputVars, ...shareds], cl.cloned);
  for (const [c, u] of cl.userOf) fgraph.standsFor.set(c, u);
  for (const [c, u] of cl.nodeOf) fgraph.originOf.set(c, u);
  const report = optimizeGraph(fgraph, {
    mode: mode.optimizer,
    include: mode.include,
    exclude: mode.exclude,
    trace: mode.trace ? true : undefined,
    db: mode.db,
    // rewrites making ops only some backends run (reduce fusion) ask the backend
    supports: mode.backend.supports?.bind(mode.backend),
  });
  const tOptimized = performance.now();

  // --- inputs' call-time specs and default values
  const specs: InputSpec[] = ins.map((inp, i) => ({
    index: i,
    variable: inp.variable,
    type: inp.variable.type,
    name: inp.name,
    allowDowncast: inp.opts.allowDowncast ?? opts.allowInputDowncast ?? false,
    strict: inp.opts.strict ?? false,
    mutable: inp.opts.mutable ?? false,
    container: undefined,
  }));
  const defaults: (NDArray | undefined)[] = ins.map((inp, i) => {
    if (inp.opts.value === undefined) return undefined;
    const a = convertInput(specs[i], inp.opts.value, `${fnName} (default value)`, compiledAt);
    return a === inp.opts.value && !inp.opts.borrow ? a.copy() : a;
  });

  // --- link
  const backend = mode.backend;
  // a backend with the residency hooks keeps shared variables in its storage between calls
  const resident =
    typeof backend.loadShared === 'function' && typeof backend.storeShared === 'function';
  // a backend with the recycle hook reuses the buffers of dead values in later calls, among
  // them the shared values the updates replace
  const recycle =
    !resident && typeof backend.recycle === 'function'
      ? {
          // (a shared variable the graph does not read has no slot: its old value stays)
          replacedShared: updates
            .map((u) => (u.target instanceof SharedVariable ? shareds.indexOf(u.target) : -1))
            .filter((j) => j >= 0),
        }
      : undefined;
  const residency = (withUpdates: boolean): Residency | undefined =>
    resident
      ? {
          shared: true,
          updates: withUpdates ? updates.map((u) => u.target instanceof SharedVariable) : [],
        }
      : undefined;
  const prog = planProgram(
    fgraph,
    inputVars,
    shareds,
    nOut,
    outs.map((o) => !!o.opts.borrow),
    single,
    residency(true),
    recycle,
  );
  const thunkOf = new Map<Apply, ReturnType<typeof backend.makeThunk>>();
  prog.nodes.forEach((node, k) => {
    try {
      thunkOf.set(node, makeNodeThunk(node, mode));
    } catch (e) {
      throw nodeError(
        e,
        {
          node,
          originalNode: fgraph.originOf.get(node),
          rewrites: fgraph.rewritesOf.get(node) ?? [],
          functionName: fnName,
        },
        `node ${k + 1} of ${prog.nodes.length}; the backend '${mode.backendName}' could not compile it`,
        undefined,
      );
    }
  });
  const source = generateCore(prog, { profile: false });
  const tLinked = performance.now();
  const compileTime: CompileTime = {
    totalMs: tLinked - t0,
    phases: [
      { phase: 'prepare', ms: tPrepared - t0 },
      ...report.phases.map((p) => ({ phase: `optimize:${p.phase}`, ms: p.ms })),
      { phase: 'link', ms: tLinked - tOptimized },
    ],
  };
  const maker: FunctionMaker = {
    fgraph,
    mode,
    inputs: ins,
    outputs: outs,
    updates: updates.map((u) => ({ target: u.target, expression: u.expr, isDefault: u.isDefault })),
    report,
    compileTime,
    schedule: prog.nodes,
    source,
    originOf: (node) => fgraph.originOf.get(node),
    rewritesOf: (node) => fgraph.rewritesOf.get(node) ?? [],
  };
  const origin: NodeOrigin = { original: maker.originOf, rewrites: maker.rewritesOf };

  /** Build a callable from the compiled graph, with its own state. */
  const instantiate = (inst: {
    name: string | undefined;
    swap: ReadonlyMap<SharedVariable, SharedVariable>;
    deleteUpdates: boolean;
    defaults: readonly (NDArray | undefined)[];
  }): TheanoFunction => {
    const name = inst.name !== undefined ? `function '${inst.name}'` : 'theano function';
    const p: Program = inst.deleteUpdates
      ? planProgram(
          new TrackedFunctionGraph(fgraph.inputs, fgraph.outputs.slice(0, nOut)),
          inputVars,
          shareds,
          nOut,
          prog.borrow,
          single,
          residency(false),
          recycle && { replacedShared: [] },
        )
      : prog;
    const containers: (Container | undefined)[] = inst.defaults.map((d) =>
      d ? { value: d } : undefined,
    );
    const mySpecs = specs.map((s, i) => ({ ...s, container: containers[i] }));
    const sources = shareds.map((s) => inst.swap.get(s) ?? s);
    const targets: UpdateTarget[] = inst.deleteUpdates
      ? []
      : updates.map((u) => {
          if (u.target instanceof In) {
            const c = containers[ins.indexOf(u.target)]!;
            return { set: (v: NDArray) => (c.value = v) };
          }
          const s = inst.swap.get(u.target) ?? u.target;
          return {
            set: (v: NDArray) => s.setInternal(v),
            store: resident ? (v: unknown) => backend.storeShared!(s, v) : undefined,
          };
        });
    const stats = opts.profile
      ? new ProfileStats(inst.name ?? 'theano function', p.nodes, compileTime)
      : undefined;
    const env: CoreEnv = {
      thunks: p.nodes.map((n) => thunkOf.get(n)!),
      constValues: p.constants.map((c) => backend.fromHost(c.data)),
      constBuffers: p.constants.map((c) => c.data.data),
      shared: sources,
      updates: targets,
      fromHost: backend.fromHost.bind(backend),
      toHost: backend.toHost.bind(backend),
      loadShared: resident ? backend.loadShared!.bind(backend) : undefined,
      fail: (e, k, args) => {
        if (k < 0) return e;
        const node = p.nodes[k];
        return nodeError(
          e,
          {
            node,
            originalNode: maker.originOf(node),
            rewrites: maker.rewritesOf(node),
            functionName: name,
          },
          `node ${k + 1} of ${p.nodes.length} in the compiled graph`,
          args,
        );
      },
      times: stats ? stats.nodeTimes : new Float64Array(p.nodes.length),
      now: () => performance.now(),
      truthy: truthyVia((v) => backend.toHost(v)),
      recycle: recycle ? backend.recycle!.bind(backend) : undefined,
    };
    let core: Core;
    const leafNames = [
      ...specs.map((s) => inputLabel(s)),
      ...shareds.map((s) => `shared variable ${label(s)}`),
    ];
    let hooks: RunHooks | undefined;
    if (mode instanceof DebugMode) {
      const ref = cloneForFunction(roots, givens, strict);
      hooks = debugHooks(p, env, {
        mode,
        fnName: name,
        backendName: mode.backendName,
        fgraph,
        origin,
        reference: { roots: ref.cloned, memo: ref.memo },
        leaves: [...inputVars, ...shareds],
        mutableSlots: new Set(specs.filter((s) => s.mutable).map((s) => s.index)),
      });
    } else if (mode instanceof NanGuardMode)
      hooks = nanGuardHooks(p, env, { mode, fnName: name, leaves: leafNames, origin });
    if (hooks) {
      const h = hooks;
      core = (...xs) => runInterpreted(p, env, xs, h, !!stats);
    } else
      core = instantiateCore(
        p === prog && !stats ? source : generateCore(p, { profile: !!stats }),
        env,
      );

    const conv = mySpecs.map(fastConverter);
    const slow = (args: ArrayLike<unknown>) => {
      const values = bindArguments(mySpecs, args, name);
      const xs = new Array<NDArray>(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        xs[i] =
          v === undefined
            ? containers[i]!.value
            : (conv[i].convert(v) ?? convertInput(mySpecs[i], v, name, compiledAt));
      }
      return core(...xs);
    };
    let entry = makeEntry(conv, core, slow);
    if (stats) {
      const inner = entry;
      entry = function (this: unknown, ...args: unknown[]) {
        const t = performance.now();
        try {
          return inner(...args);
        } finally {
          stats.callCount++;
          stats.callTimeMs += performance.now() - t;
        }
      };
    }
    const fn = entry as unknown as TheanoFunction;
    Object.defineProperties(fn, {
      maker: { value: maker },
      name: { value: inst.name },
      profile: { value: stats },
      copy: {
        value: (c: CopyOptions = {}) => {
          const swap = new Map(inst.swap);
          for (const [a, b] of pairsOf(c.swap, 'swap', '')) {
            if (!(a instanceof SharedVariable) || !(b instanceof SharedVariable))
              throw new TheanoTypeError(
                `copy: swap pairs must be shared variables, got ${describe(a)} and ${describe(b)}`,
              );
            if (!shareds.includes(a) && !updateOf.has(a))
              throw new TheanoTypeError(
                `copy: swap names ${label(a)}, which the function does not use`,
              );
            if (!a.type.equals(b.type))
              throw new TheanoTypeError(
                `copy: swap replaces ${label(a)} (${a.type}) by ${label(b)} (${b.type}); the types must be the same`,
              );
            swap.set(a, b);
          }
          return instantiate({
            name: c.name ?? inst.name,
            swap,
            deleteUpdates: inst.deleteUpdates || !!c.deleteUpdates,
            defaults: containers.map((k) => (k ? k.value.copy() : undefined)),
          });
        },
      },
      free: {
        value: () => {
          conv.forEach((c) => c.free());
        },
      },
      toString: { value: () => debugprint(fn) },
    });
    return fn;
  };
  return instantiate({ name: opts.name, swap: new Map(), deleteUpdates: false, defaults });
}

type EntryFactory = (K: unknown, core: unknown, slow: unknown) => unknown;
const entryFactories = new Map<number, EntryFactory>();

/**
 * The callable: when called with exactly one argument per input and every one accepted by its
 * fast converter, straight to the core; otherwise through `slow` (names, defaults, conversions,
 * errors). Generated per arity so that the common call allocates nothing.
 */
function makeEntry(
  conv: readonly { convert(v: unknown): NDArray | undefined }[],
  core: Core,
  slow: (args: ArrayLike<unknown>) => NDArray | NDArray[],
): (...args: unknown[]) => NDArray | NDArray[] {
  const n = conv.length;
  let make = entryFactories.get(n);
  if (!make) {
    const params = Array.from({ length: n }, (_, i) => `a${i}`);
    const lines = ['"use strict";'];
    for (let i = 0; i < n; i++) lines.push(`const K${i} = K[${i}];`);
    lines.push(
      `return function theanoFunction(${params.join(', ')}) {`,
      `  if (arguments.length === ${n}) {`,
    );
    let body = `return core(${params.map((_, i) => `x${i}`).join(', ')});`;
    for (let i = n - 1; i >= 0; i--)
      body = `{ const x${i} = K${i}.convert(a${i}); if (x${i} !== undefined) ${body} }`;
    lines.push(`    ${body}`, '  }', '  return slow(arguments);', '};');
    make = new Function('K', 'core', 'slow', lines.join('\n')) as EntryFactory;
    entryFactories.set(n, make);
  }
  return make(conv, core, slow) as (...args: unknown[]) => NDArray | NDArray[];
}

/**
 * Theano's debugprint for a compiled function (its optimized graph: outputs, then updates,
 * each marked) or for variables.
 */
export function debugprint(x: TheanoFunction | Variable | readonly Variable[]): string {
  if (typeof x !== 'function') return debugprintVariables(x as Variable | readonly Variable[]);
  const { fgraph, outputs, updates, mode } = x.maker;
  const notes = new Map<Variable, string[]>();
  const add = (v: Variable, s: string) => notes.set(v, [...(notes.get(v) ?? []), s]);
  fgraph.outputs.forEach((v, i) => {
    if (i < outputs.length) add(v, `← output ${i}`);
    else {
      const t = updates[i - outputs.length].target;
      add(v, `← update of ${t instanceof In ? `input '${t.name ?? '?'}'` : label(t)}`);
    }
  });
  const describeNode = mode.backend.describeNode?.bind(mode.backend);
  return debugprintVariables(fgraph.outputs, {
    note: (v) => {
      const parts = [...(notes.get(v) ?? [])];
      const d = v.owner && describeNode ? describeNode(v.owner) : undefined;
      if (d) parts.push(`(${d})`);
      return parts.length ? parts.join(' ') : undefined;
    },
  });
}

/** The optimized graph of a function (its FunctionGraph), for tools that walk it. */
export const functionGraphOf = (fn: TheanoFunction): FunctionGraph => fn.maker.fgraph;

/**
 * Loops and lazy branches (Theano's theano.scan, map, reduce, foldl, foldr, scan_module.until
 * and theano.ifelse). Sources:
 * https://theano-pymc.readthedocs.io/en/latest/library/scan.html and
 * https://theano-pymc.readthedocs.io/en/latest/library/ifelse.html
 */
import { type DType, canCastSafely, isInteger } from '@theano-ts/tensor';
import {
  Constant,
  SharedVariable,
  type TensorLike,
  Variable,
  describe,
  nextVariableId,
} from './graph';
import { applyOp, asTensorVariable, cast, constant, dimshuffle, minimum, shapeI } from './basic';
import { cloneGraph, graphInputs, toposort } from './graph-utils';
import { getItem, slice } from './indexing-fns';
import type { Apply } from './graph';
import { ScanInfo, rowType } from './ops/control';
import { TheanoTypeError, builtAt, userStackLine } from './errors';
import { TensorType } from './type';

/** The condition of a while loop, returned by a scan's `fn` (Theano's scan_module.until). */
export class Until {
  constructor(
    /** The scalar stop condition: the loop ends after the step where it is true (nonzero). */
    readonly condition: Variable,
  ) {}
}

/**
 * Stop the loop after the step where `condition` is true (Theano's `scan_module.until`): return
 * it from `fn` with the outputs, e.g. `return [x2, until(x2.gt(45))]`. The step's outputs are
 * kept. `condition` must be a scalar.
 */
export function until(condition: TensorLike): Until {
  return new Until(asTensorVariable(condition, 'the until condition'));
}

/** A sequence with taps (Theano's `dict(input=..., taps=[...])`): tap k at step t is `input[t + k - min(taps, 0)]`. */
export interface SequenceSpec {
  /** The tensor iterated over along axis 0 (at least one dimension). */
  input: TensorLike;
  /**
   * Offsets from step t that `fn` reads, one argument each in the order given (distinct
   * integers, negative or positive; default `[0]`). The loop runs at most
   * `length - (max(taps, 0) - min(taps, 0))` steps.
   */
  taps?: readonly number[];
}

/**
 * A recurrent output with its initial value (Theano's `dict(initial=..., taps=[...])`). With
 * taps `[-1]` (the default) `initial` is the state itself; with other (negative) taps it has a
 * leading axis whose last `-min(taps)` entries are the values before step 0.
 */
export interface OutputSpec {
  /**
   * The value(s) before step 0: with taps `[-1]`, the state itself (the shape of one output);
   * with other taps, a tensor whose leading axis holds at least `-min(taps)` past values, the
   * last one being step −1's. `null`: the output is not fed back (then give no taps).
   */
  initial: TensorLike | null;
  /**
   * Past steps `fn` reads, one argument each in ascending order (distinct negative integers,
   * tap k at step t being the output of step t + k; default `[-1]`).
   */
  taps?: readonly number[];
}

/** The updates a scan's `fn` asked for, keyed by shared variable (Theano's OrderedUpdates). */
export type ScanUpdates = Map<SharedVariable, Variable>;

/** Options of {@link scan} (Theano's keyword arguments, camelCase). */
export interface ScanOptions {
  /** Tensors iterated over along axis 0, or `{ input, taps }`. Several: scan stops at the shortest. */
  sequences?: TensorLike | SequenceSpec | readonly (TensorLike | SequenceSpec)[];
  /**
   * One entry per output of `fn`: `null` (not fed back, a map output), an initial value (fed back
   * as tap -1) or `{ initial, taps }`. Omitted: every output is a map output. A JS array is a
   * list of entries (as Theano's list): give a vector initial value as a variable or NDArray.
   */
  outputsInfo?: TensorLike | OutputSpec | null | readonly (TensorLike | OutputSpec | null)[];
  /** Tensors passed unchanged to every step, after the sequences and past outputs. */
  nonSequences?: TensorLike | readonly TensorLike[];
  /** Number of steps (at most the shortest sequence's length when there are sequences). */
  nSteps?: number | Variable;
  /** Iterate the sequences from the end. */
  goBackwards?: boolean;
  /** Backpropagate through the last `truncateGradient` steps only; -1 (default): all steps. */
  truncateGradient?: number;
  /** Name of the loop, in printing and errors. */
  name?: string;
  /** Always return the outputs as a list (Theano's return_list). */
  returnList?: boolean;
  /**
   * Random draws (and any shared variable whose `defaultUpdate` is built inside `fn`) advance
   * at every step by default: their state is a loop state and its value after the last step
   * is in the returned updates. `true` turns this off for all of them, a list for those listed
   * (Theano's `no_default_updates`): such a draw is then the same at every step, and stays the
   * same from call to call (its `defaultUpdate` is never evaluated outside the loop).
   */
  noDefaultUpdates?: boolean | readonly SharedVariable[];
}

/** What `fn` may return: outputs, updates (a Map or [shared, expr] pairs), an `until`, in a list or alone. */
export type ScanFnResult =
  | TensorLike
  | Until
  | ReadonlyMap<SharedVariable, TensorLike>
  | readonly (TensorLike | Until | ReadonlyMap<SharedVariable, TensorLike> | readonly unknown[])[];

const SCAN_OPTIONS = [
  'sequences',
  'outputsInfo',
  'nonSequences',
  'nSteps',
  'goBackwards',
  'truncateGradient',
  'name',
  'returnList',
  'noDefaultUpdates',
];

const isPairList = (x: unknown): x is readonly (readonly [SharedVariable, TensorLike])[] =>
  Array.isArray(x) &&
  x.length > 0 &&
  x.every((p) => Array.isArray(p) && p.length === 2 && p[0] instanceof SharedVariable);

function checkTaps(label: string, what: string, taps: unknown, at: string, neg: boolean): number[] {
  if (
    !Array.isArray(taps) ||
    taps.length === 0 ||
    !taps.every((k) => Number.isInteger(k) && (!neg || k < 0))
  )
    throw new TheanoTypeError(
      `${label}: ${what} has taps ${JSON.stringify(taps)}; taps must be a non-empty list of ${neg ? 'negative ' : ''}integers${neg ? ' (an output can only read its past values)' : ''}${at}`,
    );
  if (new Set(taps).size !== taps.length)
    throw new TheanoTypeError(`${label}: ${what} repeats a tap in ${JSON.stringify(taps)}${at}`);
  return [...(taps as number[])];
}

const placeholder = (t: TensorType, name: string): Variable =>
  new Variable(new TensorType(t.dtype, t.shape), name);

/** `fn`'s result split into outputs, updates and the until condition. */
function parseResult(
  label: string,
  r: unknown,
  at: string,
): { outs: Variable[]; updates: [SharedVariable, Variable][]; until: Variable | undefined } {
  const outs: Variable[] = [];
  const updates: [SharedVariable, Variable][] = [];
  let cond: Variable | undefined;
  const addUpdates = (pairs: Iterable<readonly [unknown, unknown]>) => {
    for (const [s, e] of pairs) {
      if (!(s instanceof SharedVariable))
        throw new TheanoTypeError(
          `${label}: fn returned an update of ${describe(s)}; only shared variables can be updated${at}`,
        );
      updates.push([s, asTensorVariable(e as TensorLike, `the update of '${s.name ?? 'shared'}'`)]);
    }
  };
  const visit = (x: unknown, top: boolean) => {
    if (x === undefined || x === null) return;
    if (x instanceof Until) {
      if (cond) throw new TheanoTypeError(`${label}: fn returned two until conditions${at}`);
      cond = x.condition;
    } else if (x instanceof Map) addUpdates(x);
    else if (isPairList(x)) addUpdates(x);
    else if (Array.isArray(x) && (top || x.every((e) => e instanceof Variable)))
      x.forEach((e) => visit(e, false));
    else if (x instanceof Variable) outs.push(x);
    else if (typeof x === 'number' || Array.isArray(x))
      outs.push(asTensorVariable(x as TensorLike));
    else
      throw new TheanoTypeError(
        `${label}: fn returned ${describe(x)}; it must return variables, updates (a Map or [shared, expr] pairs) and optionally until(cond)${at}`,
      );
  };
  visit(r, true);
  return { outs, updates, until: cond };
}

/**
 * The shared variables whose `defaultUpdate` belongs inside a loop of the graph computing
 * `roots` (the {@link ScanInfo.innerDefaults} of every Scan node in it): `function` and
 * enclosing loops must not evaluate their `defaultUpdate` themselves.
 */
export function loopDefaults(roots: readonly Variable[]): Set<SharedVariable> {
  const res = new Set<SharedVariable>();
  for (const node of toposort(roots))
    if (node.op.kind === 'Scan')
      for (const v of (node as Apply<'Scan'>).op.params.info.innerDefaults) res.add(v);
  return res;
}

/** Shared variables whose `defaultUpdate` was built inside a scan's `fn` (see {@link isLoopState}). */
const LOOP_STATES = new WeakSet<SharedVariable>();

/**
 * Whether `v`'s `defaultUpdate` was built inside a scan's `fn`: the loop carries `v` as a loop
 * state, and its next-state expression reads the loop's inner variables, so it means nothing
 * outside the loop (`RandomStreams.updates()` leaves such states out; scan's `updates` hold
 * their final values).
 */
export const isLoopState = (v: SharedVariable): boolean => LOOP_STATES.has(v);

/**
 * Theano's scan collecting the default updates of the shared variables `fn` uses: each shared
 * variable read by fn's graph whose `defaultUpdate` fn built (variable ids from `mark` on) is
 * added to `res.updates` (becoming a loop state), to a fixed point, unless it has an explicit
 * update, `no` excludes it, or a loop nested in fn handles it. Returns all such variables
 * (the loop's {@link ScanInfo.innerDefaults}) and which of them became loop states here.
 */
function collectDefaultUpdates(
  res: ReturnType<typeof parseResult>,
  mark: number,
  no: boolean | readonly SharedVariable[] | undefined,
): { inner: SharedVariable[]; added: Set<SharedVariable> } {
  const skip = new Set(Array.isArray(no) ? no : []);
  const explicit = new Set(res.updates.map(([s]) => s));
  const inner = new Set<SharedVariable>();
  const added = new Set<SharedVariable>();
  let frontier = [...res.outs, ...res.updates.map(([, e]) => e), ...(res.until ? [res.until] : [])];
  while (frontier.length) {
    const nested = loopDefaults(frontier);
    nested.forEach((v) => inner.add(v));
    const next: Variable[] = [];
    for (const v of graphInputs(frontier)) {
      if (!(v instanceof SharedVariable) || !v.defaultUpdate || inner.has(v)) continue;
      if (v.defaultUpdate.id < mark) continue; // built outside fn: one draw per call
      inner.add(v);
      LOOP_STATES.add(v);
      if (explicit.has(v) || no === true || skip.has(v)) continue;
      added.add(v);
      res.updates.push([v, v.defaultUpdate]);
      next.push(v.defaultUpdate);
    }
    frontier = next;
  }
  return { inner: [...inner], added };
}

interface StateIn {
  /** The value the user gave (state) — possibly recast. */
  initial: Variable;
  taps: number[];
  /** true: `initial` has the leading time axis (several taps). */
  stacked: boolean;
  /**
   * The initial value may take fn's output dtype: it was a JS value or an int constant (the
   * README's exception); any other dtype mismatch is an error, as in Theano.
   */
  mayCast: boolean;
}

/**
 * Theano's scan: a symbolic loop. `fn` receives, in order, the current slice of each sequence
 * (one argument per tap), the past values of each recurrent output (one per tap), then the
 * non-sequences, and returns the new outputs, optionally updates (a Map or [shared, expr]
 * pairs) and `until(cond)` to stop early. Shared variables and other outer variables that `fn`
 * uses are passed to the loop automatically (as non-sequences; a shared variable `fn` updates
 * becomes a loop state, whose value inside `fn` is the current one).
 *
 * Random draws made inside `fn` (e.g. `srng.normal([3])`, dropout masks) differ from step to
 * step, as in Theano: scan collects the `defaultUpdate` of each shared variable `fn`'s graph
 * reads when `fn` built that update (a RandomStreams draw's RNG state), makes the variable a
 * loop state advanced by it at every step, and returns its value after the last step in
 * `updates` (step k draws what the k-th call of a function drawing from the same state would).
 * Pass those updates to `function(..., { updates })` to continue the stream on the next call;
 * without them each call repeats the same draws (a compiled function never evaluates such a
 * `defaultUpdate` outside the loop). `noDefaultUpdates` (`true`, or a list of shared variables)
 * turns the collection off: such a draw is then the same at every step. A draw built outside
 * `fn` and used in it is one value for the whole loop (Theano would redraw it at each step
 * unless passed as a non-sequence). An explicit update `fn` returns for a variable wins over
 * its `defaultUpdate`. The gradient's backward loop recomputes each step's draws from that
 * step's state, so the noise is the forward pass's. In a nested scan, return the inner scan's
 * updates from the outer `fn` to advance the stream across outer steps.
 *
 * Returns `[outputs, updates]`: outputs is one variable (or a list when there are several or
 * `returnList`), each stacking the values of all steps along a new axis 0 (`[nSteps, ...]`);
 * updates maps each shared variable to its value after the last step (the ones `fn` updates
 * and the RNG states of its draws; each the shape of the variable) — pass them to
 * `function(..., { updates })`.
 *
 * @example
 * const [result, updates] = scan((prior, A) => prior.mul(A), { outputsInfo: T.onesLike(A), nonSequences: A, nSteps: k });
 * @throws TheanoTypeError when `fn` returns a different number of outputs than `outputsInfo`
 *   has entries, an output's dtype or rank differs from its initial value's (Theano's
 *   inconsistent-type error; only a JS value or an int constant initial value takes the
 *   output's dtype, when it converts exactly), taps are invalid
 *   or given with a null initial value, the until condition is not a scalar, or neither
 *   sequences nor nSteps give the number of steps, or noDefaultUpdates is not a boolean or a
 *   list of shared variables; each names scan, the variable and where the loop was built.
 */
export function scan(
  fn: (...args: Variable[]) => ScanFnResult,
  opts: ScanOptions & { returnList: true },
): [Variable[], ScanUpdates];
export function scan(
  fn: (...args: Variable[]) => ScanFnResult,
  opts?: ScanOptions,
): [Variable | Variable[], ScanUpdates];
export function scan(
  fn: (...args: Variable[]) => ScanFnResult,
  opts: ScanOptions = {},
): [Variable | Variable[], ScanUpdates] {
  const where = userStackLine();
  const at = builtAt(where);
  const label = opts.name ? `scan '${opts.name}'` : 'scan';
  const name = opts.name ?? 'scan_fn';
  if (typeof fn !== 'function')
    throw new TheanoTypeError(`${label}: fn must be a function, got ${describe(fn)}${at}`);
  for (const k of Object.keys(opts))
    if (!SCAN_OPTIONS.includes(k))
      throw new TheanoTypeError(
        `${label}: unknown option '${k}'; options are ${SCAN_OPTIONS.join(', ')}${at}`,
      );
  const asList = <X>(x: X | readonly X[] | undefined): X[] =>
    x === undefined ? [] : Array.isArray(x) ? [...(x as X[])] : [x as X];

  // --- sequences: one outer (sliced, maybe reversed) sequence and one inner slice per tap
  const outerSeqs: Variable[] = [];
  const innerSeqs: Variable[] = [];
  asList(opts.sequences).forEach((s, i) => {
    const spec: SequenceSpec =
      s !== null &&
      typeof s === 'object' &&
      !(s instanceof Variable) &&
      !Array.isArray(s) &&
      'input' in s
        ? (s as SequenceSpec)
        : { input: s as TensorLike };
    const input = asTensorVariable(spec.input, `sequence ${i}`);
    const what = `sequence ${i}${input.name ? ` '${input.name}'` : ''}`;
    if (input.ndim === 0)
      throw new TheanoTypeError(
        `${label}: ${what} is a scalar (${input.type}); sequences are iterated along axis 0${at}`,
      );
    const taps = spec.taps === undefined ? [0] : checkTaps(label, what, spec.taps, at, false);
    const hi = Math.max(...taps, 0);
    const lo = Math.min(...taps, 0);
    for (const k of taps) {
      const end = k - hi;
      let seq = getItem(input, slice(k - lo, end === 0 ? null : end));
      if (opts.goBackwards) seq = getItem(seq, slice(null, null, -1));
      outerSeqs.push(seq);
      innerSeqs.push(
        placeholder(
          rowType(input.type),
          `${input.name ?? `seq${i}`}[t${k === 0 ? '' : k > 0 ? `+${k}` : k}]`,
        ),
      );
    }
  });

  // --- number of steps
  let nSteps: Variable | undefined;
  if (opts.nSteps !== undefined) {
    const n = opts.nSteps;
    if (typeof n === 'number') {
      if (!Number.isInteger(n) || n < 0)
        throw new TheanoTypeError(`${label}: nSteps must be a non-negative integer, got ${n}${at}`);
      nSteps = constant(n, undefined, 'int32');
    } else if (n instanceof Variable && n.ndim === 0 && /int/.test(n.dtype))
      nSteps = n.dtype === 'int32' ? n : cast(n, 'int32');
    else
      throw new TheanoTypeError(
        `${label}: nSteps must be an integer or an integer scalar variable, got ${describe(n)}${at}`,
      );
  }
  for (const s of outerSeqs) {
    const len = shapeI(s, 0);
    nSteps = nSteps ? minimum(nSteps, len) : len;
  }
  if (!nSteps)
    throw new TheanoTypeError(
      `${label}: no sequences and no nSteps: give nSteps to say how many steps to run${at}`,
    );

  // --- outputsInfo
  const outputsInfo: (TensorLike | OutputSpec | null)[] =
    opts.outputsInfo === undefined
      ? []
      : Array.isArray(opts.outputsInfo) // a list is one entry per output, as in Theano
        ? [...(opts.outputsInfo as (TensorLike | OutputSpec | null)[])]
        : [opts.outputsInfo as TensorLike | OutputSpec | null];
  const states: (StateIn | null)[] = outputsInfo.map((o, j) => {
    if (o === null || o === undefined) return null;
    const isSpec =
      typeof o === 'object' &&
      !(o instanceof Variable) &&
      !Array.isArray(o) &&
      ('initial' in o || 'taps' in o);
    const spec = isSpec ? (o as OutputSpec) : { initial: o as TensorLike };
    if (spec.initial === null || spec.initial === undefined) {
      if (spec.taps !== undefined)
        throw new TheanoTypeError(
          `${label}: outputsInfo[${j}] has taps ${JSON.stringify(spec.taps)} but no initial value; taps need initial values (use null for an output that is not fed back)${at}`,
        );
      return null;
    }
    const initial = asTensorVariable(spec.initial as TensorLike, `outputsInfo[${j}]`);
    const taps =
      spec.taps === undefined ? [-1] : checkTaps(label, `outputsInfo[${j}]`, spec.taps, at, true);
    taps.sort((a, b) => a - b);
    const stacked = !(taps.length === 1 && taps[0] === -1);
    if (stacked && initial.ndim === 0)
      throw new TheanoTypeError(
        `${label}: outputsInfo[${j}] has taps [${taps.join(', ')}], so its initial value needs a leading axis with the ${-taps[0]} values before step 0; got a scalar${at}`,
      );
    const mayCast =
      !(spec.initial instanceof Variable) ||
      (spec.initial instanceof Constant && isInteger(spec.initial.dtype));
    return { initial, taps, stacked, mayCast };
  });

  const nonSeqs = asList(opts.nonSequences).map((x, q) =>
    asTensorVariable(x as TensorLike, `nonSequences[${q}]`),
  );
  const noDefaults = opts.noDefaultUpdates;
  if (
    noDefaults !== undefined &&
    typeof noDefaults !== 'boolean' &&
    // an index loop, not every(): every() skips the holes of [ , ]
    !(
      Array.isArray(noDefaults) &&
      Array.from({ length: noDefaults.length }, (_, i) => noDefaults[i]).every(
        (v) => v instanceof SharedVariable,
      )
    )
  )
    throw new TheanoTypeError(
      `${label}: noDefaultUpdates must be true, false or a list of shared variables, got ${describe(noDefaults)}${at}`,
    );
  const truncate = opts.truncateGradient ?? -1;
  if (!Number.isInteger(truncate) || (truncate < 1 && truncate !== -1))
    throw new TheanoTypeError(
      `${label}: truncateGradient must be -1 (all steps) or a positive integer, got ${truncate}${at}`,
    );

  // Build the inner graph; retried when a JS-value or int-constant initial value must be upcast
  // to fn's output dtype.
  for (let attempt = 0; ; attempt++) {
    const tapIns = states.map((s, j) =>
      s
        ? s.taps.map((k) =>
            placeholder(
              s.stacked ? rowType(s.initial.type) : s.initial.type,
              `${s.initial.name ?? `out${j}`}[t${k}]`,
            ),
          )
        : [],
    );
    const innerNonSeqs = nonSeqs.map((v, q) => placeholder(v.type, v.name ?? `nonseq${q}`));
    const args = [...innerSeqs, ...tapIns.flat(), ...innerNonSeqs];
    const mark = nextVariableId();
    const res = parseResult(label, fn(...args), at);
    if (outputsInfo.length && res.outs.length !== outputsInfo.length)
      throw new TheanoTypeError(
        `${label}: fn returned ${res.outs.length} output${res.outs.length === 1 ? '' : 's'} but outputsInfo has ${outputsInfo.length} entr${outputsInfo.length === 1 ? 'y' : 'ies'}; give one entry per output (null for outputs that are not fed back)${at}`,
      );
    let recast = false;
    states.forEach((s, j) => {
      if (!s) return;
      const o = res.outs[j];
      const t = tapIns[j][0].type;
      const what = `output ${j}${o.name ? ` '${o.name}'` : ''} of fn`;
      if (o.dtype !== t.dtype) {
        if (attempt < 3 && s.mayCast && canCastSafely(t.dtype, o.dtype)) {
          s.initial = cast(s.initial, o.dtype);
          recast = true;
          return;
        }
        throw new TheanoTypeError(
          `${label}: ${what} has dtype ${o.dtype} but its initial value outputsInfo[${j}] has ${t.dtype}: inconsistent types (the step must not upcast or downcast its state); cast one of them (e.g. initial.astype('${o.dtype}'), or the step's output .astype('${t.dtype}'))${builtAt(o.owner?.trace ?? where)}`,
        );
      }
      if (o.ndim !== t.ndim)
        throw new TheanoTypeError(
          `${label}: ${what} has ${o.ndim} dimension${o.ndim === 1 ? '' : 's'} (${o.type}) but its initial value outputsInfo[${j}] gives a state of ${t.ndim} (${t})${s.stacked ? ' (with taps other than [-1], the initial value has a leading time axis)' : ''}${builtAt(o.owner?.trace ?? where)}`,
        );
      const k = t.shape.findIndex(
        (d, i) => d !== null && o.type.shape[i] !== null && o.type.shape[i] !== d,
      );
      if (k >= 0)
        throw new TheanoTypeError(
          `${label}: ${what} has static shape ${o.type} but its initial value outputsInfo[${j}] has ${t}: dimension ${k} differs${builtAt(o.owner?.trace ?? where)}`,
        );
    });
    if (recast) continue;
    if (res.until && res.until.ndim !== 0)
      throw new TheanoTypeError(
        `${label}: the until condition must be a scalar, got ${res.until.type}${builtAt(res.until.owner?.trace ?? where)}`,
      );
    const defaults = collectDefaultUpdates(res, mark, noDefaults);
    res.updates.forEach(([s, e]) => {
      if (e.dtype !== s.dtype || e.ndim !== s.ndim)
        throw new TheanoTypeError(
          `${label}: the ${defaults.added.has(s) ? 'defaultUpdate' : 'update'} of shared variable '${s.name ?? 'unnamed'}' has type ${e.type} but the variable is ${s.type}${e.dtype !== s.dtype ? `; cast it: expr.astype('${s.dtype}')` : ''}${defaults.added.has(s) ? ' (or pass noDefaultUpdates)' : ''}${builtAt(e.owner?.trace ?? where)}`,
        );
    });
    return buildScan({
      label,
      name,
      truncate,
      nSteps,
      outerSeqs,
      innerSeqs,
      states,
      tapIns,
      nonSeqs,
      innerNonSeqs,
      res,
      innerDefaults: defaults.inner,
      returnList: !!opts.returnList,
    });
  }
}

/** Put the loop together: implicit non-sequences, shared-variable states, the Scan node and what the user sees. */
function buildScan(b: {
  label: string;
  name: string;
  truncate: number;
  nSteps: Variable;
  outerSeqs: Variable[];
  innerSeqs: Variable[];
  states: (StateIn | null)[];
  tapIns: Variable[][];
  nonSeqs: Variable[];
  innerNonSeqs: Variable[];
  res: ReturnType<typeof parseResult>;
  innerDefaults: SharedVariable[];
  returnList: boolean;
}): [Variable | Variable[], ScanUpdates] {
  const { res } = b;
  // outputs without an outputsInfo entry (none given) are map outputs
  const states = res.outs.map((_, j) => b.states[j] ?? null);
  const stateIdx = states.flatMap((s, j) => (s ? [j] : []));
  const mapIdx = states.flatMap((s, j) => (s ? [] : [j]));
  // shared variables fn updates: loop states (tap -1) read inside fn as their current value
  const updShared = res.updates.map(([s]) => s);
  const updIns = updShared.map((s) => placeholder(s.type, `${s.name ?? 'shared'}[t-1]`));
  const replace = new Map<Variable, Variable>(updShared.map((s, i) => [s, updIns[i]]));
  const rawOuts = [
    ...stateIdx.map((j) => res.outs[j]),
    ...res.updates.map(([, e]) => e),
    ...mapIdx.map((j) => res.outs[j]),
    ...(res.until ? [res.until] : []),
  ];
  // what depends on the step (placeholders, updated shared variables) is variant; the rest is
  // loop-invariant: its frontier becomes non-sequences computed once, outside the loop
  const variant = new Set<Variable>([
    ...b.innerSeqs,
    ...b.tapIns.flat(),
    ...b.innerNonSeqs,
    ...updShared,
  ]);
  const order = toposort(rawOuts, variant);
  for (const node of order)
    if (node.inputs.some((i) => variant.has(i))) node.outputs.forEach((o) => variant.add(o));
  const implicitOuter: Variable[] = [];
  const implicitInner: Variable[] = [];
  const capture = (v: Variable) => {
    if (variant.has(v) || replace.has(v) || v instanceof Constant) return;
    const p = placeholder(v.type, v.name ?? 'captured');
    replace.set(v, p);
    implicitOuter.push(v);
    implicitInner.push(p);
  };
  for (const node of order) if (variant.has(node.outputs[0])) node.inputs.forEach(capture);
  rawOuts.forEach(capture);
  const memo = cloneGraph(rawOuts, replace);
  const innerOuts = rawOuts.map((o) => memo.get(o) ?? o);

  const stateTaps = [...stateIdx.map((j) => states[j]!.taps), ...updShared.map(() => [-1])];
  const info = new ScanInfo({
    nSeqs: b.innerSeqs.length,
    stateTaps,
    nMap: mapIdx.length,
    nNonSeqs: b.innerNonSeqs.length + implicitInner.length,
    until: !!res.until,
    truncateGradient: b.truncate,
    // shared variables' states: only the value after the last step is kept
    lastOnly: [...stateIdx.map(() => false), ...updShared.map(() => true)],
    name: b.name,
    innerDefaults: b.innerDefaults,
    innerInputs: [
      ...b.innerSeqs,
      ...stateIdx.flatMap((j) => b.tapIns[j]),
      ...updIns,
      ...b.innerNonSeqs,
      ...implicitInner,
    ],
    innerOutputs: innerOuts,
  });
  const inits = [
    ...stateIdx.map((j) => {
      const s = states[j]!;
      return s.stacked
        ? getItem(s.initial, slice(s.taps[0], null))
        : dimshuffle(s.initial, ['x', ...s.initial.type.shape.keys()]);
    }),
    ...updShared.map((s) => dimshuffle(s, ['x', ...s.type.shape.keys()])),
  ];
  const node = applyOp('Scan', { info }, [
    b.nSteps,
    ...b.outerSeqs,
    ...inits,
    ...b.nonSeqs,
    ...implicitOuter,
  ]);
  const outs: Variable[] = new Array(states.length);
  stateIdx.forEach((j, q) => {
    const L = -states[j]!.taps[0];
    outs[j] = getItem(node.outputs[q], slice(L, null));
  });
  const nS = stateIdx.length + updShared.length;
  mapIdx.forEach((j, m) => (outs[j] = node.outputs[nS + m]));
  const updates: ScanUpdates = new Map(
    updShared.map((s, i) => [s, getItem(node.outputs[stateIdx.length + i], -1)]),
  );
  return [outs.length === 1 && !b.returnList ? outs[0] : outs, updates];
}

/** Options of {@link map}, {@link reduce}, {@link foldl} and {@link foldr}. */
export interface MapOptions {
  /** Tensors passed unchanged to every step, after the sequences' slices (and past outputs). */
  nonSequences?: TensorLike | readonly TensorLike[];
  /** Iterate the sequences from the end (default false; fixed by foldl and foldr). */
  goBackwards?: boolean;
  /** Backpropagate through the last `truncateGradient` steps only; -1 (default): all steps. */
  truncateGradient?: number;
  /** Name of the loop, in printing and errors (default 'scan_fn'). */
  name?: string;
}

/**
 * `fn` applied to each slice of the sequences (Theano's theano.map): scan without recurrent
 * outputs. Returns `[outputs, updates]` like {@link scan}.
 */
export function map(
  fn: (...args: Variable[]) => ScanFnResult,
  sequences: TensorLike | SequenceSpec | readonly (TensorLike | SequenceSpec)[],
  opts: MapOptions = {},
): [Variable | Variable[], ScanUpdates] {
  return scan(fn, { ...opts, sequences });
}

/**
 * Theano's theano.reduce: a scan whose outputs are only the values after the last step
 * (`outputsInfo` gives the initial accumulators). Returns `[outputs, updates]`.
 */
export function reduce(
  fn: (...args: Variable[]) => ScanFnResult,
  sequences: TensorLike | SequenceSpec | readonly (TensorLike | SequenceSpec)[],
  outputsInfo: ScanOptions['outputsInfo'],
  opts: MapOptions = {},
): [Variable | Variable[], ScanUpdates] {
  const [outs, updates] = scan(fn, { ...opts, sequences, outputsInfo, returnList: true });
  const last = outs.map((o) => getItem(o, -1));
  return [last.length === 1 ? last[0] : last, updates];
}

/** A reduce in one direction (foldl / foldr). */
const fold =
  (goBackwards: boolean) =>
  (
    fn: (...args: Variable[]) => ScanFnResult,
    sequences: TensorLike | SequenceSpec | readonly (TensorLike | SequenceSpec)[],
    outputsInfo: ScanOptions['outputsInfo'],
    opts: Omit<MapOptions, 'goBackwards'> = {},
  ): [Variable | Variable[], ScanUpdates] =>
    reduce(fn, sequences, outputsInfo, { ...opts, goBackwards });

/** Theano's foldl: {@link reduce} from the first element to the last. Returns `[outputs, updates]`. */
export const foldl = fold(false);

/** Theano's foldr: {@link reduce} from the last element to the first. Returns `[outputs, updates]`. */
export const foldr = fold(true);

/**
 * `cond ? then : else` computed lazily (Theano's theano.ifelse): a compiled function runs only
 * the nodes the taken branch needs (what only the other branch uses is skipped), and the
 * gradient flows only through the taken branch. `then` and `else` are a variable each or lists
 * of the same length; numbers take the other branch's dtype.
 * @throws TheanoTypeError when `cond` is not a scalar, the lists differ in length, or a pair
 *   differs in dtype or rank.
 */
export function ifelse(cond: TensorLike, then: TensorLike, otherwise: TensorLike): Variable;
export function ifelse(
  cond: TensorLike,
  then: readonly TensorLike[],
  otherwise: readonly TensorLike[],
): Variable[];
export function ifelse(
  cond: TensorLike,
  then: TensorLike | readonly TensorLike[],
  otherwise: TensorLike | readonly TensorLike[],
): Variable | Variable[] {
  const at = builtAt(userStackLine());
  const single = !(Array.isArray(then) && (then as unknown[]).some((x) => x instanceof Variable));
  const a = single ? [then as TensorLike] : [...(then as TensorLike[])];
  const b = single ? [otherwise as TensorLike] : [...(otherwise as TensorLike[])];
  if (a.length !== b.length || a.length === 0)
    throw new TheanoTypeError(
      `ifelse: then has ${a.length} value${a.length === 1 ? '' : 's'} and else ${b.length}; give the same number${at}`,
    );
  const c = asTensorVariable(cond, 'the ifelse condition');
  const pair = (x: TensorLike, y: TensorLike): [Variable, Variable] => {
    const asLike = (v: TensorLike, like: TensorLike): Variable => {
      if (v instanceof Variable || !(like instanceof Variable)) return asTensorVariable(v);
      const k = asTensorVariable(v);
      const dt: DType = like.dtype;
      return k.dtype === dt ? k : cast(k, dt);
    };
    return [asLike(x, y), asLike(y, x)];
  };
  const pairs = a.map((x, i) => pair(x, b[i]));
  const node = applyOp('IfElse', { nOut: a.length }, [
    c,
    ...pairs.map((p) => p[0]),
    ...pairs.map((p) => p[1]),
  ]);
  return single ? node.outputs[0] : node.outputs;
}

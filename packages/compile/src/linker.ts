/**
 * The linker: turns an optimized FunctionGraph into a program (topological schedule, one slot
 * per value, the last use of each intermediate) and the program into a JS function generated
 * once per function, in which every slot is a local variable and every node one call. A call
 * does no graph walking, no Map lookup and no allocation beyond what the kernels return (and
 * one small argument array per node).
 *
 * Two ways to run a program:
 * - `generateCore`: the straight-line function used by FAST_RUN / FAST_COMPILE (and, with
 *   timing around each node, by `profile: true`);
 * - `runInterpreted`: a loop over the schedule with hooks before and after each node, used by
 *   DebugMode and NanGuardMode.
 * Both apply the same rules at the end of a call: outputs never alias an input, a shared value
 * or a constant unless borrowed; update values never alias anything the caller can see; all
 * updates are stored together, after every output has been read back, and none when the call
 * throws.
 *
 * Residency: when the backend has the hooks `loadShared` / `storeShared` (a GPU backend), a
 * program planned with a {@link Residency} loads shared variables with `loadShared` (their value
 * stays in the backend's storage between calls) and stores updates of shared variables with
 * `storeShared`, without reading them back; `sv.getValue()` reads back when asked.
 */
import { NDArray } from '@theano-ts/tensor';
import {
  type Apply,
  Constant,
  type FunctionGraph,
  type SharedVariable,
  type Thunk,
  type Variable,
} from '@theano-ts/symbolic';
import { type SlotGuard, evalGuard, guardSource, lazySchedule } from './lazy';

/** Where an update's value goes: a shared variable, or the stored value of an `In` with update. */
export interface UpdateTarget {
  /** Store a host value (read back from the backend). */
  set(v: NDArray): void;
  /** Store a value in the backend's storage (`Backend.storeShared`): resident updates only. */
  store?(v: unknown): void;
}

/**
 * Which values of a program live in the backend's storage between calls (the backend has the
 * residency hooks `loadShared` / `storeShared`).
 */
export interface Residency {
  /** Shared variables are loaded with `loadShared` (not `fromHost` of their host value). */
  readonly shared: boolean;
  /** Per update: stored with `storeShared` (its target's `store`), not read back. */
  readonly updates: readonly boolean[];
}

/** The schedule of a compiled graph. */
export interface Program {
  readonly nodes: readonly Apply[];
  readonly nIn: number;
  readonly nShared: number;
  /** Constants of the optimized graph, in slot order after inputs and shared variables. */
  readonly constants: readonly Constant[];
  readonly nSlots: number;
  readonly nodeIn: readonly (readonly number[])[];
  readonly nodeOut: readonly (readonly number[])[];
  /** Slots of the outputs, then of the update values. */
  readonly outSlots: readonly number[];
  readonly nOut: number;
  /** Out(…, { borrow: true }) per output. */
  readonly borrow: readonly boolean[];
  /** Intermediate slots released after node k (their last use). */
  readonly releaseAfter: readonly (readonly number[])[];
  /** Return one value rather than a list. */
  readonly single: boolean;
  /** Values kept in the backend's storage between calls (undefined: none). */
  readonly residency?: Residency;
  /** Per node: when it runs (IfElse laziness, see lazy.ts); null: always. */
  readonly guards: readonly (SlotGuard | null)[];
  /**
   * The backend has `recycle` (buffer reuse): intermediates are kept to the end of the call and
   * handed to it then, with the replaced shared values, instead of being dropped at last use.
   */
  readonly recycle: boolean;
  /** With `recycle`: the shared variables (indices in the shared list) updates replace. */
  readonly replacedShared: readonly number[];
}

/**
 * Plan the schedule of `fgraph`, whose outputs are the function's outputs followed by its
 * update values and whose inputs are the function's inputs followed by `shared`.
 */
export function planProgram(
  fgraph: FunctionGraph,
  inputs: readonly Variable[],
  shared: readonly SharedVariable[],
  nOut: number,
  borrow: readonly boolean[],
  single: boolean,
  residency?: Residency,
  recycle?: { readonly replacedShared: readonly number[] },
): Program {
  const { nodes, guards: condGuards } = lazySchedule(fgraph);
  const slot = new Map<Variable, number>();
  inputs.forEach((v, i) => slot.set(v, i));
  shared.forEach((v, j) => slot.set(v, inputs.length + j));
  const constants: Constant[] = [];
  const constSlot = (v: Variable) => {
    if (v instanceof Constant && !slot.has(v)) {
      slot.set(v, inputs.length + shared.length + constants.length);
      constants.push(v);
    }
  };
  for (const n of nodes) n.inputs.forEach(constSlot);
  fgraph.outputs.forEach(constSlot);
  let next = inputs.length + shared.length + constants.length;
  const firstIntermediate = next;
  const nodeOut = nodes.map((n) =>
    n.outputs.map((o) => {
      slot.set(o, next);
      return next++;
    }),
  );
  const lookup = (v: Variable, what: string): number => {
    const s = slot.get(v);
    if (s === undefined)
      throw new Error(`linker: ${what} ${String(v)} has no value (a bug in theano-ts)`);
    return s;
  };
  const nodeIn = nodes.map((n) => n.inputs.map((v) => lookup(v, 'input')));
  const outSlots = fgraph.outputs.map((v) => lookup(v, 'output'));
  const lastUse = new Map<number, number>();
  nodeIn.forEach((ins, k) => ins.forEach((s) => lastUse.set(s, k)));
  const kept = new Set(outSlots);
  const releaseAfter: number[][] = nodes.map(() => []);
  for (const [s, k] of lastUse) if (s >= firstIntermediate && !kept.has(s)) releaseAfter[k].push(s);
  const guards = condGuards.map(
    (g) => g && g.map((c) => c.map((l) => ({ slot: lookup(l.cond, 'condition'), value: l.value }))),
  );
  return {
    nodes,
    nIn: inputs.length,
    nShared: shared.length,
    constants,
    nSlots: next,
    nodeIn,
    nodeOut,
    outSlots,
    nOut,
    borrow,
    releaseAfter,
    single,
    residency,
    guards,
    recycle: !!recycle,
    replacedShared: recycle?.replacedShared ?? [],
  };
}

/** True when `a` is laid out in C order without gaps (no allocation, unlike NDArray.isContiguous). */
export function isCContiguous(a: NDArray): boolean {
  const { shape, strides } = a;
  let expected = 1;
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    const d = shape[ax];
    if (d > 1 && strides[ax] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** What a generated core closes over (per function instance; copies get their own). */
export interface CoreEnv {
  thunks: readonly Thunk[];
  /** Backend values of the program's constants. */
  constValues: readonly unknown[];
  /** Typed arrays of the constants (an output that is one of them is copied). */
  constBuffers: readonly unknown[];
  /** The shared variables the program reads (after `copy({ swap })`). */
  shared: readonly SharedVariable[];
  updates: readonly UpdateTarget[];
  fromHost: (a: NDArray) => unknown;
  /** The backend's `loadShared` (programs with `residency.shared`). */
  loadShared?: (sv: SharedVariable) => unknown;
  toHost: (v: unknown) => NDArray;
  /** Turns an exception of node k (k < 0: outside nodes) into the error to throw. */
  fail: (e: unknown, k: number, args: readonly unknown[] | undefined) => unknown;
  /** Milliseconds per node (profile). */
  times: Float64Array;
  now: () => number;
  /** Truthiness of a backend value holding a scalar (IfElse conditions). */
  truthy: (v: unknown) => boolean;
  /** The backend's `recycle` (programs with `recycle`). */
  recycle?: (
    dead: readonly unknown[],
    live: readonly unknown[],
    returned: readonly unknown[],
  ) => void;
}

/** A compiled call: the converted input arrays in, the outputs out. */
export type Core = (...inputs: NDArray[]) => NDArray | NDArray[];

/** JS source of the core of `prog` (see the module comment). */
export function generateCore(prog: Program, opts: { profile: boolean }): string {
  const nIn = prog.nIn;
  const nSh = prog.nShared;
  const nC = prog.constants.length;
  const name = (s: number) =>
    s >= nIn + nSh && s < nIn + nSh + nC ? `C${s - nIn - nSh}` : `v${s}`;
  const L: string[] = ['"use strict";'];
  prog.nodes.forEach((_, k) => L.push(`const T${k} = E.thunks[${k}];`));
  for (let c = 0; c < nC; c++) L.push(`const C${c} = E.constValues[${c}];`);
  for (let j = 0; j < nSh; j++) L.push(`const S${j} = E.shared[${j}];`);
  const nUpd = prog.outSlots.length - prog.nOut;
  for (let j = 0; j < nUpd; j++) L.push(`const U${j} = E.updates[${j}];`);
  const resShared = !!prog.residency?.shared;
  const resUpd = (j: number) => !!prog.residency?.updates[j];
  if (resShared) L.push('const loadShared = E.loadShared;');
  L.push(
    'const fromHost = E.fromHost, toHost = E.toHost, fail = E.fail, CB = E.constBuffers, nCB = CB.length;',
    'const isC = E.isCContiguous;',
    'function isConst(b) { for (let q = 0; q < nCB; q++) if (CB[q] === b) return true; return false; }',
  );
  if (opts.profile) L.push('const P = E.times, now = E.now;');
  const params = Array.from({ length: nIn }, (_, i) => `x${i}`);
  L.push(`return function core(${params.join(', ')}) {`, '  let k = -1, a, r;');
  if (opts.profile) L.push('  let t;');
  L.push('  try {');
  // resident shared values stay in the backend: `hostValue` (no read-back) only for alias checks
  for (let j = 0; j < nSh; j++)
    L.push(`    const h${j} = S${j}.${resShared ? 'hostValue' : 'internal'};`);
  for (let i = 0; i < nIn; i++) L.push(`    const v${i} = fromHost(x${i});`);
  for (let j = 0; j < nSh; j++)
    L.push(`    const v${nIn + j} = ${resShared ? `loadShared(S${j})` : `fromHost(h${j})`};`);
  const intermediates = prog.nodeOut.flat();
  if (intermediates.length) L.push(`    let ${intermediates.map((s) => `v${s}`).join(', ')};`);
  const condSlots = [...new Set(prog.guards.flatMap((g) => (g ?? []).flat().map((l) => l.slot)))];
  if (condSlots.length) L.push(`    let ${condSlots.map((s) => `c${s}`).join(', ')};`);
  const cond = (s: number) => `(c${s} ??= E.truthy(${name(s)}))`;
  prog.nodes.forEach((_, k) => {
    const args = prog.nodeIn[k].map(name).join(', ');
    const call = opts.profile ? `t = now(); r = T${k}(a); P[${k}] += now() - t;` : `r = T${k}(a);`;
    const outs = prog.nodeOut[k].map((s, j) => `v${s} = r[${j}];`).join(' ');
    // with recycling, intermediates stay until the end of the call (handed to the backend then)
    const rel = prog.recycle ? '' : prog.releaseAfter[k].map((s) => `v${s} = undefined;`).join(' ');
    const line = `k = ${k}; a = [${args}]; ${call} ${outs}${rel ? ' ' + rel : ''}`;
    const g = prog.guards[k];
    L.push(g ? `    if (${guardSource(g, cond)}) { ${line} }` : `    ${line}`);
  });
  L.push('    k = -2; a = undefined;');
  // host buffers of everything the caller can see
  const leafBufs: string[] = [];
  for (let i = 0; i < nIn; i++) leafBufs.push(`x${i}.data`);
  for (let j = 0; j < nSh; j++) leafBufs.push(`h${j}.data`);
  leafBufs.forEach((b, q) => L.push(`    const lb${q} = ${b};`));
  const aliasLeaf = (b: string) =>
    [...leafBufs.map((_, q) => `${b} === lb${q}`), ...(nC ? [`isConst(${b})`] : [])].join(' || ');
  const outNames: string[] = [];
  for (let i = 0; i < prog.nOut; i++) {
    const o = `o${i}`;
    L.push(`    let ${o} = toHost(${name(prog.outSlots[i])});`);
    // an output is its own array: not an input's, a shared value's, a constant's or an earlier
    // output's (one variable asked twice, or two merged into one, gives two arrays, as in Theano)
    const cond = [aliasLeaf(`${o}.data`), ...outNames.map((p) => `${o}.data === ${p}.data`)]
      .filter(Boolean)
      .join(' || ');
    if (!prog.borrow[i] && cond) L.push(`    if (${cond}) ${o} = ${o}.copy();`);
    outNames.push(o);
  }
  const updNames: string[] = [];
  for (let j = 0; j < nUpd; j++) {
    if (resUpd(j)) continue; // stays in the backend (the backend's storeShared copies as needed)
    const u = `n${j}`;
    L.push(`    let ${u} = toHost(${name(prog.outSlots[prog.nOut + j])});`);
    const conds = [
      aliasLeaf(`${u}.data`),
      ...[...outNames, ...updNames].map((p) => `${u}.data === ${p}.data`),
      `!isC(${u})`,
    ].filter(Boolean);
    L.push(`    if (${conds.join(' || ')}) ${u} = ${u}.copy();`);
    updNames.push(u);
  }
  L.push('    k = -3;');
  for (let j = 0; j < nUpd; j++)
    L.push(
      resUpd(j)
        ? `    U${j}.store(${name(prog.outSlots[prog.nOut + j])});`
        : `    U${j}.set(n${j});`,
    );
  if (prog.recycle) {
    // dead: the intermediates and the shared values the updates replaced; live after the call:
    // new shared values, the inputs, the other shared values and the constants (an
    // intermediate may be a view of any of them)
    const replaced = new Set(prog.replacedShared);
    const sharedNames = (keep: boolean) =>
      Array.from({ length: nSh }, (_, j) => j)
        .filter((j) => replaced.has(j) !== keep)
        .map((j) => `h${j}`);
    const dead = [...intermediates.map((s) => `v${s}`), ...sharedNames(false)];
    const consts = Array.from({ length: nC }, (_, c) => `C${c}`);
    const live = [...updNames, ...params, ...sharedNames(true), ...consts];
    L.push(`    E.recycle([${dead.join(', ')}], [${live.join(', ')}], [${outNames.join(', ')}]);`);
  }
  L.push(
    prog.single
      ? `    return ${outNames[0] ?? 'undefined'};`
      : `    return [${outNames.join(', ')}];`,
  );
  L.push('  } catch (e) {', '    throw fail(e, k, a);', '  }', '};');
  return L.join('\n');
}

const factories = new Map<string, (E: unknown) => Core>();

/** Compile generated source once (cached by text) and bind it to `env`. */
export function instantiateCore(source: string, env: CoreEnv): Core {
  let make = factories.get(source);
  if (!make) {
    make = new Function('E', source) as (E: unknown) => Core;
    // bounded: a program compiling many different graphs must not keep every source alive
    if (factories.size >= 256) factories.delete(factories.keys().next().value!);
    factories.set(source, make);
  }
  return make({ ...env, isCContiguous });
}

/** Hooks of {@link runInterpreted}. */
export interface RunHooks {
  /** Called with the host values of the inputs and shared variables before any node. */
  start?(hosts: readonly NDArray[]): void;
  /** Called before node k runs. */
  before?(k: number, args: readonly unknown[]): void;
  /** Called after node k ran, with its outputs. */
  after?(k: number, args: readonly unknown[], outs: readonly unknown[]): void;
  /** Called after the last node, before outputs are read back. */
  finish?(): void;
}

/** Run `prog` node by node (DebugMode, NanGuardMode), with the same end-of-call rules as the generated core. */
export function runInterpreted(
  prog: Program,
  env: CoreEnv,
  xs: readonly NDArray[],
  hooks: RunHooks,
  profile: boolean,
): NDArray | NDArray[] {
  const { nIn, nShared } = prog;
  const resShared = !!prog.residency?.shared;
  const vals = new Array<unknown>(prog.nSlots);
  const hosts: NDArray[] = [];
  for (let i = 0; i < nIn; i++) hosts.push(xs[i]);
  // resident shared values are read back only when a hook needs the host values
  for (let j = 0; j < nShared; j++)
    hosts.push(resShared && !hooks.start ? env.shared[j].hostValue : env.shared[j].internal);
  let k = -1;
  let args: unknown[] | undefined;
  try {
    hosts.forEach(
      (h, i) =>
        (vals[i] = i >= nIn && resShared ? env.loadShared!(env.shared[i - nIn]) : env.fromHost(h)),
    );
    env.constValues.forEach((c, q) => (vals[nIn + nShared + q] = c));
    hooks.start?.(hosts);
    for (k = 0; k < prog.nodes.length; k++) {
      const g = prog.guards[k];
      if (g && !evalGuard(g, vals, env.truthy)) continue;
      args = prog.nodeIn[k].map((s) => vals[s]);
      hooks.before?.(k, args);
      const t = profile ? env.now() : 0;
      const outs = env.thunks[k](args);
      if (profile) env.times[k] += env.now() - t;
      prog.nodeOut[k].forEach((s, j) => (vals[s] = outs[j]));
      hooks.after?.(k, args, outs);
      for (const s of prog.releaseAfter[k]) vals[s] = undefined;
    }
    k = -2;
    args = undefined;
    hooks.finish?.();
    const leafBufs: unknown[] = hosts.map((h) => h.data);
    const visible = (b: unknown) => leafBufs.includes(b) || env.constBuffers.includes(b);
    const outs: NDArray[] = [];
    for (let i = 0; i < prog.nOut; i++) {
      let o = env.toHost(vals[prog.outSlots[i]]);
      if (!prog.borrow[i] && (visible(o.data) || outs.some((p) => p.data === o.data))) o = o.copy();
      outs.push(o);
    }
    const news: (NDArray | undefined)[] = [];
    for (let j = prog.nOut; j < prog.outSlots.length; j++) {
      if (prog.residency?.updates[j - prog.nOut]) {
        news.push(undefined); // stays in the backend
        continue;
      }
      let n = env.toHost(vals[prog.outSlots[j]]);
      const b = n.data;
      if (visible(b) || [...outs, ...news].some((p) => p?.data === b) || !isCContiguous(n))
        n = n.copy();
      news.push(n);
    }
    k = -3;
    news.forEach((n, j) =>
      n ? env.updates[j].set(n) : env.updates[j].store!(vals[prog.outSlots[prog.nOut + j]]),
    );
    return prog.single ? outs[0] : outs;
  } catch (e) {
    if (e instanceof Error && (e.name === 'DebugModeError' || e.name === 'NanGuardError')) throw e;
    throw env.fail(e, k, args);
  }
}

/** The host NDArray of a backend value (for checks). */
export const hostOf = (env: CoreEnv, v: unknown): NDArray =>
  v instanceof NDArray ? v : env.toHost(v);

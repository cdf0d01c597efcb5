import { NDArray, type NestedArray } from '@theano-ts/tensor';
import {
  type Apply,
  Constant,
  FunctionGraph,
  SharedVariable,
  TheanoTypeError,
  Variable,
  builtAt,
  cloneGraph,
  constant,
  debugprint,
  describe,
  filterValue,
  graphInputs,
  opLabel,
  userStackLine,
  type Thunk,
} from '@theano-ts/symbolic';
import { optimizeGraph } from '@theano-ts/optimizer-passes';
import { In, Out } from './io';
import { type Mode, getMode } from './mode';

/** Updates: pairs [shared, expression] or a Map. */
export type Updates = ReadonlyArray<readonly [SharedVariable, Variable | NDArray | number]> | ReadonlyMap<SharedVariable, Variable | NDArray | number>;

/** Options of `function` (Theano's theano.function, camelCase). */
export interface FunctionOptions {
  updates?: Updates;
  /** Replace variables by others of the same type, in outputs and updates alike. */
  givens?: ReadonlyArray<readonly [Variable, Variable | NDArray | number]> | ReadonlyMap<Variable, Variable | NDArray | number>;
  mode?: 'FAST_RUN' | 'FAST_COMPILE' | Mode;
  name?: string;
  /** Accept lossy input conversions (float64 data into float32 inputs). Default false. */
  allowInputDowncast?: boolean;
  /** An input that no output uses: 'raise' (default), 'warn' or 'ignore'. */
  onUnusedInput?: 'raise' | 'warn' | 'ignore';
  /** Do not apply shared variables' defaultUpdate. */
  noDefaultUpdates?: boolean;
  /** Givens must have exactly the replaced variable's type (default true). */
  rebuildStrict?: boolean;
}

/** An input not used by any output or update (Theano's UnusedInputError). */
export class UnusedInputError extends Error {
  override name = 'UnusedInputError';
}
/** A variable the outputs need that is neither an input nor shared nor constant (Theano's MissingInputError). */
export class MissingInputError extends Error {
  override name = 'MissingInputError';
}

type Value = NDArray | NestedArray;

/** A compiled function: call it positionally, optionally with a trailing `{ name: value }` object. */
export interface TheanoFunction {
  (...args: (Value | Record<string, Value>)[]): NDArray | NDArray[];
  readonly maker: { fgraph: FunctionGraph; mode: Mode; inputs: readonly In[] };
  readonly name: string | undefined;
  /** debugprint of the optimized graph. */
  toString(): string;
}

/** A value given where a variable is expected (updates, givens): a constant of `like`'s type. */
function toVariable(x: Variable | NDArray | number, what: string, like: Variable): Variable {
  if (x instanceof Variable) return x;
  if (x instanceof NDArray || typeof x === 'number') return constant(filterValue(like.type, x, { what, allowDowncast: true }));
  throw new TheanoTypeError(`${what}: expected a symbolic Variable, got ${describe(x)}`);
}

function pairsOf<K, V>(x: ReadonlyArray<readonly [K, V]> | ReadonlyMap<K, V> | undefined): (readonly [K, V])[] {
  if (!x) return [];
  return x instanceof Map ? [...x.entries()] : [...(x as ReadonlyArray<readonly [K, V]>)];
}

const label = (v: Variable, i?: number) => (v.name ? `'${v.name}'` : i !== undefined ? `#${i}` : '(unnamed)');

/**
 * Compile `outputs` as a function of `inputs` (Theano's theano.function). Updates to shared
 * variables apply all together after every output is computed, and none apply if the call
 * throws. Inputs are checked (dtype, rank, static shape) before any work.
 * Source: https://theano-pymc.readthedocs.io/en/latest/library/compile/function.html
 * @throws TheanoTypeError for bad updates/givens, UnusedInputError, MissingInputError at compile time.
 */
export function theanoFunction(
  inputs: readonly (Variable | In)[],
  outputs: Variable | Out | readonly (Variable | Out)[] | null | undefined,
  opts: FunctionOptions = {},
): TheanoFunction {
  const where = userStackLine();
  const at = builtAt(where);
  const mode = getMode(opts.mode);
  const ins = inputs.map((x, i) => {
    if (x instanceof In) return x;
    if (!(x instanceof Variable)) throw new TheanoTypeError(`function: input ${i} is not a symbolic Variable (got ${describe(x)})${at}`);
    return new In(x);
  });
  ins.forEach((inp, i) => {
    const v = inp.variable;
    if (v instanceof SharedVariable || v instanceof Constant)
      throw new TheanoTypeError(`function: input ${i} ${label(v, i)} is a ${v instanceof SharedVariable ? 'shared variable' : 'constant'}; shared variables and constants cannot be inputs (they supply their own values)${at}`);
    if (v.owner) throw new TheanoTypeError(`function: input ${i} ${label(v, i)} is computed by ${opLabel(v.owner.op)}; inputs must be free variables (use givens to replace an expression)${at}`);
    if (ins.findIndex((o) => o.variable === v) !== i) throw new TheanoTypeError(`function: input ${label(v, i)} is given twice${at}`);
  });
  const single = !Array.isArray(outputs);
  const outList: (Variable | Out)[] = outputs === null || outputs === undefined ? [] : Array.isArray(outputs) ? [...outputs] : [outputs as Variable | Out];
  const outVars = outList.map((o, i) => {
    const v = o instanceof Out ? o.variable : o;
    if (!(v instanceof Variable)) throw new TheanoTypeError(`function: output ${i} is not a symbolic Variable (got ${describe(v)})${at}`);
    return v;
  });
  const borrowOut = outList.map((o) => o instanceof Out && !!o.opts.borrow);

  // updates: explicit, then default updates of shared variables in the graph
  const updates: [SharedVariable, Variable][] = [];
  for (const [s, e] of pairsOf(opts.updates)) {
    if (!((s as unknown) instanceof SharedVariable)) {
      const given: unknown = s;
      throw new TheanoTypeError(`function: an update target must be a shared variable, got ${given instanceof Variable ? `${label(given)} (${given.type})` : describe(given)}${at}`);
    }
    if (updates.some(([t]) => t === s)) throw new TheanoTypeError(`function: shared variable ${label(s)} has two updates; give one${at}`);
    const ev = e instanceof Variable ? e : toVariable(e, `update of ${label(s)}`, s);
    if (ev.dtype !== s.dtype || ev.ndim !== s.ndim || !s.type.shape.every((d, k) => d === null || ev.type.shape[k] === d))
      throw new TheanoTypeError(
        `function: the update of shared variable ${label(s)} has type ${ev.type}, but the variable is ${s.type}; ` +
          (ev.dtype !== s.dtype ? `cast it (expr.astype('${s.dtype}'))` : ev.ndim !== s.ndim ? 'the ranks differ' : 'a static dimension differs') +
          `${builtAt(ev.owner?.trace ?? where)}`,
      );
    updates.push([s, ev]);
  }

  // givens
  const givens = new Map<Variable, Variable>();
  for (const [a, b] of pairsOf(opts.givens)) {
    if (!(a instanceof Variable)) throw new TheanoTypeError(`function: givens keys must be Variables, got ${describe(a)}${at}`);
    const bv = b instanceof Variable ? b : toVariable(b, `givens for ${label(a)}`, a);
    const strict = opts.rebuildStrict ?? true;
    if (strict ? !(a.type.dtype === bv.type.dtype && a.ndim === bv.ndim) : a.ndim !== bv.ndim)
      throw new TheanoTypeError(`function: givens replaces ${label(a)} (${a.type}) by ${label(bv)} (${bv.type}); the types must match (rebuildStrict)${at}`);
    givens.set(a, bv);
  }

  const collectDefaults = (roots: readonly Variable[]) => {
    if (opts.noDefaultUpdates) return;
    for (const v of graphInputs(roots))
      if (v instanceof SharedVariable && v.defaultUpdate && !updates.some(([s]) => s === v)) updates.push([v, v.defaultUpdate]);
  };
  collectDefaults([...outVars, ...updates.map(([, e]) => e)]);

  // clone with givens
  const roots = [...outVars, ...updates.map(([, e]) => e)];
  const memo = cloneGraph(roots, givens);
  const cloned = roots.map((r) => memo.get(r) ?? r);
  const inputVars = ins.map((i) => i.variable);
  const leaves = graphInputs(cloned, new Set(inputVars));
  for (const v of leaves)
    if (!(v instanceof Constant) && !(v instanceof SharedVariable) && !inputVars.includes(v))
      throw new MissingInputError(
        `function: the graph needs ${label(v)} (${v.type}), which is not an input; add it to the inputs or replace it with givens${at}`,
      );
  const used = new Set(leaves);
  ins.forEach((inp, i) => {
    if (used.has(inp.variable)) return;
    const msg = `function: input ${i} ${label(inp.variable, i)} is not used to compute any output or update; remove it or pass onUnusedInput: 'ignore'${at}`;
    if ((opts.onUnusedInput ?? 'raise') === 'raise') throw new UnusedInputError(msg);
    if (opts.onUnusedInput === 'warn') console.warn(msg);
  });
  const shareds = leaves.filter((v): v is SharedVariable => v instanceof SharedVariable);

  const fgraph = new FunctionGraph([...inputVars, ...shareds], cloned);
  optimizeGraph(fgraph, { mode: mode.optimizer, include: mode.including, exclude: mode.excluding, trace: mode.trace });

  const backend = mode.backend;
  const nodes = fgraph.toposort();
  // slots: inputs, shared, constants, node outputs
  const slot = new Map<Variable, number>();
  const slotOf = (v: Variable) => {
    let s = slot.get(v);
    if (s === undefined) slot.set(v, (s = slot.size));
    return s;
  };
  inputVars.forEach(slotOf);
  shareds.forEach(slotOf);
  const constants: [number, unknown][] = [];
  for (const v of graphInputs(fgraph.outputs, new Set(fgraph.inputs))) if (v instanceof Constant) constants.push([slotOf(v), backend.fromHost(v.data)]);
  const schedule = nodes.map((node) => {
    const inIdx = node.inputs.map((v) => {
      if (v instanceof Constant && !slot.has(v)) constants.push([slotOf(v), backend.fromHost(v.data)]);
      return slotOf(v);
    });
    return { node, thunk: backend.makeThunk(node) as Thunk, inIdx, outIdx: node.outputs.map(slotOf) };
  });
  const outIdx = fgraph.outputs.map((v) => {
    if (v instanceof Constant && !slot.has(v)) constants.push([slotOf(v), backend.fromHost(v.data)]);
    return slotOf(v);
  });
  const nOut = outVars.length;
  const constantSlots = new Set(constants.map(([s]) => s));
  const leafSlots = new Set([...inputVars, ...shareds].map((v) => slot.get(v)!).concat(constants.map(([s]) => s)));
  // free intermediates after their last use
  const lastUse = new Map<number, number>();
  schedule.forEach((st, k) => st.inIdx.forEach((s) => lastUse.set(s, k)));
  const keep = new Set(outIdx);
  const frees = schedule.map((_, k) => [...lastUse.entries()].filter(([s, last]) => last === k && !keep.has(s) && !leafSlots.has(s)).map(([s]) => s));

  const nameToPos = new Map<string, number>();
  ins.forEach((inp, i) => inp.name && nameToPos.set(inp.name, i));

  const call = (...args: (Value | Record<string, Value>)[]): NDArray | NDArray[] => {
    // 1. bind arguments (positional, then a trailing {name: value} object), defaults
    const given: (Value | undefined)[] = new Array(ins.length).fill(undefined);
    let positional = args;
    const last = args[args.length - 1];
    if (args.length > 0 && last !== null && typeof last === 'object' && !Array.isArray(last) && !(last instanceof NDArray) && !ArrayBuffer.isView(last)) {
      positional = args.slice(0, -1);
      for (const [k, v] of Object.entries(last as Record<string, Value>)) {
        const pos = nameToPos.get(k);
        if (pos === undefined) throw new TypeError(`${fnName}: unknown input name '${k}'; inputs are ${ins.map((x, i) => x.name ?? `#${i}`).join(', ')}`);
        if (pos < positional.length) throw new TypeError(`${fnName}: input '${k}' given both by position and by name`);
        given[pos] = v;
      }
    }
    if (positional.length > ins.length)
      throw new TypeError(`${fnName}: takes ${ins.length} input${ins.length === 1 ? '' : 's'}, got ${positional.length}`);
    positional.forEach((v, i) => (given[i] = v as Value));
    // 2. check every input before any work
    const storage = new Array<unknown>(slot.size);
    // host arrays the caller or a shared variable owns: outputs and updates must not alias them
    const owned = new Set<unknown>();
    ins.forEach((inp, i) => {
      let v = given[i];
      if (v === undefined) v = inp.opts.value;
      if (v === undefined)
        throw new TypeError(`${fnName}: missing input ${i} ${label(inp.variable, i)} (${inp.variable.type}); the function takes ${ins.map((x, j) => x.name ?? `#${j}`).join(', ')}`);
      const arr = filterValue(inp.variable.type, v, {
        what: `${fnName}: input ${i} ${label(inp.variable, i)}`,
        allowDowncast: inp.opts.allowDowncast ?? opts.allowInputDowncast ?? false,
        hint: at.replace('The expression was built', 'The function was compiled'),
      });
      if (inp.opts.strict && v instanceof NDArray && v.dtype !== inp.variable.dtype)
        throw new TypeError(`${fnName}: input ${i} ${label(inp.variable, i)} is strict: expected dtype ${inp.variable.dtype}, got ${v.dtype}`);
      owned.add(arr.data);
      storage[i] = backend.fromHost(arr);
    });
    shareds.forEach((s) => {
      const v = s.internal;
      owned.add(v.data);
      storage[slot.get(s)!] = backend.fromHost(v);
    });
    for (const [s, v] of constants) storage[s] = v;
    // 3. run the schedule
    for (let k = 0; k < schedule.length; k++) {
      const st = schedule[k];
      let outs: unknown[];
      try {
        outs = st.thunk(st.inIdx.map((s) => storage[s]));
      } catch (e) {
        throw runtimeError(e, st.node, fnName);
      }
      st.outIdx.forEach((s, j) => (storage[s] = outs[j]));
      for (const s of frees[k]) storage[s] = undefined;
    }
    // 4. outputs (fresh unless borrowed), then all updates together
    const result = outIdx.slice(0, nOut).map((s, i) => {
      const a = backend.toHost(storage[s]);
      return !borrowOut[i] && (owned.has(a.data) || constantSlots.has(s)) ? a.copy() : a;
    });
    const outBuffers = new Set(result.map((a) => a.data));
    const newValues = updates.map((_, j) => {
      const a = backend.toHost(storage[outIdx[nOut + j]]);
      return owned.has(a.data) || outBuffers.has(a.data) || constantSlots.has(outIdx[nOut + j]) || !a.isContiguous ? a.copy() : a;
    });
    updates.forEach(([s], j) => s.setInternal(newValues[j]));
    return single ? result[0] : result;
  };
  const fnName = opts.name ?? 'theano function';
  const fn = call as unknown as TheanoFunction;
  Object.defineProperty(fn, 'maker', { value: { fgraph, mode, inputs: ins } });
  Object.defineProperty(fn, 'name', { value: opts.name });
  Object.defineProperty(fn, 'toString', { value: () => debugprint(fgraph.outputs) });
  return fn;
}

/** A run-time failure rewritten to name the op and where the user built the expression. */
function runtimeError(e: unknown, node: Apply, fnName: string): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const err = new (e instanceof RangeError ? RangeError : e instanceof TypeError ? TypeError : Error)(
    `${fnName}: ${msg}\n  Apply node that failed: ${opLabel(node.op)}(${node.inputs.map((v) => `${v.name ?? '?'}: ${v.type}`).join(', ')})${builtAt(node.trace)}`,
  );
  (err as Error & { cause?: unknown }).cause = e;
  return err;
}

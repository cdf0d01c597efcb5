/**
 * The per-node checks of DebugMode and NanGuardMode, as hooks for the interpreted run.
 */
import { type NDArray, formatShape } from '@theano-ts/tensor';
import {
  type Apply,
  Constant,
  SharedVariable,
  type Variable,
  destroyedInputs,
  opLabel,
  FunctionGraph,
  isTrue,
  performNode,
} from '@theano-ts/symbolic';
import { lazySchedule } from './lazy';
import { DebugModeError, NanGuardError, attachInfo, locateNode } from './errors';
import type { DebugMode, NanGuardMode } from './mode';
import type { CoreEnv, Program, RunHooks } from './linker';
import { hostOf } from './linker';
import type { TrackedFunctionGraph } from './provenance';

/** Where a node came from, for messages. */
export interface NodeOrigin {
  original(node: Apply): Apply | undefined;
  rewrites(node: Apply): readonly string[];
}

/** The first element where `actual` and `expected` differ beyond tolerance, described; undefined when they agree. */
export function firstDifference(
  actual: NDArray,
  expected: NDArray,
  rtol: number,
  atol: number,
  opts: { acceptFiniteForNonFinite?: boolean } = {},
): string | undefined {
  if (actual.dtype !== expected.dtype)
    return `dtype ${actual.dtype} where the reference gives ${expected.dtype}`;
  if (actual.ndim !== expected.ndim || actual.shape.some((d, i) => d !== expected.shape[i]))
    return `shape ${formatShape(actual.shape)} where the reference gives ${formatShape(expected.shape)}`;
  const a = actual.toFlat();
  const b = expected.toFlat();
  const exact = !(actual.dtype === 'float32' || actual.dtype === 'float64');
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y || (x !== x && y !== y)) continue;
    if (!Number.isFinite(y) && Number.isFinite(x) && opts.acceptFiniteForNonFinite) continue;
    if (
      !exact &&
      Number.isFinite(x) &&
      Number.isFinite(y) &&
      Math.abs(x - y) <= atol + rtol * Math.abs(y)
    )
      continue;
    const idx = unravel(i, actual.shape);
    return `element [${idx.join(', ')}] is ${x} where the reference gives ${y} (|difference| ${Math.abs(x - y)}, tolerance ${exact ? 0 : atol + rtol * Math.abs(y)})`;
  }
  return undefined;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    idx[ax] = flat % shape[ax];
    flat = Math.floor(flat / shape[ax]);
  }
  return idx;
}

const tolerances = (dtype: string, mode: DebugMode): [number, number] =>
  dtype === 'float64'
    ? [mode.rtol ?? 1e-7, mode.atol ?? 1e-10]
    : [mode.rtol ?? 1e-4, mode.atol ?? 1e-5];

function outLabel(node: Apply, j: number): string {
  return node.outputs.length > 1 ? `output ${j} of ${opLabel(node.op)}` : opLabel(node.op);
}

/** Everything DebugMode needs besides the program. */
export interface DebugContext {
  mode: DebugMode;
  fnName: string;
  backendName: string;
  fgraph: TrackedFunctionGraph;
  origin: NodeOrigin;
  /** The unoptimized graph (a second clone of the user's, with givens): roots and user → clone. */
  reference: { roots: readonly Variable[]; memo: ReadonlyMap<Variable, Variable> };
  /** Leaves of the program in slot order (inputs then shared variables). */
  leaves: readonly Variable[];
  /** Slots of inputs declared mutable (their modification is allowed). */
  mutableSlots: ReadonlySet<number>;
}

/**
 * DebugMode's hooks: before the first node, the unoptimized graph is evaluated with the
 * reference implementations; after each node, its outputs are compared with (1) its op's
 * reference implementation on the same inputs, (2) the value of the user expression it stands
 * for, and its inputs are checked unchanged. The first disagreement throws a DebugModeError.
 */
export function debugHooks(prog: Program, env: CoreEnv, ctx: DebugContext): RunHooks {
  const { mode, fgraph, origin } = ctx;
  let refVals: Map<Variable, NDArray> | undefined;
  let refError: unknown;
  let snapshots: (NDArray | undefined)[] = [];
  let refSchedule: ReturnType<typeof lazySchedule> | undefined;
  const where = (k: number) => `node ${k + 1} of ${prog.nodes.length} in the compiled graph`;
  const fail = (k: number, text: string): never => {
    const node = prog.nodes[k];
    throw attachInfo(
      new DebugModeError(
        `${ctx.fnName} (DebugMode): ${text}\n${locateNode(node, origin.original(node), origin.rewrites(node), where(k))}`,
      ),
      {
        node,
        originalNode: origin.original(node),
        rewrites: origin.rewrites(node),
        functionName: ctx.fnName,
      },
    );
  };
  return {
    finish() {
      if (refError !== undefined)
        throw new DebugModeError(
          `${ctx.fnName} (DebugMode): the reference evaluator fails on your graph (${(refError as Error).message ?? String(refError)}), but the compiled graph does not: a rewrite removed a computation that fails`,
        );
    },
    start(hosts) {
      refVals = undefined;
      refError = undefined;
      if (!mode.checkRewrites) return;
      const vals = new Map<Variable, NDArray>();
      ctx.leaves.forEach((v, i) => vals.set(v, hosts[i]));
      const valueOf = (v: Variable) => {
        const known = vals.get(v);
        if (known) return known;
        if (v instanceof SharedVariable) return v.internal;
        if (v instanceof Constant) return v.data;
        throw new Error(`no value for ${String(v)}`);
      };
      try {
        // lazily, as the compiled graph: the branch an IfElse does not take is not evaluated
        refSchedule ??= lazySchedule(new FunctionGraph(ctx.leaves, ctx.reference.roots));
        const { nodes, guards } = refSchedule;
        nodes.forEach((node, k) => {
          const g = guards[k];
          if (g && !g.some((c) => c.every((l) => isTrue(valueOf(l.cond)) === l.value))) return;
          // an IfElse gets no value for the branch it does not take
          const ins = node.inputs.map((v) =>
            v.owner && !vals.has(v) && node.op.kind === 'IfElse' ? undefined : valueOf(v),
          );
          performNode(node, ins as NDArray[]).forEach((o, j) => vals.set(node.outputs[j], o));
        });
        refVals = vals;
      } catch (e) {
        refError = e;
      }
    },
    before(_k, args) {
      // the inputs as they were, for the unchanged-inputs check and the reference implementation
      snapshots =
        mode.checkInputsUnchanged || mode.checkKernels
          ? args.map((a) => (a === undefined ? undefined : hostOf(env, a).copy())) // undefined: a branch not taken
          : [];
    },
    after(k, args, outs) {
      const node = prog.nodes[k];
      const hostOuts = outs.map((o) => hostOf(env, o));
      if (mode.checkInputsUnchanged)
        snapshots.forEach((before, i) => {
          // a mutable function input, a branch not computed (lazy ifelse), or one the node
          // destroys (an inplace Elemwise: the rewrite made sure nothing reads it afterwards;
          // Theano's destroy_map)
          if (!before || ctx.mutableSlots.has(prog.nodeIn[k][i]) || destroyedInputs(node).has(i))
            return;
          const now = hostOf(env, args[i]);
          const d = firstDifference(now, before, 0, 0);
          if (d)
            fail(
              k,
              `the node modified its input ${i} (${String(node.inputs[i])}), which it may not (declare the function input mutable with In(x, { mutable: true }) if it may): ${d}`,
            );
        });
      if (mode.checkKernels) {
        let ref: NDArray[] | undefined;
        try {
          ref = performNode(node, snapshots as NDArray[]);
        } catch (e) {
          fail(
            k,
            `the backend '${ctx.backendName}' computed this node, but its reference implementation throws on the same inputs: ${(e as Error).message}`,
          );
        }
        ref!.forEach((r, j) => {
          const [rtol, atol] = tolerances(r.dtype, mode);
          const d = firstDifference(hostOuts[j], r, rtol, atol);
          if (d)
            fail(
              k,
              `the backend '${ctx.backendName}' and the reference implementation disagree on ${outLabel(node, j)}: ${d}`,
            );
        });
      }
      if (mode.checkRewrites && refVals) {
        node.outputs.forEach((o, j) => {
          const user = fgraph.standsFor.get(o);
          if (!user) return;
          const refVar = ctx.reference.memo.get(user) ?? user;
          const expected = refVals!.get(refVar);
          if (!expected) return;
          const [rtol, atol] = tolerances(expected.dtype, mode);
          const d = firstDifference(hostOuts[j], expected, rtol, atol, {
            acceptFiniteForNonFinite: true,
          });
          if (!d) return;
          const rw = origin.rewrites(node);
          fail(
            k,
            rw.length
              ? `${outLabel(node, j)}, produced by rewrite${rw.length > 1 ? 's' : ''} ${rw.map((r) => `'${r}'`).join(' → ')}, does not compute what your expression computes: ${d}`
              : `${outLabel(node, j)} does not compute what your expression computes (an input made by a rewrite differs): ${d}`,
          );
        });
      }
    },
  };
}

/** Scan `a` for NaN / Inf / big values per `mode`; a description of the first, or undefined. */
export function findBad(a: NDArray, mode: NanGuardMode): string | undefined {
  if (!(a.dtype === 'float32' || a.dtype === 'float64') && !mode.bigIsError) return undefined;
  const d = a.toFlat();
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    let what: string | undefined;
    if (x !== x) what = mode.nanIsError ? 'NaN' : undefined;
    else if (x === Infinity || x === -Infinity) what = mode.infIsError ? String(x) : undefined;
    else if (mode.bigIsError && Math.abs(x) > mode.bigThreshold)
      what = `${x} (above bigThreshold ${mode.bigThreshold})`;
    if (what) return `${what} at [${unravel(i, a.shape).join(', ')}]`;
  }
  return undefined;
}

/** NanGuardMode's hooks: the inputs and shared values, then each node's outputs. */
export function nanGuardHooks(
  prog: Program,
  env: CoreEnv,
  ctx: { mode: NanGuardMode; fnName: string; leaves: readonly string[]; origin: NodeOrigin },
): RunHooks {
  return {
    start(hosts) {
      hosts.forEach((h, i) => {
        const bad = findBad(h, ctx.mode);
        if (bad)
          throw new NanGuardError(
            `${ctx.fnName} (NanGuardMode): ${ctx.leaves[i]} contains ${bad} before any node ran`,
          );
      });
    },
    after(k, _args, outs) {
      const node = prog.nodes[k];
      outs.forEach((o, j) => {
        const bad = findBad(hostOf(env, o), ctx.mode);
        if (!bad) return;
        const original = ctx.origin.original(node);
        const rewrites = ctx.origin.rewrites(node);
        throw attachInfo(
          new NanGuardError(
            `${ctx.fnName} (NanGuardMode): ${outLabel(node, j)} produced ${bad}\n` +
              locateNode(
                node,
                original,
                rewrites,
                `node ${k + 1} of ${prog.nodes.length} in the compiled graph`,
              ),
          ),
          { node, originalNode: original, rewrites, functionName: ctx.fnName },
        );
      });
    },
  };
}

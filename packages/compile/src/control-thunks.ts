/**
 * Thunks for the ops with inner computations (Scan, IfElse): the linker asks here first, every
 * other node goes to the backend.
 *
 * - Scan: the inner graph is cloned, optimized with the function's Mode (same rewrites, same
 *   backend) and linked ONCE, when the function is compiled, into a generated step function (one
 *   local per value, one call per node, IfElse guards included). A call runs the loop with
 *   `runScanLoop`: per step it hands the step function views of the sequences and of the state
 *   buffers, and copies the step's outputs into result buffers allocated once per call. No graph
 *   walking, no Map lookups per step.
 * - IfElse: picks the taken branch's value; the linker's guards (lazy.ts) skip the other
 *   branch's nodes.
 */
import { type NDArray } from '@theano-ts/tensor';
import {
  type Apply,
  type Backend,
  FunctionGraph,
  type Thunk,
  type Variable,
  cloneGraph,
  cloneVariable,
  runScanLoop,
} from '@theano-ts/symbolic';
import { optimizeGraph } from '@theano-ts/optimizer-passes';
import type { Mode } from './mode';
import { type Program, planProgram } from './linker';
import { guardSource, truthyVia } from './lazy';

/** What compiling a node needs to know of the Mode. */
type ModeLike = Pick<Mode, 'optimizer' | 'include' | 'exclude' | 'db' | 'backend'>;

/** A thunk for `node`: Scan and IfElse get the compiler's own, the rest the backend's. */
export function makeNodeThunk(node: Apply, mode: ModeLike): Thunk {
  if (node.op.kind === 'Scan') return scanThunk(node as Apply<'Scan'>, mode);
  if (node.op.kind === 'IfElse') return ifElseThunk(node as Apply<'IfElse'>, mode.backend);
  return mode.backend.makeThunk(node);
}

function ifElseThunk(node: Apply<'IfElse'>, backend: Backend): Thunk {
  const n = node.op.params.nOut;
  const truthy = truthyVia((v) => backend.toHost(v));
  // the value is the branch's own: a copy, so that an inplace consumer cannot clobber it
  const own = (v: unknown) => ((v as NDArray).copy ? (v as NDArray).copy() : v);
  return (ins) => {
    const from = truthy(ins[0]) ? 1 : 1 + n;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = own(ins[from + i]);
    return out;
  };
}

/** A step function: inner input values (backend storage) in, inner output values out. */
export type StepFn = (...ins: unknown[]) => unknown[];

/** JS source of a step function for `prog` (no alias checks: its outputs are copied by the loop). */
export function generateStep(prog: Program): string {
  const nIn = prog.nIn;
  const nC = prog.constants.length;
  const name = (s: number) => (s >= nIn && s < nIn + nC ? `C${s - nIn}` : `v${s}`);
  const L: string[] = ['"use strict";', 'const truthy = E.truthy;'];
  prog.nodes.forEach((_, k) => L.push(`const T${k} = E.thunks[${k}];`));
  for (let c = 0; c < nC; c++) L.push(`const C${c} = E.constValues[${c}];`);
  const params = Array.from({ length: nIn }, (_, i) => `v${i}`);
  L.push(`return function step(${params.join(', ')}) {`, '  let r;');
  const mids = prog.nodeOut.flat();
  if (mids.length) L.push(`  let ${mids.map((s) => `v${s}`).join(', ')};`);
  const condSlots = [...new Set(prog.guards.flatMap((g) => (g ?? []).flat().map((l) => l.slot)))];
  if (condSlots.length) L.push(`  let ${condSlots.map((s) => `c${s}`).join(', ')};`);
  const cond = (s: number) => `(c${s} ??= truthy(${name(s)}))`;
  prog.nodes.forEach((_, k) => {
    const outs = prog.nodeOut[k].map((s, j) => `v${s} = r[${j}];`).join(' ');
    const line = `r = T${k}([${prog.nodeIn[k].map(name).join(', ')}]); ${outs}`;
    const g = prog.guards[k];
    L.push(g ? `  if (${guardSource(g, cond)}) { ${line} }` : `  ${line}`);
  });
  L.push(`  return [${prog.outSlots.map(name).join(', ')}];`, '};');
  return L.join('\n');
}

const stepFactories = new Map<string, (E: unknown) => StepFn>();

/**
 * Compile an inner graph (inputs → outputs) with `mode`: clone, optimize, plan, make thunks
 * (recursively for inner Scan / IfElse), generate the step function.
 */
export function compileInner(
  inputs: readonly Variable[],
  outputs: readonly Variable[],
  mode: ModeLike,
): { step: StepFn; program: Program; fgraph: FunctionGraph } {
  const fresh = inputs.map(cloneVariable);
  const memo = cloneGraph(outputs, new Map(inputs.map((v, i) => [v, fresh[i]])));
  const fgraph = new FunctionGraph(
    fresh,
    outputs.map((o) => memo.get(o) ?? o),
  );
  optimizeGraph(fgraph, {
    mode: mode.optimizer,
    include: mode.include,
    exclude: mode.exclude,
    db: mode.db,
  });
  const program = planProgram(
    fgraph,
    fresh,
    [],
    outputs.length,
    outputs.map(() => false),
    false,
  );
  const backend = mode.backend;
  const source = generateStep(program);
  let make = stepFactories.get(source);
  if (!make) {
    make = new Function('E', source) as (E: unknown) => StepFn;
    if (stepFactories.size >= 256) stepFactories.delete(stepFactories.keys().next().value!);
    stepFactories.set(source, make);
  }
  const step = make({
    thunks: program.nodes.map((n) => makeNodeThunk(n, mode)),
    constValues: program.constants.map((c) => backend.fromHost(c.data)),
    truthy: truthyVia((v) => backend.toHost(v)),
  });
  return { step, program, fgraph };
}

function scanThunk(node: Apply<'Scan'>, mode: ModeLike): Thunk {
  const { info } = node.op.params;
  const { step } = compileInner(info.innerInputs, info.innerOutputs, mode);
  const backend = mode.backend;
  const label = `Scan{${info.name}}`;
  const toHost = (v: unknown) => backend.toHost(v);
  const fromHost = (a: NDArray) => backend.fromHost(a);
  const nIn = info.innerInputs.length;
  const nOut = info.innerOutputs.length;
  const args = new Array<unknown>(nIn);
  const hostOuts = new Array<NDArray>(nOut);
  const runStep = (ins: NDArray[]): NDArray[] => {
    for (let i = 0; i < nIn; i++) args[i] = fromHost(ins[i]);
    const outs = step(...args);
    for (let i = 0; i < nOut; i++) hostOuts[i] = toHost(outs[i]);
    return hostOuts;
  };
  return (inputs) => {
    const res = runScanLoop(info, inputs.map(toHost), runStep, label);
    return res.map(fromHost);
  };
}

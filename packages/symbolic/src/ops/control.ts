import { type DType, NDArray, formatShape, shapeSize, zeros } from '@theano-ts/tensor';
import type { Apply, SharedVariable, Variable } from '../graph';
import { toposort } from '../graph-utils';
import { type OpSpec, describeVar, fail } from '../op-spec';
import { type Dim, TensorType } from '../type';

/**
 * Parameters of the control-flow ops (Theano's scan_module and ifelse): loops and lazy branches.
 * Both hold or imply inner computations; a backend runs them through the reference `perform`
 * unless the compiler gives them a faster path (compile's control thunks: the inner graph
 * compiled once, IfElse evaluated lazily).
 */
export interface ControlOpParams {
  /**
   * A loop (Theano's Scan op). Outer inputs: `[nSteps, ...sequences, ...initialStates,
   * ...nonSequences]`; outer outputs: `[...stateBuffers, ...mapOutputs]`. See {@link ScanInfo}.
   */
  Scan: {
    /** The loop: its layout (sequences, states, map outputs, non-sequences) and inner graph. */
    info: ScanInfo;
  };
  /**
   * `cond ? then : else` for `nOut` pairs of tensors (Theano's IfElse). Inputs: `[cond,
   * ...then, ...else]`; `cond` a scalar. Compiled functions compute only the taken branch.
   */
  IfElse: {
    /** Number of outputs, i.e. of (then, else) pairs: the node takes 1 + 2·nOut inputs. */
    nOut: number;
  };
}

let nextScanId = 0;

/**
 * What a Scan op loops over (Theano's Scan op with its inner FunctionGraph, in theano-ts's
 * layout):
 *
 * - inner inputs: one per sequence (the slice at step t), then for each recurrent state `j` one
 *   per tap in `stateTaps[j]` (taps are negative; tap k at step t reads the state written at
 *   step t + k), then one per non-sequence;
 * - inner outputs: the new value of each state, then each map output (no recurrence), then the
 *   `until` condition when `until` is set (the loop stops after the step where it is true);
 * - outer inputs: `[nSteps (int scalar), ...sequences (each at least nSteps long along axis 0),
 *   ...initial buffers (state j: the L_j = -min(taps) values before step 0, along axis 0),
 *   ...non-sequences]`;
 * - outer outputs: for each state the whole buffer `[L_j + n, ...]` (initial values, then one
 *   row per step), then each map output `[n, ...]`, n being the number of steps run (fewer than
 *   nSteps when `until` stopped the loop).
 *
 * The op's identity is `uid` (two Scan nodes never merge); the inner graph is private and never
 * mutated (rewrites build a new ScanInfo).
 */
export class ScanInfo {
  /** A process-wide counter, unique per ScanInfo: the op's identity (Scan nodes never merge). */
  readonly uid = nextScanId++;
  /**
   * Number of sequences: outer inputs 1 … nSeqs, each read one row (axis 0) per step, and the
   * first nSeqs inner inputs. `scan` makes one per tap of each user sequence.
   */
  readonly nSeqs: number;
  /**
   * The taps of each recurrent state j (negative integers, ascending as `scan` builds them; one
   * inner input each, in this order): tap k at step t reads the value written at step t + k. A
   * shared variable the loop updates is a state with taps `[-1]`.
   */
  readonly stateTaps: readonly (readonly number[])[];
  /** Number of map outputs: inner outputs not fed back, stacked `[n, ...]` into outer outputs. */
  readonly nMap: number;
  /**
   * Number of non-sequences: the last outer and inner inputs, passed unchanged to every step
   * (`scan`'s `nonSequences`, then the outer variables the step uses, which `scan` captures;
   * the scan_push_out_non_seq rewrite may replace them with hoisted loop-invariant values).
   */
  readonly nNonSeqs: number;
  /** Whether the last inner output is a scalar stop condition (Theano's `until`): a while loop. */
  readonly until: boolean;
  /** Backpropagate through at most this many steps (the last ones); -1: all (Theano's truncate_gradient). */
  readonly truncateGradient: number;
  /**
   * Per state: keep only its value after the last step (outer output `[1, ...]`) instead of the
   * whole buffer; for shared-variable updates (taps [-1] only). The gradient, which needs the
   * whole trajectory, recomputes the loop with full buffers.
   */
  readonly lastOnly: readonly boolean[];
  /** Name of the loop, shown as `Scan{name}` in printing and errors (default 'scan_fn'). */
  readonly name: string;
  readonly #innerDefaults: readonly SharedVariable[];
  readonly #inputs: readonly Variable[];
  readonly #outputs: readonly Variable[];
  #order: Apply[] | undefined;

  constructor(p: {
    nSeqs: number;
    stateTaps: readonly (readonly number[])[];
    nMap: number;
    nNonSeqs: number;
    until: boolean;
    truncateGradient: number;
    lastOnly?: readonly boolean[];
    name: string;
    innerDefaults?: readonly SharedVariable[];
    innerInputs: readonly Variable[];
    innerOutputs: readonly Variable[];
  }) {
    this.nSeqs = p.nSeqs;
    this.stateTaps = p.stateTaps.map((t) => [...t]);
    this.nMap = p.nMap;
    this.nNonSeqs = p.nNonSeqs;
    this.until = p.until;
    this.truncateGradient = p.truncateGradient;
    this.lastOnly = this.stateTaps.map((t, j) => {
      const last = p.lastOnly?.[j] ?? false;
      if (last && !(t.length === 1 && t[0] === -1))
        throw new Error(`ScanInfo: lastOnly state ${j} has taps [${t.join(', ')}] (a bug)`);
      return last;
    });
    this.name = p.name;
    this.#innerDefaults = [...(p.innerDefaults ?? [])];
    this.#inputs = [...p.innerInputs];
    this.#outputs = [...p.innerOutputs];
    const nTaps = this.stateTaps.reduce((a, t) => a + t.length, 0);
    if (this.#inputs.length !== this.nSeqs + nTaps + this.nNonSeqs)
      throw new Error(`ScanInfo: ${this.#inputs.length} inner inputs for the layout (a bug)`);
    if (this.#outputs.length !== this.nStates + this.nMap + (this.until ? 1 : 0))
      throw new Error(`ScanInfo: ${this.#outputs.length} inner outputs for the layout (a bug)`);
  }

  /** Number of recurrent states (`stateTaps.length`), shared-variable updates included. */
  get nStates(): number {
    return this.stateTaps.length;
  }
  /** Rows of state j's initial buffer (-min(taps)). */
  stateLength(j: number): number {
    return -Math.min(...this.stateTaps[j]);
  }
  /** The inner graph's inputs (sequences, state taps, non-sequences). */
  get innerInputs(): readonly Variable[] {
    return this.#inputs;
  }
  /** The inner graph's outputs (states, map outputs, until condition). */
  get innerOutputs(): readonly Variable[] {
    return this.#outputs;
  }
  /**
   * The shared variables whose `defaultUpdate` was built inside this loop's `fn` (random draws'
   * RNG states), those of loops nested in it included. `scan` makes them loop states (tap -1,
   * last value only) that the loop advances at every step, unless its `noDefaultUpdates` says
   * otherwise; a compiled function never evaluates their `defaultUpdate` outside the loop (it
   * updates them only from scan's `updates`, when passed). Not part of the op's identity.
   */
  get innerDefaults(): readonly SharedVariable[] {
    return this.#innerDefaults;
  }
  /** Index of state j's first tap among the inner inputs. */
  tapInput(j: number): number {
    let k = this.nSeqs;
    for (let q = 0; q < j; q++) k += this.stateTaps[q].length;
    return k;
  }
  /** Number of outer inputs: `1 + nSeqs + nStates + nNonSeqs` (nSteps first). */
  get nOuterInputs(): number {
    return 1 + this.nSeqs + this.nStates + this.nNonSeqs;
  }
  /** The same loop keeping every state's whole buffer (what the gradient reads). */
  withFullBuffers(): ScanInfo {
    return new ScanInfo({
      ...this,
      lastOnly: undefined,
      innerDefaults: this.#innerDefaults,
      innerInputs: this.#inputs,
      innerOutputs: this.#outputs,
    });
  }
  /** The inner nodes in run order (computed once). */
  get innerOrder(): Apply[] {
    return (this.#order ??= toposort(this.#outputs, new Set(this.#inputs)));
  }
}

/** The type of one row of `t` (axis 0 dropped). */
export const rowType = (t: TensorType): TensorType => new TensorType(t.dtype, t.shape.slice(1));
/** `t` with a leading axis of unknown length. */
export const stackedType = (t: TensorType): TensorType =>
  new TensorType(t.dtype, [null, ...t.shape]);

function sameKind(a: TensorType, b: TensorType): boolean {
  return (
    a.dtype === b.dtype &&
    a.ndim === b.ndim &&
    a.shape.every((d, i) => d === null || b.shape[i] === null || d === b.shape[i])
  );
}

/**
 * Copy `v` into row `t` of the contiguous buffer `buf` (same row shape; cast to its dtype).
 * `what(…)` names the value for the error message (built only on error).
 */
export function writeRow(
  buf: NDArray,
  t: number,
  v: NDArray,
  what: (a: string, b: number, c: number) => string,
  a: string,
  b: number,
  c: number,
): void {
  const bs = buf.shape;
  const nd = bs.length - 1;
  const vs = v.shape;
  let ok = vs.length === nd;
  for (let i = 0; ok && i < nd; i++) ok = vs[i] === bs[i + 1];
  if (!ok)
    throw new RangeError(
      `${what(a, b, c)} has shape ${formatShape(vs)} but earlier steps (or the initial value) had shape ${formatShape(bs.slice(1))}; every step must give the same shape`,
    );
  const n = nd === 0 ? 1 : shapeSize(vs);
  const dst = buf.data;
  const at = t * n;
  if (v.dtype === buf.dtype && (nd === 0 || v.isContiguous)) {
    const src = v.data;
    const off = v.offset;
    if (n <= 64) for (let k = 0; k < n; k++) dst[at + k] = src[off + k];
    else dst.set(src.subarray(off, off + n), at);
    return;
  }
  const cv = v.dtype === buf.dtype ? v.contiguous() : v.astype(buf.dtype);
  dst.set(cv.data.subarray(cv.offset, cv.offset + n), at);
}

/** Views of the rows of `a` along axis 0 (`a.slice(t)` without parsing an index each time). */
export function rowViews(a: NDArray): (t: number) => NDArray {
  const shape = a.shape.slice(1);
  const strides = a.strides.slice(1);
  const s0 = a.strides[0];
  const opts = { dtype: a.dtype, strides, offset: 0 };
  return (t) => {
    opts.offset = a.offset + t * s0;
    return new NDArray(a.data, shape, opts);
  };
}

const stateMsg = (label: string, j: number, t: number) =>
  t < 0 ? `${label}: initial state ${j}` : `${label}: state ${j} at step ${t}`;
const outMsg = (label: string, j: number, t: number) => `${label}: output ${j} at step ${t}`;

/** A fresh contiguous array of `rows` rows shaped like `like` rows (`like`: one row). */
export const allocRows = (rows: number, row: readonly number[], dtype: DType): NDArray =>
  zeros([rows, ...row], { dtype });

/** Truthiness of a scalar condition (NumPy's bool(x)). */
export const isTrue = (c: NDArray): boolean => c.data[c.offset] !== 0;

/**
 * Run a Scan loop on host arrays with `step` computing the inner outputs from the inner inputs.
 * Shared by the reference `perform` and the compiled fast path (which passes its compiled step).
 */
export function runScanLoop(
  info: ScanInfo,
  inputs: readonly NDArray[],
  step: (ins: NDArray[]) => readonly NDArray[],
  label: string,
): NDArray[] {
  const nSteps = inputs[0].toFlat()[0];
  const { nSeqs, nStates, nMap, nNonSeqs } = info;
  const seqs = inputs.slice(1, 1 + nSeqs);
  const inits = inputs.slice(1 + nSeqs, 1 + nSeqs + nStates);
  const nonSeqs = inputs.slice(1 + nSeqs + nStates);
  if (!Number.isInteger(nSteps) || nSteps < 0)
    throw new RangeError(
      `${label}: the number of steps must be a non-negative integer, got ${nSteps}`,
    );
  seqs.forEach((s, i) => {
    if (s.ndim === 0 || s.shape[0] < nSteps)
      throw new RangeError(
        `${label}: sequence ${i} has ${s.shape[0]} entries along axis 0, fewer than the ${nSteps} steps`,
      );
  });
  const L = info.stateTaps.map((_, j) => info.stateLength(j));
  const bufs = inits.map((init, j) => {
    if (init.shape[0] < L[j])
      throw new RangeError(
        `${label}: the initial value of state ${j} has ${init.shape[0]} entries along axis 0, but its taps [${info.stateTaps[j].join(', ')}] need ${L[j]}`,
      );
    // a last-only state alternates between two rows: step t reads row t % 2, writes the other
    const b = allocRows(info.lastOnly[j] ? 2 : L[j] + nSteps, init.shape.slice(1), init.dtype);
    for (let r = 0; r < L[j]; r++)
      writeRow(b, r, init.slice(init.shape[0] - L[j] + r), stateMsg, label, j, -1);
    return b;
  });
  const seqRows = seqs.map(rowViews);
  const bufRows = bufs.map(rowViews);
  const maps: (NDArray | undefined)[] = new Array(nMap).fill(undefined);
  const mapDtypes = info.innerOutputs.slice(nStates, nStates + nMap).map((o) => o.dtype);
  const ins = new Array<NDArray>(info.innerInputs.length);
  for (let q = 0; q < nNonSeqs; q++) ins[ins.length - nNonSeqs + q] = nonSeqs[q];
  let n = nSteps;
  for (let t = 0; t < nSteps; t++) {
    for (let i = 0; i < nSeqs; i++) ins[i] = seqRows[i](t);
    let k = nSeqs;
    for (let j = 0; j < nStates; j++) {
      const taps = info.stateTaps[j];
      if (info.lastOnly[j]) ins[k++] = bufRows[j](t % 2);
      else for (let q = 0; q < taps.length; q++) ins[k++] = bufRows[j](L[j] + t + taps[q]);
    }
    const outs = step(ins);
    for (let j = 0; j < nStates; j++)
      writeRow(bufs[j], info.lastOnly[j] ? (t + 1) % 2 : L[j] + t, outs[j], stateMsg, label, j, t);
    for (let m = 0; m < nMap; m++) {
      const o = outs[nStates + m];
      maps[m] ??= allocRows(nSteps, o.shape, mapDtypes[m]);
      writeRow(maps[m]!, t, o, outMsg, label, nStates + m, t);
    }
    if (info.until && isTrue(outs[nStates + nMap])) {
      n = t + 1;
      break;
    }
  }
  const mapOuts = maps.map((m, q) => {
    if (m) return n === nSteps ? m : m.slice({ start: 0, stop: n, step: 1 });
    // no step ran: the row shape is the static one where known
    const o = info.innerOutputs[nStates + q];
    return allocRows(
      0,
      o.type.shape.map((d) => d ?? 0),
      o.dtype,
    );
  });
  return [
    ...bufs.map((b, j) =>
      info.lastOnly[j]
        ? b.slice({ start: n % 2, stop: (n % 2) + 1, step: 1 })
        : n === nSteps
          ? b
          : b.slice({ start: 0, stop: L[j] + n, step: 1 }),
    ),
    ...mapOuts,
  ];
}

/** Evaluate the inner graph once with the reference implementations (performNode is injected to avoid a cycle). */
export function referenceStep(
  info: ScanInfo,
  perform: (node: Apply, ins: readonly NDArray[]) => NDArray[],
): (ins: NDArray[]) => NDArray[] {
  return (ins) => {
    const vals = new Map<Variable, NDArray>();
    info.innerInputs.forEach((v, i) => vals.set(v, ins[i]));
    const valueOf = (v: Variable): NDArray => {
      const x = vals.get(v);
      if (x) return x;
      const c = (v as { data?: NDArray }).data;
      if (c instanceof NDArray) return c;
      throw new Error(`Scan: inner variable ${String(v)} has no value (a bug in theano-ts)`);
    };
    for (const node of info.innerOrder) {
      const outs = perform(node, node.inputs.map(valueOf));
      node.outputs.forEach((o, i) => vals.set(o, outs[i]));
    }
    return info.innerOutputs.map(valueOf);
  };
}

/** The type two branches share: static dimensions where both agree. */
function joinTypes(a: TensorType, b: TensorType): TensorType {
  return new TensorType(
    a.dtype,
    a.shape.map((d, i) => (d === b.shape[i] ? d : null)),
  );
}

/** Specs of the control-flow ops (the reference `perform` is set by `ops.ts`, which knows performNode). */
export function controlSpecs(perform: (node: Apply, ins: readonly NDArray[]) => NDArray[]): {
  readonly [K in keyof ControlOpParams]: OpSpec<K>;
} {
  return {
    Scan: {
      label: ({ info }) => `Scan{${info.name}}`,
      infer({ info }, inputs) {
        const op = `Scan{${info.name}}`;
        if (inputs.length !== info.nOuterInputs)
          fail(op, `expected ${info.nOuterInputs} inputs, got ${inputs.length}`);
        const [n] = inputs;
        if (n.ndim !== 0 || !/int/.test(n.dtype))
          fail(op, `${describeVar(n, 0)}, the number of steps, must be an integer scalar`);
        const inner = info.innerInputs;
        for (let i = 0; i < info.nSeqs; i++) {
          const s = inputs[1 + i];
          if (s.ndim === 0 || !sameKind(rowType(s.type), inner[i].type))
            fail(
              op,
              `sequence ${describeVar(s, 1 + i)} does not match its inner slice ${inner[i].type}`,
            );
        }
        for (let j = 0; j < info.nStates; j++) {
          const s = inputs[1 + info.nSeqs + j];
          const t = inner[info.tapInput(j)].type;
          if (s.ndim === 0 || !sameKind(rowType(s.type), t))
            fail(
              op,
              `initial buffer ${describeVar(s, 1 + info.nSeqs + j)} does not match the state ${t}`,
            );
        }
        const nsStart = 1 + info.nSeqs + info.nStates;
        for (let q = 0; q < info.nNonSeqs; q++) {
          const s = inputs[nsStart + q];
          const t = inner[inner.length - info.nNonSeqs + q].type;
          if (!sameKind(s.type, t))
            fail(
              op,
              `non-sequence ${describeVar(s, nsStart + q)} does not match its inner input ${t}`,
            );
        }
        const outs = info.innerOutputs;
        const res: TensorType[] = [];
        for (let j = 0; j < info.nStates; j++) {
          const t = inner[info.tapInput(j)].type;
          res.push(info.lastOnly[j] ? new TensorType(t.dtype, [1, ...t.shape]) : stackedType(t));
        }
        for (let m = 0; m < info.nMap; m++) res.push(stackedType(outs[info.nStates + m].type));
        return res;
      },
      perform(node, inputs) {
        const { info } = node.op.params;
        return runScanLoop(info, inputs, referenceStep(info, perform), `Scan{${info.name}}`);
      },
    },
    IfElse: {
      label: ({ nOut }) => `IfElse{${nOut}}`,
      infer({ nOut }, inputs) {
        const op = 'ifelse';
        if (inputs.length !== 1 + 2 * nOut)
          fail(
            op,
            `expected ${1 + 2 * nOut} inputs (cond, ${nOut} then, ${nOut} else), got ${inputs.length}`,
          );
        const [c] = inputs;
        if (c.ndim !== 0)
          fail(
            op,
            `the condition ${describeVar(c, 0)} must be a scalar (use switch for elementwise choices)`,
          );
        const res: TensorType[] = [];
        for (let i = 0; i < nOut; i++) {
          const a = inputs[1 + i];
          const b = inputs[1 + nOut + i];
          if (a.dtype !== b.dtype || a.ndim !== b.ndim)
            fail(
              op,
              `the branches of output ${i} differ: then ${describeVar(a, 1 + i)}, else ${describeVar(b, 1 + nOut + i)}; they need the same dtype and rank (cast one)`,
            );
          const dims: Dim[] = a.type.shape.map((d, k) => {
            const e = b.type.shape[k];
            if (d !== null && e !== null && d !== e && d !== 1 && e !== 1)
              fail(
                op,
                `the branches of output ${i} have static lengths ${d} and ${e} in dimension ${k}`,
              );
            return d;
          });
          res.push(joinTypes(new TensorType(a.dtype, dims), b.type));
        }
        return res;
      },
      perform(node, inputs) {
        const { nOut } = node.op.params;
        const pick = isTrue(inputs[0]) ? 1 : 1 + nOut;
        return inputs.slice(pick, pick + nOut).map((x) => x.copy());
      },
    },
  };
}

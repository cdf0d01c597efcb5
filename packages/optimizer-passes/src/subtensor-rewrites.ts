/**
 * Basic-indexing rewrites (Theano's pytensor/tensor/rewriting/subtensor.py and
 * subtensor_lift.py): useless Subtensor, Subtensor merging, Subtensor lifting over Elemwise,
 * useless IncSubtensor / SetSubtensor, IncSubtensor of zeros, and the IncSubtensor chain.
 */
import {
  type Apply,
  type BasicIdx,
  Constant,
  type FunctionGraph,
  type IdxScalar,
  type IdxSlice,
  type Variable,
  applyOp,
  sliceIndices,
} from '@theano-ts/symbolic';
import { getScalarConstantValue, hasSingleClient, isOp } from './match';
import { type NodeRewriter, canReplace, matchType, nodeRewriter } from './rewriter';

/** The value of an index scalar when known at build time; undefined when symbolic. */
function known(s: IdxScalar, args: readonly Variable[]): number | undefined {
  if (typeof s === 'number') return s;
  const v = args[s.arg];
  return v instanceof Constant ? Number(v.data.item()) : undefined;
}

/** A slice part: null (NumPy's default), a known number, or undefined (symbolic). */
const part = (s: IdxScalar | null, args: readonly Variable[]): number | null | undefined =>
  s === null ? null : known(s, args);

/** Index inputs of a node being built: the same variable gets one argument slot. */
class Args {
  readonly vars: Variable[] = [];
  /** `s` (read against `from`) as a scalar of the new node. */
  copy(s: IdxScalar | null, from: readonly Variable[]): IdxScalar | null {
    if (s === null || typeof s === 'number') return s;
    const v = from[s.arg];
    let k = this.vars.indexOf(v);
    if (k < 0) k = this.vars.push(v) - 1;
    return { arg: k };
  }
  entry(e: BasicIdx, from: readonly Variable[]): BasicIdx {
    if ('int' in e) return { int: this.copy(e.int, from)! };
    const [a, b, c] = e.slice;
    return { slice: [this.copy(a, from), this.copy(b, from), this.copy(c, from)] };
  }
}

/**
 * Whether slice `e` takes all of dimension `d` of `x`: step 1 (or default), start 0 (or
 * default), and stop default, at least the static length, or `x.shape[d]` itself.
 */
function isFullSlice(e: BasicIdx, x: Variable, d: number, args: readonly Variable[]): boolean {
  if (!('slice' in e)) return false;
  const [a, b, c] = e.slice;
  const step = part(c, args);
  const start = part(a, args);
  if (!(step === null || step === 1) || !(start === null || start === 0)) return false;
  if (b === null) return true;
  const stop = known(b, args);
  const len = x.type.shape[d];
  if (stop !== undefined) return len !== null && stop >= len;
  // x.shape[d], as ShapeI or as Subtensor{d}(Shape(x))
  const v = typeof b === 'number' ? undefined : args[b.arg];
  const o = v?.owner;
  if (isOp(o, 'ShapeI')) return o.inputs[0] === x && o.op.params.i === d;
  if (!isOp(o, 'Subtensor') || !isOp(o.inputs[0].owner, 'Shape')) return false;
  const [i0] = o.op.params.idxList;
  return (
    o.inputs[0].owner.inputs[0] === x &&
    o.op.params.idxList.length === 1 &&
    'int' in i0 &&
    known(i0.int, o.inputs.slice(1)) === d
  );
}

/** `r` standing for `out`, or null when its type cannot (cast when only the dtype differs). */
function standFor(r: Variable, out: Variable): Variable[] | null {
  const m = matchType(r, out);
  return m && canReplace(out.type, m.type) ? [m] : null;
}

/** x[:], x[0:n], x[::1] … on every dimension → x (Theano's local_useless_subtensor). */
export const localUselessSubtensor: NodeRewriter = nodeRewriter(
  'local_useless_subtensor',
  ['Subtensor'],
  (_fg, node) => {
    const sub = node as Apply<'Subtensor'>;
    const [x, ...args] = sub.inputs;
    const full = sub.op.params.idxList.every((e, d) => isFullSlice(e, x, d, args));
    return full ? standFor(x, sub.outputs[0]) : null;
  },
  { depth: 3 },
);

/** A constant slice taking `n` elements from `start` by `step` (start already in range). */
function constSlice(start: number, step: number, n: number): IdxSlice {
  if (n === 0) return { slice: [0, 0, 1] };
  const stop = start + n * step;
  // a negative stop would count from the end: null runs to the start of the dimension
  return { slice: [start, stop < 0 ? null : stop, step] };
}

/**
 * The entry equal to applying `second` to the result of slice `first` on a dimension of static
 * length `len` (null when unknown), or undefined when it cannot be computed without symbolic
 * index arithmetic (symbolic parts; negative indices or steps on an unknown length; an int
 * index on an unknown length, whose range error must stay).
 */
function mergeEntries(
  first: IdxSlice,
  firstArgs: readonly Variable[],
  second: BasicIdx,
  secondArgs: readonly Variable[],
  len: number | null,
): BasicIdx | undefined {
  const [a, b, c] = first.slice.map((s) => part(s, firstArgs));
  if (a === undefined || b === undefined || c === undefined) return undefined;
  if (len !== null) {
    const s1 = sliceIndices(len, a, b, c);
    if ('int' in second) {
      const i = known(second.int, secondArgs);
      if (i === undefined || i < -s1.n || i >= s1.n) return undefined;
      return { int: s1.start + (i < 0 ? i + s1.n : i) * s1.step };
    }
    const [d, e, f] = second.slice.map((s) => part(s, secondArgs));
    if (d === undefined || e === undefined || f === undefined) return undefined;
    const s2 = sliceIndices(s1.n, d, e, f);
    return constSlice(s1.start + s2.start * s1.step, s1.step * s2.step, s2.n);
  }
  // unknown length: non-negative bounds and positive steps compose without it
  if ('int' in second) return undefined;
  const [d, e, f] = second.slice.map((s) => part(s, secondArgs));
  const parts = [a, b, c, d, e, f];
  if (parts.some((p) => p === undefined || (p !== null && p < 0))) return undefined;
  if (c === 0 || f === 0) return undefined;
  const s1 = c ?? 1;
  const start = (a ?? 0) + (d ?? 0) * s1;
  const stops = [b, e === null || e === undefined ? null : (a ?? 0) + e * s1].filter(
    (p): p is number => p !== null && p !== undefined,
  );
  const stop = stops.length ? Math.min(...stops) : null;
  return { slice: [start, stop, s1 * (f ?? 1)] };
}

/**
 * x[a:b:c][d:e:f] → x[one slice], x[a:b:c][i] → x[j], through int entries of either
 * (Theano's local_subtensor_merge). Negative indices and steps are merged where the
 * dimension's static length is known; entries with symbolic parts are carried over unmerged.
 */
export const localSubtensorMerge: NodeRewriter = nodeRewriter(
  'local_subtensor_merge',
  ['Subtensor'],
  (_fg, node) => {
    const outer = node as Apply<'Subtensor'>;
    const inner = outer.inputs[0].owner;
    if (!isOp(inner, 'Subtensor')) return null;
    const [x, ...innerArgs] = inner.inputs;
    const outerArgs = outer.inputs.slice(1);
    const first = inner.op.params.idxList;
    const second = outer.op.params.idxList;
    const b = new Args();
    const merged: BasicIdx[] = [];
    let r = 0; // dimension of the inner result that `second` indexes next
    for (let d = 0; d < x.ndim; d++) {
      const e1 = first[d];
      if (e1 && 'int' in e1) {
        merged.push(b.entry(e1, innerArgs));
        continue;
      }
      const e2 = second[r++];
      if (!e1 && !e2) break;
      if (!e2) merged.push(b.entry(e1!, innerArgs));
      else if (!e1) merged.push(b.entry(e2, outerArgs));
      else {
        const m = mergeEntries(e1, innerArgs, e2, outerArgs, x.type.shape[d]);
        if (!m) return null;
        merged.push(m);
      }
    }
    const res = applyOp('Subtensor', { idxList: merged }, [x, ...b.vars]).outputs[0];
    return standFor(res, outer.outputs[0]);
  },
  { depth: 2 },
);

/**
 * elemwise(x, y)[idx] → elemwise(x[idx], y[idx]) when the subtensor is the elemwise's only
 * user (Theano's local_subtensor_lift): only the selected elements are computed. An operand
 * that broadcasts along an indexed dimension keeps it (a slice becomes `:`, an int `0`).
 */
export const localSubtensorLift: NodeRewriter = nodeRewriter(
  'local_subtensor_lift',
  ['Subtensor'],
  (fgraph, node) => {
    const sub = node as Apply<'Subtensor'>;
    const [v, ...args] = sub.inputs;
    const e = v.owner;
    if (!isOp(e, 'Elemwise') || e.outputs.length !== 1 || !hasSingleClient(fgraph, v)) return null;
    const idx = sub.op.params.idxList;
    const inputs = e.inputs.map((u) => {
      const own = idx.map((entry, d): BasicIdx => {
        const broadcasts = u.type.shape[d] === 1 && v.type.shape[d] !== 1;
        if (!broadcasts) return entry;
        return 'int' in entry ? { int: 0 } : { slice: [null, null, null] };
      });
      const b = new Args();
      const list = own.map((entry) => b.entry(entry, args));
      return applyOp('Subtensor', { idxList: list }, [u, ...b.vars]).outputs[0];
    });
    const { scalarOp } = e.op.params;
    const res = applyOp('Elemwise', { scalarOp }, inputs).outputs[0];
    return standFor(res, sub.outputs[0]);
  },
  { depth: 2 },
);

/**
 * setSubtensor(x[:], y) → y where y has x's dimensions (no broadcasting), and
 * incSubtensor(x[idx], 0) → x (Theano's local_useless_inc_subtensor and
 * local_incsubtensor_of_zeros; the latter for advanced indices too).
 */
export const localUselessIncSubtensor: NodeRewriter = nodeRewriter(
  'local_useless_inc_subtensor',
  ['IncSubtensor', 'AdvancedIncSubtensor'],
  (_fg, node) => {
    const inc = node as Apply<'IncSubtensor' | 'AdvancedIncSubtensor'>;
    const [x, y, ...args] = inc.inputs;
    const out = inc.outputs[0];
    if (!inc.op.params.setInsteadOfInc) return getScalarConstantValue(y) === 0 ? [x] : null;
    if (!isOp(inc, 'IncSubtensor') || y.ndim !== x.ndim) return null;
    if (y.type.shape.some((d, i) => (d === 1) !== (x.type.shape[i] === 1))) return null;
    const full = inc.op.params.idxList.every((e, d) => isFullSlice(e, x, d, args));
    return full ? standFor(y, out) : null;
  },
  { depth: 2 },
);

/**
 * add(w, inc(x, y, idx)) → inc(add(w, x), y, idx) where the increment has the sum's type and
 * no other user (Theano's local_IncSubtensor_serialize): the gradient of x[i] + x[j] adds two
 * full-size scatters; as a chain, one buffer takes both increments.
 */
export const localIncSubtensorSerialize: NodeRewriter = nodeRewriter(
  'local_incsubtensor_serialize',
  ['Elemwise:add'],
  (fgraph: FunctionGraph, node) => {
    const out = node.outputs[0];
    const movable = (v: Variable): boolean => {
      const o = v.owner;
      return (
        (isOp(o, 'IncSubtensor') || isOp(o, 'AdvancedIncSubtensor')) &&
        !o.op.params.setInsteadOfInc &&
        v.type.equals(out.type) &&
        hasSingleClient(fgraph, v)
      );
    };
    const moving = node.inputs.filter(movable);
    if (moving.length === 0) return null;
    const rest = node.inputs.filter((v) => !movable(v));
    let tip = applyOp('Elemwise', { scalarOp: { name: 'add' } }, [
      ...rest,
      ...moving.map((m) => m.owner!.inputs[0]),
    ]).outputs[0];
    for (const m of moving) {
      const o = m.owner as Apply<'IncSubtensor' | 'AdvancedIncSubtensor'>;
      tip = applyOp(o.op.kind, o.op.params as never, [tip, ...o.inputs.slice(1)]).outputs[0];
    }
    return standFor(tip, out);
  },
  { depth: 2 },
);

/** The Subtensor rewrites, registered in canonicalize. */
export const SUBTENSOR_REWRITES: readonly NodeRewriter[] = [
  localUselessSubtensor,
  localSubtensorMerge,
  localSubtensorLift,
  localUselessIncSubtensor,
  localIncSubtensorSerialize,
];

import {
  type DType,
  NDArray,
  broadcastShapes,
  castScalar,
  formatShape,
  isInteger,
  shapeSize,
  typedArrayFor,
} from '@theano-ts/tensor';
import { type Apply, Constant, type Variable } from '../graph';
import { type OpSpec, describeVar, fail } from '../op-spec';
import { type Dim, TensorType } from '../type';

/**
 * A scalar inside an index: a constant baked into the op, or `{ arg: j }`, the j-th index
 * input of the node (an int scalar variable). Index inputs follow x (Subtensor,
 * AdvancedSubtensor) or x and y (IncSubtensor, AdvancedIncSubtensor), so one idxList serves
 * an op and its gradient (Theano's idx_list).
 */
export type IdxScalar =
  | number
  | {
      /** Position of the int scalar among the node's inputs. */
      readonly arg: number;
    };
/** x[i]: an integer index, which drops the dimension. */
export interface IdxInt {
  /** The index (negative: from the end). */
  readonly int: IdxScalar;
}
/** x[start:stop:step]; null parts take NumPy's defaults (negative steps allowed). */
export interface IdxSlice {
  /** start, stop and step. */
  readonly slice: readonly [IdxScalar | null, IdxScalar | null, IdxScalar | null];
}
/** x[a]: the `array`-th index input, an int array (one dimension) or a bool mask (as many as it has). */
export interface IdxArray {
  /** Position of the index array among the node's index inputs. */
  readonly array: number;
}
/** An entry of basic indexing (Subtensor). */
export type BasicIdx = IdxInt | IdxSlice;
/** An entry of advanced indexing (AdvancedSubtensor): NumPy's rules, including where the broadcast index dimensions go. */
export type AdvancedIdx = IdxInt | IdxSlice | IdxArray;

/** Parameters of the indexing ops: one key per op (see OpParams). */
export interface IndexingOpParams {
  /** Basic indexing x[i, a:b:c, …] (NumPy semantics): a strided view; int entries drop dimensions. */
  Subtensor: {
    /** One entry per indexed dimension (int or slice). */
    idxList: readonly BasicIdx[];
  };
  /** Inputs (x, y, …index args): a copy of x with x[idx] set to y, or incremented by y (y broadcasts). */
  IncSubtensor: {
    /** One entry per indexed dimension (int or slice). */
    idxList: readonly BasicIdx[];
    /** true: x[idx] = y (set_subtensor); false: x[idx] += y (inc_subtensor). */
    setInsteadOfInc: boolean;
  };
  /** Advanced indexing with int arrays and bool masks mixed with slices and ints (numpy semantics). */
  AdvancedSubtensor: {
    /** One entry per indexed dimension (int, slice or index array). */
    idxList: readonly AdvancedIdx[];
  };
  /**
   * Inputs (x, y, …index args): x with x[idx] set to y or incremented by y. With inc, repeated
   * indices accumulate like np.add.at unless `ignoreDuplicates` (then x[idx] += y as NumPy's
   * buffered assignment does: the last write wins). With set, the last write wins.
   */
  AdvancedIncSubtensor: {
    /** One entry per indexed dimension (int, slice or index array). */
    idxList: readonly AdvancedIdx[];
    /** true: x[idx] = y; false: x[idx] += y. */
    setInsteadOfInc: boolean;
    /** false: repeated indices accumulate (numpy.add.at); true: NumPy's x[idx] += y, where the last write wins. */
    ignoreDuplicates: boolean;
  };
  /** numpy.nonzero as one int32 matrix (ndim, count): row d holds the indices along axis d. */
  Nonzero: Record<string, never>;
}

// ---------------------------------------------------------------- labels

const scalarLabel = (s: IdxScalar | null): string =>
  s === null ? '' : typeof s === 'number' ? String(s) : `$${s.arg}`;

function entryLabel(e: AdvancedIdx): string {
  if ('int' in e) return scalarLabel(e.int);
  if ('array' in e) return `$${e.array}`;
  const [a, b, c] = e.slice;
  return `${scalarLabel(a)}:${scalarLabel(b)}${c === null ? '' : `:${scalarLabel(c)}`}`;
}

/** `{1:3, ::-1, $0}`: constants as written, `$j` for the j-th index input. */
export const idxListLabel = (idx: readonly AdvancedIdx[]): string =>
  `{${idx.map(entryLabel).join(', ')}}`;

// ---------------------------------------------------------------- shared helpers

/** Normalised slice of a dimension of length `len` (NumPy's PySlice_GetIndicesEx). */
export function sliceIndices(
  len: number,
  start: number | null,
  stop: number | null,
  step: number | null,
): {
  /** First index. */
  start: number;
  /** Step (non-zero). */
  step: number;
  /** Number of indices selected. */
  n: number;
} {
  const st = step ?? 1;
  if (st === 0) throw new RangeError('slice step cannot be zero');
  let a: number;
  let b: number;
  if (st > 0) {
    a = start === null ? 0 : start < 0 ? Math.max(0, start + len) : Math.min(start, len);
    b = stop === null ? len : stop < 0 ? Math.max(0, stop + len) : Math.min(stop, len);
  } else {
    a = start === null ? len - 1 : start < 0 ? Math.max(-1, start + len) : Math.min(start, len - 1);
    b = stop === null ? -1 : stop < 0 ? Math.max(-1, stop + len) : Math.min(stop, len - 1);
  }
  const n = Math.max(0, Math.ceil((b - a) / st));
  return { start: a, step: st, n };
}

const inputName = (v: Variable, i: number): string => `input ${i}${v.name ? ` '${v.name}'` : ''}`;

/** Every `{ arg: j }` an idxList refers to, with what it must be. */
function argUses(idx: readonly AdvancedIdx[]): Map<number, 'scalar' | 'array'> {
  const uses = new Map<number, 'scalar' | 'array'>();
  const scalar = (s: IdxScalar | null) => {
    if (s !== null && typeof s !== 'number') uses.set(s.arg, 'scalar');
  };
  for (const e of idx) {
    if ('int' in e) scalar(e.int);
    else if ('array' in e) uses.set(e.array, 'array');
    else e.slice.forEach(scalar);
  }
  return uses;
}

/** Build-time checks of the index inputs (from `first` on) against the idxList. */
function checkArgs(
  op: string,
  idx: readonly AdvancedIdx[],
  inputs: readonly Variable[],
  first: number,
): void {
  const uses = argUses(idx);
  const nArgs = inputs.length - first;
  if (uses.size !== nArgs || [...uses.keys()].some((j) => j < 0 || j >= nArgs))
    fail(op, `expected ${uses.size} index inputs after the tensor(s), got ${nArgs}`);
  for (const [j, kind] of uses) {
    const v = inputs[first + j];
    if (kind === 'scalar') {
      if (v.ndim !== 0 || !isInteger(v.dtype))
        fail(op, `${describeVar(v, first + j)} must be an integer scalar index`);
    } else if (!isInteger(v.dtype) && v.dtype !== 'bool')
      fail(
        op,
        `${describeVar(v, first + j)} must be an integer or boolean index array (got dtype ${v.dtype})`,
      );
  }
  for (const e of idx) if ('slice' in e && e.slice[2] === 0) fail(op, 'slice step cannot be zero');
}

/** A constant index scalar's value at build time (undefined when symbolic). */
function staticScalar(s: IdxScalar, args: readonly Variable[]): number | undefined {
  if (typeof s === 'number') return s;
  const v = args[s.arg];
  return v instanceof Constant ? v.data.item() : undefined;
}

function checkStaticBound(op: string, x: Variable, i: number, d: number): void {
  const len = x.type.shape[d];
  if (len !== null && (i < -len || i >= len))
    fail(op, `index ${i} is out of bounds for axis ${d} with size ${len} (${describeVar(x, 0)})`);
}

/** Static length of a slice of a dimension (null when unknown). */
function staticSliceLen(op: string, e: IdxSlice, len: Dim, args: readonly Variable[]): Dim {
  const parts = e.slice.map((s) => (s === null ? null : staticScalar(s, args)));
  if (parts[2] === 0) fail(op, 'slice step cannot be zero');
  if (parts.every((p) => p === null)) return len;
  if (len === null || parts.some((p) => p === undefined)) return null;
  const [a, b, c] = parts as (number | null)[];
  return sliceIndices(len, a, b, c).n;
}

/** Output type of basic indexing (build time). */
function basicOutShape(
  op: string,
  x: Variable,
  idx: readonly BasicIdx[],
  args: readonly Variable[],
): Dim[] {
  if (idx.length > x.ndim)
    fail(op, `too many indices for ${describeVar(x, 0)}: ${idx.length} given`);
  const out: Dim[] = [];
  idx.forEach((e, d) => {
    if ('int' in e) {
      const i = staticScalar(e.int, args);
      if (i !== undefined) checkStaticBound(op, x, i, d);
    } else out.push(staticSliceLen(op, e, x.type.shape[d], args));
  });
  return [...out, ...x.type.shape.slice(idx.length)];
}

/** The value of an index scalar at run time. */
const scalarValue = (s: IdxScalar, args: readonly NDArray[]): number =>
  typeof s === 'number' ? s : args[s.arg].item();

function boundIndex(label: string, i: number, len: number, d: number, what: string): number {
  if (i < -len || i >= len)
    throw new RangeError(
      `${label}: index ${i} is out of bounds for axis ${d} with size ${len} (${what})`,
    );
  return i < 0 ? i + len : i;
}

/** x[idx] for basic indexing: a view of x's data (NumPy semantics). */
function basicView(
  label: string,
  node: Apply,
  x: NDArray,
  idx: readonly BasicIdx[],
  args: readonly NDArray[],
): NDArray {
  let offset = x.offset;
  const shape: number[] = [];
  const strides: number[] = [];
  idx.forEach((e, d) => {
    const len = x.shape[d];
    if ('int' in e) {
      const i = boundIndex(label, scalarValue(e.int, args), len, d, inputName(node.inputs[0], 0));
      offset += i * x.strides[d];
    } else {
      const [a, b, c] = e.slice.map((s) => (s === null ? null : scalarValue(s, args)));
      let s: ReturnType<typeof sliceIndices>;
      try {
        s = sliceIndices(len, a, b, c);
      } catch (err) {
        throw new RangeError(`${label}: ${(err as Error).message}`);
      }
      if (s.n > 0) offset += s.start * x.strides[d];
      shape.push(s.n);
      strides.push(x.strides[d] * s.step);
    }
  });
  for (let d = idx.length; d < x.ndim; d++) {
    shape.push(x.shape[d]);
    strides.push(x.strides[d]);
  }
  return new NDArray(x.data, shape, { dtype: x.dtype, offset, strides });
}

/** Data positions of every element of a (possibly strided) array, in C order. */
function positionsOf(a: NDArray): number[] {
  const out: number[] = [];
  a.forEachPosition((p) => out.push(p));
  return out;
}

/**
 * y as values for a region of `shape` (y broadcasts: missing leading dimensions, and dimensions
 * declared broadcastable). @throws RangeError naming the op and y otherwise.
 */
function valuesFor(
  label: string,
  node: Apply,
  y: NDArray,
  shape: readonly number[],
  set: boolean,
): ArrayLike<number> {
  const yVar = node.inputs[1];
  const lead = shape.length - y.ndim;
  const bad =
    lead < 0 ||
    y.shape.some((d, i) => d !== shape[lead + i] && !(d === 1 && yVar.type.shape[i] === 1));
  if (bad)
    throw new RangeError(
      `${label}: cannot ${set ? 'set' : 'increment'} a region of shape ${formatShape(shape)} with ${inputName(yVar, 1)} of shape ${formatShape(y.shape)}` +
        (lead >= 0 && y.shape.some((d, i) => d === 1 && shape[lead + i] !== 1)
          ? ' (a length-1 dimension of y broadcasts only if it is declared broadcastable)'
          : ''),
    );
  return y.broadcastTo(shape).toFlat();
}

/** Write y's values at `positions` of `out` (set, accumulate, or add to the original once). */
function scatter(
  out: NDArray,
  positions: readonly number[],
  vals: ArrayLike<number>,
  mode: 'set' | 'inc' | 'incOnce',
): NDArray {
  const d = out.data;
  const dtype: DType = out.dtype;
  if (mode === 'set') positions.forEach((p, k) => (d[p] = castScalar(vals[k], dtype)));
  else if (mode === 'inc') positions.forEach((p, k) => (d[p] = castScalar(d[p] + vals[k], dtype)));
  else {
    const orig = positions.map((p) => d[p]);
    positions.forEach((p, k) => (d[p] = castScalar(orig[k] + vals[k], dtype)));
  }
  return out;
}

// ---------------------------------------------------------------- advanced indexing

/** One dimension of x as advanced indexing sees it (after bool masks became int arrays). */
type Dimmed<A> =
  { kind: 'slice'; axis: number; entry: IdxSlice } | { kind: 'adv'; axis: number; arr: A };

/** Static broadcast of index-array shapes. */
function staticBroadcast(op: string, shapes: readonly (readonly Dim[])[]): Dim[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < nd; i++) {
    const dims = shapes.map((s) => (i - (nd - s.length) >= 0 ? s[i - (nd - s.length)] : 1));
    const known = [...new Set(dims.filter((d): d is number => d !== null && d !== 1))];
    if (known.length > 1)
      fail(
        op,
        `shape mismatch: indexing arrays could not be broadcast together with shapes ${shapes.map((s) => `(${s.map((d) => d ?? '?').join(', ')})`).join(' ')}`,
      );
    out.push(known.length ? known[0] : dims.every((d) => d === 1) ? 1 : null);
  }
  return out;
}

/** Where the broadcast index dimensions go: NumPy puts them at the first advanced index when all are adjacent, else in front. */
function advInsertAt<A>(dims: readonly Dimmed<A>[]): number {
  const advPos = dims.flatMap((d, i) => (d.kind === 'adv' ? [i] : []));
  const adjacent = advPos.every((p, k) => k === 0 || p === advPos[k - 1] + 1);
  return adjacent && advPos.length ? dims.slice(0, advPos[0]).length : 0;
}

/** Output static shape of advanced indexing, with build-time bound checks of constant indices. */
function advancedOutShape(
  op: string,
  x: Variable,
  idx: readonly AdvancedIdx[],
  args: readonly Variable[],
  first: number,
): Dim[] {
  const dims: Dimmed<{ shape: Dim[]; values?: ArrayLike<number> }>[] = [];
  let d = 0;
  const tooMany = (n: number) =>
    fail(op, `too many indices for ${describeVar(x, 0)}: ${n} dimensions indexed`);
  for (const e of idx) {
    if ('slice' in e) dims.push({ kind: 'slice', axis: d++, entry: e });
    else if ('int' in e) {
      const v = staticScalar(e.int, args);
      dims.push({
        kind: 'adv',
        axis: d++,
        arr: { shape: [], values: v === undefined ? undefined : [v] },
      });
    } else {
      const a = args[e.array];
      if (a.dtype === 'bool') {
        if (a.ndim === 0)
          fail(op, `${describeVar(a, first + e.array)}: 0-d boolean indices are not supported`);
        if (d + a.ndim > x.ndim) tooMany(d + a.ndim);
        a.type.shape.forEach((k, i) => {
          const len = x.type.shape[d + i];
          if (k !== null && len !== null && k !== len)
            fail(
              op,
              `boolean index did not match indexed array along dimension ${d + i}; dimension is ${len} but corresponding boolean dimension is ${k} (${describeVar(x, 0)})`,
            );
        });
        let count: Dim = null;
        if (a instanceof Constant)
          count = Array.from(a.data.toFlat()).filter((v) => v !== 0).length;
        for (let i = 0; i < a.ndim; i++)
          dims.push({ kind: 'adv', axis: d++, arr: { shape: [count] } });
      } else
        dims.push({
          kind: 'adv',
          axis: d++,
          arr: {
            shape: [...a.type.shape],
            values: a instanceof Constant ? a.data.toFlat() : undefined,
          },
        });
    }
  }
  if (d > x.ndim) tooMany(d);
  for (const dim of dims)
    if (dim.kind === 'adv' && dim.arr.values)
      for (const v of Array.from(dim.arr.values)) checkStaticBound(op, x, v, dim.axis);
  const advShapes = dims.flatMap((x) => (x.kind === 'adv' ? [x.arr.shape] : []));
  const b = staticBroadcast(op, advShapes);
  const sliced = dims.flatMap((dim) =>
    dim.kind === 'slice' ? [staticSliceLen(op, dim.entry, x.type.shape[dim.axis], args)] : [],
  );
  const at = advInsertAt(dims);
  return [...sliced.slice(0, at), ...b, ...sliced.slice(at), ...x.type.shape.slice(d)];
}

/** numpy.nonzero of an array: one list of indices per dimension. */
function nonzeroLists(a: NDArray): number[][] {
  const out: number[][] = a.shape.map(() => []);
  const flat = a.toFlat();
  const idx = new Array<number>(a.ndim).fill(0);
  for (let k = 0; k < flat.length; k++) {
    if (flat[k] !== 0) idx.forEach((v, i) => out[i].push(v));
    for (let ax = a.ndim - 1; ax >= 0; ax--) {
      if (++idx[ax] < a.shape[ax]) break;
      idx[ax] = 0;
    }
  }
  return out;
}

/**
 * Advanced indexing of x at run time: the output shape and, for each output element in C
 * order, its position in x's data (NumPy semantics; bool masks become their nonzero indices).
 */
function advancedGather(
  label: string,
  node: Apply,
  x: NDArray,
  idx: readonly AdvancedIdx[],
  args: readonly NDArray[],
  first: number,
): { shape: number[]; positions: number[] } {
  const xName = inputName(node.inputs[0], 0);
  const dims: Dimmed<{ shape: readonly number[]; values: ArrayLike<number> }>[] = [];
  let d = 0;
  for (const e of idx) {
    if ('slice' in e) dims.push({ kind: 'slice', axis: d++, entry: e });
    else if ('int' in e)
      dims.push({ kind: 'adv', axis: d++, arr: { shape: [], values: [scalarValue(e.int, args)] } });
    else {
      const a = args[e.array];
      if (a.dtype === 'bool') {
        a.shape.forEach((k, i) => {
          if (d + i < x.ndim && x.shape[d + i] !== k)
            throw new RangeError(
              `${label}: boolean index (${inputName(node.inputs[first + e.array], first + e.array)}) did not match indexed array along dimension ${d + i}; dimension is ${x.shape[d + i]} but corresponding boolean dimension is ${k}`,
            );
        });
        for (const list of nonzeroLists(a))
          dims.push({ kind: 'adv', axis: d++, arr: { shape: [list.length], values: list } });
      } else dims.push({ kind: 'adv', axis: d++, arr: { shape: a.shape, values: a.toFlat() } });
    }
  }
  if (d > x.ndim)
    throw new RangeError(
      `${label}: too many indices for ${xName} of shape ${formatShape(x.shape)}`,
    );
  for (let ax = d; ax < x.ndim; ax++)
    dims.push({ kind: 'slice', axis: ax, entry: { slice: [null, null, null] } });

  const advs = dims.filter((x) => x.kind === 'adv');
  let b: number[];
  try {
    b = broadcastShapes(...advs.map((a) => a.arr.shape));
  } catch {
    throw new RangeError(
      `${label}: shape mismatch: indexing arrays could not be broadcast together with shapes ${advs.map((a) => formatShape(a.arr.shape)).join(' ')}`,
    );
  }
  // per advanced index: normalised values and strides over the broadcast shape b
  const adv = advs.map((a) => {
    const len = x.shape[a.axis];
    const vals = Array.from(a.arr.values, (v) => boundIndex(label, v, len, a.axis, xName));
    const lead = b.length - a.arr.shape.length;
    let acc = 1;
    const st = new Array<number>(b.length).fill(0);
    for (let i = a.arr.shape.length - 1; i >= 0; i--) {
      st[lead + i] = a.arr.shape[i] === 1 ? 0 : acc;
      acc *= a.arr.shape[i];
    }
    return { vals, st, xStride: x.strides[a.axis] };
  });
  const slices = dims.flatMap((dim) => {
    if (dim.kind !== 'slice') return [];
    const [s0, s1, s2] = dim.entry.slice.map((s) => (s === null ? null : scalarValue(s, args)));
    let s: ReturnType<typeof sliceIndices>;
    try {
      s = sliceIndices(x.shape[dim.axis], s0, s1, s2);
    } catch (err) {
      throw new RangeError(`${label}: ${(err as Error).message}`);
    }
    return [{ ...s, xStride: x.strides[dim.axis] }];
  });
  const at = advs.length ? advInsertAt(dims) : slices.length;
  // output axes: slices before `at`, then b, then the other slices
  type Axis = { len: number; slice?: (typeof slices)[number]; b?: number };
  const axes: Axis[] = [
    ...slices.slice(0, at).map((s) => ({ len: s.n, slice: s })),
    ...b.map((len, i) => ({ len, b: i })),
    ...slices.slice(at).map((s) => ({ len: s.n, slice: s })),
  ];
  const shape = axes.map((a) => a.len);
  const size = shapeSize(shape);
  const positions: number[] = new Array(size);
  const ix = new Array<number>(axes.length).fill(0);
  const bIx = new Array<number>(b.length).fill(0);
  for (let k = 0; k < size; k++) {
    let p = x.offset;
    axes.forEach((a, i) => {
      if (a.slice) p += (a.slice.start + ix[i] * a.slice.step) * a.slice.xStride;
      else bIx[a.b!] = ix[i];
    });
    for (const a of adv) {
      let f = 0;
      for (let i = 0; i < b.length; i++) f += bIx[i] * a.st[i];
      p += a.vals[f] * a.xStride;
    }
    positions[k] = p;
    for (let ax = axes.length - 1; ax >= 0; ax--) {
      if (++ix[ax] < shape[ax]) break;
      ix[ax] = 0;
    }
  }
  return { shape, positions };
}

function gather(x: NDArray, shape: number[], positions: readonly number[]): NDArray {
  const out = new (typedArrayFor(x.dtype))(positions.length);
  positions.forEach((p, k) => (out[k] = x.data[p]));
  return new NDArray(out, shape, { dtype: x.dtype });
}

/** Build-time checks of y against the indexed region of an Inc op. */
function checkIncValue(op: string, x: Variable, y: Variable, region: readonly Dim[]): void {
  if (y.dtype !== x.dtype)
    fail(op, `${describeVar(y, 1)} must have the dtype of x (${x.dtype}); cast it first`);
  if (y.ndim > region.length)
    fail(
      op,
      `${describeVar(y, 1)} has ${y.ndim} dimensions but the indexed region of x has ${region.length}`,
    );
  const lead = region.length - y.ndim;
  y.type.shape.forEach((k, i) => {
    const r = region[lead + i];
    if (k !== null && r !== null && k !== r && k !== 1)
      fail(
        op,
        `${describeVar(y, 1)} does not broadcast to the indexed region (${region.map((d) => d ?? '?').join(', ')}): dimension ${i} is ${k}, the region has ${r}`,
      );
  });
}

// ---------------------------------------------------------------- the specs

/** Type inference and reference implementations of the indexing ops. */
export const INDEXING_SPECS: { readonly [K in keyof IndexingOpParams]: OpSpec<K> } = {
  Subtensor: {
    label: (p) => `Subtensor${idxListLabel(p.idxList)}`,
    infer(p, [x, ...args]) {
      checkArgs('Subtensor', p.idxList, [x, ...args], 1);
      return [new TensorType(x.dtype, basicOutShape('Subtensor', x, p.idxList, args))];
    },
    perform(node, [x, ...args]) {
      return [basicView('Subtensor', node, x, node.op.params.idxList, args)];
    },
  },
  IncSubtensor: {
    label: (p) =>
      `${p.setInsteadOfInc ? 'SetSubtensor' : 'IncSubtensor'}${idxListLabel(p.idxList)}`,
    infer(p, [x, y, ...args]) {
      const op = p.setInsteadOfInc ? 'SetSubtensor' : 'IncSubtensor';
      if (!y) fail(op, 'expected inputs (x, y, …index inputs)');
      checkArgs(op, p.idxList, [x, y, ...args], 2);
      checkIncValue(op, x, y, basicOutShape(op, x, p.idxList, args));
      return [x.type];
    },
    perform(node, [x, y, ...args]) {
      const p = node.op.params;
      const label = p.setInsteadOfInc ? 'SetSubtensor' : 'IncSubtensor';
      const out = x.copy();
      const region = basicView(label, node, out, p.idxList, args);
      const vals = valuesFor(label, node, y, region.shape, p.setInsteadOfInc);
      return [scatter(out, positionsOf(region), vals, p.setInsteadOfInc ? 'set' : 'inc')];
    },
  },
  AdvancedSubtensor: {
    label: (p) => `AdvancedSubtensor${idxListLabel(p.idxList)}`,
    infer(p, [x, ...args]) {
      checkArgs('AdvancedSubtensor', p.idxList, [x, ...args], 1);
      return [
        new TensorType(x.dtype, advancedOutShape('AdvancedSubtensor', x, p.idxList, args, 1)),
      ];
    },
    perform(node, [x, ...args]) {
      const { shape, positions } = advancedGather(
        'AdvancedSubtensor',
        node,
        x,
        node.op.params.idxList,
        args,
        1,
      );
      return [gather(x, shape, positions)];
    },
  },
  AdvancedIncSubtensor: {
    label: (p) =>
      `${p.setInsteadOfInc ? 'AdvancedSetSubtensor' : 'AdvancedIncSubtensor'}${idxListLabel(p.idxList)}${p.ignoreDuplicates ? '{ignoreDuplicates}' : ''}`,
    infer(p, [x, y, ...args]) {
      const op = p.setInsteadOfInc ? 'AdvancedSetSubtensor' : 'AdvancedIncSubtensor';
      if (!y) fail(op, 'expected inputs (x, y, …index inputs)');
      checkArgs(op, p.idxList, [x, y, ...args], 2);
      checkIncValue(op, x, y, advancedOutShape(op, x, p.idxList, args, 2));
      return [x.type];
    },
    perform(node, [x, y, ...args]) {
      const p = node.op.params;
      const label = p.setInsteadOfInc ? 'AdvancedSetSubtensor' : 'AdvancedIncSubtensor';
      const out = x.copy();
      const { shape, positions } = advancedGather(label, node, out, p.idxList, args, 2);
      const vals = valuesFor(label, node, y, shape, p.setInsteadOfInc);
      const mode = p.setInsteadOfInc ? 'set' : p.ignoreDuplicates ? 'incOnce' : 'inc';
      return [scatter(out, positions, vals, mode)];
    },
  },
  Nonzero: {
    label: () => 'Nonzero',
    infer(_p, [x]) {
      if (x.ndim === 0) fail('Nonzero', `${describeVar(x, 0)} must have at least one dimension`);
      return [new TensorType('int32', [x.ndim, null])];
    },
    perform(_node, [x]) {
      const lists = nonzeroLists(x);
      const n = lists[0].length;
      return [new NDArray(Int32Array.from(lists.flat()), [x.ndim, n])];
    },
  },
};

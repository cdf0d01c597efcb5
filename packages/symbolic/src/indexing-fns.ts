/**
 * Indexing as users write it (Theano's x[...] syntax as methods): `x.get(0)`,
 * `x.get(T.slice(1, 3), T.slice(null, null, -1))`, `x.get(idx)`, `x.get(mask)`;
 * `T.setSubtensor(x.get(...), v)` and `T.incSubtensor(x.get(...), v)` take the result of a
 * get() and look at its owner, as Theano's set_subtensor/inc_subtensor do. Also take,
 * takeAlongAxis, nonzero.
 */
import {
  NDArray,
  type NestedArray,
  array,
  canCastSafely,
  castScalar,
  isInteger,
} from '@theano-ts/tensor';
import { Constant, type TensorLike, Variable } from './graph';
import { applyOp, asTensorVariable, cast, constant, dimshuffle, flatten } from './basic';
import { TheanoTypeError, builtAt, userStackLine } from './errors';
import type { AdvancedIdx, IdxScalar } from './ops/indexing';
import { arange, dimOf } from './shape-fns';

const typeError = (msg: string): TheanoTypeError =>
  new TheanoTypeError(msg + builtAt(userStackLine()));

/** A slice bound: a number, an int scalar variable, or null/undefined for NumPy's default. */
export type SliceBound = number | Variable | null | undefined;

/** start:stop:step, as Python's slice object (T.slice). */
export class Slice {
  constructor(
    /** First index (null or undefined: Python's default). */
    readonly start: SliceBound,
    /** Stop index, excluded (null or undefined: Python's default). */
    readonly stop: SliceBound,
    /** Step (null or undefined: 1). */
    readonly step: SliceBound,
  ) {}
  /** Python's notation: `1:3`, `::-1`. */
  toString(): string {
    const s = (b: SliceBound) => (b === null || b === undefined ? '' : String(b));
    return `${s(this.start)}:${s(this.stop)}${this.step === null || this.step === undefined ? '' : `:${s(this.step)}`}`;
  }
}

/**
 * A slice for `get` (Python's slice()): `slice(stop)`, `slice(start, stop)`,
 * `slice(start, stop, step)`; null means NumPy's default, steps may be negative.
 */
export function slice(start?: SliceBound, stop?: SliceBound, step?: SliceBound): Slice {
  if (arguments.length === 1) return new Slice(null, start, null);
  return new Slice(start, stop, step);
}

/** `'...'` stands for as many full slices as needed (NumPy's Ellipsis). */
export type Ellipsis = '...';

/**
 * One entry of `get`: an integer, a slice, an int scalar variable, an int or bool array
 * (variable, NDArray or nested JS arrays: advanced indexing), or '...'.
 */
export type IndexArg = number | Slice | Variable | NDArray | NestedArray[] | Ellipsis;

/** How many dimensions of x an index entry consumes. */
function consumed(a: IndexArg): number {
  if (a === '...') return 0;
  if (a instanceof Variable && a.dtype === 'bool') return Math.max(a.ndim, 1);
  if (a instanceof NDArray && a.dtype === 'bool') return Math.max(a.ndim, 1);
  return 1;
}

function asIndexVariable(a: NDArray | NestedArray[]): Variable {
  if (a instanceof NDArray) return constant(a);
  if (a.length === 0) return constant(array([], { dtype: 'int32' }));
  return constant(array(a));
}

/**
 * x[idx] (NumPy semantics): basic indexing (ints, slices, int scalar variables) builds a
 * Subtensor, a view; any int/bool array makes it advanced indexing (AdvancedSubtensor).
 * @throws TheanoTypeError for non-integer indices, too many indices, or (with static shapes)
 *   indices out of range.
 */
export function getItem(x: TensorLike, ...index: IndexArg[]): Variable {
  const v = asTensorVariable(x);
  let idx = index.map((a) => (a instanceof NDArray || Array.isArray(a) ? asIndexVariable(a) : a));
  const ell = idx.filter((a) => a === '...').length;
  if (ell > 1) throw typeError(`get: an index can only have a single ellipsis ('...')`);
  if (ell === 1) {
    const used = idx.reduce<number>((n, a) => n + consumed(a), 0);
    const at = idx.indexOf('...');
    const fill = Array.from(
      { length: Math.max(0, v.ndim - used) },
      () => new Slice(null, null, null),
    );
    idx = [...idx.slice(0, at), ...fill, ...idx.slice(at + 1)];
  }
  const args: Variable[] = [];
  const argOf = (a: Variable): { arg: number } => {
    args.push(a);
    return { arg: args.length - 1 };
  };
  const scalarOf = (b: SliceBound, what: string): IdxScalar | null => {
    if (b === null || b === undefined) return null;
    if (typeof b === 'number') {
      if (!Number.isInteger(b)) throw typeError(`Subtensor: ${what} must be an integer, got ${b}`);
      return b;
    }
    if (!(b instanceof Variable)) throw typeError(`Subtensor: cannot use ${String(b)} as ${what}`);
    if (b instanceof Constant && b.ndim === 0 && isInteger(b.dtype)) return b.data.item();
    if (b.ndim !== 0)
      throw typeError(
        `Subtensor: ${what} must be a scalar, got ${b.type}${b.name ? ` '${b.name}'` : ''}`,
      );
    return argOf(b);
  };
  let advanced = false;
  const idxList: AdvancedIdx[] = idx.map((a, k): AdvancedIdx => {
    if (a instanceof Slice)
      return {
        slice: [
          scalarOf(a.start, 'a slice start'),
          scalarOf(a.stop, 'a slice stop'),
          scalarOf(a.step, 'a slice step'),
        ],
      };
    if (typeof a === 'number') return { int: scalarOf(a, `index ${k}`)! };
    if (a instanceof Variable) {
      if (a.ndim === 0 && a.dtype !== 'bool') return { int: scalarOf(a, `index ${k}`)! };
      if (a.ndim === 0)
        throw typeError(`get: a boolean scalar is not a supported index (${a.type})`);
      advanced = true;
      return { array: argOf(a).arg };
    }
    throw typeError(`get: cannot index with ${typeof a} (${String(a).slice(0, 40)})`);
  });
  // trailing full slices are implied
  while (
    idxList.length > 1 &&
    (() => {
      const e = idxList[idxList.length - 1];
      return 'slice' in e && e.slice.every((s) => s === null);
    })()
  )
    idxList.pop();
  if (advanced) return applyOp('AdvancedSubtensor', { idxList }, [v, ...args]).outputs[0];
  return applyOp('Subtensor', { idxList: idxList as Exclude<AdvancedIdx, { array: number }>[] }, [
    v,
    ...args,
  ]).outputs[0];
}

/** y cast to x's dtype when no precision is lost (or a constant keeps its values), else as is. */
function valueFor(x: Variable, y: TensorLike): Variable {
  const v = asTensorVariable(y, 'the value');
  if (v.dtype === x.dtype) return v;
  if (canCastSafely(v.dtype, x.dtype)) return cast(v, x.dtype);
  if (
    v instanceof Constant &&
    Array.from(v.data.toFlat()).every((e) => castScalar(e, x.dtype) === e)
  )
    return constant(v.data.astype(x.dtype));
  return v; // the op's check names the dtypes
}

function incOrSet(
  fn: string,
  sub: Variable,
  y: TensorLike,
  set: boolean,
  ignoreDuplicates: boolean,
): Variable {
  const owner = sub instanceof Variable ? sub.owner : null;
  if (!owner || (owner.op.kind !== 'Subtensor' && owner.op.kind !== 'AdvancedSubtensor'))
    throw typeError(
      `${fn}: the first argument must be the result of indexing, x.get(…); got ${String(sub)}${sub instanceof Variable ? ` (${sub.type})` : ''}`,
    );
  const [x, ...args] = owner.inputs;
  const yv = valueFor(x, y);
  if (owner.op.kind === 'Subtensor') {
    const { idxList } = owner.op.params as { idxList: Exclude<AdvancedIdx, { array: number }>[] };
    return applyOp('IncSubtensor', { idxList, setInsteadOfInc: set }, [x, yv, ...args]).outputs[0];
  }
  const { idxList } = owner.op.params as { idxList: AdvancedIdx[] };
  return applyOp('AdvancedIncSubtensor', { idxList, setInsteadOfInc: set, ignoreDuplicates }, [
    x,
    yv,
    ...args,
  ]).outputs[0];
}

/**
 * x with x[idx] replaced by y (broadcast), where `sub` is x.get(idx) (Theano's set_subtensor).
 * With repeated advanced indices the last write wins.
 */
export const setSubtensor = (sub: Variable, y: TensorLike): Variable =>
  incOrSet('setSubtensor', sub, y, true, false);

/**
 * x with y added at x[idx], where `sub` is x.get(idx) (Theano's inc_subtensor). Repeated
 * advanced indices accumulate (np.add.at) unless `ignoreDuplicates` (then NumPy's
 * `x[idx] += y`: the last write wins).
 */
export const incSubtensor = (
  sub: Variable,
  y: TensorLike,
  opts: { ignoreDuplicates?: boolean } = {},
): Variable => incOrSet('incSubtensor', sub, y, false, opts.ignoreDuplicates ?? false);

/**
 * Elements of x at `indices` along `axis` (numpy.take); axis null/undefined indexes the
 * flattened x. The result has indices' dimensions in place of the axis.
 */
export function take(
  x: TensorLike,
  indices: TensorLike,
  opts: { axis?: number | null } = {},
): Variable {
  let v = asTensorVariable(x);
  const idx =
    indices instanceof Variable || typeof indices === 'number'
      ? indices
      : asIndexVariable(indices as NDArray | NestedArray[]);
  let axis = 0;
  if (opts.axis === undefined || opts.axis === null) v = v.ndim === 1 ? v : flatten(v);
  else axis = normAxis('take', opts.axis, v);
  return getItem(v, ...Array.from({ length: axis }, () => new Slice(null, null, null)), idx);
}

function normAxis(fn: string, axis: number, v: Variable): number {
  if (!Number.isInteger(axis) || axis < -v.ndim || axis >= v.ndim)
    throw typeError(`${fn}: axis ${axis} is out of bounds for ${v.type}`);
  return axis < 0 ? axis + v.ndim : axis;
}

/**
 * numpy.take_along_axis: arr[..., indices, ...] matching indices' positions along `axis`
 * (indices has arr's rank; the other dimensions broadcast). Built as advanced indexing with
 * aranges on the other axes; axis null works on the flattened array.
 */
export function takeAlongAxis(arr: TensorLike, indices: TensorLike, axis: number | null): Variable {
  let v = asTensorVariable(arr);
  const idx =
    indices instanceof Variable ? indices : asIndexVariable(indices as NDArray | NestedArray[]);
  if (axis === null) {
    if (idx.ndim !== 1)
      throw typeError(
        `takeAlongAxis: with axis null the indices must be a vector, got ${idx.type}`,
      );
    v = v.ndim === 1 ? v : flatten(v);
    axis = 0;
  }
  if (idx.ndim !== v.ndim)
    throw typeError(
      `takeAlongAxis: indices (${idx.type}) and arr (${v.type}) must have the same number of dimensions`,
    );
  const ax = normAxis('takeAlongAxis', axis, v);
  const entries = v.type.shape.map((_, d) => {
    if (d === ax) return idx;
    const r = arange(0, dimOf(v, d));
    return dimshuffle(
      r,
      v.type.shape.map((_, k) => (k === d ? 0 : 'x')),
    );
  });
  return getItem(v, ...entries);
}

/**
 * numpy.nonzero: one int32 vector of indices per dimension of x. For a constant x the result
 * is computed now (constants, static lengths); otherwise one Nonzero node gives all of them.
 * With `returnMatrix`, the (ndim, count) matrix itself (Theano's return_matrix).
 */
export function nonzero(x: TensorLike, opts: { returnMatrix?: boolean } = {}): Variable[] {
  const v = asTensorVariable(x);
  let m: Variable;
  if (v instanceof Constant && v.ndim > 0) {
    const d = v.data;
    const rows: number[][] = d.shape.map(() => []);
    const flat = d.toFlat();
    const ix = new Array<number>(d.ndim).fill(0);
    for (let k = 0; k < flat.length; k++) {
      if (flat[k] !== 0) ix.forEach((i, a) => rows[a].push(i));
      for (let a = d.ndim - 1; a >= 0; a--) {
        if (++ix[a] < d.shape[a]) break;
        ix[a] = 0;
      }
    }
    if (!opts.returnMatrix)
      return rows.map((r) => constant(array(r, { dtype: 'int32', shape: [r.length] })));
    m = constant(array(rows.flat(), { dtype: 'int32', shape: [d.ndim, rows[0].length] }));
  } else m = applyOp('Nonzero', {}, [v]).outputs[0];
  if (opts.returnMatrix) return [m];
  return Array.from({ length: v.ndim }, (_, i) => getItem(m, i));
}

/** Indices of the non-zero elements of the flattened x (numpy.flatnonzero). */
export const flatnonzero = (x: TensorLike): Variable => {
  const v = asTensorVariable(x);
  return nonzero(v.ndim === 1 ? v : flatten(v))[0];
};

/** The non-zero elements of x, flattened (Theano's nonzero_values). */
export const nonzeroValues = (x: TensorLike): Variable => {
  const v = asTensorVariable(x);
  const flat = v.ndim === 1 ? v : flatten(v);
  return getItem(flat, flatnonzero(flat));
};

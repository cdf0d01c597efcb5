/**
 * The shape and creation functions users call (Theano's tensor.basic / extra_ops names, in
 * camelCase): swapaxes, squeeze, expandDims, concatenate/join, stack, split, tile, repeat,
 * roll, flip, broadcastTo, alloc/zeros/ones/full/fill, arange, eye, tri/tril/triu, diag.
 * Where a composition of existing ops costs nothing at run time it is one (DimShuffle for
 * axis shuffles, a negative-step Subtensor for flip, Alloc + Reshape for tile).
 */
import {
  type DType,
  NDArray,
  array,
  isFloat,
  normalizeAxis,
  promoteTypes,
} from '@theano-ts/tensor';
import { Constant, type TensorLike, Variable } from './graph';
import {
  add,
  applyOp,
  asTensorVariable,
  cast,
  constant,
  dimshuffle,
  flatten,
  ge,
  makeVector,
  mul,
  reshape,
  second,
  shape,
  shapeI,
  switch_,
} from './basic';
import { config } from './config';
import { TheanoTypeError, builtAt, userStackLine } from './errors';
import type { BasicIdx } from './ops/indexing';

/** A dimension length: a number or an int scalar variable. */
export type DimLike = number | Variable;

const typeError = (msg: string): TheanoTypeError =>
  new TheanoTypeError(msg + builtAt(userStackLine()));

/** Normalise an axis for a user function, as a build-time error naming the function. */
function axisFor(fn: string, axis: number, ndim: number, v?: Variable): number {
  try {
    return normalizeAxis(axis, ndim);
  } catch (e) {
    throw typeError(`${fn}: ${(e as Error).message}${v ? ` (for ${v.type})` : ''}`);
  }
}

function axesFor(
  fn: string,
  axes: number | readonly number[],
  ndim: number,
  v?: Variable,
): number[] {
  const list = (typeof axes === 'number' ? [axes] : [...axes]).map((a) => axisFor(fn, a, ndim, v));
  if (new Set(list).size !== list.length)
    throw typeError(`${fn}: repeated axis in [${list.join(', ')}]`);
  return list;
}

/** x.shape[i]: its static length when known, else a symbolic int32 scalar. */
export function dimOf(x: Variable, i: number): DimLike {
  return x.type.shape[i] ?? shapeI(x, i);
}

/** An int32 scalar variable for a length or index given as a number or a variable. */
function intScalar(fn: string, v: DimLike, what: string): Variable {
  if (v instanceof Variable) return v;
  if (!Number.isInteger(v)) throw typeError(`${fn}: ${what} must be an integer, got ${v}`);
  return constant(v, undefined, 'int32');
}

/** A shape as one int32 vector variable (numbers become a constant). */
export function shapeVector(dims: readonly DimLike[]): Variable {
  if (dims.every((d) => typeof d === 'number'))
    return constant(array(dims as number[], { dtype: 'int32' }));
  return makeVector(dims.map((d) => (typeof d === 'number' ? constant(d, undefined, 'int32') : d)));
}

/** The entries of a shape given as a list or as an int vector variable of known length. */
function shapeList(fn: string, shp: readonly DimLike[] | Variable): DimLike[] {
  if (!(shp instanceof Variable)) return [...shp];
  if (shp instanceof Constant) return Array.from(shp.data.toFlat());
  const n = shp.type.shape[0];
  if (shp.ndim !== 1 || n === null)
    throw typeError(
      `${fn}: a symbolic shape must be an int vector of known length, got ${shp.type}`,
    );
  return Array.from(
    { length: n },
    (_, i) => applyOp('Subtensor', { idxList: [{ int: i }] }, [shp]).outputs[0],
  );
}

// ---------------------------------------------------------------- axis shuffles (DimShuffle)

/** Swap two axes (numpy.swapaxes): a DimShuffle. */
export function swapaxes(x: TensorLike, axis1: number, axis2: number): Variable {
  const v = asTensorVariable(x);
  const a = axisFor('swapaxes', axis1, v.ndim, v);
  const b = axisFor('swapaxes', axis2, v.ndim, v);
  const order = [...v.type.shape.keys()];
  [order[a], order[b]] = [order[b], order[a]];
  return dimshuffle(v, order);
}

/** Move axes to new positions, the others keeping their order (numpy.moveaxis): a DimShuffle. */
export function moveaxis(
  x: TensorLike,
  source: number | readonly number[],
  destination: number | readonly number[],
): Variable {
  const v = asTensorVariable(x);
  const src = axesFor('moveaxis', source, v.ndim, v);
  const dst = axesFor('moveaxis', destination, v.ndim, v);
  if (src.length !== dst.length)
    throw typeError('moveaxis: source and destination must have the same number of elements');
  const order = [...v.type.shape.keys()].filter((a) => !src.includes(a));
  dst
    .map((d, i) => [d, src[i]] as const)
    .sort((p, q) => p[0] - q[0])
    .forEach(([d, s]) => order.splice(d, 0, s));
  return dimshuffle(v, order);
}

/**
 * Remove broadcastable (static length 1) dimensions: all of them, or those of `axis`
 * (Theano's squeeze): a DimShuffle.
 * @throws TheanoTypeError when a given axis is not broadcastable.
 */
export function squeeze(x: TensorLike, opts: { axis?: number | readonly number[] } = {}): Variable {
  const v = asTensorVariable(x);
  const axes =
    opts.axis === undefined
      ? v.type.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : axesFor('squeeze', opts.axis, v.ndim, v);
  for (const a of axes)
    if (v.type.shape[a] !== 1)
      throw typeError(
        `squeeze: cannot remove dimension ${a} of ${v.type}: only broadcastable dimensions (static length 1) can be squeezed`,
      );
  return dimshuffle(
    v,
    [...v.type.shape.keys()].filter((i) => !axes.includes(i)),
  );
}

/** Insert broadcastable dimensions at `axis` of the result (numpy.expand_dims): a DimShuffle. */
export function expandDims(x: TensorLike, axis: number | readonly number[]): Variable {
  const v = asTensorVariable(x);
  const n = typeof axis === 'number' ? 1 : axis.length;
  const axes = axesFor('expandDims', axis, v.ndim + n, v);
  let k = 0;
  return dimshuffle(
    v,
    Array.from({ length: v.ndim + n }, (_, i) => (axes.includes(i) ? 'x' : k++)),
  );
}

/** Prepend `nOnes` broadcastable dimensions (Theano's shape_padleft). */
export function shapePadleft(x: TensorLike, nOnes = 1): Variable {
  const v = asTensorVariable(x);
  return dimshuffle(v, [...Array<'x'>(nOnes).fill('x'), ...v.type.shape.keys()]);
}

/** Append `nOnes` broadcastable dimensions (Theano's shape_padright). */
export function shapePadright(x: TensorLike, nOnes = 1): Variable {
  const v = asTensorVariable(x);
  return dimshuffle(v, [...v.type.shape.keys(), ...Array<'x'>(nOnes).fill('x')]);
}

/** Insert one broadcastable dimension at `axis` (Theano's shape_padaxis). */
export const shapePadaxis = (x: TensorLike, axis: number): Variable => expandDims(x, axis);

// ---------------------------------------------------------------- join, stack, split

/**
 * Concatenate along `axis` (default 0) (numpy.concatenate, Theano's concatenate/Join). Inputs of
 * different dtypes are upcast to a common one first.
 * @throws TheanoTypeError when ranks differ or static shapes disagree off the axis.
 */
export function concatenate(
  tensors: readonly TensorLike[],
  opts: { axis?: number } = {},
): Variable {
  if (tensors.length === 0) throw typeError('concatenate: needs at least one tensor');
  const vars = tensors.map((t, i) => asTensorVariable(t, `tensor ${i} of concatenate`));
  const dtype = vars.map((v) => v.dtype).reduce(promoteTypes);
  const cast_ = vars.map((v) => cast(v, dtype));
  const nd = vars[0].ndim;
  const axis = nd === 0 ? 0 : axisFor('concatenate', opts.axis ?? 0, nd, vars[0]);
  return applyOp('Join', { axis }, cast_).outputs[0];
}

/** Theano's join(axis, ...tensors). */
export const join = (axis: number, ...tensors: TensorLike[]): Variable =>
  concatenate(tensors, { axis });

/** Join tensors of one shape along a new axis (numpy.stack, Theano's stack). */
export function stack(tensors: readonly TensorLike[], opts: { axis?: number } = {}): Variable {
  if (tensors.length === 0) throw typeError('stack: needs at least one tensor');
  const vars = tensors.map((t, i) => asTensorVariable(t, `tensor ${i} of stack`));
  const nd = vars[0].ndim;
  vars.forEach((v, i) => {
    if (v.ndim !== nd)
      throw typeError(
        `stack: all inputs must have the same number of dimensions: tensor 0 has ${nd}, tensor ${i} (${v.type}) has ${v.ndim}`,
      );
  });
  const axis = axisFor('stack', opts.axis ?? 0, nd + 1);
  return concatenate(
    vars.map((v) => expandDims(v, axis)),
    { axis },
  );
}

/** numpy.hstack: along axis 1, or axis 0 for vectors (Theano's horizontal_stack). */
export function horizontalStack(...tensors: TensorLike[]): Variable {
  const vars = tensors.map((t) => asTensorVariable(t));
  return concatenate(vars, { axis: vars[0]?.ndim === 1 ? 0 : 1 });
}

/** numpy.vstack: along axis 0, vectors as rows (Theano's vertical_stack). */
export function verticalStack(...tensors: TensorLike[]): Variable {
  const vars = tensors.map((t) => asTensorVariable(t));
  return concatenate(
    vars.map((v) => (v.ndim === 1 ? shapePadleft(v) : v)),
    { axis: 0 },
  );
}

/**
 * Split x along `axis` (default 0) into pieces of the given sizes (Theano's split(x,
 * splits_size, n_splits, axis)). `splitsSize` is a list of numbers or an int vector variable
 * (then `nSplits` is needed unless its length is static).
 */
export function split(
  x: TensorLike,
  splitsSize: readonly number[] | Variable,
  opts: { axis?: number; nSplits?: number } = {},
): Variable[] {
  const v = asTensorVariable(x);
  const axis = axisFor('split', opts.axis ?? 0, v.ndim, v);
  const sizes =
    splitsSize instanceof Variable
      ? splitsSize
      : constant(array([...splitsSize], { dtype: 'int32' }));
  const nSplits =
    opts.nSplits ?? (splitsSize instanceof Variable ? sizes.type.shape[0] : splitsSize.length);
  if (nSplits === null || nSplits === undefined)
    throw typeError('split: pass nSplits when the sizes vector has no static length');
  return applyOp('Split', { axis, nSplits }, [v, sizes]).outputs;
}

// ---------------------------------------------------------------- alloc and friends

/**
 * `value` broadcast into a new array of the given shape (Theano's alloc(value, *shape)).
 * Missing leading dimensions are added; value's dimensions must equal the shape's or be
 * broadcastable.
 */
export function alloc(value: TensorLike, ...shape: DimLike[]): Variable {
  const v = asTensorVariable(value);
  return applyOp('Alloc', {}, [v, ...shape.map((d, i) => intScalar('alloc', d, `dimension ${i}`))])
    .outputs[0];
}

/** x broadcast to `shape` (numpy.broadcast_to), as a new array (Alloc). */
export const broadcastTo = (x: TensorLike, shp: readonly DimLike[] | Variable): Variable =>
  alloc(x, ...shapeList('broadcastTo', shp));

/** An array of `shape` filled with `fillValue` (numpy.full); dtype defaults to the value's. */
export function full(
  shp: readonly DimLike[] | Variable,
  fillValue: TensorLike,
  dtype?: DType,
): Variable {
  const v = asTensorVariable(fillValue);
  return alloc(dtype ? cast(v, dtype) : v, ...shapeList('full', shp));
}

/** Zeros of `shape` (Theano's tensor.zeros; dtype floatX by default). */
export const zeros = (shp: readonly DimLike[] | Variable, dtype?: DType): Variable =>
  full(shp, constant(0, undefined, dtype ?? config.floatX));

/** Ones of `shape` (Theano's tensor.ones; dtype floatX by default). */
export const ones = (shp: readonly DimLike[] | Variable, dtype?: DType): Variable =>
  full(shp, constant(1, undefined, dtype ?? config.floatX));

/** `value` broadcast to the shape of `model` (Theano's fill, an alias of second). */
export const fill = (model: TensorLike, value: TensorLike): Variable => second(model, value);

/** An array of x's shape filled with `value` (numpy.full_like), in x's dtype unless given. */
export function fullLike(x: TensorLike, value: number, dtype?: DType): Variable {
  const v = asTensorVariable(x);
  return second(v, constant(value, undefined, dtype ?? v.dtype));
}

// ---------------------------------------------------------------- tile, repeat, roll, flip

/**
 * Repeat x `reps[i]` times along each axis (numpy.tile, Theano's tile): an Alloc of x with a
 * broadcastable axis before each tiled one, reshaped. reps may hold int scalar variables.
 */
export function tile(x: TensorLike, reps: readonly DimLike[]): Variable {
  let v = asTensorVariable(x);
  if (reps.length === 0) return v;
  const nd = Math.max(v.ndim, reps.length);
  if (v.ndim < nd) v = shapePadleft(v, nd - v.ndim);
  const r: DimLike[] = [...Array<number>(nd - reps.length).fill(1), ...reps];
  r.forEach((d, i) => {
    if (typeof d === 'number' && (!Number.isInteger(d) || d < 0))
      throw typeError(`tile: reps must be non-negative integers, got ${d} at position ${i}`);
  });
  if (r.every((d) => d === 1)) return v;
  const order: (number | 'x')[] = [];
  const allocShape: DimLike[] = [];
  const outShape: DimLike[] = [];
  r.forEach((d, i) => {
    const len = dimOf(v, i);
    if (d !== 1) {
      order.push('x');
      allocShape.push(d);
    }
    order.push(i);
    allocShape.push(len);
    outShape.push(
      typeof d === 'number' && typeof len === 'number' ? d * len : d === 1 ? len : mul(d, len),
    );
  });
  return reshape(alloc(dimshuffle(v, order), ...allocShape), shapeVector(outShape));
}

/**
 * Repeat each element `repeats` times along `axis` (numpy.repeat, Theano's repeat); repeats is
 * a number, a list (one per element) or an int variable; axis null/undefined flattens first.
 */
export function repeat(
  x: TensorLike,
  repeats: TensorLike,
  opts: { axis?: number | null } = {},
): Variable {
  let v = asTensorVariable(x);
  let axis = 0;
  if (opts.axis === undefined || opts.axis === null)
    v = v.ndim === 1 ? v : flatten(v.ndim === 0 ? shapePadleft(v) : v);
  else axis = axisFor('repeat', opts.axis, v.ndim, v);
  const r =
    repeats instanceof Variable
      ? repeats
      : typeof repeats === 'number'
        ? intScalar('repeat', repeats, 'repeats')
        : constant(
            repeats instanceof NDArray ? repeats : array(repeats as number[], { dtype: 'int32' }),
          );
  return applyOp('Repeat', { axis }, [v, r]).outputs[0];
}

/**
 * Roll elements by `shift` along `axis` (numpy.roll); axis null/undefined rolls the flattened
 * array and restores the shape. `axis` may be a list with one shift each (or one for all).
 */
export function roll(
  x: TensorLike,
  shift: DimLike | readonly DimLike[],
  opts: { axis?: number | readonly number[] | null } = {},
): Variable {
  const v = asTensorVariable(x);
  const shifts = Array.isArray(shift) ? [...(shift as DimLike[])] : [shift as DimLike];
  if (opts.axis === undefined || opts.axis === null) {
    if (shifts.length !== 1) throw typeError('roll: one shift is needed when axis is not given');
    const flat = v.ndim === 1 ? v : flatten(v);
    const rolled = applyOp('Roll', { axis: 0 }, [flat, intScalar('roll', shifts[0], 'shift')])
      .outputs[0];
    return v.ndim === 1 ? rolled : reshape(rolled, shape(v));
  }
  const axes = typeof opts.axis === 'number' ? [opts.axis] : [...opts.axis];
  if (shifts.length !== 1 && shifts.length !== axes.length)
    throw typeError(`roll: ${shifts.length} shifts for ${axes.length} axes`);
  return axes.reduce<Variable>(
    (acc, a, i) =>
      applyOp('Roll', { axis: axisFor('roll', a, v.ndim, v) }, [
        acc,
        intScalar('roll', shifts[shifts.length === 1 ? 0 : i], 'shift'),
      ]).outputs[0],
    v,
  );
}

/** Reverse the order of elements along `axis` (all axes by default) (numpy.flip): a Subtensor with step -1, a view. */
export function flip(
  x: TensorLike,
  opts: { axis?: number | readonly number[] | null } = {},
): Variable {
  const v = asTensorVariable(x);
  const axes =
    opts.axis === undefined || opts.axis === null
      ? [...v.type.shape.keys()]
      : axesFor('flip', opts.axis, v.ndim, v);
  if (axes.length === 0) return v;
  const last = Math.max(...axes);
  const idxList: BasicIdx[] = Array.from({ length: last + 1 }, (_, i) => ({
    slice: [null, null, axes.includes(i) ? -1 : null] as const,
  }));
  return applyOp('Subtensor', { idxList }, [v]).outputs[0];
}

// ---------------------------------------------------------------- arange, eye, tri, diag

/**
 * Evenly spaced values in [start, stop) (numpy.arange; with one argument, start is 0). dtype:
 * int32 when every argument is an integer, else the upcast of their dtypes (numbers: floatX).
 */
export function arange(
  start: TensorLike,
  stop?: TensorLike,
  step: TensorLike = 1,
  opts: { dtype?: DType } = {},
): Variable {
  if (stop === undefined) [start, stop] = [0, start];
  const vars = [start, stop, step].map((a, i) => {
    if (typeof a === 'number' && Number.isInteger(a)) return constant(a, undefined, 'int32');
    return asTensorVariable(a, `${['start', 'stop', 'step'][i]} of arange`);
  });
  const up = vars.map((v) => v.dtype).reduce(promoteTypes);
  const dtype = opts.dtype ?? (isFloat(up) ? up : 'int32');
  return applyOp('ARange', { dtype }, vars).outputs[0];
}

/** An n×m matrix with ones on diagonal k (numpy.eye, Theano's eye); dtype floatX by default. */
export function eye(
  n: DimLike,
  m?: DimLike | null,
  k: DimLike = 0,
  opts: { dtype?: DType } = {},
): Variable {
  return applyOp('Eye', { dtype: opts.dtype ?? config.floatX }, [
    intScalar('eye', n, 'n'),
    intScalar('eye', m ?? n, 'm'),
    intScalar('eye', k, 'k'),
  ]).outputs[0];
}

/** x[..., i, j] where the j ≤ i + k (at and below diagonal k): n×m, built from two aranges. */
export function tri(
  n: DimLike,
  m?: DimLike | null,
  k: DimLike = 0,
  opts: { dtype?: DType } = {},
): Variable {
  const rows = dimshuffle(arange(0, intScalar('tri', n, 'n')), [0, 'x']);
  const cols = dimshuffle(arange(0, intScalar('tri', m ?? n, 'm')), ['x', 0]);
  const mask = ge(add(rows, intScalar('tri', k, 'k')), cols);
  return cast(mask, opts.dtype ?? config.floatX);
}

function triangle(fn: string, x: TensorLike, k: DimLike, lower: boolean): Variable {
  const v = asTensorVariable(x);
  if (v.ndim < 2) throw typeError(`${fn}: needs at least 2 dimensions, got ${v.type}`);
  const n = dimOf(v, v.ndim - 2);
  const m = dimOf(v, v.ndim - 1);
  const zero = constant(0, undefined, v.dtype);
  if (lower) return switch_(tri(n, m, k, { dtype: 'bool' }), v, zero);
  const below = tri(n, m, typeof k === 'number' ? k - 1 : add(k, -1), { dtype: 'bool' });
  return switch_(below, zero, v);
}

/** Lower triangle of x (of its last two axes): zeros above diagonal k (numpy.tril). */
export const tril = (x: TensorLike, k: DimLike = 0): Variable => triangle('tril', x, k, true);
/** Upper triangle of x (of its last two axes): zeros below diagonal k (numpy.triu). */
export const triu = (x: TensorLike, k: DimLike = 0): Variable => triangle('triu', x, k, false);

/**
 * numpy.diagonal: the diagonal `offset` of the axes axis1, axis2 (default 0, 1) as the last
 * dimension (Theano's ExtractDiag).
 */
export function diagonal(
  x: TensorLike,
  opts: { offset?: number; axis1?: number; axis2?: number } = {},
): Variable {
  const v = asTensorVariable(x);
  const nd = Math.max(v.ndim, 2);
  return applyOp(
    'ExtractDiag',
    {
      offset: opts.offset ?? 0,
      axis1: axisFor('diagonal', opts.axis1 ?? 0, nd, v),
      axis2: axisFor('diagonal', opts.axis2 ?? 1, nd, v),
    },
    [v],
  ).outputs[0];
}

/**
 * numpy.diag / Theano's diag: a vector becomes a square matrix with it on diagonal k
 * (AllocDiag); a matrix gives its diagonal k (ExtractDiag).
 */
export function diag(x: TensorLike, k = 0): Variable {
  const v = asTensorVariable(x);
  if (!Number.isInteger(k)) throw typeError(`diag: k must be an integer, got ${k}`);
  if (v.ndim === 1) return applyOp('AllocDiag', { offset: k }, [v]).outputs[0];
  if (v.ndim === 2) return diagonal(v, { offset: k });
  throw typeError(`diag: input must be 1-d or 2-d, got ${v.type}`);
}

import {
  type DType,
  NDArray,
  castScalar,
  formatShape,
  isFloat,
  isInteger,
  shapeSize,
  typedArrayFor,
} from '@theano-ts/tensor';
import { Constant, type Variable } from '../graph';
import { type OpSpec, describeVar, fail } from '../op-spec';
import { type Dim, TensorType } from '../type';

/**
 * Parameters of the shape ops: one key per op (see OpParams). Transposes, squeeze,
 * expandDims, shapePadleft/right, swapaxes, moveaxis are DimShuffle; flip is a Subtensor with
 * negative steps; tile, broadcastTo, zeros/ones/full are Alloc (+ Reshape); stack is Join of
 * dimshuffled inputs; tril/triu/tri are ARange + Elemwise; take/takeAlongAxis are indexing.
 */
export interface ShapeOpParams {
  /** numpy.concatenate of the inputs (one dtype, one rank) along `axis` (Theano's Join). */
  Join: {
    /** The axis the inputs are joined along. */
    axis: number;
  };
  /** Inputs (x, sizes: int vector of length nSplits): the pieces of x along `axis` (Theano's Split). */
  Split: {
    /** The axis split. */
    axis: number;
    /** Number of pieces (outputs). */
    nSplits: number;
  };
  /** Inputs (value, …int scalar lengths): value broadcast (with leading dims) into a new array of that shape (Theano's Alloc). */
  Alloc: Record<string, never>;
  /** Inputs (x, repeats: int scalar or vector): numpy.repeat along `axis` (Theano's RepeatOp). */
  Repeat: {
    /** The axis along which elements are repeated. */
    axis: number;
  };
  /** Inputs (x, shift: int scalar): numpy.roll along `axis`. */
  Roll: {
    /** The axis rolled. */
    axis: number;
  };
  /** Inputs (start, stop, step) scalars: numpy.arange in `dtype` (Theano's ARange). */
  ARange: {
    /** dtype of the output. */
    dtype: DType;
  };
  /** Inputs (n, m, k) int scalars: an n×m matrix with ones on diagonal k (Theano's Eye). */
  Eye: {
    /** dtype of the output. */
    dtype: DType;
  };
  /** numpy.diagonal(x, offset, axis1, axis2): the diagonal becomes the last dimension (Theano's ExtractDiag). */
  ExtractDiag: {
    /** Diagonal offset: above the main one when positive. */
    offset: number;
    /** First axis of the planes. */
    axis1: number;
    /** Second axis of the planes. */
    axis2: number;
  };
  /** numpy.diag of a vector: a square matrix with the vector on diagonal `offset` (Theano's AllocDiag). */
  AllocDiag: {
    /** Diagonal offset: above the main one when positive. */
    offset: number;
  };
}

// ---------------------------------------------------------------- helpers

const inputName = (v: Variable, i: number): string => `input ${i}${v.name ? ` '${v.name}'` : ''}`;

/** The value of a constant int scalar at build time (undefined when symbolic). */
export function constantInt(v: Variable): number | undefined {
  return v instanceof Constant && v.ndim === 0 ? v.data.item() : undefined;
}

function checkIntScalar(op: string, v: Variable, i: number, what: string): void {
  if (v.ndim !== 0 || !isInteger(v.dtype))
    fail(op, `${describeVar(v, i)} must be an integer scalar (${what})`);
}

function checkAxis(op: string, axis: number, x: Variable): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.ndim)
    fail(op, `axis ${axis} is out of range for ${describeVar(x, 0)}`);
}

/** x's elements at positions `idx` along `axis` (a new contiguous array). */
function takeAxis(x: NDArray, axis: number, idx: readonly number[]): NDArray {
  const flat = x.toFlat();
  const shape = x.shape.map((d, i) => (i === axis ? idx.length : d));
  const outer = shapeSize(x.shape.slice(0, axis));
  const inner = shapeSize(x.shape.slice(axis + 1));
  const n = x.shape[axis];
  const out = new (typedArrayFor(x.dtype))(shapeSize(shape));
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (const j of idx) {
      const base = (o * n + j) * inner;
      for (let i = 0; i < inner; i++) out[k++] = flat[base + i];
    }
  return new NDArray(out, shape, { dtype: x.dtype });
}

// ---------------------------------------------------------------- the specs

/** Type inference and reference implementations of the shape ops. */
export const SHAPE_SPECS: { readonly [K in keyof ShapeOpParams]: OpSpec<K> } = {
  Join: {
    label: (p) => `Join{axis=${p.axis}}`,
    infer(p, inputs) {
      if (inputs.length === 0) fail('Join', 'needs at least one tensor');
      const x = inputs[0];
      if (x.ndim === 0)
        fail('Join', `zero-dimensional ${describeVar(x, 0)} cannot be concatenated`);
      checkAxis('Join', p.axis, x);
      inputs.forEach((v, i) => {
        if (v.ndim !== x.ndim)
          fail(
            'Join',
            `all inputs must have the same number of dimensions: input 0 has ${x.ndim}, ${describeVar(v, i)} has ${v.ndim}`,
          );
        if (v.dtype !== x.dtype)
          fail(
            'Join',
            `all inputs must have one dtype (cast them first): ${describeVar(v, i)} is not ${x.dtype}`,
          );
      });
      const shape = x.type.shape.map((_, d): Dim => {
        const dims = inputs.map((v) => v.type.shape[d]);
        if (d === p.axis)
          return dims.every((k) => k !== null)
            ? (dims as number[]).reduce((a, b) => a + b, 0)
            : null;
        const known = [...new Set(dims.filter((k): k is number => k !== null))];
        if (known.length > 1)
          fail(
            'Join',
            `static shapes differ in dimension ${d} (only axis ${p.axis} may differ): ${inputs.map((v, i) => `${describeVar(v, i)} has ${v.type.shape[d] ?? '?'}`).join(', ')}`,
          );
        return known.length ? known[0] : null;
      });
      return [new TensorType(x.dtype, shape)];
    },
    perform(node, inputs) {
      const axis = node.op.params.axis;
      const first = inputs[0];
      inputs.forEach((a, i) => {
        if (a.shape.some((d, k) => k !== axis && d !== first.shape[k]))
          throw new RangeError(
            `Join: all input dimensions except axis ${axis} must match: ${inputName(node.inputs[0], 0)} has shape ${formatShape(first.shape)}, ${inputName(node.inputs[i], i)} has shape ${formatShape(a.shape)}`,
          );
      });
      const total = inputs.reduce((s, a) => s + a.shape[axis], 0);
      const shape = first.shape.map((d, k) => (k === axis ? total : d));
      const outer = shapeSize(shape.slice(0, axis));
      const inner = shapeSize(shape.slice(axis + 1));
      const out = new (typedArrayFor(first.dtype))(shapeSize(shape));
      let off = 0;
      for (const a of inputs) {
        const flat = a.toFlat();
        const block = a.shape[axis] * inner;
        for (let o = 0; o < outer; o++)
          out.set(flat.subarray(o * block, (o + 1) * block), o * total * inner + off * inner);
        off += a.shape[axis];
      }
      return [new NDArray(out, shape, { dtype: first.dtype })];
    },
  },
  Split: {
    label: (p) => `Split{axis=${p.axis}, n=${p.nSplits}}`,
    infer(p, [x, sizes]) {
      if (!sizes) fail('Split', 'expected inputs (x, sizes)');
      checkAxis('Split', p.axis, x);
      if (sizes.ndim !== 1 || !isInteger(sizes.dtype))
        fail('Split', `${describeVar(sizes, 1)} must be an integer vector of split sizes`);
      if (!Number.isInteger(p.nSplits) || p.nSplits < 1)
        fail('Split', `nSplits must be a positive integer, got ${p.nSplits}`);
      const n = sizes.type.shape[0];
      if (n !== null && n !== p.nSplits)
        fail('Split', `${describeVar(sizes, 1)} has ${n} sizes but nSplits is ${p.nSplits}`);
      let lens: Dim[] = Array.from({ length: p.nSplits }, () => null);
      if (sizes instanceof Constant) {
        const vals = Array.from(sizes.data.toFlat());
        const sum = vals.reduce((a, b) => a + b, 0);
        const len = x.type.shape[p.axis];
        if (vals.some((v) => v < 0))
          fail('Split', `split sizes must not be negative, got [${vals.join(', ')}]`);
        if (len !== null && sum !== len)
          fail(
            'Split',
            `the sizes [${vals.join(', ')}] sum to ${sum} but ${describeVar(x, 0)} has ${len} along axis ${p.axis}`,
          );
        lens = vals;
      } else if (p.nSplits === 1) lens = [x.type.shape[p.axis]];
      return lens.map(
        (len) =>
          new TensorType(
            x.dtype,
            x.type.shape.map((d, k) => (k === p.axis ? len : d)),
          ),
      );
    },
    perform(node, [x, sizes]) {
      const { axis, nSplits } = node.op.params;
      const vals = Array.from(sizes.toFlat());
      const sum = vals.reduce((a, b) => a + b, 0);
      if (vals.length !== nSplits || vals.some((v) => v < 0) || sum !== x.shape[axis])
        throw new RangeError(
          `Split: ${inputName(node.inputs[1], 1)} gives sizes [${vals.join(', ')}] (expected ${nSplits} non-negative sizes summing to ${x.shape[axis]}, the length of ${inputName(node.inputs[0], 0)} along axis ${axis})`,
        );
      let start = 0;
      return vals.map((len) => {
        const view = new NDArray(
          x.data,
          x.shape.map((d, k) => (k === axis ? len : d)),
          {
            dtype: x.dtype,
            offset: x.offset + (len > 0 ? start * x.strides[axis] : 0),
            strides: x.strides,
          },
        );
        start += len;
        return view;
      });
    },
  },
  Alloc: {
    label: () => 'Alloc',
    infer(_p, [v, ...shp]) {
      shp.forEach((s, i) => checkIntScalar('Alloc', s, i + 1, 'a dimension length'));
      if (v.ndim > shp.length)
        fail(
          'Alloc',
          `the value ${describeVar(v, 0)} has more dimensions (${v.ndim}) than the shape (${shp.length})`,
        );
      const lead = shp.length - v.ndim;
      const shape = shp.map((s, i): Dim => {
        const c = constantInt(s);
        const vd = i >= lead ? v.type.shape[i - lead] : 1;
        if (c !== undefined && c < 0)
          fail('Alloc', `negative dimension ${c} (${describeVar(s, i + 1)})`);
        if (c !== undefined && vd !== null && vd !== 1 && vd !== c)
          fail(
            'Alloc',
            `cannot broadcast ${describeVar(v, 0)} to the shape: its dimension ${i - lead} is ${vd}, the shape says ${c}`,
          );
        return c ?? (vd !== null && vd !== 1 ? vd : null);
      });
      return [new TensorType(v.dtype, shape)];
    },
    perform(node, [v, ...shp]) {
      const shape = shp.map((s) => s.item());
      const vVar = node.inputs[0];
      const lead = shape.length - v.ndim;
      if (shape.some((d) => d < 0))
        throw new RangeError(`Alloc: negative dimension in shape ${formatShape(shape)}`);
      v.shape.forEach((d, i) => {
        if (d !== shape[lead + i] && !(d === 1 && vVar.type.shape[i] === 1))
          throw new RangeError(
            `Alloc: cannot broadcast ${inputName(vVar, 0)} of shape ${formatShape(v.shape)} to ${formatShape(shape)}` +
              (d === 1 ? ` (its dimension ${i} is not declared broadcastable)` : ''),
          );
      });
      return [v.broadcastTo(shape).copy()];
    },
  },
  Repeat: {
    label: (p) => `Repeat{axis=${p.axis}}`,
    infer(p, [x, r]) {
      if (!r) fail('Repeat', 'expected inputs (x, repeats)');
      checkAxis('Repeat', p.axis, x);
      if (r.ndim > 1 || !isInteger(r.dtype))
        fail('Repeat', `${describeVar(r, 1)} must be an integer scalar or vector of repeats`);
      const len = x.type.shape[p.axis];
      if (
        r.ndim === 1 &&
        r.type.shape[0] !== null &&
        len !== null &&
        r.type.shape[0] !== len &&
        r.type.shape[0] !== 1
      )
        fail(
          'Repeat',
          `${describeVar(r, 1)} has ${r.type.shape[0]} repeats for the ${len} elements of ${describeVar(x, 0)} along axis ${p.axis}`,
        );
      let out: Dim = null;
      if (r instanceof Constant) {
        const vals = Array.from(r.data.toFlat());
        if (vals.some((v) => v < 0))
          fail('Repeat', `repeats must not be negative, got [${vals.join(', ')}]`);
        if (r.ndim === 0 || vals.length === 1) out = len === null ? null : len * vals[0];
        else out = vals.reduce((a, b) => a + b, 0);
      }
      return [
        new TensorType(
          x.dtype,
          x.type.shape.map((d, k) => (k === p.axis ? out : d)),
        ),
      ];
    },
    perform(node, [x, r]) {
      const axis = node.op.params.axis;
      const n = x.shape[axis];
      const vals = Array.from(r.toFlat());
      const reps = vals.length === 1 ? new Array<number>(n).fill(vals[0]) : vals;
      if (reps.length !== n || reps.some((v) => v < 0))
        throw new RangeError(
          `Repeat: ${inputName(node.inputs[1], 1)} gives ${vals.length} repeats [${vals.slice(0, 8).join(', ')}] for the ${n} elements of ${inputName(node.inputs[0], 0)} along axis ${axis} (repeats must be one number or one per element, not negative)`,
        );
      const idx = reps.flatMap((k, j) => new Array<number>(k).fill(j));
      return [takeAxis(x, axis, idx)];
    },
  },
  Roll: {
    label: (p) => `Roll{axis=${p.axis}}`,
    infer(p, [x, shift]) {
      if (!shift) fail('Roll', 'expected inputs (x, shift)');
      checkAxis('Roll', p.axis, x);
      checkIntScalar('Roll', shift, 1, 'the shift');
      return [x.type];
    },
    perform(node, [x, shift]) {
      const n = x.shape[node.op.params.axis];
      const s = n === 0 ? 0 : ((shift.item() % n) + n) % n;
      const idx = Array.from({ length: n }, (_, i) => (i - s + n) % n);
      return [takeAxis(x, node.op.params.axis, idx)];
    },
  },
  ARange: {
    label: (p) => `ARange{${p.dtype}}`,
    infer(p, inputs) {
      if (inputs.length !== 3)
        fail('ARange', `expected inputs (start, stop, step), got ${inputs.length}`);
      inputs.forEach((v, i) => {
        if (v.ndim !== 0 || v.dtype === 'bool')
          fail(
            'ARange',
            `${describeVar(v, i)} must be a numeric scalar (${['start', 'stop', 'step'][i]})`,
          );
      });
      if (!isFloat(p.dtype) && inputs.some((v) => isFloat(v.dtype)))
        fail('ARange', `float arguments need a float dtype, got dtype ${p.dtype}`);
      const [a, b, c] = inputs.map((v) => (v instanceof Constant ? v.data.item() : undefined));
      if (c === 0) fail('ARange', 'step must not be zero');
      const len =
        a !== undefined && b !== undefined && c !== undefined
          ? Math.max(0, Math.ceil((b - a) / c))
          : null;
      return [new TensorType(p.dtype, [len])];
    },
    perform(node, [start, stop, step]) {
      const [a, b, c] = [start.item(), stop.item(), step.item()];
      if (c === 0) throw new RangeError('ARange: step (input 2) must not be zero');
      const n = Math.max(0, Math.ceil((b - a) / c));
      const dtype = node.op.params.dtype;
      const out = new (typedArrayFor(dtype))(n);
      for (let i = 0; i < n; i++) out[i] = castScalar(a + i * c, dtype);
      return [new NDArray(out, [n], { dtype })];
    },
  },
  Eye: {
    label: (p) => `Eye{${p.dtype}}`,
    infer(p, inputs) {
      if (inputs.length !== 3) fail('Eye', `expected inputs (n, m, k), got ${inputs.length}`);
      inputs.forEach((v, i) => checkIntScalar('Eye', v, i, ['rows', 'columns', 'diagonal'][i]));
      const [n, m] = inputs.map(constantInt);
      [n, m].forEach((d) => d !== undefined && d < 0 && fail('Eye', `negative dimension ${d}`));
      return [new TensorType(p.dtype, [n ?? null, m ?? null])];
    },
    perform(node, [n, m, k]) {
      const [r, c, o] = [n.item(), m.item(), k.item()];
      if (r < 0 || c < 0) throw new RangeError(`Eye: negative dimensions (${r}, ${c})`);
      const dtype = node.op.params.dtype;
      const out = new (typedArrayFor(dtype))(r * c);
      for (let i = 0; i < r; i++) if (i + o >= 0 && i + o < c) out[i * c + i + o] = 1;
      return [new NDArray(out, [r, c], { dtype })];
    },
  },
  ExtractDiag: {
    label: (p) => `ExtractDiag{offset=${p.offset}, axis1=${p.axis1}, axis2=${p.axis2}}`,
    infer(p, [x]) {
      if (x.ndim < 2) fail('ExtractDiag', `${describeVar(x, 0)} must have at least 2 dimensions`);
      checkAxis('ExtractDiag', p.axis1, x);
      checkAxis('ExtractDiag', p.axis2, x);
      if (p.axis1 === p.axis2)
        fail('ExtractDiag', `axis1 and axis2 cannot be the same (${p.axis1})`);
      const d1 = x.type.shape[p.axis1];
      const d2 = x.type.shape[p.axis2];
      const len =
        d1 === null || d2 === null
          ? null
          : Math.max(0, p.offset >= 0 ? Math.min(d1, d2 - p.offset) : Math.min(d1 + p.offset, d2));
      const rest = x.type.shape.filter((_, k) => k !== p.axis1 && k !== p.axis2);
      return [new TensorType(x.dtype, [...rest, len])];
    },
    perform(node, [x]) {
      const { offset, axis1, axis2 } = node.op.params;
      const [d1, d2] = [x.shape[axis1], x.shape[axis2]];
      const len = Math.max(0, offset >= 0 ? Math.min(d1, d2 - offset) : Math.min(d1 + offset, d2));
      const r0 = Math.max(0, -offset);
      const c0 = Math.max(0, offset);
      const rest = x.shape.flatMap((d, k) => (k !== axis1 && k !== axis2 ? [k] : []));
      // a strided view: the diagonal steps both axes at once
      const view = new NDArray(x.data, [...rest.map((k) => x.shape[k]), len], {
        dtype: x.dtype,
        offset: x.offset + (len > 0 ? r0 * x.strides[axis1] + c0 * x.strides[axis2] : 0),
        strides: [...rest.map((k) => x.strides[k]), x.strides[axis1] + x.strides[axis2]],
      });
      return [view.copy()];
    },
  },
  AllocDiag: {
    label: (p) => `AllocDiag{offset=${p.offset}}`,
    infer(p, [v]) {
      if (v.ndim !== 1) fail('AllocDiag', `${describeVar(v, 0)} must be a vector`);
      const n = v.type.shape[0];
      const m = n === null ? null : n + Math.abs(p.offset);
      return [new TensorType(v.dtype, [m, m])];
    },
    perform(node, [v]) {
      const k = node.op.params.offset;
      const n = v.shape[0];
      const m = n + Math.abs(k);
      const vals = v.toFlat();
      const out = new (typedArrayFor(v.dtype))(m * m);
      for (let i = 0; i < n; i++) out[(i + Math.max(0, -k)) * m + i + Math.max(0, k)] = vals[i];
      return [new NDArray(out, [m, m], { dtype: v.dtype })];
    },
  },
};

import {
  type DType,
  NDArray,
  argReduce,
  castScalar,
  elemwise,
  formatShape,
  isInteger,
  reduce,
  dot as ndDot,
  resolveReshape,
  typedArrayFor,
  shapeSize,
} from '@theano-ts/tensor';
import { Constant, type Variable } from './graph';
import type { CompositeScalarOp, CoreOpParams, OpName, ScalarOp } from './op-params';
import { REDUCTION_SPECS } from './ops/reductions';
import { SHAPE_SPECS } from './ops/shape';
import { INDEXING_SPECS } from './ops/indexing';
import { LINALG_SPECS } from './ops/linalg';
import { NNET_SPECS } from './ops/nnet';
import { RANDOM_SPECS } from './ops/random';
import { controlSpecs } from './ops/control';
import { SCALAR_OPS } from './scalar-ops';
import { type Dim, TensorType } from './type';
import {
  type OpLabel,
  type OpSpec,
  checkFloat,
  checkInt,
  checkNdim,
  describeVar,
  fail,
  sameDim,
} from './op-spec';
export type { OpSpec } from './op-spec';

/** Label of a scalar op for printing: add, Composite{exp(i0) * i1}… */
export function scalarOpLabel(s: ScalarOp): string {
  if (s.name !== 'composite') return s.name === 'cast' ? `cast{${s.dtype}}` : s.name;
  const exprs: string[] = Array.from({ length: s.nin }, (_, i) => `i${i}`);
  for (const n of s.nodes) {
    const args = n.args.map((a) => exprs[a]);
    if (n.op.name === 'constant') exprs.push(String(n.op.value));
    else {
      const spec = SCALAR_OPS[n.op.name];
      exprs.push(
        spec.infix && args.length === 2
          ? `(${args[0]} ${spec.infix} ${args[1]})`
          : `${scalarOpLabel(n.op)}(${args.join(', ')})`,
      );
    }
  }
  return `Composite{${s.outputs.map((o) => exprs[o]).join(', ')}}`;
}

/** Output dtypes of a scalar op (Composite: its output nodes' dtypes). */
export function scalarOutDtypes(s: ScalarOp, ins: readonly DType[]): DType[] {
  if (s.name === 'composite')
    return s.outputs.map((o) => (o < s.nin ? ins[o] : s.nodes[o - s.nin].dtype));
  return [SCALAR_OPS[s.name].outDtype(ins, s)];
}

/** Evaluate a Composite on scalars with per-node dtype rounding (the reference semantics of fusion). */
export function evalComposite(c: CompositeScalarOp, xs: readonly number[]): number[] {
  const vals = [...xs];
  for (const n of c.nodes) {
    const v =
      n.op.name === 'constant'
        ? n.op.value
        : SCALAR_OPS[n.op.name].impl(...n.args.map((a) => vals[a]));
    vals.push(castScalar(v, n.dtype));
  }
  return c.outputs.map((o) => vals[o]);
}

function elemwiseShape(opName: OpLabel, inputs: readonly Variable[]): Dim[] {
  const ndim = inputs[0].ndim;
  const out: Dim[] = [];
  for (let d = 0; d < ndim; d++) {
    const dims = inputs.map((v) => v.type.shape[d]);
    const known = [...new Set(dims.filter((x): x is number => x !== null && x !== 1))];
    if (known.length > 1)
      fail(
        opName,
        `static shapes do not broadcast in dimension ${d}: ${inputs.map((v, i) => `${describeVar(v, i)} has ${v.type.shape[d] ?? '?'}`).join(', ')}`,
      );
    out.push(known.length ? known[0] : dims.every((x) => x === 1) ? 1 : null);
  }
  return out;
}

/** Softmax along `axis` on NDArray (stable: subtract the max). */
function softmaxRef(x: NDArray, axis: number, log: boolean): NDArray {
  const ax = axis < 0 ? axis + x.ndim : axis;
  const mx = reduce(x, ax, {
    keepdims: true,
    init: -Infinity,
    fn: (a, v) => Math.max(a, v),
    dtype: 'float64',
  });
  const shifted = elemwise([x, mx], 'float64', (v, m) => v - m);
  const e = elemwise([shifted], 'float64', Math.exp);
  const s = reduce(e, ax, { keepdims: true, init: 0, fn: (a, v) => a + v, dtype: 'float64' });
  return log
    ? elemwise([shifted, s], x.dtype, (v, z) => v - Math.log(z))
    : elemwise([e, s], x.dtype, (v, z) => v / z);
}

function checkLabels(op: string, y: NDArray, k: number): void {
  for (const v of y.toFlat())
    if (v < 0 || v >= k)
      throw new RangeError(
        `${op}: label ${v} is out of range for ${k} classes (labels must be in [0, ${k}))`,
      );
}

function crossentropyInfer(op: string, [p, y]: readonly Variable[]): TensorType[] {
  checkFloat(op, p, 0);
  checkNdim(op, p, 0, [2]);
  checkInt(op, y, 1);
  checkNdim(op, y, 1, [1]);
  return [
    new TensorType(p.dtype, [
      sameDim(op, p.type.shape[0], y.type.shape[0], 'number of rows and of labels differ'),
    ]),
  ];
}
function crossentropyGradInfer(op: string, [gy, x, y]: readonly Variable[]): TensorType[] {
  checkNdim(op, gy, 0, [1]);
  crossentropyInfer(op, [x, y]);
  return [x.type];
}

/** Rows of x (N×K) with the label column of each row (used by the cross-entropy ops). */
function rowsAndLabels(
  x: NDArray,
  y: NDArray,
): { xd: ArrayLike<number>; yd: ArrayLike<number>; n: number; k: number } {
  const xc = x.contiguous();
  const [n, k] = x.shape;
  if (y.shape[0] !== n) throw new RangeError(`cross-entropy: ${n} rows but ${y.shape[0]} labels`);
  return { xd: xc.data.subarray(xc.offset), yd: y.toFlat(), n, k };
}

/** `[inplace 0←1]` (output 0 overwrites input 1's buffer); empty when not inplace. */
const inplaceLabel = (p: Readonly<Record<number, number>> | undefined): string => {
  const pairs = Object.entries(p ?? {});
  return pairs.length ? `[inplace ${pairs.map(([o, i]) => `${o}←${i}`).join(', ')}]` : '';
};

/** One entry of {@link CAREDUCE_FOLDS}. */
export interface CAReduceFold {
  /** The identity the fold starts from. */
  readonly init: number;
  /** Folds one value into the accumulator. */
  readonly fn: (acc: number, v: number) => number;
  /** The op name an empty reduction raises with (ops without an identity). */
  readonly identityRequired?: string;
}

/**
 * How CAReduce folds each scalar op (NumPy's ufunc.reduce): the identity it starts from, the
 * fold (maximum / minimum: NaN wins, as numpy.maximum), and the op name an empty reduction
 * without identity raises with. The reference implementation and fast kernels share it.
 */
export const CAREDUCE_FOLDS: Readonly<Record<'add' | 'mul' | 'maximum' | 'minimum', CAReduceFold>> =
  {
    add: { init: 0, fn: (a, v) => a + v },
    mul: { init: 1, fn: (a, v) => a * v },
    maximum: {
      init: -Infinity,
      fn: (a, v) => (a !== a || v !== v ? NaN : a > v ? a : v),
      identityRequired: 'maximum',
    },
    minimum: {
      init: Infinity,
      fn: (a, v) => (a !== a || v !== v ? NaN : a < v ? a : v),
      identityRequired: 'minimum',
    },
  };

/** Elemwise's type inference for `scalarOp` on `inputs` (also a fused CAReduce's first step). */
function elemwiseInfer(scalarOp: ScalarOp, inputs: readonly Variable[]): TensorType[] {
  // the label of a big Composite is long: build it only for an error message
  const label = () => `Elemwise{${scalarOpLabel(scalarOp)}}`;
  const nin = scalarOp.name === 'composite' ? scalarOp.nin : SCALAR_OPS[scalarOp.name].nin;
  if (inputs.length !== nin) fail(label, `expected ${nin} inputs, got ${inputs.length}`);
  const nd = inputs[0]?.ndim ?? 0;
  inputs.forEach(
    (v, i) =>
      v.ndim !== nd &&
      fail(
        label,
        `all inputs must have the same number of dimensions (pad with dimshuffle('x', …)); input 0 has ${nd}, ${describeVar(v, i)} has ${v.ndim}`,
      ),
  );
  const shape = elemwiseShape(label, inputs);
  return scalarOutDtypes(
    scalarOp,
    inputs.map((v) => v.dtype),
  ).map((d) => new TensorType(d, shape));
}

/**
 * Elemwise's reference implementation: `scalarOp` applied with broadcasting to `inputs`, the
 * values of the variables `declared` (whose static shapes say which dimensions may broadcast),
 * giving arrays of `outDtypes`.
 * @throws RangeError when an input's length-1 dimension must broadcast but is not declared so.
 */
function elemwisePerform(
  s: ScalarOp,
  declared: readonly Variable[],
  outDtypes: readonly DType[],
  inputs: readonly NDArray[],
): NDArray[] {
  const outShape = inputs.reduce<number[]>(
    (acc, a) => acc.map((d, i) => (a.shape[i] !== 1 ? a.shape[i] : d)),
    inputs[0].shape.map(() => 1),
  );
  inputs.forEach((a, i) =>
    a.shape.forEach((d, ax) => {
      if (d !== outShape[ax] && !(d === 1 && declared[i].type.shape[ax] === 1))
        throw new RangeError(
          `Elemwise{${scalarOpLabel(s)}}: input ${i}${declared[i].name ? ` '${declared[i].name}'` : ''} has shape ${formatShape(a.shape)} but the output needs ${outShape[ax]} in dimension ${ax}` +
            (d === 1 ? ` (dimension ${ax} of that input is not declared broadcastable)` : ''),
        );
    }),
  );
  if (s.name !== 'composite') return [elemwise(inputs, outDtypes[0], SCALAR_OPS[s.name].impl)];
  return s.outputs.map((_, j) =>
    elemwise(inputs, outDtypes[j], (...xs) => evalComposite(s, xs)[j]),
  );
}

/** Specs of the core (first slice) ops. */
const CORE_SPECS: { readonly [K in keyof CoreOpParams]: OpSpec<K> } = {
  Elemwise: {
    label: (p) => `Elemwise{${scalarOpLabel(p.scalarOp)}}${inplaceLabel(p.inplacePattern)}`,
    infer: (p, inputs) => elemwiseInfer(p.scalarOp, inputs),
    perform: (node, inputs) =>
      elemwisePerform(
        node.op.params.scalarOp,
        node.inputs,
        node.outputs.map((v) => v.dtype),
        inputs,
      ),
  },
  DimShuffle: {
    label: (p) => `DimShuffle{${p.order.join(',')}}`,
    infer(p, [x]) {
      const label = `DimShuffle{${p.order.join(',')}}`;
      if (x.ndim !== p.inputNdim)
        fail(label, `expected an input with ${p.inputNdim} dimensions, got ${x.type}`);
      const used = p.order.filter((o): o is number => o !== 'x');
      if (
        new Set(used).size !== used.length ||
        used.some((o) => !Number.isInteger(o) || o < 0 || o >= x.ndim)
      )
        fail(
          label,
          `order must use each of the input's dimensions 0..${x.ndim - 1} at most once, got [${p.order.join(', ')}]`,
        );
      for (let d = 0; d < x.ndim; d++)
        if (!used.includes(d) && x.type.shape[d] !== 1)
          fail(
            label,
            `cannot drop dimension ${d} of ${x.type}: only broadcastable (length-1) dimensions can be dropped`,
          );
      return [
        new TensorType(
          x.dtype,
          p.order.map((o) => (o === 'x' ? 1 : x.type.shape[o])),
        ),
      ];
    },
    perform(node, [x]) {
      const order = node.op.params.order;
      return [
        new NDArray(
          x.data,
          order.map((o) => (o === 'x' ? 1 : x.shape[o])),
          {
            dtype: x.dtype,
            offset: x.offset,
            strides: order.map((o) => (o === 'x' ? 0 : x.strides[o])),
          },
        ),
      ];
    },
  },
  CAReduce: {
    label: (p) =>
      `CAReduce{${p.scalarOp}, axes=[${p.axes.join(',')}]${p.elemwise ? `, elemwise=${scalarOpLabel(p.elemwise)}` : ''}}`,
    infer(p, inputs) {
      const label = `CAReduce{${p.scalarOp}}`;
      if (!p.elemwise && inputs.length !== 1) fail(label, `expected 1 input, got ${inputs.length}`);
      const reduced = p.elemwise ? elemwiseInfer(p.elemwise, inputs) : [inputs[0].type];
      if (reduced.length !== 1)
        fail(label, `the fused elemwise must have one output, it has ${reduced.length}`);
      const x = reduced[0];
      if (p.axes.some((a) => a < 0 || a >= x.shape.length))
        fail(label, `axes [${p.axes.join(', ')}] out of range for ${x}`);
      const small = ['bool', 'int8', 'int16', 'uint8'].includes(x.dtype);
      const dtype: DType =
        (p.scalarOp === 'add' || p.scalarOp === 'mul') && small ? 'int32' : x.dtype;
      return [
        new TensorType(
          dtype,
          x.shape.filter((_, i) => !p.axes.includes(i)),
        ),
      ];
    },
    perform(node, inputs) {
      const { scalarOp, axes, elemwise: pre } = node.op.params;
      const dtype = node.outputs[0].dtype;
      // the fused form: the Elemwise's values (in its output dtype), then the same reduction
      const x = pre
        ? elemwisePerform(
            pre,
            node.inputs,
            scalarOutDtypes(
              pre,
              node.inputs.map((v) => v.dtype),
            ),
            inputs,
          )[0]
        : inputs[0];
      const fns = CAREDUCE_FOLDS[scalarOp];
      return [reduce(x, axes, { ...fns, dtype })];
    },
  },
  Argmax: {
    label: (p) => `Argmax{axis=${p.axis}}`,
    infer(p, [x]) {
      if (p.axis < 0 || p.axis >= x.ndim)
        fail('Argmax', `axis ${p.axis} out of range for ${x.type}`);
      return [
        new TensorType(
          'int32',
          x.type.shape.filter((_, i) => i !== p.axis),
        ),
      ];
    },
    perform: (node, [x]) => [argReduce(x, node.op.params.axis, (a, b) => a > b)],
  },
  Dot: {
    label: () => 'Dot',
    infer(_p, [a, b]) {
      checkNdim('Dot', a, 0, [1, 2]);
      checkNdim('Dot', b, 1, [1, 2]);
      const ka = a.type.shape[a.ndim - 1];
      const kb = b.type.shape[0];
      if (ka !== null && kb !== null && ka !== kb)
        fail(
          'Dot',
          `shapes not aligned: ${describeVar(a, 0)} has ${ka} columns, ${describeVar(b, 1)} has ${kb} rows`,
        );
      const shape = [
        ...(a.ndim === 2 ? [a.type.shape[0]] : []),
        ...(b.ndim === 2 ? [b.type.shape[1]] : []),
      ];
      const dtype = SCALAR_OPS.mul.outDtype([a.dtype, b.dtype], { name: 'mul' });
      return [new TensorType(dtype, shape)];
    },
    perform: (node, [a, b]) => [ndDot(a, b, node.outputs[0].dtype)],
  },
  Reshape: {
    label: (p) => `Reshape{${p.ndim}}`,
    infer(p, [x, shp]) {
      checkInt('Reshape', shp, 1);
      if (shp.ndim !== 1 || (shp.type.shape[0] !== null && shp.type.shape[0] !== p.ndim))
        fail('Reshape', `the shape must be an int vector of length ${p.ndim}, got ${shp.type}`);
      let shape: Dim[] = Array.from({ length: p.ndim }, () => null);
      if (shp instanceof Constant) {
        const target = Array.from(shp.data.toFlat());
        const xs = x.type.shape;
        if (xs.every((d) => d !== null)) {
          try {
            shape = resolveReshape(shapeSize(xs as number[]), target);
          } catch (e) {
            fail('Reshape', `${(e as Error).message} (input ${x.type})`);
          }
        } else shape = target.map((d) => (d === -1 ? null : d));
      }
      return [new TensorType(x.dtype, shape)];
    },
    perform(_node, [x, shp]) {
      return [x.reshape(Array.from(shp.toFlat()))];
    },
  },
  Shape: {
    label: () => 'Shape',
    infer: (_p, [x]) => [new TensorType('int32', [x.ndim])],
    perform: (_n, [x]) => [new NDArray(Int32Array.from(x.shape), [x.ndim])],
  },
  ShapeI: {
    label: (p) => `Shape_i{${p.i}}`,
    infer(p, [x]) {
      if (p.i < 0 || p.i >= x.ndim) fail('Shape_i', `dimension ${p.i} out of range for ${x.type}`);
      return [new TensorType('int32', [])];
    },
    perform: (node, [x]) => [new NDArray(Int32Array.of(x.shape[node.op.params.i]), [])],
  },
  MakeVector: {
    label: () => 'MakeVector',
    infer(_p, items) {
      items.forEach((v, i) => {
        if (v.ndim !== 0 || !isInteger(v.dtype))
          fail('MakeVector', `${describeVar(v, i)} must be an int scalar`);
      });
      return [new TensorType('int32', [items.length])];
    },
    perform: (_n, items) => [
      new NDArray(Int32Array.from(items.map((a) => a.item())), [items.length]),
    ],
  },
  Softmax: {
    label: (p) => `Softmax{axis=${p.axis}}`,
    infer(p, [x]) {
      checkFloat('Softmax', x, 0);
      if (p.axis < 0 || p.axis >= x.ndim)
        fail('Softmax', `axis ${p.axis} out of range for ${x.type}`);
      return [x.type];
    },
    perform: (node, [x]) => [softmaxRef(x, node.op.params.axis, false)],
  },
  LogSoftmax: {
    label: (p) => `LogSoftmax{axis=${p.axis}}`,
    infer(p, [x]) {
      checkFloat('LogSoftmax', x, 0);
      if (p.axis < 0 || p.axis >= x.ndim)
        fail('LogSoftmax', `axis ${p.axis} out of range for ${x.type}`);
      return [x.type];
    },
    perform: (node, [x]) => [softmaxRef(x, node.op.params.axis, true)],
  },
  CrossentropyCategorical1Hot: {
    label: () => 'CrossentropyCategorical1Hot',
    infer: (_p, inputs) => crossentropyInfer('CrossentropyCategorical1Hot', inputs),
    perform(node, [p, y]) {
      const { xd, yd, n, k } = rowsAndLabels(p, y);
      checkLabels('CrossentropyCategorical1Hot', y, k);
      const out = new (typedArrayFor(node.outputs[0].dtype))(n);
      for (let i = 0; i < n; i++) out[i] = -Math.log(xd[i * k + yd[i]]);
      return [new NDArray(out, [n])];
    },
  },
  CrossentropyCategorical1HotGrad: {
    label: () => 'CrossentropyCategorical1HotGrad',
    infer: (_p, inputs) => crossentropyGradInfer('CrossentropyCategorical1HotGrad', inputs),
    perform(node, [gy, p, y]) {
      const { xd, yd, n, k } = rowsAndLabels(p, y);
      checkLabels('CrossentropyCategorical1HotGrad', y, k);
      const g = gy.toFlat();
      const out = new (typedArrayFor(node.outputs[0].dtype))(n * k);
      for (let i = 0; i < n; i++) out[i * k + yd[i]] = -g[i] / xd[i * k + yd[i]];
      return [new NDArray(out, [n, k])];
    },
  },
  CrossentropySoftmax1Hot: {
    label: () => 'CrossentropySoftmax1Hot',
    infer: (_p, inputs) => crossentropyInfer('CrossentropySoftmax1Hot', inputs),
    perform(node, [x, y]) {
      const { k } = rowsAndLabels(x, y);
      checkLabels('CrossentropySoftmax1Hot', y, k);
      const ls = softmaxRef(x.astype('float64'), 1, true);
      const { xd, yd, n } = rowsAndLabels(ls, y);
      const out = new (typedArrayFor(node.outputs[0].dtype))(n);
      for (let i = 0; i < n; i++) out[i] = -xd[i * k + yd[i]];
      return [new NDArray(out, [n])];
    },
  },
  CrossentropySoftmax1HotDx: {
    label: () => 'CrossentropySoftmax1HotDx',
    infer: (_p, inputs) => crossentropyGradInfer('CrossentropySoftmax1HotDx', inputs),
    perform(node, [gy, x, y]) {
      const { k } = rowsAndLabels(x, y);
      checkLabels('CrossentropySoftmax1HotDx', y, k);
      const sm = softmaxRef(x.astype('float64'), 1, false);
      const { xd, yd, n } = rowsAndLabels(sm, y);
      const g = gy.toFlat();
      const out = new (typedArrayFor(node.outputs[0].dtype))(n * k);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < k; j++) out[i * k + j] = (xd[i * k + j] - (j === yd[i] ? 1 : 0)) * g[i];
      return [new NDArray(out, [n, k])];
    },
  },
};

/** THE table of op specs: one entry per op name, checked by tsc. */
export const OP_SPECS: { readonly [K in OpName]: OpSpec<K> } = {
  ...CORE_SPECS,
  ...REDUCTION_SPECS,
  ...SHAPE_SPECS,
  ...INDEXING_SPECS,
  ...LINALG_SPECS,
  ...NNET_SPECS,
  ...RANDOM_SPECS,
  // control flow: the loop body runs each inner node's reference implementation
  ...controlSpecs((node, ins) =>
    (OP_SPECS[node.op.kind] as OpSpec<OpName>).perform(node as never, ins),
  ),
};

/** Every op name. */
export const OP_NAMES = Object.keys(OP_SPECS) as OpName[];

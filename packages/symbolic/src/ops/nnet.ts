import {
  type Conv2dGeometry,
  type NDArray,
  type Pool2dGeometry,
  type PoolMode,
  averagePool2dGrad,
  conv2d as ndConv2d,
  conv2dGradInputs as ndConv2dGradInputs,
  conv2dGradWeights as ndConv2dGradWeights,
  convOutputLength,
  formatShape,
  isInteger,
  maxPool2dGrad,
  maxPool2dGradGrad,
  pool2d as ndPool2d,
  poolOutputLength,
} from '@theano-ts/tensor';
import { Constant, type Variable } from '../graph';
import { type OpSpec, checkFloat, checkNdim, describeVar, fail, sameDim } from '../op-spec';
import { SCALAR_OPS } from '../scalar-ops';
import { type Dim, TensorType } from '../type';

// ---------------------------------------------------------------- conv2d / pool2d helpers

/** Theano's border_mode: 'valid', 'full', 'half', or explicit (rows, columns) zero padding. */
export type BorderMode = 'valid' | 'full' | 'half' | readonly [number, number];

/** Parameters of the conv2d ops (Theano's AbstractConv2d and its two gradient ops). */
export interface Conv2dParams {
  /** Zero padding: 'valid', 'full', 'half' or explicit (rows, columns). */
  borderMode: BorderMode;
  /** Strides (rows, columns). */
  subsample: readonly [number, number];
  /** Filter dilation (rows, columns); 1 is none. */
  filterDilation: readonly [number, number];
  /** true: flip the filters (a true convolution, Theano's default); false: cross-correlation. */
  filterFlip: boolean;
  /** Channel groups. */
  numGroups: number;
}

/** Parameters of the pooling ops (Theano's Pool, MaxPoolGrad, AveragePoolGrad…). */
export interface Pool2dParams {
  /** Window size (rows, columns). */
  ws: readonly [number, number];
  /** Step between windows (rows, columns). */
  stride: readonly [number, number];
  /** Zero padding on both sides (rows, columns). */
  pad: readonly [number, number];
  /** Only full windows count (Theano's ignore_border). */
  ignoreBorder: boolean;
  /** How a window is reduced. */
  mode: PoolMode;
}

const isPair = (v: unknown, min: number): v is readonly [number, number] =>
  Array.isArray(v) && v.length === 2 && v.every((d) => Number.isInteger(d) && d >= min);

function checkConvParams(op: string, p: Conv2dParams): void {
  const bm = p.borderMode;
  if (!(bm === 'valid' || bm === 'full' || bm === 'half' || isPair(bm, 0)))
    fail(
      op,
      `borderMode must be 'valid', 'full', 'half' or a pair of non-negative integers, got ${JSON.stringify(bm)}`,
    );
  if (!isPair(p.subsample, 1))
    fail(op, `subsample must be a pair of positive integers, got ${JSON.stringify(p.subsample)}`);
  if (!isPair(p.filterDilation, 1))
    fail(
      op,
      `filterDilation must be a pair of positive integers, got ${JSON.stringify(p.filterDilation)}`,
    );
  if (!Number.isInteger(p.numGroups) || p.numGroups < 1)
    fail(op, `numGroups must be a positive integer, got ${p.numGroups}`);
}

/** Padding of a border mode for a kernel size (null when the kernel size is unknown). */
export function convPadding(bm: BorderMode, k: Dim, dilation: number): Dim {
  if (bm === 'valid') return 0;
  if (typeof bm !== 'string') return null;
  if (k === null) return null;
  return bm === 'full' ? dilation * (k - 1) : dilation * Math.floor(k / 2);
}

/** The resolved geometry for a kernel of spatial shape [kh, kw]. */
export function convGeometry(p: Conv2dParams, kh: number, kw: number): Conv2dGeometry {
  const pad: [number, number] =
    typeof p.borderMode === 'string'
      ? [
          convPadding(p.borderMode, kh, p.filterDilation[0])!,
          convPadding(p.borderMode, kw, p.filterDilation[1])!,
        ]
      : [p.borderMode[0], p.borderMode[1]];
  return {
    pad,
    stride: p.subsample,
    dilation: p.filterDilation,
    flip: p.filterFlip,
    groups: p.numGroups,
  };
}

/** Static output length of a convolution axis (null when unknown). */
function convLen(p: Conv2dParams, axis: 0 | 1, inLen: Dim, k: Dim): Dim {
  const pad =
    typeof p.borderMode === 'string'
      ? convPadding(p.borderMode, k, p.filterDilation[axis])
      : p.borderMode[axis];
  if (inLen === null || k === null || pad === null) return null;
  return convOutputLength(inLen, k, pad, p.subsample[axis], p.filterDilation[axis]);
}

/** Check images and filters of a conv op: returns the static (N, C, O, I). */
function checkConvChannels(
  op: string,
  p: Conv2dParams,
  c: Dim,
  o: Dim,
  i: Dim,
  what: string,
): void {
  if (c !== null && i !== null && c !== i * p.numGroups)
    fail(
      op,
      `${what}: the images have ${c} channels but the filters expect ${i} per group × ${p.numGroups} groups = ${i * p.numGroups}`,
    );
  if (o !== null && o % p.numGroups !== 0)
    fail(op, `the filters' ${o} output channels are not divisible by numGroups = ${p.numGroups}`);
}

/** The two static entries of an int vector of spatial lengths (a Constant), else nulls. */
function spatialShape(op: string, v: Variable, i: number, what: string): [Dim, Dim] {
  if (!isInteger(v.dtype) || v.ndim !== 1 || (v.type.shape[0] !== null && v.type.shape[0] !== 2))
    fail(op, `${describeVar(v, i)} must be an int vector of 2 lengths (${what})`);
  if (v instanceof Constant) {
    const [a, b] = Array.from(v.data.toFlat());
    return [a, b];
  }
  return [null, null];
}

const spatialOf = (
  op: string,
  a: { toFlat(): ArrayLike<number>; size: number },
): [number, number] => {
  if (a.size !== 2) throw new RangeError(`${op}: expected 2 spatial lengths, got ${a.size}`);
  const f = a.toFlat();
  return [f[0], f[1]];
};

function checkPoolParams(op: string, p: Pool2dParams): void {
  if (!isPair(p.ws, 1))
    fail(op, `ws must be a pair of positive integers, got ${JSON.stringify(p.ws)}`);
  if (!isPair(p.stride, 1))
    fail(op, `stride must be a pair of positive integers, got ${JSON.stringify(p.stride)}`);
  if (!isPair(p.pad, 0))
    fail(op, `pad must be a pair of non-negative integers, got ${JSON.stringify(p.pad)}`);
  if (!['max', 'sum', 'average_inc_pad', 'average_exc_pad'].includes(p.mode))
    fail(
      op,
      `mode must be 'max', 'sum', 'average_inc_pad' or 'average_exc_pad', got '${String(p.mode)}'`,
    );
  if (p.pad[0] >= p.ws[0] || p.pad[1] >= p.ws[1])
    fail(op, `padding (${p.pad.join(', ')}) must be smaller than the window (${p.ws.join(', ')})`);
  if ((p.pad[0] > 0 || p.pad[1] > 0) && !p.ignoreBorder)
    fail(op, 'padding works only with ignoreBorder: true');
}

/** Static shape of a pooling's output for an input type. */
function poolShape(op: string, p: Pool2dParams, x: Variable): Dim[] {
  checkPoolParams(op, p);
  checkFloat(op, x, 0);
  if (x.ndim < 2)
    fail(op, `${describeVar(x, 0)} must have at least 2 dimensions (pooling is over the last two)`);
  const s = x.type.shape;
  const len = (d: Dim, a: 0 | 1): Dim =>
    d === null ? null : poolOutputLength(d, p.ws[a], p.stride[a], p.pad[a], p.ignoreBorder);
  return [...s.slice(0, -2), len(s[s.length - 2], 0), len(s[s.length - 1], 1)];
}

const poolGeometry = (p: Pool2dParams): Pool2dGeometry => p;

function sameRankAndType(op: string, x: Variable, g: Variable, what: string): void {
  if (g.ndim !== x.ndim)
    fail(
      op,
      `${describeVar(g, 1)} (${what}) must have ${x.ndim} dimensions like ${describeVar(x, 0)}`,
    );
}

/**
 * Run a reference implementation; a run-time shape error names the op and each input's name and
 * shape (the shapes were unknown at build time).
 */
function named<T>(
  op: string,
  node: { inputs: readonly Variable[] },
  ins: readonly NDArray[],
  f: () => T,
): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const what = ins
      .map(
        (a, i) =>
          `${node.inputs[i]?.name ? `'${node.inputs[i].name}'` : `input ${i}`} ${formatShape(a.shape)}`,
      )
      .join(', ');
    throw new RangeError(`${op}: ${e.message.replace(/^[A-Za-z0-9]+: /, '')} (inputs: ${what})`);
  }
}

/** Identity forward for the gradient modifiers. */
function identitySpec(op: string) {
  return {
    infer(_p: unknown, inputs: readonly Variable[]): TensorType[] {
      if (inputs.length !== 1) fail(op, `expected 1 input, got ${inputs.length}`);
      return [inputs[0].type];
    },
    perform: (_n: unknown, [x]: readonly NDArray[]) => [x],
  };
}

function convLabel(p: Conv2dParams): string {
  const bm = typeof p.borderMode === 'string' ? p.borderMode : `(${p.borderMode.join(', ')})`;
  return `${bm}, subsample=(${p.subsample.join(', ')}), dilation=(${p.filterDilation.join(', ')}), flip=${p.filterFlip}, groups=${p.numGroups}`;
}

function poolLabel(p: Pool2dParams): string {
  return `${p.mode}, ws=(${p.ws.join(', ')}), stride=(${p.stride.join(', ')}), pad=(${p.pad.join(', ')}), ignoreBorder=${p.ignoreBorder}`;
}

/** Parameters of the nnet and signal (conv2d, pool2d, batch normalization…) ops: one key per op (see OpParams). */
export interface NnetOpParams {
  // ---- conv2d (Theano's AbstractConv2d family); inputs NCHW, filters OIHW (I = C / numGroups)
  /** Inputs (images, filters) → (N, O, oh, ow). */
  Conv2d: Conv2dParams;
  /** Inputs (images, output gradient, filter shape: int vector [kh, kw]) → the filters' gradient (Theano's AbstractConv2d_gradWeights). */
  Conv2dGradWeights: Conv2dParams;
  /** Inputs (filters, output gradient, image shape: int vector [H, W]) → the images' gradient; also the transposed convolution (Theano's AbstractConv2d_gradInputs). */
  Conv2dGradInputs: Conv2dParams;
  // ---- pooling over the last two dimensions (Theano's signal.pool)
  /** Pooling (Theano's Pool). */
  Pool: Pool2dParams;
  /** Inputs (x, gz) → gradient of max pooling w.r.t. x (Theano's MaxPoolGrad). */
  MaxPoolGrad: Pool2dParams;
  /** Inputs (x, ggx) → gradient of MaxPoolGrad w.r.t. its gz (Theano's DownsampleFactorMaxGradGrad). */
  MaxPoolGradGrad: Pool2dParams;
  /** Inputs (x, gz) → gradient of sum / average pooling w.r.t. x (Theano's AveragePoolGrad). */
  AveragePoolGrad: Pool2dParams;
  // ---- gradient modifiers: identity forward, modified gradient (Theano's theano.gradient ops)
  /** Forward identity; the gradient through it is zero (Theano's zero_grad). */
  ZeroGrad: Record<string, never>;
  /** Forward identity; no gradient flows through it (disconnected; Theano's disconnected_grad). */
  DisconnectedGrad: Record<string, never>;
  /** Forward identity; the gradient through it is clipped to [lower, upper] (Theano's grad_clip). */
  GradClip: {
    /** Smallest gradient value let through. */
    lower: number;
    /** Largest gradient value let through. */
    upper: number;
  };
  /** Forward identity; the gradient through it is multiplied by `multiplier` (Theano's grad_scale). */
  GradScale: {
    /** Factor applied to the gradient. */
    multiplier: number;
  };
}

/** Type inference and reference implementations of the nnet ops. */
export const NNET_SPECS: { readonly [K in keyof NnetOpParams]: OpSpec<K> } = {
  // ---- conv2d
  Conv2d: {
    label: (p) => `Conv2d{${convLabel(p)}}`,
    infer(p, inputs) {
      checkConvParams('Conv2d', p);
      if (inputs.length !== 2)
        fail('Conv2d', `expected 2 inputs (images, filters), got ${inputs.length}`);
      const [x, w] = inputs;
      checkFloat('Conv2d', x, 0);
      checkFloat('Conv2d', w, 1);
      checkNdim('Conv2d', x, 0, [4]);
      checkNdim('Conv2d', w, 1, [4]);
      const [n, c, h, wd] = x.type.shape;
      const [o, i, kh, kw] = w.type.shape;
      checkConvChannels('Conv2d', p, c, o, i, `${describeVar(x, 0)} and ${describeVar(w, 1)}`);
      const dtype = SCALAR_OPS.mul.outDtype([x.dtype, w.dtype], { name: 'mul' });
      return [new TensorType(dtype, [n, o, convLen(p, 0, h, kh), convLen(p, 1, wd, kw)])];
    },
    perform(node, ins) {
      const [x, w] = ins;
      return named('Conv2d', node, ins, () => {
        const g = convGeometry(node.op.params, w.shape[2], w.shape[3]);
        return [ndConv2d(x, w, g, node.outputs[0].dtype)];
      });
    },
  },
  Conv2dGradWeights: {
    label: (p) => `Conv2dGradWeights{${convLabel(p)}}`,
    infer(p, inputs) {
      checkConvParams('Conv2dGradWeights', p);
      if (inputs.length !== 3)
        fail(
          'Conv2dGradWeights',
          `expected 3 inputs (images, output gradient, filter shape), got ${inputs.length}`,
        );
      const [x, gz, kshp] = inputs;
      checkFloat('Conv2dGradWeights', x, 0);
      checkFloat('Conv2dGradWeights', gz, 1);
      checkNdim('Conv2dGradWeights', x, 0, [4]);
      checkNdim('Conv2dGradWeights', gz, 1, [4]);
      const [kh, kw] = spatialShape('Conv2dGradWeights', kshp, 2, 'the filter shape [kh, kw]');
      const [n, c, h, wd] = x.type.shape;
      const [n2, o, oh, ow] = gz.type.shape;
      sameDim(
        'Conv2dGradWeights',
        n,
        n2,
        'batch sizes of the images and of the output gradient differ',
      );
      checkConvChannels('Conv2dGradWeights', p, null, o, null, '');
      if (c !== null && c % p.numGroups !== 0)
        fail(
          'Conv2dGradWeights',
          `${describeVar(x, 0)} has ${c} channels, not divisible by numGroups = ${p.numGroups}`,
        );
      sameDim('Conv2dGradWeights', convLen(p, 0, h, kh), oh, 'output gradient rows');
      sameDim('Conv2dGradWeights', convLen(p, 1, wd, kw), ow, 'output gradient columns');
      const dtype = SCALAR_OPS.mul.outDtype([x.dtype, gz.dtype], { name: 'mul' });
      return [new TensorType(dtype, [o, c === null ? null : c / p.numGroups, kh, kw])];
    },
    perform(node, ins) {
      const [x, gz, kshp] = ins;
      return named('Conv2dGradWeights', node, ins, () => {
        const k = spatialOf('Conv2dGradWeights', kshp);
        const g = convGeometry(node.op.params, k[0], k[1]);
        return [ndConv2dGradWeights(x, gz, k, g, node.outputs[0].dtype)];
      });
    },
  },
  Conv2dGradInputs: {
    label: (p) => `Conv2dGradInputs{${convLabel(p)}}`,
    infer(p, inputs) {
      checkConvParams('Conv2dGradInputs', p);
      if (inputs.length !== 3)
        fail(
          'Conv2dGradInputs',
          `expected 3 inputs (filters, output gradient, image shape), got ${inputs.length}`,
        );
      const [w, gz, imshp] = inputs;
      checkFloat('Conv2dGradInputs', w, 0);
      checkFloat('Conv2dGradInputs', gz, 1);
      checkNdim('Conv2dGradInputs', w, 0, [4]);
      checkNdim('Conv2dGradInputs', gz, 1, [4]);
      const [h, wd] = spatialShape('Conv2dGradInputs', imshp, 2, 'the image shape [H, W]');
      const [o, i, kh, kw] = w.type.shape;
      const [n, o2, oh, ow] = gz.type.shape;
      sameDim(
        'Conv2dGradInputs',
        o,
        o2,
        `${describeVar(gz, 1)} channels and the filters' output channels differ`,
      );
      checkConvChannels('Conv2dGradInputs', p, null, o, i, '');
      sameDim('Conv2dGradInputs', convLen(p, 0, h, kh), oh, 'output gradient rows');
      sameDim('Conv2dGradInputs', convLen(p, 1, wd, kw), ow, 'output gradient columns');
      const dtype = SCALAR_OPS.mul.outDtype([w.dtype, gz.dtype], { name: 'mul' });
      return [new TensorType(dtype, [n, i === null ? null : i * p.numGroups, h, wd])];
    },
    perform(node, ins) {
      const [w, gz, imshp] = ins;
      return named('Conv2dGradInputs', node, ins, () => {
        const g = convGeometry(node.op.params, w.shape[2], w.shape[3]);
        const sp = spatialOf('Conv2dGradInputs', imshp);
        return [ndConv2dGradInputs(w, gz, sp, g, node.outputs[0].dtype)];
      });
    },
  },
  // ---- pooling
  Pool: {
    label: (p) => `Pool{${poolLabel(p)}}`,
    infer(p, inputs) {
      if (inputs.length !== 1) fail('Pool', `expected 1 input, got ${inputs.length}`);
      return [new TensorType(inputs[0].dtype, poolShape('Pool', p, inputs[0]))];
    },
    perform: (node, ins) =>
      named('Pool', node, ins, () => [
        ndPool2d(ins[0], poolGeometry(node.op.params), node.outputs[0].dtype),
      ]),
  },
  MaxPoolGrad: {
    label: (p) => `MaxPoolGrad{${poolLabel(p)}}`,
    infer(p, inputs) {
      if (inputs.length !== 2)
        fail('MaxPoolGrad', `expected 2 inputs (x, gz), got ${inputs.length}`);
      const [x, gz] = inputs;
      if (p.mode !== 'max') fail('MaxPoolGrad', `mode must be 'max', got '${p.mode}'`);
      const out = poolShape('MaxPoolGrad', p, x);
      sameRankAndType('MaxPoolGrad', x, gz, 'the pooled output gradient');
      out.forEach((d, i) => sameDim('MaxPoolGrad', d, gz.type.shape[i], `gz dimension ${i}`));
      return [x.type];
    },
    perform: (node, ins) =>
      named('MaxPoolGrad', node, ins, () => [
        maxPool2dGrad(ins[0], ins[1], poolGeometry(node.op.params), node.outputs[0].dtype),
      ]),
  },
  MaxPoolGradGrad: {
    label: (p) => `MaxPoolGradGrad{${poolLabel(p)}}`,
    infer(p, inputs) {
      if (inputs.length !== 2)
        fail('MaxPoolGradGrad', `expected 2 inputs (x, ggx), got ${inputs.length}`);
      const [x, ggx] = inputs;
      if (p.mode !== 'max') fail('MaxPoolGradGrad', `mode must be 'max', got '${p.mode}'`);
      const out = poolShape('MaxPoolGradGrad', p, x);
      sameRankAndType('MaxPoolGradGrad', x, ggx, "the gradient of MaxPoolGrad's output");
      x.type.shape.forEach((d, i) =>
        sameDim('MaxPoolGradGrad', d, ggx.type.shape[i], `ggx dimension ${i}`),
      );
      return [new TensorType(ggx.dtype, out)];
    },
    perform: (node, ins) =>
      named('MaxPoolGradGrad', node, ins, () => [
        maxPool2dGradGrad(ins[0], ins[1], poolGeometry(node.op.params), node.outputs[0].dtype),
      ]),
  },
  AveragePoolGrad: {
    label: (p) => `AveragePoolGrad{${poolLabel(p)}}`,
    infer(p, inputs) {
      if (inputs.length !== 2)
        fail('AveragePoolGrad', `expected 2 inputs (x, gz), got ${inputs.length}`);
      const [x, gz] = inputs;
      if (p.mode === 'max')
        fail(
          'AveragePoolGrad',
          "mode must be 'sum', 'average_inc_pad' or 'average_exc_pad', got 'max'",
        );
      const out = poolShape('AveragePoolGrad', p, x);
      sameRankAndType('AveragePoolGrad', x, gz, 'the pooled output gradient');
      out.forEach((d, i) => sameDim('AveragePoolGrad', d, gz.type.shape[i], `gz dimension ${i}`));
      return [new TensorType(gz.dtype, x.type.shape)];
    },
    perform: (node, ins) =>
      named('AveragePoolGrad', node, ins, () => [
        averagePool2dGrad(
          ins[0].shape,
          ins[1],
          poolGeometry(node.op.params),
          node.outputs[0].dtype,
        ),
      ]),
  },
  // ---- gradient modifiers
  ZeroGrad: { label: () => 'ZeroGrad', ...identitySpec('ZeroGrad') },
  DisconnectedGrad: { label: () => 'DisconnectedGrad', ...identitySpec('DisconnectedGrad') },
  GradClip: {
    label: (p) => `GradClip{${p.lower}, ${p.upper}}`,
    infer(p, inputs) {
      if (typeof p.lower !== 'number' || typeof p.upper !== 'number' || !(p.lower <= p.upper))
        fail('GradClip', `lower (${p.lower}) must be a number not above upper (${p.upper})`);
      return identitySpec('GradClip').infer(p, inputs);
    },
    perform: (_n, [x]) => [x],
  },
  GradScale: {
    label: (p) => `GradScale{${p.multiplier}}`,
    infer(p, inputs) {
      if (typeof p.multiplier !== 'number' || !Number.isFinite(p.multiplier))
        fail('GradScale', `multiplier must be a finite number, got ${p.multiplier}`);
      return identitySpec('GradScale').infer(p, inputs);
    },
    perform: (_n, [x]) => [x],
  },
};

/**
 * Convolution and pooling layers over images in Theano's NCHW layout (batch, channels, rows,
 * columns), on @theano-ts/symbolic's conv2d and pool2d, and the Concatenate merge layer.
 */
import type { DType, Generator } from '@theano-ts/tensor';
import {
  type SharedVariable,
  type Variable,
  add,
  concatenate,
  conv2d,
  dimshuffle,
  mean,
  pool2d,
} from '@theano-ts/symbolic';
import { type Initializer, glorotUniform, zerosInit } from './initializers';
import { fail } from './fail';
import type { Regularizer } from './losses';
import {
  type ActivationName,
  BaseLayer,
  type MergeLayer,
  type Shape,
  type SymbolicTensor,
  activationOf,
  callLayer,
  defaultRng,
  param,
  uniqueName,
} from './layers';

type Pair = number | readonly [number, number];
const pair = (who: string, what: string, v: Pair, min = 1): [number, number] => {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v?.[0], v?.[1]];
  if (!p.every((d) => Number.isInteger(d) && d >= min))
    fail(who, `${what} must be an integer ≥ ${min} or a pair of them, got ${JSON.stringify(v)}`);
  return p;
};

/** Output length of a convolution or pooling axis (null when the input's is unknown). */
export function convOutputLength(
  len: number | null,
  kernel: number,
  stride: number,
  pad: number,
  dilation = 1,
): number | null {
  if (len === null) return null;
  return Math.floor((len + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1;
}

function checkImages(who: string, x: Variable, channels: number): void {
  if (x.ndim !== 4) fail(who, `expected images (batch, channels, rows, columns), got ${x.type}`);
  const c = x.type.shape[1];
  if (c !== null && c !== channels) fail(who, `expected ${channels} input channels, got ${x.type}`);
}

function checkShape(who: string, s: Shape, channels?: number): void {
  if (s.length !== 4)
    fail(
      who,
      `expected an input shape (batch, channels, rows, columns), got ${s.length} dimensions`,
    );
  if (channels !== undefined && s[1] !== null && s[1] !== channels)
    fail(who, `expected ${channels} input channels, got ${s[1]}`);
}

/** Options of Conv2D. */
export interface Conv2DOptions {
  /** Stride (default 1). */
  strides?: Pair;
  /**
   * 'valid' (default, no padding), 'same' (odd kernels: the output keeps the input's size at
   * stride 1; padding (k − 1)/2 on each side), or the zero padding on each side.
   */
  padding?: 'valid' | 'same' | Pair;
  /** Dilation (default 1). */
  dilation?: Pair;
  /**
   * Applied to the convolution plus bias: a name of ACTIVATIONS or a function (default 'linear').
   */
  activation?: ActivationName | ((x: Variable) => Variable);
  /** Add a bias per filter (default true). */
  useBias?: boolean;
  /** Initializer of the (filters, channels, kh, kw) kernel (default glorotUniform). */
  kernelInit?: Initializer;
  /** Initializer of the (filters,) bias (default zeros). */
  biasInit?: Initializer;
  /** Penalty on the kernel added to the cost by `fit`. */
  kernelRegularizer?: Regularizer;
  /** Penalty on the bias. */
  biasRegularizer?: Regularizer;
  /** Seeded generator for the initial weights (default: the shared generator). */
  rng?: Generator;
  /** dtype of the parameters (default floatX). */
  dtype?: DType;
  /** The layer's name (default `conv2d_<n>`). */
  name?: string;
}

/**
 * 2-D convolution layer (Keras Conv2D, PyTorch Conv2d): images (N, C, H, W) → (N, F, H', W'),
 * y = activation(cross-correlation of x with W + b), W of shape (F, C, kh, kw), b of (F,).
 * Like every deep-learning library, and unlike Theano's conv2d default, the kernel is not
 * flipped (conv2d with filterFlip: false).
 */
export class Conv2D extends BaseLayer {
  /** The class name shown by summary(). */
  readonly kind = 'Conv2D';
  /** The kernel, (filters, inChannels, rows, columns). */
  readonly W: SharedVariable;
  /** The bias, (filters,); undefined without useBias. */
  readonly b: SharedVariable | undefined;
  /** Kernel (rows, columns). */
  readonly kernelSize: [number, number];
  /** Stride (rows, columns). */
  readonly strides: [number, number];
  /** Dilation (rows, columns). */
  readonly dilation: [number, number];
  /** Zero padding on both sides (rows, columns). */
  readonly pad: [number, number];
  /** The activation function. */
  readonly activation: (x: Variable) => Variable;
  /** (null, inChannels, null, null). */
  readonly inputShape: Shape;
  private readonly regs: [Regularizer | undefined, Regularizer | undefined];

  constructor(
    /** Input channels. */
    readonly inChannels: number,
    /** Output channels (number of filters). */
    readonly filters: number,
    kernelSize: Pair,
    opts: Conv2DOptions = {},
  ) {
    super(opts.name ?? uniqueName('conv2d'));
    for (const [k, v] of [
      ['inChannels', inChannels],
      ['filters', filters],
    ] as const)
      if (!Number.isInteger(v) || v <= 0)
        fail('Conv2D', `${k} must be a positive integer, got ${v}`);
    this.kernelSize = pair('Conv2D', 'kernelSize', kernelSize);
    this.strides = pair('Conv2D', 'strides', opts.strides ?? 1);
    this.dilation = pair('Conv2D', 'dilation', opts.dilation ?? 1);
    const padding = opts.padding ?? 'valid';
    if (padding === 'valid') this.pad = [0, 0];
    else if (padding === 'same') {
      if (this.kernelSize.some((k) => k % 2 === 0))
        fail('Conv2D', `padding 'same' needs odd kernel sizes, got ${this.kernelSize.join('×')}`);
      this.pad = [0, 1].map((a) => (this.dilation[a] * (this.kernelSize[a] - 1)) / 2) as [
        number,
        number,
      ];
    } else this.pad = pair('Conv2D', 'padding', padding as Pair, 0);
    this.activation = activationOf('Conv2D', opts.activation);
    const rng = opts.rng ?? defaultRng;
    const [kh, kw] = this.kernelSize;
    this.W = param(
      (opts.kernelInit ?? glorotUniform)([filters, inChannels, kh, kw], rng, opts.dtype),
      `${this.name}.W`,
    );
    this.b =
      opts.useBias === false
        ? undefined
        : param((opts.biasInit ?? zerosInit)([filters], rng, opts.dtype), `${this.name}.b`);
    this.inputShape = [null, inChannels, null, null];
    this.regs = [opts.kernelRegularizer, opts.biasRegularizer];
  }

  override get params(): SharedVariable[] {
    return this.b ? [this.W, this.b] : [this.W];
  }

  override penalties(): Variable[] {
    const out: Variable[] = [];
    if (this.regs[0]) out.push(this.regs[0](this.W));
    if (this.regs[1] && this.b) out.push(this.regs[1](this.b));
    return out;
  }

  apply(x: Variable): Variable {
    checkImages(this.name, x, this.inChannels);
    const z = conv2d(x, this.W, {
      borderMode: this.pad,
      subsample: this.strides,
      filterDilation: this.dilation,
      filterFlip: false,
    });
    return this.activation(this.b ? add(z, dimshuffle(this.b, ['x', 0, 'x', 'x'])) : z);
  }

  outputShape(s: Shape): Shape {
    checkShape(this.name, s, this.inChannels);
    return [
      s[0],
      this.filters,
      ...([0, 1] as const).map((a) =>
        convOutputLength(
          s[2 + a],
          this.kernelSize[a],
          this.strides[a],
          this.pad[a],
          this.dilation[a],
        ),
      ),
    ];
  }
}

/** Options of the pooling layers. */
export interface Pool2DOptions {
  /** Stride (default: the pool size). */
  strides?: Pair;
  /** Zero padding on each side (smaller than the pool size). Default 0. */
  padding?: Pair;
  /** The layer's name. */
  name?: string;
}

abstract class Pool2DBase extends BaseLayer {
  /** Window (rows, columns). */
  readonly poolSize: [number, number];
  /** Step between windows (rows, columns). */
  readonly strides: [number, number];
  /** Zero padding on both sides (rows, columns). */
  readonly pad: [number, number];
  /** How a window is reduced (pool2d's mode). */
  protected abstract readonly mode: 'max' | 'average_inc_pad' | 'average_exc_pad';
  constructor(prefix: string, poolSize: Pair, opts: Pool2DOptions) {
    super(opts.name ?? uniqueName(prefix));
    this.poolSize = pair(prefix, 'poolSize', poolSize);
    this.strides = pair(prefix, 'strides', opts.strides ?? this.poolSize);
    this.pad = pair(prefix, 'padding', opts.padding ?? 0, 0);
    if (this.pad.some((p, a) => p >= this.poolSize[a]))
      fail(
        prefix,
        `padding ${this.pad.join('×')} must be smaller than the pool size ${this.poolSize.join('×')}`,
      );
  }
  /**
   * Pooling of images (batch, channels, rows, columns); throws a TheanoTypeError for another rank.
   */
  apply(x: Variable): Variable {
    if (x.ndim !== 4)
      fail(this.name, `expected images (batch, channels, rows, columns), got ${x.type}`);
    return pool2d(x, {
      ws: this.poolSize,
      stride: this.strides,
      pad: this.pad,
      ignoreBorder: true,
      mode: this.mode,
    });
  }
  /** (batch, channels, pooled rows, pooled columns). */
  outputShape(s: Shape): Shape {
    checkShape(this.name, s);
    return [
      s[0],
      s[1],
      ...([0, 1] as const).map((a) =>
        convOutputLength(s[2 + a], this.poolSize[a], this.strides[a], this.pad[a]),
      ),
    ];
  }
}

/** Max pooling over windows of the last two axes (Keras MaxPooling2D, PyTorch MaxPool2d); partial windows at the border are dropped. */
export class MaxPool2D extends Pool2DBase {
  /** The class name shown by summary(). */
  readonly kind = 'MaxPool2D';
  /** Max pooling. */
  protected readonly mode = 'max' as const;
  constructor(poolSize: Pair = 2, opts: Pool2DOptions = {}) {
    super('max_pool2d', poolSize, opts);
  }
}

/**
 * Average pooling (Keras AveragePooling2D, PyTorch AvgPool2d). With padding, the padded zeros
 * count in the average when `countIncludePad` (default true, as PyTorch).
 */
export class AvgPool2D extends Pool2DBase {
  /** The class name shown by summary(). */
  readonly kind = 'AvgPool2D';
  /** Average pooling, with or without the padding in the count. */
  protected readonly mode: 'average_inc_pad' | 'average_exc_pad';
  constructor(poolSize: Pair = 2, opts: Pool2DOptions & { countIncludePad?: boolean } = {}) {
    super('avg_pool2d', poolSize, opts);
    this.mode = opts.countIncludePad === false ? 'average_exc_pad' : 'average_inc_pad';
  }
}

/** The mean over the spatial axes: (N, C, H, W) → (N, C) (Keras GlobalAveragePooling2D). */
export class GlobalAvgPool2D extends BaseLayer {
  readonly kind = 'GlobalAvgPool2D';
  constructor(opts: { name?: string } = {}) {
    super(opts.name ?? uniqueName('global_avg_pool2d'));
  }
  apply(x: Variable): Variable {
    if (x.ndim !== 4)
      fail(this.name, `expected images (batch, channels, rows, columns), got ${x.type}`);
    return mean(x, { axis: [2, 3] });
  }
  outputShape(s: Shape): Shape {
    checkShape(this.name, s);
    return [s[0], s[1]];
  }
}

/** Joins its inputs along `axis` (default 1: features, or channels of NCHW images) (Keras Concatenate). */
export class Concatenate implements MergeLayer {
  /** The class name shown by summary(). */
  readonly kind = 'Concatenate';
  /** None: Concatenate has no parameters. */
  readonly params: SharedVariable[] = [];
  /** None. */
  readonly state: SharedVariable[] = [];
  /** Unique name (`concatenate_<n>` by default). */
  readonly name: string;
  constructor(
    /** The axis joined along (default 1, the channels of NCHW). */
    readonly axis = 1,
    opts: { name?: string } = {},
  ) {
    this.name = opts.name ?? uniqueName('concatenate');
  }
  /** The inputs joined along `axis`; throws a TheanoTypeError without inputs. */
  applyAll(xs: readonly Variable[]): Variable {
    if (xs.length < 1) fail(this.name, 'expected at least one input');
    return concatenate(xs, { axis: this.axis });
  }
  /** The joined shape; throws a TheanoTypeError when the other dimensions differ. */
  outputShapeAll(shapes: readonly Shape[]): Shape {
    const nd = shapes[0].length;
    const axis = this.axis < 0 ? this.axis + nd : this.axis;
    if (shapes.some((s) => s.length !== nd) || axis < 0 || axis >= nd)
      fail(
        this.name,
        `cannot join shapes of ${shapes.map((s) => s.length).join(', ')} dimensions on axis ${this.axis}`,
      );
    return shapes[0].map((d, i) => {
      if (i === axis)
        return shapes.some((s) => s[i] === null)
          ? null
          : shapes.reduce((a, s) => a + (s[i] as number), 0);
      const known = [...new Set(shapes.map((s) => s[i]).filter((v) => v !== null))];
      if (known.length > 1)
        fail(this.name, `the inputs differ in dimension ${i}: ${known.join(' and ')}`);
      return known[0] ?? d;
    });
  }
  /** Functional API: this layer applied to several symbolic inputs. */
  call(xs: readonly SymbolicTensor[]): SymbolicTensor {
    return callLayer(this, xs);
  }
}

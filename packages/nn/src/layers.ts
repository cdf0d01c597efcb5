/**
 * Layers: objects holding parameters (shared variables) that build symbolic expressions.
 * Every layer has `params` (trainable), `state` (non-trainable shared variables, such as
 * BatchNorm's running averages), `apply(x, ctx)` and `outputShape(inputShape)`. Shapes are
 * batch-first, `null` where unknown (Theano's NCHW layout for images).
 */
import { Generator, type DType, type NDArray, isFloat } from '@theano-ts/tensor';
import {
  type SharedVariable,
  type Variable,
  TheanoTypeError,
  add,
  cast,
  constant,
  dimshuffle,
  dot,
  expm1,
  gt,
  logSoftmax,
  maximum,
  mean,
  mul,
  reshape,
  take,
  flatten,
  relu,
  shapeI,
  sigmoid,
  softmax,
  softplus,
  sqr,
  sqrt,
  sub,
  switch_,
  tanh,
  trueDiv,
  shared,
  builtAt,
  config,
  userStackLine,
  RandomStreams,
  shape,
} from '@theano-ts/symbolic';
import { type Initializer, glorotUniform, onesInit, zerosInit } from './initializers';
import type { Regularizer } from './losses';
import type { UpdateList } from './optimizers';

/** A batch-first shape with `null` for unknown lengths. */
export type Shape = readonly (number | null)[];

/**
 * How a graph is built: for training (BatchNorm uses the batch's statistics and pushes the
 * updates of its running averages to `updates`) or for inference (the default).
 */
export interface CallContext {
  /** True when building the training graph. */
  readonly training: boolean;
  /** Updates of non-trainable state, to pass to theano.function with the optimizer's. */
  readonly updates: UpdateList;
}

/** The inference context: running statistics, no state updates. */
export const INFERENCE: CallContext = Object.freeze({
  training: false,
  updates: Object.freeze([]) as unknown as UpdateList,
});

/** A fresh training context, collecting state updates. */
export const trainingContext = (): CallContext => ({ training: true, updates: [] });

/** What every layer provides. Only `name`, `params` and `apply` are required of custom layers. */
export interface Layer {
  /** Unique name (`dense_0` by default), used in parameter names and summary(). */
  readonly name: string;
  /** Trainable parameters, in a stable order. */
  readonly params: SharedVariable[];
  /** Non-trainable state (saved with the parameters, not optimized). */
  readonly state?: SharedVariable[];
  /** The symbolic forward pass (inference unless `ctx.training`). */
  apply(x: Variable, ctx?: CallContext): Variable;
  /** The output shape for an input shape (batch first). */
  outputShape?(inputShape: Shape): Shape;
  /** Regularisation penalties (scalars) to add to the cost. */
  penalties?(): Variable[];
  /** The class name shown by summary(). */
  readonly kind?: string;
  /** The input shape this layer expects, when it knows (summary() starts from it). */
  readonly inputShape?: Shape;
}

/** A layer of several inputs (Add, Multiply…), for the functional API. */
export interface MergeLayer {
  /** Unique name, used in summary(). */
  readonly name: string;
  /** Trainable parameters. */
  readonly params: SharedVariable[];
  /** Non-trainable state. */
  readonly state?: SharedVariable[];
  /** The class name shown by summary(). */
  readonly kind?: string;
  /** The symbolic forward pass on several inputs. */
  applyAll(xs: readonly Variable[], ctx?: CallContext): Variable;
  /** The output shape for the input shapes (batch first). */
  outputShapeAll?(shapes: readonly Shape[]): Shape;
}

const at = (): string => builtAt(userStackLine());
const configFloatX = (): DType => config.floatX;
function fail(who: string, msg: string): never {
  throw new TheanoTypeError(`${who}: ${msg}${at()}`);
}
function positiveInt(who: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    fail(who, `${what} must be a positive integer, got ${String(v)}`);
}
const fmtShape = (s: Shape): string =>
  `(${s.map((d) => (d === null ? '?' : String(d))).join(', ')}${s.length === 1 ? ',' : ''})`;

const counters = new Map<string, number>();
/** A unique default name: `dense_0`, `dense_1`, `conv2d_0`… */
export function uniqueName(prefix: string): string {
  const n = counters.get(prefix) ?? 0;
  counters.set(prefix, n + 1);
  return `${prefix}_${n}`;
}

/**
 * Layers built without an `rng` (and Dropout layers without a `seed`) draw from this one
 * generator, in creation order: seed 0 until {@link setRandomSeed} reseeds it.
 */
export const defaultRng = new Generator(0);

/**
 * Reseed the generator of layers built without an `rng`, so that a script's initial weights
 * and dropout masks are reproducible from one seed (Keras's `utils.set_random_seed`,
 * Lasagne's `lasagne.random.set_rng`). Layers built before keep their values.
 * @throws RangeError for a seed that is not an integer in [0, 2^53).
 */
export function setRandomSeed(seed: number): void {
  defaultRng.reseed(seed);
}

/**
 * A parameter: a shared variable whose static shape is the value's (lengths of 1 stay unknown,
 * so that they do not become broadcastable), so that shapes are checked when graphs are built.
 */
export function param(value: NDArray, name: string): SharedVariable {
  return shared(value, name, {
    borrow: true,
    shape: value.shape.map((d) => (d === 1 ? null : d)),
  });
}

// ---------------------------------------------------------------- activations

const leakyRelu = (x: Variable) => maximum(x, mul(x, constant(0.01, undefined, x.dtype)));
const elu = (x: Variable) => switch_(gt(x, constant(0, undefined, x.dtype)), x, expm1(x));
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Activation functions by name, as Keras names them. */
export const ACTIVATIONS = {
  /** The identity. */
  linear: (x: Variable) => x,
  /** max(x, 0). */
  relu,
  sigmoid,
  /** Hyperbolic tangent. */
  tanh,
  /** Softmax over the last axis. */
  softmax: (x: Variable) => softmax(x, { axis: -1 }),
  /** log(softmax(x)) over the last axis, computed stably. */
  logSoftmax: (x: Variable) => logSoftmax(x, { axis: -1 }),
  softplus,
  /** max(x, 0.01·x). */
  leakyRelu,
  /** x if x > 0, else exp(x) − 1 (Clevert et al. 2016). */
  elu,
  /** λ·elu_α(x) with Klambauer et al.'s α, λ (2017). */
  selu: (x: Variable) =>
    mul(
      switch_(
        gt(x, constant(0, undefined, x.dtype)),
        x,
        mul(expm1(x), constant(SELU_ALPHA, undefined, x.dtype)),
      ),
      constant(SELU_SCALE, undefined, x.dtype),
    ),
  /** x·sigmoid(x) (Ramachandran et al. 2017; SiLU). */
  swish: (x: Variable) => mul(x, sigmoid(x)),
} as const;
/** The name of a built-in activation. */
export type ActivationName = keyof typeof ACTIVATIONS;

/** An activation by name or a function. @throws TheanoTypeError for an unknown name. */
export function activationOf(
  who: string,
  act: ActivationName | ((x: Variable) => Variable) | undefined,
): (x: Variable) => Variable {
  const a = act ?? 'linear';
  if (typeof a === 'function') return a;
  if (typeof a !== 'string' || !Object.hasOwn(ACTIVATIONS, a))
    fail(
      who,
      `unknown activation '${String(a)}'; expected one of ${Object.keys(ACTIVATIONS).join(', ')}`,
    );
  return ACTIVATIONS[a];
}

// ---------------------------------------------------------------- base

/** Shared behaviour of the built-in layers. */
export abstract class BaseLayer implements Layer {
  /** The class name shown by summary(). */
  abstract readonly kind: string;
  /** Unique name (`dense_0` by default), used in parameter names and summary(). */
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  /** Trainable parameters, in a stable order. */
  get params(): SharedVariable[] {
    return [];
  }
  /** Non-trainable state (saved with the parameters, not optimized). */
  get state(): SharedVariable[] {
    return [];
  }
  /** Regularisation penalties (scalars) to add to the cost. */
  penalties(): Variable[] {
    return [];
  }
  /** The symbolic forward pass (inference unless `ctx.training`). */
  abstract apply(x: Variable, ctx?: CallContext): Variable;
  /**
   * The output shape for an input shape (batch first); throws a TheanoTypeError when the input does
   * not fit.
   */
  abstract outputShape(inputShape: Shape): Shape;
  /** Functional API: this layer applied to a symbolic input (Keras's `layer(x)`). */
  call(x: SymbolicTensor): SymbolicTensor {
    return callLayer(this, x);
  }
}

// ---------------------------------------------------------------- Dense

/** Options of Dense. */
export interface DenseOptions {
  /** Applied to x · W + b: a name of ACTIVATIONS or a function (default 'linear'). */
  activation?: ActivationName | ((x: Variable) => Variable);
  /** Weight initializer (default glorotUniform). */
  kernelInit?: Initializer;
  /** Bias initializer (default zeros). */
  biasInit?: Initializer;
  /** Add the bias b (default true). */
  useBias?: boolean;
  /** Penalty on W added to the cost by `fit` (see penalties()). */
  kernelRegularizer?: Regularizer;
  /** Penalty on b. */
  biasRegularizer?: Regularizer;
  /** Seeded generator for the initial weights (default: one shared generator with seed 0). */
  rng?: Generator;
  /** dtype of the parameters (default floatX). */
  dtype?: DType;
  /** The layer's name (default `dense_<n>`). */
  name?: string;
}

/**
 * A fully connected layer: y = activation(x · W + b), x of shape (batch, units_in), W of shape
 * (units_in, units_out), b of shape (units_out,) (Keras Dense; Theano tutorial's HiddenLayer).
 * W and b are shared variables of dtype floatX with static shapes.
 */
export class Dense extends BaseLayer {
  readonly kind = 'Dense';
  /** The weights, (unitsIn, unitsOut). */
  readonly W: SharedVariable;
  /** The bias, (unitsOut,); undefined without useBias. */
  readonly b: SharedVariable | undefined;
  /** The activation function. */
  readonly activation: (x: Variable) => Variable;
  /** (null, unitsIn). */
  readonly inputShape: Shape;
  private readonly regs: [Regularizer | undefined, Regularizer | undefined];

  constructor(
    /** Input features. */
    readonly unitsIn: number,
    /** Output features. */
    readonly unitsOut: number,
    opts: DenseOptions = {},
  ) {
    super(opts.name ?? uniqueName('dense'));
    positiveInt('Dense', 'unitsIn', unitsIn);
    positiveInt('Dense', 'unitsOut', unitsOut);
    const rng = opts.rng ?? defaultRng;
    this.activation = activationOf('Dense', opts.activation);
    this.W = param(
      (opts.kernelInit ?? glorotUniform)([unitsIn, unitsOut], rng, opts.dtype),
      `${this.name}.W`,
    );
    this.b =
      opts.useBias === false
        ? undefined
        : param((opts.biasInit ?? zerosInit)([unitsOut], rng, opts.dtype), `${this.name}.b`);
    this.inputShape = [null, unitsIn];
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

  /** @throws TheanoTypeError when x is not a matrix with unitsIn columns. */
  apply(x: Variable): Variable {
    if (x.ndim !== 2 || (x.type.shape[1] !== null && x.type.shape[1] !== this.unitsIn))
      fail(this.name, `expected a (batch, ${this.unitsIn}) matrix, got ${x.type}`);
    const z = dot(x, this.W);
    return this.activation(this.b ? add(z, dimshuffle(this.b, ['x', 0])) : z);
  }

  outputShape(s: Shape): Shape {
    if (s.length !== 2)
      fail(this.name, `expected a (batch, ${this.unitsIn}) input, got ${fmtShape(s)}`);
    return [s[0], this.unitsOut];
  }
}

// ---------------------------------------------------------------- simple layers

/** An activation as a layer (Keras Activation). */
export class Activation extends BaseLayer {
  readonly kind = 'Activation';
  /** The activation function. */
  readonly fn: (x: Variable) => Variable;
  constructor(
    activation: ActivationName | ((x: Variable) => Variable),
    opts: { name?: string } = {},
  ) {
    super(opts.name ?? uniqueName(typeof activation === 'string' ? activation : 'activation'));
    this.fn = activationOf('Activation', activation);
  }
  apply(x: Variable): Variable {
    return this.fn(x);
  }
  outputShape(s: Shape): Shape {
    return s;
  }
}

/** Flattens every dimension but the batch one: (batch, d1, d2, …) → (batch, d1·d2·…) (Keras Flatten). */
export class Flatten extends BaseLayer {
  readonly kind = 'Flatten';
  constructor(opts: { name?: string } = {}) {
    super(opts.name ?? uniqueName('flatten'));
  }
  apply(x: Variable): Variable {
    if (x.ndim < 1) fail(this.name, `expected a batch of at least 1 dimension, got ${x.type}`);
    if (x.ndim === 1) return dimshuffle(x, [0, 'x']);
    if (x.ndim === 2) return x;
    const rest = x.type.shape.slice(1);
    if (rest.every((d) => d !== null))
      return reshape(x, [-1, (rest as number[]).reduce((a, b) => a * b, 1)]);
    return flatten(x, 2);
  }
  outputShape(s: Shape): Shape {
    const rest = s.slice(1);
    const size = rest.every((d) => d !== null)
      ? (rest as number[]).reduce((a, b) => a * b, 1)
      : null;
    return [s[0], size];
  }
}

/** Reshapes every sample to `targetShape` (without the batch dimension; Keras Reshape). */
export class Reshape extends BaseLayer {
  readonly kind = 'Reshape';
  constructor(
    /** The shape of each sample (without the batch dimension; one -1 allowed). */
    readonly targetShape: readonly number[],
    opts: { name?: string } = {},
  ) {
    super(opts.name ?? uniqueName('reshape'));
    targetShape.forEach((d) => positiveInt('Reshape', 'every target length', d));
  }
  apply(x: Variable): Variable {
    return reshape(x, [-1, ...this.targetShape]);
  }
  outputShape(s: Shape): Shape {
    const size = s
      .slice(1)
      .reduce<number | null>((a, d) => (a === null || d === null ? null : a * d), 1);
    const target = this.targetShape.reduce((a, b) => a * b, 1);
    if (size !== null && size !== target)
      fail(
        this.name,
        `cannot reshape samples of shape ${fmtShape(s.slice(1))} to ${fmtShape(this.targetShape)}`,
      );
    return [s[0], ...this.targetShape];
  }
}

/** Any function of one variable as a layer, with an optional shape function (Keras Lambda). */
export class Lambda extends BaseLayer {
  readonly kind = 'Lambda';
  constructor(
    /** The function the layer applies. */
    readonly fn: (x: Variable, ctx: CallContext) => Variable,
    private readonly shapeFn?: (s: Shape) => Shape,
    opts: { name?: string } = {},
  ) {
    super(opts.name ?? uniqueName('lambda'));
  }
  apply(x: Variable, ctx: CallContext = INFERENCE): Variable {
    return this.fn(x, ctx);
  }
  outputShape(s: Shape): Shape {
    return this.shapeFn ? this.shapeFn(s) : s.map(() => null);
  }
}

// ---------------------------------------------------------------- BatchNorm

/** Options of BatchNorm. */
export interface BatchNormOptions {
  /** The feature (channel) axis; statistics are taken over every other one. Default 1 (N, C, …). */
  axis?: number;
  /** Weight of the batch statistic in the running averages (PyTorch's convention). Default 0.1. */
  momentum?: number;
  /** Added to the variance. Default 1e-5. */
  eps?: number;
  /** Learn a shift β (default true). */
  center?: boolean;
  /** Learn a scale γ (default true). */
  scale?: boolean;
  /** dtype of the parameters and running averages (default floatX). */
  dtype?: DType;
  /** The layer's name (default `batch_norm_<n>`). */
  name?: string;
}

/**
 * Batch normalization (Ioffe & Szegedy 2015; torch.nn.BatchNorm1d/2d): y = γ·(x − μ)/√(σ² + ε) + β
 * per feature of `axis`. In training (`ctx.training`) μ and σ² are the batch's mean and biased
 * variance and the running averages are updated through `ctx.updates`:
 * running_mean ← (1 − m)·running_mean + m·μ, running_var ← (1 − m)·running_var + m·σ²·n/(n − 1)
 * (n values per feature); at inference the running averages are used.
 */
export class BatchNorm extends BaseLayer {
  readonly kind = 'BatchNorm';
  /** The scale γ, (numFeatures,); undefined without `scale`. */
  readonly gamma: SharedVariable | undefined;
  /** The shift β, (numFeatures,); undefined without `center`. */
  readonly beta: SharedVariable | undefined;
  /** Running average of the batch means (state). */
  readonly runningMean: SharedVariable;
  /** Running average of the unbiased batch variances (state). */
  readonly runningVar: SharedVariable;
  /** The feature axis. */
  readonly axis: number;
  /** Weight of the batch statistic in the running averages. */
  readonly momentum: number;
  /** Added to the variance. */
  readonly eps: number;

  constructor(
    /** Length of the feature axis. */
    readonly numFeatures: number,
    opts: BatchNormOptions = {},
  ) {
    super(opts.name ?? uniqueName('batch_norm'));
    positiveInt('BatchNorm', 'numFeatures', numFeatures);
    this.axis = opts.axis ?? 1;
    this.momentum = opts.momentum ?? 0.1;
    this.eps = opts.eps ?? 1e-5;
    if (!(this.momentum >= 0 && this.momentum <= 1))
      fail('BatchNorm', `momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.eps > 0)) fail('BatchNorm', `eps must be positive, got ${this.eps}`);
    const rng = defaultRng;
    const n = [numFeatures];
    this.gamma =
      opts.scale === false ? undefined : param(onesInit(n, rng, opts.dtype), `${this.name}.gamma`);
    this.beta =
      opts.center === false ? undefined : param(zerosInit(n, rng, opts.dtype), `${this.name}.beta`);
    this.runningMean = param(zerosInit(n, rng, opts.dtype), `${this.name}.runningMean`);
    this.runningVar = param(onesInit(n, rng, opts.dtype), `${this.name}.runningVar`);
  }

  override get params(): SharedVariable[] {
    return [this.gamma, this.beta].filter((p): p is SharedVariable => p !== undefined);
  }
  override get state(): SharedVariable[] {
    return [this.runningMean, this.runningVar];
  }

  apply(x: Variable, ctx: CallContext = INFERENCE): Variable {
    const nd = x.ndim;
    const axis = this.axis < 0 ? this.axis + nd : this.axis;
    if (nd < 2 || axis < 0 || axis >= nd)
      fail(this.name, `axis ${this.axis} is out of range for ${x.type}`);
    const c = x.type.shape[axis];
    if (c !== null && c !== this.numFeatures)
      fail(this.name, `expected ${this.numFeatures} features along axis ${axis}, got ${x.type}`);
    const axes = [...Array(nd).keys()].filter((a) => a !== axis);
    const bc = (v: Variable) =>
      dimshuffle(
        v,
        [...Array(nd).keys()].map((a) => (a === axis ? 0 : 'x')),
      );
    const k = (v: number) => constant(v, undefined, x.dtype);
    const cast_ = (v: Variable) => (v.dtype === x.dtype ? v : cast(v, x.dtype));
    let mu: Variable;
    let variance: Variable;
    if (ctx.training) {
      mu = mean(x, { axis: axes });
      variance = mean(sqr(sub(x, bc(mu))), { axis: axes });
      const statics = axes.map((a) => x.type.shape[a]);
      const n = statics.every((d) => d !== null)
        ? k((statics as number[]).reduce((a, b) => a * b, 1))
        : cast(
            axes.map((a) => shapeI(x, a)).reduce((a, b) => mul(a, b)),
            x.dtype,
          );
      const m = this.momentum;
      const rm = this.runningMean;
      const rv = this.runningVar;
      const kr = (v: number) => constant(v, undefined, rm.dtype);
      ctx.updates.push(
        [rm, add(mul(rm, kr(1 - m)), mul(cast(mu, rm.dtype), kr(m)))],
        [
          rv,
          add(
            mul(rv, kr(1 - m)),
            mul(cast(trueDiv(mul(variance, n), sub(n, k(1))), rv.dtype), kr(m)),
          ),
        ],
      );
    } else {
      mu = cast_(this.runningMean);
      variance = cast_(this.runningVar);
    }
    let y = trueDiv(sub(x, bc(mu)), sqrt(add(bc(variance), k(this.eps))));
    if (this.gamma) y = mul(y, bc(cast_(this.gamma)));
    if (this.beta) y = add(y, bc(cast_(this.beta)));
    return y;
  }

  outputShape(s: Shape): Shape {
    return s;
  }
}

// ---------------------------------------------------------------- Embedding

/** Options of Embedding. */
export interface EmbeddingOptions {
  /** Initializer of the (inputDim, outputDim) table (default U(−0.05, 0.05), as Keras). */
  embeddingsInit?: Initializer;
  /** Penalty on the table added to the cost by `fit`. */
  embeddingsRegularizer?: Regularizer;
  /** Seeded generator for the initial table (default: the shared generator). */
  rng?: Generator;
  /** dtype of the table (default floatX). */
  dtype?: DType;
  /** The layer's name (default `embedding_<n>`). */
  name?: string;
}

const uniform005: Initializer = (shape, rng, dtype) =>
  rng.uniform(-0.05, 0.05, shape, dtype ?? configFloatX());

/**
 * A lookup table (Keras Embedding): int indices in [0, inputDim) of any shape → their rows of
 * the (inputDim, outputDim) table W, shape (…, outputDim): W[x] by advanced indexing
 * (numpy.take), whose gradient adds the output gradient into the rows indexed (np.add.at).
 * Negative indices count from the end, as NumPy's; out-of-range ones fail at run time.
 */
export class Embedding extends BaseLayer {
  readonly kind = 'Embedding';
  /** The table, (inputDim, outputDim). */
  readonly W: SharedVariable;
  private readonly reg: Regularizer | undefined;
  constructor(
    /** Vocabulary size: indices run from 0 to inputDim - 1. */
    readonly inputDim: number,
    /** Length of each embedding vector. */
    readonly outputDim: number,
    opts: EmbeddingOptions = {},
  ) {
    super(opts.name ?? uniqueName('embedding'));
    positiveInt('Embedding', 'inputDim', inputDim);
    positiveInt('Embedding', 'outputDim', outputDim);
    const init = opts.embeddingsInit ?? uniform005;
    this.W = param(
      init([inputDim, outputDim], opts.rng ?? defaultRng, opts.dtype ?? configFloatX()),
      `${this.name}.W`,
    );
    this.reg = opts.embeddingsRegularizer;
  }
  override get params(): SharedVariable[] {
    return [this.W];
  }
  override penalties(): Variable[] {
    return this.reg ? [this.reg(this.W)] : [];
  }
  apply(x: Variable): Variable {
    if (x.dtype === 'bool' || x.dtype.startsWith('float'))
      fail(this.name, `expected int indices, got ${x.type}`);
    if (x.ndim < 1) fail(this.name, `expected a batch of indices, got ${x.type}`);
    return take(this.W, x, { axis: 0 });
  }
  outputShape(s: Shape): Shape {
    return [...s, this.outputDim];
  }
}

// ---------------------------------------------------------------- merge layers

abstract class ElementwiseMerge implements MergeLayer {
  /** The class name shown by summary(). */
  abstract readonly kind: string;
  /** None: merge layers have no parameters. */
  readonly params: SharedVariable[] = [];
  /** None. */
  readonly state: SharedVariable[] = [];
  constructor(
    /** Unique name, used in summary(). */
    readonly name: string,
  ) {}
  /** How two inputs combine. */
  protected abstract combine(a: Variable, b: Variable): Variable;
  /** The inputs combined left to right; throws a TheanoTypeError with fewer than 2. */
  applyAll(xs: readonly Variable[]): Variable {
    if (xs.length < 2) fail(this.name, `expected at least 2 inputs, got ${xs.length}`);
    return xs.slice(1).reduce((a, b) => this.combine(a, b), xs[0]);
  }
  /** The broadcast shape of the inputs; throws a TheanoTypeError when they do not broadcast. */
  outputShapeAll(shapes: readonly Shape[]): Shape {
    const nd = Math.max(...shapes.map((s) => s.length));
    return Array.from({ length: nd }, (_, i) => {
      const dims = shapes.map((s) => (i >= nd - s.length ? s[i - (nd - s.length)] : 1));
      const known = [...new Set(dims.filter((d): d is number => d !== null && d !== 1))];
      if (known.length > 1)
        fail(this.name, `shapes ${shapes.map(fmtShape).join(', ')} do not broadcast`);
      return known.length ? known[0] : dims.every((d) => d === 1) ? 1 : null;
    });
  }
  /** Functional API: this layer applied to several symbolic inputs. */
  call(xs: readonly SymbolicTensor[]): SymbolicTensor {
    return callLayer(this, xs);
  }
}

/** The elementwise sum of its inputs (Keras Add), e.g. residual connections. */
export class Add extends ElementwiseMerge {
  readonly kind = 'Add';
  constructor(opts: { name?: string } = {}) {
    super(opts.name ?? uniqueName('add'));
  }
  protected combine(a: Variable, b: Variable): Variable {
    return add(a, b);
  }
}

/** The elementwise product of its inputs (Keras Multiply). */
export class Multiply extends ElementwiseMerge {
  readonly kind = 'Multiply';
  constructor(opts: { name?: string } = {}) {
    super(opts.name ?? uniqueName('multiply'));
  }
  protected combine(a: Variable, b: Variable): Variable {
    return mul(a, b);
  }
}

// ---------------------------------------------------------------- containers

/** One row of a parameter listing. */
export interface ParamInfo {
  /** The shared variable. */
  variable: SharedVariable;
  /** Name of the layer that owns it. */
  layer: string;
  /** The variable's name. */
  name: string;
  /** Its shape. */
  shape: number[];
  /** Number of elements. */
  count: number;
  /** Its dtype. */
  dtype: DType;
  /** False for state (BatchNorm's running averages). */
  trainable: boolean;
}

/** A layer's row in summary(): name, class, output shape, parameter count. */
interface SummaryRow {
  name: string;
  kind: string;
  outputShape: Shape | undefined;
  count: number;
}

const countOf = (p: SharedVariable): number => p.getValue({ borrow: true }).size;
const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

function table(rows: readonly (readonly string[])[], header: readonly string[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === r.length - 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('   ');
  const rule = (ch: string) =>
    ch.repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1));
  return [line(header), rule('='), ...rows.map(line), rule('=')];
}

/** Containers: parameter listing, counts and a printable summary. */
export abstract class Container extends BaseLayer {
  /** The layers, in the order they are applied. */
  abstract readonly layers: readonly (Layer | MergeLayer)[];

  override get params(): SharedVariable[] {
    return unique(this.layers.flatMap((l) => l.params));
  }
  override get state(): SharedVariable[] {
    return unique(this.layers.flatMap((l) => l.state ?? []));
  }
  override penalties(): Variable[] {
    return this.layers.flatMap((l) => ('penalties' in l && l.penalties ? l.penalties() : []));
  }

  /** Every parameter and state variable with its layer, shape and size. */
  paramInfo(): ParamInfo[] {
    const out: ParamInfo[] = [];
    const seen = new Set<SharedVariable>();
    for (const l of this.layers) {
      if (l instanceof Container) {
        for (const r of l.paramInfo())
          if (!seen.has(r.variable)) {
            seen.add(r.variable);
            out.push(r);
          }
        continue;
      }
      for (const [list, trainable] of [
        [l.params, true],
        [l.state ?? [], false],
      ] as const)
        for (const p of list) {
          if (seen.has(p)) continue;
          seen.add(p);
          const v = p.getValue({ borrow: true });
          out.push({
            variable: p,
            layer: l.name,
            name: p.name ?? '?',
            shape: [...v.shape],
            count: v.size,
            dtype: v.dtype,
            trainable,
          });
        }
    }
    return out;
  }

  /** Number of parameters (trainable and non-trainable). */
  countParams(): {
    /** All parameters and state. */
    total: number;
    /** Elements of `params`. */
    trainable: number;
    /** Elements of `state`. */
    nonTrainable: number;
  } {
    const trainable = this.params.reduce((a, p) => a + countOf(p), 0);
    const nonTrainable = this.state.reduce((a, p) => a + countOf(p), 0);
    return { total: trainable + nonTrainable, trainable, nonTrainable };
  }

  /** The rows of summary(), one per layer. */
  protected abstract summaryRows(inputShape: Shape | undefined): SummaryRow[];

  /**
   * A printable table of the layers (name and class, output shape, parameter count) and the
   * totals, as Keras's model.summary(); with `params: true`, also every parameter's shape.
   * `inputShape` excludes the batch dimension and defaults to what the first layer expects.
   */
  summary(opts: { inputShape?: readonly (number | null)[]; params?: boolean } = {}): string {
    const inShape = opts.inputShape ? [null, ...opts.inputShape] : undefined;
    const rows = this.summaryRows(inShape).map((r) => [
      `${r.name} (${r.kind})`,
      r.outputShape ? fmtShape(r.outputShape) : '?',
      String(r.count),
    ]);
    const c = this.countParams();
    const lines = [
      `Model: "${this.name}"`,
      ...table(rows, ['Layer (type)', 'Output shape', 'Param #']),
      `Total params: ${c.total}`,
      `Trainable params: ${c.trainable}`,
      `Non-trainable params: ${c.nonTrainable}`,
    ];
    if (opts.params) {
      const ps = this.paramInfo().map((p) => [
        p.name,
        fmtShape(p.shape),
        p.dtype,
        p.trainable ? 'yes' : 'no',
        String(p.count),
      ]);
      lines.push('', ...table(ps, ['Parameter', 'Shape', 'dtype', 'Trainable', 'Count']));
    }
    return lines.join('\n');
  }
}

const layerCount = (l: Layer | MergeLayer): number =>
  [...l.params, ...(l.state ?? [])].reduce((a, p) => a + countOf(p), 0);
const kindOf = (l: Layer | MergeLayer): string => l.kind ?? l.constructor.name;

/** Layers applied in order (Keras Sequential, Lasagne's stacked layers). */
export class Sequential extends Container {
  readonly kind = 'Sequential';
  /** The layers, applied in order. */
  readonly layers: readonly Layer[];
  constructor(
    layers: readonly Layer[],
    opts: { name?: string; inputShape?: readonly (number | null)[] } = {},
  ) {
    super(opts.name ?? uniqueName('sequential'));
    if (!Array.isArray(layers)) fail('Sequential', 'expected an array of layers');
    layers.forEach((l, i) => {
      if (!l || typeof l.apply !== 'function')
        fail('Sequential', `element ${i} is not a layer (it has no apply method)`);
    });
    this.layers = [...layers];
    this.declaredInput = opts.inputShape ? [null, ...opts.inputShape] : undefined;
  }
  private readonly declaredInput: Shape | undefined;

  /** The declared input shape, else the first layer's. */
  get inputShape(): Shape | undefined {
    return this.declaredInput ?? this.layers[0]?.inputShape;
  }

  apply(x: Variable, ctx: CallContext = INFERENCE): Variable {
    return this.layers.reduce((h, l) => l.apply(h, ctx), x);
  }

  outputShape(s: Shape): Shape {
    return this.layers.reduce<Shape>(
      (h, l) => (l.outputShape ? l.outputShape(h) : h.map(() => null)),
      s,
    );
  }

  protected summaryRows(inputShape: Shape | undefined): SummaryRow[] {
    let s = inputShape ?? this.inputShape;
    return this.layers.map((l) => {
      s = s && l.outputShape ? l.outputShape(s) : undefined;
      return { name: l.name, kind: kindOf(l), outputShape: s, count: layerCount(l) };
    });
  }
}

// ---------------------------------------------------------------- functional API

/**
 * A placeholder in a functional model (Keras's KerasTensor): its shape (batch first) and dtype,
 * and the layer call that produced it. Real graphs are built when the model is applied.
 */
export class SymbolicTensor {
  constructor(
    /** Shape, batch first (null where unknown). */
    readonly shape: Shape,
    /** Element dtype. */
    readonly dtype: DType,
    /** The layer call that produced it; undefined for a model input. */
    readonly source:
      | {
          /** The layer called. */
          layer: Layer | MergeLayer;
          /** Its inputs. */
          inputs: readonly SymbolicTensor[];
        }
      | undefined,
    /** Name (of the input, or of the layer that produced it). */
    readonly name: string,
  ) {}
}

/** A functional model's input: `shape` without the batch dimension (Keras Input). */
export function input(
  shape: readonly (number | null)[],
  opts: { dtype?: DType; name?: string } = {},
): SymbolicTensor {
  return new SymbolicTensor(
    [null, ...shape],
    opts.dtype ?? configFloatX(),
    undefined,
    opts.name ?? uniqueName('input'),
  );
}

/** Apply a layer (or a merge layer, to several inputs) to symbolic tensors. */
export function callLayer(
  layer: Layer | MergeLayer,
  x: SymbolicTensor | readonly SymbolicTensor[],
): SymbolicTensor {
  const inputs = x instanceof SymbolicTensor ? [x] : [...x];
  if (inputs.some((i) => !(i instanceof SymbolicTensor)))
    fail(layer.name, 'call() takes symbolic tensors from input() or other layers');
  let shape: Shape;
  if ('applyAll' in layer)
    shape = layer.outputShapeAll
      ? layer.outputShapeAll(inputs.map((i) => i.shape))
      : inputs[0].shape.map(() => null);
  else {
    if (inputs.length !== 1) fail(layer.name, `takes one input, got ${inputs.length}`);
    shape = layer.outputShape
      ? layer.outputShape(inputs[0].shape)
      : inputs[0].shape.map(() => null);
  }
  return new SymbolicTensor(shape, inputs[0].dtype, { layer, inputs }, `${layer.name}/output`);
}

/**
 * A model from a graph of layer calls (Keras's functional API): inputs from `input()`,
 * outputs from `layer.call(…)`. Layers may be shared (called several times) and merged
 * (Add, Multiply). A Model is a layer itself.
 */
export class Model extends Container {
  readonly kind = 'Model';
  /** The model's inputs. */
  readonly inputs: readonly SymbolicTensor[];
  /** The model's outputs. */
  readonly outputs: readonly SymbolicTensor[];
  /** The layer calls in topological order. */
  private readonly nodes: SymbolicTensor[];

  constructor(
    inputs: SymbolicTensor | readonly SymbolicTensor[],
    outputs: SymbolicTensor | readonly SymbolicTensor[],
    opts: { name?: string } = {},
  ) {
    super(opts.name ?? uniqueName('model'));
    this.inputs = inputs instanceof SymbolicTensor ? [inputs] : [...inputs];
    this.outputs = outputs instanceof SymbolicTensor ? [outputs] : [...outputs];
    const order: SymbolicTensor[] = [];
    const seen = new Set<SymbolicTensor>();
    const visit = (t: SymbolicTensor, path: Set<SymbolicTensor>) => {
      if (seen.has(t)) return;
      if (!t.source) {
        if (!this.inputs.includes(t))
          fail(this.name, `${t.name} is used but is not one of the model's inputs`);
        seen.add(t);
        return;
      }
      path.add(t);
      for (const i of t.source.inputs) visit(i, path);
      seen.add(t);
      order.push(t);
    };
    for (const o of this.outputs) visit(o, new Set());
    this.nodes = order;
  }

  get layers(): readonly (Layer | MergeLayer)[] {
    return unique(this.nodes.map((n) => n.source!.layer));
  }

  /** The input's shape, batch first (single-input models). */
  get inputShape(): Shape | undefined {
    return this.inputs.length === 1 ? this.inputs[0].shape : undefined;
  }

  /** All outputs for variables bound to the inputs, in order. */
  applyAll(xs: readonly Variable[], ctx: CallContext = INFERENCE): Variable[] {
    if (xs.length !== this.inputs.length)
      fail(this.name, `expected ${this.inputs.length} inputs, got ${xs.length}`);
    const env = new Map<SymbolicTensor, Variable>(this.inputs.map((t, i) => [t, xs[i]]));
    for (const n of this.nodes) {
      const { layer, inputs } = n.source!;
      const args = inputs.map((i) => env.get(i)!);
      env.set(n, 'applyAll' in layer ? layer.applyAll(args, ctx) : layer.apply(args[0], ctx));
    }
    return this.outputs.map((o) => env.get(o)!);
  }

  apply(x: Variable, ctx: CallContext = INFERENCE): Variable {
    if (this.outputs.length !== 1)
      fail(this.name, `has ${this.outputs.length} outputs; use applyAll`);
    return this.applyAll([x], ctx)[0];
  }

  outputShape(s: Shape): Shape {
    const env = new Map<SymbolicTensor, Shape>([[this.inputs[0], s]]);
    for (const n of this.nodes) {
      const { layer, inputs } = n.source!;
      const args = inputs.map((i) => env.get(i)!);
      env.set(
        n,
        'applyAll' in layer
          ? (layer.outputShapeAll?.(args) ?? args[0].map(() => null))
          : (layer.outputShape?.(args[0]) ?? args[0].map(() => null)),
      );
    }
    return env.get(this.outputs[0])!;
  }

  protected summaryRows(inputShape: Shape | undefined): SummaryRow[] {
    const shapes = new Map<SymbolicTensor, Shape>();
    if (inputShape && this.inputs.length === 1) shapes.set(this.inputs[0], inputShape);
    else this.inputs.forEach((t) => shapes.set(t, t.shape));
    const rows: SummaryRow[] = this.inputs.map((t) => ({
      name: t.name,
      kind: 'Input',
      outputShape: shapes.get(t),
      count: 0,
    }));
    for (const n of this.nodes) {
      const { layer, inputs } = n.source!;
      const args = inputs.map((i) => shapes.get(i)!);
      const s =
        'applyAll' in layer
          ? (layer.outputShapeAll?.(args) ?? n.shape)
          : (layer.outputShape?.(args[0]) ?? n.shape);
      shapes.set(n, s);
      rows.push({
        name: layer.name,
        kind: kindOf(layer),
        outputShape: s,
        count: layerCount(layer),
      });
    }
    return rows;
  }
}

// ---------------------------------------------------------------- Dropout

/** Options of Dropout. */
export interface DropoutOptions {
  /** Seed of the layer's RandomStreams (default: drawn from the layers' default generator). */
  seed?: number;
  /** Draw the masks from this RandomStreams instead (shares its seeding and `updates()`). */
  srng?: RandomStreams;
  /** The layer's name (default `dropout_<n>`). */
  name?: string;
}

/**
 * Inverted dropout (Srivastava et al., JMLR 2014; Keras Dropout, Lasagne DropoutLayer with
 * rescale=True): in training (`ctx.training`), each entry of x is zeroed with probability `rate`
 * and the others are scaled by 1 / (1 - rate), so the expected output is x; at test time (the
 * default INFERENCE context, Lasagne's `deterministic=True`) it is the identity. The mask is a
 * `binomial(shape(x), 1, 1 - rate)` draw whose RNG state is a shared variable with a default
 * update: each call of a compiled training function draws a fresh mask, and
 * `noDefaultUpdates` freezes it. Gradients flow through the mask (a constant of the draw).
 */
export class Dropout extends BaseLayer {
  readonly kind = 'Dropout';
  /** The random streams the masks are drawn from. */
  readonly srng: RandomStreams;

  /** @throws TheanoTypeError when rate is not in [0, 1). */
  constructor(
    /** Probability that an entry is zeroed in training. */
    readonly rate: number,
    opts: DropoutOptions = {},
  ) {
    super(opts.name ?? uniqueName('dropout'));
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
      fail('Dropout', `rate must be a number in [0, 1), got ${String(rate)}`);
    this.srng = opts.srng ?? new RandomStreams(opts.seed ?? defaultRng.nextUint32());
  }

  apply(x: Variable, ctx: CallContext = INFERENCE): Variable {
    if (!isFloat(x.dtype)) fail(this.name, `expected a float tensor, got ${x.type}`);
    if (!ctx.training || this.rate === 0) return x;
    const keep = 1 - this.rate;
    const mask = this.srng.binomial(shape(x), 1, keep, x.dtype);
    return mul(x, mul(mask, constant(1 / keep, undefined, x.dtype)));
  }

  outputShape(s: Shape): Shape {
    return s;
  }
}

import { Generator } from '@theano-ts/tensor';
import {
  type SharedVariable,
  type Variable,
  TheanoTypeError,
  dimshuffle,
  dot,
  add,
  relu,
  sigmoid,
  softmax,
  tanh,
  shared,
  builtAt,
  userStackLine,
} from '@theano-ts/symbolic';
import { type Initializer, glorotUniform, zerosInit } from './initializers';

/** Activation functions by name, as Keras names them. */
export const ACTIVATIONS = {
  linear: (x: Variable) => x,
  relu,
  sigmoid,
  tanh,
  softmax: (x: Variable) => softmax(x, { axis: -1 }),
} as const;
export type ActivationName = keyof typeof ACTIVATIONS;

/** What every layer provides: its trainable parameters and a symbolic forward pass. */
export interface Layer {
  readonly name: string;
  readonly params: SharedVariable[];
  apply(x: Variable): Variable;
}

/** Options of Dense. */
export interface DenseOptions {
  activation?: ActivationName | ((x: Variable) => Variable);
  /** Weight initializer (default glorotUniform). */
  kernelInit?: Initializer;
  /** Bias initializer (default zeros). */
  biasInit?: Initializer;
  useBias?: boolean;
  /** Seeded generator for the initial weights (default: one shared generator with seed 0). */
  rng?: Generator;
  name?: string;
}

let denseCount = 0;
/** Layers built without an `rng` draw from this one generator (seed 0), in creation order. */
const defaultRng = new Generator(0);

/**
 * A fully connected layer: y = activation(x · W + b), x of shape (batch, units_in), W of shape
 * (units_in, units_out), b of shape (units_out,) (Keras Dense; Theano tutorial's HiddenLayer).
 * W and b are shared variables of dtype floatX.
 */
export class Dense implements Layer {
  readonly name: string;
  readonly W: SharedVariable;
  readonly b: SharedVariable | undefined;
  readonly activation: (x: Variable) => Variable;

  constructor(
    readonly unitsIn: number,
    readonly unitsOut: number,
    opts: DenseOptions = {},
  ) {
    for (const [k, v] of [
      ['unitsIn', unitsIn],
      ['unitsOut', unitsOut],
    ] as const)
      if (!Number.isInteger(v) || v <= 0)
        throw new TheanoTypeError(
          `Dense: ${k} must be a positive integer, got ${v}${builtAt(userStackLine())}`,
        );
    this.name = opts.name ?? `dense_${denseCount++}`;
    const rng = opts.rng ?? defaultRng;
    this.W = shared((opts.kernelInit ?? glorotUniform)([unitsIn, unitsOut], rng), `${this.name}.W`);
    this.b =
      opts.useBias === false
        ? undefined
        : shared((opts.biasInit ?? zerosInit)([unitsOut], rng), `${this.name}.b`);
    const act = opts.activation ?? 'linear';
    if (typeof act === 'string' && !(act in ACTIVATIONS))
      throw new TheanoTypeError(
        `Dense: unknown activation '${act}'; expected one of ${Object.keys(ACTIVATIONS).join(', ')}`,
      );
    this.activation = typeof act === 'string' ? ACTIVATIONS[act] : act;
  }

  get params(): SharedVariable[] {
    return this.b ? [this.W, this.b] : [this.W];
  }

  /** @throws TheanoTypeError when x is not a matrix with unitsIn columns. */
  apply(x: Variable): Variable {
    if (x.ndim !== 2 || (x.type.shape[1] !== null && x.type.shape[1] !== this.unitsIn))
      throw new TheanoTypeError(
        `${this.name}: expected a (batch, ${this.unitsIn}) matrix, got ${x.type}${builtAt(userStackLine())}`,
      );
    const z = dot(x, this.W);
    return this.activation(this.b ? add(z, dimshuffle(this.b, ['x', 0])) : z);
  }
}

/** Layers applied in order (Keras Sequential). */
export class Sequential implements Layer {
  readonly name = 'sequential';
  constructor(readonly layers: readonly Layer[]) {}
  get params(): SharedVariable[] {
    return this.layers.flatMap((l) => l.params);
  }
  apply(x: Variable): Variable {
    return this.layers.reduce((h, l) => l.apply(h), x);
  }
}

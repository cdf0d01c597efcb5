/**
 * Recurrent layers built with `scan` (Theano's theano.scan): SimpleRNN, LSTM and GRU with
 * Keras's options and weight layout. Inputs are batch-first sequences (batch, time, features).
 * Sources: Keras's SimpleRNN / LSTM / GRU (keras/layers/rnn, 2.x) and PyTorch's nn.RNN /
 * nn.LSTM / nn.GRU, whose equations these match (the test maps PyTorch's weights to Keras's
 * layout).
 */
import type { DType, Generator } from '@theano-ts/tensor';
import {
  type SharedVariable,
  type TensorLike,
  type Variable,
  add,
  alloc,
  asTensorVariable,
  constant,
  dimshuffle,
  dot,
  getItem,
  mul,
  scan,
  shapeI,
  slice,
  sub,
} from '@theano-ts/symbolic';
import { type Initializer, glorotUniform, orthogonal, zerosInit } from './initializers';
import { fail } from './fail';
import type { Regularizer } from './losses';
import {
  type ActivationName,
  type CallContext,
  INFERENCE,
  type Shape,
  BaseLayer,
  activationOf,
  defaultRng,
  param,
  uniqueName,
} from './layers';

/** Options shared by SimpleRNN, LSTM and GRU (Keras's names, camelCase). */
export interface RecurrentOptions {
  /** Activation of the candidate state and output (default tanh). */
  activation?: ActivationName | ((x: Variable) => Variable);
  /** Add biases (default true). */
  useBias?: boolean;
  /** Initializer of the input kernel (inputDim, gates·units); default glorotUniform, as Keras. */
  kernelInit?: Initializer;
  /** Initializer of the recurrent kernel (units, gates·units); default orthogonal(1), as Keras. */
  recurrentInit?: Initializer;
  /** Initializer of the bias; default zeros. */
  biasInit?: Initializer;
  /** Penalty on the input kernel W added to the cost by `fit` (see penalties()). */
  kernelRegularizer?: Regularizer;
  /** Penalty on the recurrent kernel U added to the cost by `fit`. */
  recurrentRegularizer?: Regularizer;
  /** Penalty on the bias b added to the cost by `fit` (none without useBias). */
  biasRegularizer?: Regularizer;
  /** Return the whole output sequence (batch, time, units) instead of the last output (batch, units). */
  returnSequences?: boolean;
  /**
   * `applyRecurrent` returns `[output, ...finalStates]` (Keras's return_state): `[output, h]`
   * for SimpleRNN and GRU, `[output, h, c]` for LSTM. `apply` always returns the output alone.
   */
  returnState?: boolean;
  /** Process the sequence from the end; a returned sequence is in processing order (Keras). */
  goBackwards?: boolean;
  /**
   * Initial states used when `applyRecurrent` is not given any: one (batch, units) tensor per
   * state (h; h and c for LSTM), e.g. shared variables. Default: zeros.
   */
  initialState?: readonly TensorLike[];
  /** Backpropagate through the last n steps only (scan's truncateGradient); -1 (default): all. */
  truncateGradient?: number;
  /** Seeded generator for the initial weights (default: the package's shared generator). */
  rng?: Generator;
  /** dtype of the parameters (default floatX). */
  dtype?: DType;
  /** The layer's name (default `simple_rnn_<n>`, `lstm_<n>` or `gru_<n>`). */
  name?: string;
}

/** Options of LSTM. */
export interface LSTMOptions extends RecurrentOptions {
  /** Activation of the input, forget and output gates (default sigmoid). */
  recurrentActivation?: ActivationName | ((x: Variable) => Variable);
  /** Add 1 to the forget gate's bias at initialisation (default true, as Keras; Jozefowicz et al. 2015). */
  unitForgetBias?: boolean;
}

/** Options of GRU. */
export interface GRUOptions extends RecurrentOptions {
  /** Activation of the update and reset gates (default sigmoid). */
  recurrentActivation?: ActivationName | ((x: Variable) => Variable);
  /**
   * Apply the reset gate after the recurrent matrix product (default true: Keras 2's default,
   * cuDNN's and PyTorch's nn.GRU; then the bias has shape (2, 3·units): input and recurrent
   * biases). false: Cho et al. 2014's original form, r applied to h before the product (bias
   * of shape (3·units,)).
   */
  resetAfter?: boolean;
}

/**
 * The shared machinery of the recurrent layers: kernel W (inputDim, g·units), recurrent kernel
 * U (units, g·units) and bias b (g·units,) with the g gates' blocks side by side in Keras's
 * order; the input projection x·W + b is computed for the whole sequence before the loop, the
 * recurrence runs in `scan` over the time axis.
 */
export abstract class RecurrentLayer extends BaseLayer {
  /** The input kernel, (inputDim, g·units): the g gates' blocks side by side (`<name>.W`). */
  readonly W: SharedVariable;
  /** The recurrent kernel, (units, g·units), blocks as in W (`<name>.U`). */
  readonly U: SharedVariable;
  /**
   * The bias, (g·units,); for GRU with resetAfter (2, 3·units): row 0 added to the input
   * projection, row 1 to the recurrent one. undefined without useBias.
   */
  readonly b: SharedVariable | undefined;
  /** Activation of the candidate state and output (the `activation` option; default tanh). */
  readonly activation: (x: Variable) => Variable;
  /** Output the whole sequence (batch, time, units) rather than the last step's (batch, units). */
  readonly returnSequences: boolean;
  /** Whether `applyRecurrent` also returns the final states (Keras's return_state). */
  readonly returnState: boolean;
  /** Whether the sequence is processed from the end (Keras's go_backwards). */
  readonly goBackwards: boolean;
  /** Backpropagate through the last n steps only (scan's truncateGradient); -1: all steps. */
  readonly truncateGradient: number;
  /** (null, null, inputDim): (batch, time, features). */
  readonly inputShape: Shape;
  private readonly initial: readonly TensorLike[] | undefined;
  private readonly regs: readonly (Regularizer | undefined)[];
  /** Number of states: 1 (h) or 2 (h, c). */
  protected abstract readonly nStates: number;

  constructor(
    /** Features per time step (the input's last axis). */
    readonly inputDim: number,
    /** Size of the hidden state h (and of LSTM's cell state c): the output's last axis. */
    readonly units: number,
    gates: number,
    opts: RecurrentOptions,
    prefix: string,
    biasShape: readonly number[] = [gates * units],
  ) {
    super(opts.name ?? uniqueName(prefix));
    for (const [what, v] of [
      ['inputDim', inputDim],
      ['units', units],
    ] as const)
      if (!Number.isInteger(v) || v <= 0)
        fail(this.name, `${what} must be a positive integer, got ${String(v)}`);
    const rng = opts.rng ?? defaultRng;
    this.activation = activationOf(this.name, opts.activation ?? 'tanh');
    this.W = param(
      (opts.kernelInit ?? glorotUniform)([inputDim, gates * units], rng, opts.dtype),
      `${this.name}.W`,
    );
    this.U = param(
      (opts.recurrentInit ?? orthogonal(1))([units, gates * units], rng, opts.dtype),
      `${this.name}.U`,
    );
    this.b =
      opts.useBias === false
        ? undefined
        : param((opts.biasInit ?? zerosInit)([...biasShape], rng, opts.dtype), `${this.name}.b`);
    this.returnSequences = opts.returnSequences ?? false;
    this.returnState = opts.returnState ?? false;
    this.goBackwards = opts.goBackwards ?? false;
    this.truncateGradient = opts.truncateGradient ?? -1;
    this.initial = opts.initialState;
    this.inputShape = [null, null, inputDim];
    this.regs = [opts.kernelRegularizer, opts.recurrentRegularizer, opts.biasRegularizer];
  }

  override get params(): SharedVariable[] {
    return this.b ? [this.W, this.U, this.b] : [this.W, this.U];
  }

  override penalties(): Variable[] {
    const ps = [this.W, this.U, this.b];
    return this.regs.flatMap((r, i) => (r && ps[i] ? [r(ps[i])] : []));
  }

  /** The bias added to the input projection (all of b, or its input row for GRU's reset-after). */
  protected inputBias(): Variable | undefined {
    return this.b;
  }

  /**
   * One step: the projected input x_t·W + b (batch, g·units) and the previous states → the new
   * states; the first one is the step's output.
   */
  protected abstract step(xt: Variable, states: readonly Variable[]): Variable[];

  /** Columns k·units … (k+1)·units of a (batch, g·units) matrix: gate k's block. */
  protected gate(z: Variable, k: number): Variable {
    return getItem(z, slice(null, null), slice(k * this.units, (k + 1) * this.units));
  }

  /** Gate k's block of the recurrent kernel. */
  protected recurrentGate(k: number, n = 1): Variable {
    return getItem(this.U, slice(null, null), slice(k * this.units, (k + n) * this.units));
  }

  private checkInput(x: Variable): void {
    const s = x.type.shape;
    if (x.ndim !== 3 || (s[2] !== null && s[2] !== this.inputDim))
      fail(
        this.name,
        `expected a (batch, time, ${this.inputDim}) sequence, got ${x.type}` +
          (x.ndim === 2
            ? ' (a single sequence needs a batch axis: dimshuffle it to (1, time, features))'
            : ''),
      );
    if (x.dtype !== this.W.dtype)
      fail(
        this.name,
        `expected a sequence of dtype ${this.W.dtype} (the parameters'), got ${x.type}`,
      );
  }

  private initialStates(x: Variable, given: readonly TensorLike[] | undefined): Variable[] {
    const dtype = this.W.dtype;
    if (!given)
      return Array.from({ length: this.nStates }, () =>
        alloc(constant(0, undefined, dtype), shapeI(x, 0), this.units),
      );
    if (!Array.isArray(given) || given.length !== this.nStates)
      fail(
        this.name,
        `initialState must be a list of ${this.nStates} (batch, ${this.units}) tensor${this.nStates > 1 ? 's (h, c)' : ' (h)'}, got ${Array.isArray(given) ? `${given.length} of them` : String(given)}`,
      );
    return given.map((g, i) => {
      const v = asTensorVariable(g, `${this.name}'s initial state ${i}`);
      const s = v.type.shape;
      if (v.ndim !== 2 || (s[1] !== null && s[1] !== this.units))
        fail(
          this.name,
          `initial state ${i} must be a (batch, ${this.units}) matrix, got ${v.type}`,
        );
      if (v.dtype !== dtype)
        fail(
          this.name,
          `initial state ${i} must have dtype ${dtype} (the parameters'), got ${v.type}`,
        );
      return v;
    });
  }

  /**
   * The layer on a (batch, time, inputDim) sequence: `[output, ...finalStates]` when the
   * layer was built with `returnState`, else `[output]` (Keras's `layer(x, initial_state=…)`).
   * The output is (batch, time, units) with `returnSequences`, else (batch, units).
   * `initialState` (one (batch, units) tensor per state) overrides the layer's own.
   * `ctx` is accepted for symmetry with `apply` (these layers behave the same in training).
   * @throws TheanoTypeError when x is not a 3-d tensor of the parameters' dtype with inputDim
   *   features, or the initial states are not (batch, units) matrices of that dtype.
   */
  applyRecurrent(
    x: Variable,
    opts: { initialState?: readonly TensorLike[]; ctx?: CallContext } = {},
  ): Variable[] {
    this.checkInput(x);
    const h0 = this.initialStates(x, opts.initialState ?? this.initial);
    const bias = this.inputBias();
    const proj = dot(x, this.W);
    const xw = bias ? add(proj, dimshuffle(bias, ['x', 'x', 0])) : proj;
    const [outs] = scan((xt, ...hs) => this.step(xt, hs), {
      sequences: dimshuffle(xw, [1, 0, 2]),
      outputsInfo: h0,
      goBackwards: this.goBackwards,
      truncateGradient: this.truncateGradient,
      name: this.name,
      returnList: true,
    });
    const last = outs.map((o) => getItem(o, -1));
    const output = this.returnSequences ? dimshuffle(outs[0], [1, 0, 2]) : last[0];
    return this.returnState ? [output, ...last] : [output];
  }

  /**
   * The output alone (Sequential's use): (batch, time, units) with `returnSequences`, else
   * (batch, units). @throws TheanoTypeError as applyRecurrent.
   */
  apply(x: Variable, ctx: CallContext = INFERENCE): Variable {
    return this.applyRecurrent(x, { ctx })[0];
  }

  outputShape(s: Shape): Shape {
    if (s.length !== 3 || (s[2] !== null && s[2] !== this.inputDim))
      fail(
        this.name,
        `expected a (batch, time, ${this.inputDim}) input, got (${s.map((d) => (d === null ? '?' : d)).join(', ')})`,
      );
    return this.returnSequences ? [s[0], s[1], this.units] : [s[0], this.units];
  }
}

/**
 * A fully recurrent layer (Keras SimpleRNN; PyTorch nn.RNN with b = b_ih + b_hh):
 * h_t = activation(x_t·W + h_{t−1}·U + b). W (inputDim, units), U (units, units), b (units,).
 */
export class SimpleRNN extends RecurrentLayer {
  readonly kind = 'SimpleRNN';
  protected readonly nStates = 1;
  constructor(inputDim: number, units: number, opts: RecurrentOptions = {}) {
    super(inputDim, units, 1, opts, 'simple_rnn');
  }
  protected step(xt: Variable, [h]: readonly Variable[]): Variable[] {
    return [this.activation(add(xt, dot(h, this.U)))];
  }
}

/**
 * Long short-term memory (Hochreiter & Schmidhuber 1997 with forget gates; Keras LSTM, PyTorch
 * nn.LSTM): with z = x_t·W + h_{t−1}·U + b split into the gates i, f, c̃, o (Keras's and
 * PyTorch's order), i = σ(z_i), f = σ(z_f), o = σ(z_o), c_t = f·c_{t−1} + i·tanh(z_c),
 * h_t = o·tanh(c_t) (σ = recurrentActivation, tanh = activation). W (inputDim, 4·units),
 * U (units, 4·units), b (4·units,); PyTorch's weight_ih is Wᵀ and b = b_ih + b_hh.
 */
export class LSTM extends RecurrentLayer {
  readonly kind = 'LSTM';
  protected readonly nStates = 2;
  /** Activation of the input, forget and output gates (σ in the equations; default sigmoid). */
  readonly recurrentActivation: (x: Variable) => Variable;
  constructor(inputDim: number, units: number, opts: LSTMOptions = {}) {
    const init = opts.biasInit ?? zerosInit;
    const forgetOnes: Initializer = (shape, rng, dtype) => {
      const b = init(shape, rng, dtype).contiguous();
      b.data.fill(1, units, 2 * units);
      return b;
    };
    super(
      inputDim,
      units,
      4,
      opts.unitForgetBias === false ? opts : { ...opts, biasInit: forgetOnes },
      'lstm',
    );
    this.recurrentActivation = activationOf(this.name, opts.recurrentActivation ?? 'sigmoid');
  }
  protected step(xt: Variable, [h, c]: readonly Variable[]): Variable[] {
    const z = add(xt, dot(h, this.U));
    const s = this.recurrentActivation;
    const i = s(this.gate(z, 0));
    const f = s(this.gate(z, 1));
    const cNew = add(mul(f, c), mul(i, this.activation(this.gate(z, 2))));
    const o = s(this.gate(z, 3));
    return [mul(o, this.activation(cNew)), cNew];
  }
}

/**
 * Gated recurrent unit (Cho et al. 2014; Keras GRU): gates in Keras's order z (update),
 * r (reset), h̃ (candidate); h_t = z·h_{t−1} + (1 − z)·h̃. With `resetAfter` (the default, =
 * PyTorch nn.GRU and cuDNN): with x̂ = x_t·W + b[0] and ĥ = h_{t−1}·U + b[1], z = σ(x̂_z + ĥ_z),
 * r = σ(x̂_r + ĥ_r), h̃ = tanh(x̂_h + r·ĥ_h); b has shape (2, 3·units). Without it: z and r as
 * before with one bias, h̃ = tanh(x̂_h + (r·h_{t−1})·U_h). W (inputDim, 3·units),
 * U (units, 3·units). PyTorch's gate order is r, z, n: its blocks must be reordered to z, r, n.
 */
export class GRU extends RecurrentLayer {
  readonly kind = 'GRU';
  protected readonly nStates = 1;
  /** Activation of the update and reset gates (σ in the equations; default sigmoid). */
  readonly recurrentActivation: (x: Variable) => Variable;
  /** Reset gate applied after the recurrent product (PyTorch's and cuDNN's form; default true). */
  readonly resetAfter: boolean;
  constructor(inputDim: number, units: number, opts: GRUOptions = {}) {
    const resetAfter = opts.resetAfter ?? true;
    super(inputDim, units, 3, opts, 'gru', resetAfter ? [2, 3 * units] : [3 * units]);
    this.resetAfter = resetAfter;
    this.recurrentActivation = activationOf(this.name, opts.recurrentActivation ?? 'sigmoid');
  }
  protected override inputBias(): Variable | undefined {
    return this.b && this.resetAfter ? getItem(this.b, 0) : this.b;
  }
  protected step(xt: Variable, [h]: readonly Variable[]): Variable[] {
    const s = this.recurrentActivation;
    let hu: Variable;
    let candidate: Variable;
    if (this.resetAfter) {
      hu = dot(h, this.U);
      if (this.b) hu = add(hu, dimshuffle(getItem(this.b, 1), ['x', 0]));
    } else hu = dot(h, this.recurrentGate(0, 2));
    const z = s(add(this.gate(xt, 0), this.gate(hu, 0)));
    const r = s(add(this.gate(xt, 1), this.gate(hu, 1)));
    if (this.resetAfter) candidate = add(this.gate(xt, 2), mul(r, this.gate(hu, 2)));
    else candidate = add(this.gate(xt, 2), dot(mul(r, h), this.recurrentGate(2)));
    const hh = this.activation(candidate);
    const one = constant(1, undefined, z.dtype);
    return [add(mul(z, h), mul(sub(one, z), hh))];
  }
}

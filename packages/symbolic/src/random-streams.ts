/**
 * Random streams (Theano's `RandomStreams` / `MRG_RandomStreams`, PyTensor's `RandomStream`):
 * each draw is a random op on an RNG state held in a shared variable whose `defaultUpdate` is
 * the op's next state, so each call of a compiled function gives fresh numbers,
 * `noDefaultUpdates` freezes them, and a sample used twice in a graph is one draw.
 */
import { type DType, Generator, NDArray, isDType } from '@theano-ts/tensor';
import type { SharedVariable, TensorLike, Variable } from './graph';
import { add, applyOp, asTensorVariable, constant, makeVector, shape } from './basic';
import { TheanoTypeError, builtAt, userStackLine } from './errors';
import { config } from './config';
import { shared } from './vars';
import { isLoopState } from './control-fns';
import type { RandomOpParams } from './ops/random';
import { generatorFromState, rngStateOf } from './ops/random';

/**
 * The shape of a draw: a number (a vector of that length), a list of numbers and int scalar
 * variables, an int vector variable (its length must be static, or given as `ndim`), or
 * `null`/omitted (the broadcast shape of the distribution's parameters).
 */
export type RandomSize = number | readonly TensorLike[] | Variable | null | undefined;

/** Options of a draw: the output dtype and, for a size vector of unknown length, its length. */
export interface RandomOptions {
  /** dtype of the samples (default: int32 for binomial and randint draws, else floatX). */
  dtype?: DType;
  /** Length of a size vector whose length is not static. */
  ndim?: number;
}

type DistKind =
  'RandomUniform' | 'RandomNormal' | 'RandomTruncatedNormal' | 'RandomBinomial' | 'RandomRandint';

const err = (fn: string, msg: string): never => {
  throw new TheanoTypeError(`${fn}: ${msg}${builtAt(userStackLine())}`);
};

const optsOf = (o: RandomOptions | DType | undefined): RandomOptions =>
  typeof o === 'string' ? { dtype: o } : (o ?? {});

function checkDtype(fn: string, d: DType | undefined): void {
  if (d !== undefined && !isDType(d)) err(fn, `unknown dtype '${String(d)}'`);
}

/** The size input (an int32 vector) and its length. */
function sizeInput(
  fn: string,
  size: RandomSize,
  params: readonly Variable[],
  ndimOpt: number | undefined,
): { size: Variable; ndim: number } {
  const checkInt = (d: unknown, i: number) => {
    if (typeof d === 'number' && !(Number.isInteger(d) && d >= 0))
      err(fn, `size[${i}] must be a non-negative integer, got ${d}`);
  };
  if (size === null || size === undefined) {
    const ndim = Math.max(0, ...params.map((p) => p.ndim));
    if (ndim === 0) return { size: constant(new NDArray(new Int32Array(0), [0])), ndim };
    return { size: shape(params.reduce((a, b) => add(a, b))), ndim };
  }
  if (typeof size === 'number') size = [size];
  if (Array.isArray(size)) {
    const items = size as readonly TensorLike[];
    items.forEach(checkInt);
    if (items.every((d) => typeof d === 'number'))
      return {
        size: constant(new NDArray(Int32Array.from(items as number[]), [items.length])),
        ndim: items.length,
      };
    return { size: makeVector(items), ndim: items.length };
  }
  const v = asTensorVariable(size as TensorLike);
  if (v.ndim !== 1) err(fn, `size must be an int vector or a list of ints, got ${v.type}`);
  const ndim = v.type.shape[0] ?? ndimOpt;
  if (ndim === undefined)
    err(
      fn,
      `size ${v} has no static length: pass { ndim } (Theano's ndim argument) or a list of scalars`,
    );
  return { size: v, ndim: ndim! };
}

/**
 * One random draw on the RNG state `rng`: the op `kind` (a key of RandomOpParams) applied to
 * (rng, size, …params). Returns `[next state, sample]` (PyTensor's RandomVariable outputs).
 * @throws TheanoTypeError naming the op and the user's line, for bad sizes, dtypes or
 *   parameters known at build time (low > high, std < 0, n < 0, p outside [0, 1]…).
 */
export function randomDraw(
  kind: DistKind,
  rng: Variable,
  size: RandomSize,
  params: readonly [TensorLike, TensorLike],
  opts: RandomOptions = {},
): [Variable, Variable] {
  const ps = params.map((p) => asTensorVariable(p));
  checkDtype(kind, opts.dtype);
  const dtype =
    opts.dtype ?? (kind === 'RandomRandint' || kind === 'RandomBinomial' ? 'int32' : config.floatX);
  const { size: s, ndim } = sizeInput(kind, size, ps, opts.ndim);
  const node = applyOp(kind, { dtype, ndim } as RandomOpParams[DistKind], [rng, s, ...ps]);
  return [node.outputs[0], node.outputs[1]];
}

/** Options of {@link randomChoice} (numpy.random.Generator.choice). */
export interface ChoiceDrawOptions {
  /** With replacement (default true). */
  replace?: boolean;
  /** Probabilities of the population's entries (a float vector summing to 1). */
  p?: TensorLike;
  /** Length of a size vector whose length is not static. */
  ndim?: number;
}

/**
 * Draws from a population `a` on the RNG state `rng` (numpy's Generator.choice): `a` an int n
 * (0..n-1) or a tensor (its entries along axis 0). Returns `[next state, sample]`.
 * @throws TheanoTypeError for more draws than the population without replacement, p not
 *   summing to 1 or of the wrong length (when known at build time).
 */
export function randomChoice(
  rng: Variable,
  size: RandomSize,
  a: TensorLike,
  opts: ChoiceDrawOptions = {},
): [Variable, Variable] {
  const av = typeof a === 'number' ? constant(a, undefined, 'int32') : asTensorVariable(a);
  if (typeof a === 'number' && !(Number.isInteger(a) && a >= 0))
    err('RandomChoice', `a must be a non-negative integer or a tensor, got ${a}`);
  const { size: s, ndim } = sizeInput('RandomChoice', size ?? [], [], opts.ndim);
  const ins = [rng, s, av];
  if (opts.p !== undefined) ins.push(asTensorVariable(opts.p));
  const node = applyOp(
    'RandomChoice',
    { replace: opts.replace ?? true, hasP: opts.p !== undefined, ndim },
    ins,
  );
  return [node.outputs[0], node.outputs[1]];
}

/**
 * A random permutation on the RNG state `rng` (numpy's Generator.permutation): of 0..x-1 for
 * an int x, else of x's entries along axis 0. Returns `[next state, sample]`.
 */
export function randomPermutation(rng: Variable, x: TensorLike): [Variable, Variable] {
  if (typeof x === 'number' && !(Number.isInteger(x) && x >= 0))
    err('RandomPermutation', `n must be a non-negative integer, got ${x}`);
  const xv = typeof x === 'number' ? constant(x, undefined, 'int32') : asTensorVariable(x);
  const node = applyOp('RandomPermutation', {}, [rng, xv]);
  return [node.outputs[0], node.outputs[1]];
}

/**
 * A source of random variables (Theano's `RandomStreams(seed)`, PyTensor's `RandomStream`).
 * Each draw gets its own RNG state, a shared variable seeded from this stream's seed, whose
 * `defaultUpdate` advances it; `seed(s)` reseeds them all, as Theano's does.
 *
 * ```ts
 * const srng = new RandomStreams(42);
 * const u = srng.uniform([2, 3]);          // float (floatX) in [0, 1)
 * const f = theano.function([], u);        // each call: fresh numbers
 * ```
 * Numbers come from Philox-4x32-10 (@theano-ts/tensor's Generator): the same seed gives the same
 * numbers on every backend. A draw made inside a scan's `fn` is redrawn at every step (scan
 * carries its state through the loop and returns the final state in its updates; see `scan`).
 */
export class RandomStreams {
  /** (state, next state) of every draw, in creation order (Theano's `state_updates`). */
  readonly stateUpdates: [SharedVariable, Variable][] = [];
  private gen: Generator;
  private seedValue: number;

  /** @param seed a non-negative integer below 2^53 (default 0). */
  constructor(seed = 0) {
    this.seedValue = seed;
    this.gen = this.seeder(seed);
  }

  private seeder(seed: number): Generator {
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER)
      err('RandomStreams', `seed must be a non-negative integer below 2^53, got ${seed}`);
    return new Generator(seed);
  }

  /** A new state from the seed stream: a Philox key of two words drawn from it, counter 0. */
  private nextState(): NDArray {
    return rngStateOf(Generator.fromState([this.gen.nextUint32(), this.gen.nextUint32()], 0));
  }

  /** The seed this stream was built or last reseeded with. */
  get currentSeed(): number {
    return this.seedValue;
  }

  /** A new RNG state variable; `node` builds the draw on it, whose next state becomes its default update. */
  private track(what: string, node: (rng: Variable) => [Variable, Variable]): Variable {
    const rng = shared(this.nextState(), `${what}.rng`, { borrow: true, shape: [4] });
    const [next, sample] = node(rng);
    rng.defaultUpdate = next;
    this.stateUpdates.push([rng, next]);
    return sample;
  }

  private draw(
    kind: DistKind,
    what: string,
    size: RandomSize,
    params: [TensorLike, TensorLike],
    opts: RandomOptions | DType | undefined,
  ): Variable {
    return this.track(what, (rng) => randomDraw(kind, rng, size, params, optsOf(opts)));
  }

  /** Uniform in [low, high) (floatX unless `dtype`). @throws TheanoTypeError if low > high (known). */
  uniform(
    size?: RandomSize,
    low: TensorLike = 0,
    high: TensorLike = 1,
    opts?: RandomOptions | DType,
  ): Variable {
    return this.draw('RandomUniform', 'uniform', size, [low, high], opts);
  }

  /** Normal with mean `avg` and standard deviation `std` (Box–Muller; floatX unless `dtype`). */
  normal(
    size?: RandomSize,
    avg: TensorLike = 0,
    std: TensorLike = 1,
    opts?: RandomOptions | DType,
  ): Variable {
    return this.draw('RandomNormal', 'normal', size, [avg, std], opts);
  }

  /**
   * Normal with mean `avg` and standard deviation `std`, redrawn until within 2 std of the mean
   * (MRG_RandomStreams.truncated_normal, Keras's truncated_normal).
   */
  truncatedNormal(
    size?: RandomSize,
    avg: TensorLike = 0,
    std: TensorLike = 1,
    opts?: RandomOptions | DType,
  ): Variable {
    return this.draw('RandomTruncatedNormal', 'truncatedNormal', size, [avg, std], opts);
  }

  /**
   * Number of successes in `n` Bernoulli(`p`) trials (int32 unless `dtype`: a float dtype gives
   * dropout masks). Costs n uniform draws per sample. @throws TheanoTypeError for n < 0 or p
   * outside [0, 1] (known).
   */
  binomial(
    size?: RandomSize,
    n: TensorLike = 1,
    p: TensorLike = 0.5,
    opts?: RandomOptions | DType,
  ): Variable {
    return this.draw('RandomBinomial', 'binomial', size, [n, p], opts);
  }

  /** Integers uniform in [low, high) (numpy's integers/randint; int32 unless `dtype`). */
  randint(
    size?: RandomSize,
    low: TensorLike = 0,
    high: TensorLike = 2,
    opts?: RandomOptions | DType,
  ): Variable {
    return this.draw('RandomRandint', 'randint', size, [low, high], opts);
  }

  /**
   * Draws from `a`: an int n (0..n-1) or a tensor's entries along axis 0, with or without
   * replacement, optionally with probabilities `p` (numpy's Generator.choice).
   */
  choice(size?: RandomSize, a: TensorLike = 2, opts: ChoiceDrawOptions = {}): Variable {
    return this.track('choice', (rng) => randomChoice(rng, size, a, opts));
  }

  /** A permutation of 0..x-1 (an int x) or of x's entries along axis 0 (PyTensor's permutation). */
  permutation(x: TensorLike): Variable {
    return this.track('permutation', (rng) => randomPermutation(rng, x));
  }

  /** Reseed every state of this stream, in creation order, from `seed` (Theano's `seed`). */
  seed(seed: number): void {
    this.gen = this.seeder(seed);
    this.seedValue = seed;
    for (const [rng] of this.stateUpdates) rng.setValue(this.nextState());
  }

  /**
   * The updates (state, next state) of the draws, to pass to `function` (Theano's `updates()`),
   * except those of draws made inside a scan's `fn`: their next state is an expression of the
   * loop's inner variables, meaningless outside it; scan returns their final states in its own
   * `updates`, to pass as well. `stateUpdates` lists every draw.
   */
  updates(): [SharedVariable, Variable][] {
    return this.stateUpdates.filter(([s]) => !isLoopState(s)).map(([s, n]) => [s, n]);
  }

  /** Copies of every state's value, in creation order. */
  getState(): NDArray[] {
    return this.stateUpdates.map(([s]) => s.getValue());
  }

  /**
   * Restore states saved by {@link getState}. Checks all of them before setting any.
   * @throws TheanoTypeError for a wrong count or a value that is not an RNG state.
   */
  setState(states: readonly NDArray[]): void {
    if (states.length !== this.stateUpdates.length)
      err(
        'RandomStreams.setState',
        `expected ${this.stateUpdates.length} states, got ${states.length}`,
      );
    states.forEach((s, i) => {
      try {
        if (!(s instanceof NDArray)) throw new RangeError(`state ${i} is not an NDArray`);
        generatorFromState('RandomStreams.setState', s);
      } catch (e) {
        err('RandomStreams.setState', `state ${i}: ${(e as Error).message}`);
      }
    });
    states.forEach((s, i) => this.stateUpdates[i][0].setValue(s));
  }
}

import type { NDArray, NestedArray } from '@theano-ts/tensor';
import { Variable, TheanoTypeError } from '@theano-ts/symbolic';

/** Options of `In` (Theano's theano.In, camelCase). */
export interface InOptions {
  /** Name for calls by keyword: `f(1, { w_by_name: 2 })`. Defaults to the variable's name. */
  name?: string;
  /** Default value used when the call does not give one. */
  value?: NDArray | NestedArray;
  /** Allow lossy conversions of this input (overrides the function's allowInputDowncast). */
  allowDowncast?: boolean;
  /** The function may modify the given array (default false: inputs are never mutated). */
  mutable?: boolean;
  /** Accept only values of exactly the right dtype (no conversion). */
  strict?: boolean;
}

/** A function input with options (Theano's `In`). */
export class In {
  readonly variable: Variable;
  readonly opts: InOptions;
  constructor(variable: Variable, opts: InOptions = {}) {
    if (!(variable instanceof Variable)) throw new TheanoTypeError(`In: expected a symbolic Variable, got ${String(variable)}`);
    this.variable = variable;
    this.opts = opts;
  }
  get name(): string | undefined {
    return this.opts.name ?? this.variable.name;
  }
}

/** A function output with options (Theano's `Out`). `borrow` returns internal buffers without copying. */
export class Out {
  constructor(
    readonly variable: Variable,
    readonly opts: { borrow?: boolean } = {},
  ) {
    if (!(variable instanceof Variable)) throw new TheanoTypeError(`Out: expected a symbolic Variable, got ${String(variable)}`);
  }
}

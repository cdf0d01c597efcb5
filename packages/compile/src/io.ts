import type { NDArray, NestedArray } from '@theano-ts/tensor';
import { TheanoTypeError, Variable, describe } from '@theano-ts/symbolic';

/** Options of `In` (Theano's theano.In, camelCase). */
export interface InOptions {
  /** Name for calls by keyword: `f(1, { wByName: 2 })`. Defaults to the variable's name. */
  name?: string;
  /** Default value used when the call does not give one (converted once, at compile time). */
  value?: NDArray | NestedArray;
  /**
   * An expression whose value replaces this input's stored value after each call (Theano's
   * In(update=...)): the input then carries state between calls, starting from `value`.
   */
  update?: Variable;
  /** Allow lossy conversions of this input (overrides the function's allowInputDowncast). */
  allowDowncast?: boolean;
  /**
   * The function may overwrite the array given for this input (default false: inputs are
   * never modified; DebugMode checks it node by node).
   */
  mutable?: boolean;
  /**
   * Keep `value` (and the values `update` stores) without copying them (default false: the
   * function copies the default value once, so later changes to your array do not leak in).
   */
  borrow?: boolean;
  /** Accept only NDArrays of exactly the input's dtype (no conversion of any kind). */
  strict?: boolean;
}

/** A function input with options (Theano's `In`). */
export class In {
  /** The input variable. */
  readonly variable: Variable;
  /** Its options (name, value, mutable, borrow…). */
  readonly opts: Readonly<InOptions>;
  constructor(variable: Variable, opts: InOptions = {}) {
    if (!(variable instanceof Variable))
      throw new TheanoTypeError(`In: expected a symbolic Variable, got ${describe(variable)}`);
    if (opts.name !== undefined && typeof opts.name !== 'string')
      throw new TheanoTypeError(`In: name must be a string, got ${describe(opts.name)}`);
    if (opts.update !== undefined) {
      if (!(opts.update instanceof Variable))
        throw new TheanoTypeError(
          `In '${opts.name ?? variable.name ?? 'unnamed'}': update must be a symbolic Variable, got ${describe(opts.update)}`,
        );
      if (opts.value === undefined)
        throw new TheanoTypeError(
          `In '${opts.name ?? variable.name ?? 'unnamed'}': an update needs a value to start from; pass In(x, { value, update })`,
        );
    }
    this.variable = variable;
    this.opts = { ...opts };
  }
  /** The keyword name: `opts.name`, else the variable's name. */
  get name(): string | undefined {
    return this.opts.name ?? this.variable.name;
  }
}

/** Options of `Out`. */
export interface OutOptions {
  /**
   * Return the function's own buffer without the copy that keeps outputs from aliasing inputs,
   * shared values or constants (Theano's borrow: the array may change at the next call; do not
   * modify it).
   */
  borrow?: boolean;
}

/** A function output with options (Theano's `Out`). */
export class Out {
  /** The output variable. */
  readonly variable: Variable;
  /** Its options (borrow). */
  readonly opts: Readonly<OutOptions>;
  constructor(variable: Variable, opts: OutOptions = {}) {
    if (!(variable instanceof Variable))
      throw new TheanoTypeError(`Out: expected a symbolic Variable, got ${describe(variable)}`);
    this.variable = variable;
    this.opts = { ...opts };
  }
}

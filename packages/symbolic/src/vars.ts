import { type DType, NDArray, type NestedArray, array, isDType } from '@theano-ts/tensor';
import { SharedVariable, type SharedOptions, Variable, filterValue } from './graph';
import { type Dim, TensorType } from './type';
import { config } from './config';
import { TheanoTypeError, builtAt, userStackLine } from './errors';

/** Options of the variable constructors: dtype (default floatX) and a static shape. */
export interface VarOptions {
  /** Element dtype (default: config.floatX). */
  dtype?: DType;
  /** Static shape: a number fixes a dimension (1 = broadcastable), null leaves it unknown. */
  shape?: readonly Dim[];
}

function make(
  kind: string,
  pattern: readonly Dim[],
  name: string | undefined,
  opts: VarOptions,
  prefixDtype?: DType,
): Variable {
  const dtype = opts.dtype ?? prefixDtype ?? config.floatX;
  if (!isDType(dtype))
    throw new TheanoTypeError(
      `${kind}: unknown dtype '${String(dtype)}'${builtAt(userStackLine())}`,
    );
  let shape = pattern;
  if (opts.shape) {
    if (opts.shape.length !== pattern.length && kind !== 'tensor')
      throw new TheanoTypeError(
        `${kind}: shape [${opts.shape.join(', ')}] must have ${pattern.length} dimensions${builtAt(userStackLine())}`,
      );
    opts.shape.forEach((d, i) => {
      if (pattern[i] === 1 && d !== null && d !== 1)
        throw new TheanoTypeError(
          `${kind}: dimension ${i} of a ${kind} is broadcastable and must have length 1, got shape [${opts.shape!.map((x) => x ?? 'null').join(', ')}]${builtAt(userStackLine())}`,
        );
    });
    shape = opts.shape.map((d, i) => (pattern[i] === 1 && d === null ? 1 : d));
  }
  return new Variable(new TensorType(dtype, shape), name);
}

/**
 * A variable constructor such as `matrix` or `fvector`: a name and options (or, as Theano's
 * `T.vector(name, dtype)`, a dtype) give a new input variable.
 * @throws TheanoTypeError for a name that is not a string, options that are neither a dtype nor
 * an object, an unknown dtype, or a dtype other than the prefix's (`fvector('x', 'float64')`).
 */
type Ctor = (name?: string, opts?: VarOptions | DType) => Variable;
const ctor =
  (kind: string, pattern: readonly Dim[], prefix?: DType): Ctor =>
  (name, opts = {}) => {
    if (name !== undefined && typeof name !== 'string')
      throw new TheanoTypeError(
        `${kind}: the name must be a string, got ${typeof name}${builtAt(userStackLine())}`,
      );
    const o: VarOptions = typeof opts === 'string' ? { dtype: opts } : opts;
    if (o === null || typeof o !== 'object')
      throw new TheanoTypeError(
        `${kind}: the second argument is a dtype or { dtype, shape }, got ${o === null ? 'null' : typeof o}${builtAt(userStackLine())}`,
      );
    if (prefix && o.dtype !== undefined && o.dtype !== prefix)
      throw new TheanoTypeError(
        `${kind}: its dtype is ${prefix} (the prefix), got dtype '${String(o.dtype)}'; use ${kind.slice(1)}(name, '${String(o.dtype)}')${builtAt(userStackLine())}`,
      );
    return make(kind, pattern, name, o, prefix);
  };

/** A 0-d tensor variable (dtype floatX unless given). */
export const scalar = ctor('scalar', []);
/** A 1-d tensor variable. */
export const vector = ctor('vector', [null]);
/** A 1×N matrix whose first dimension is broadcastable. */
export const row = ctor('row', [1, null]);
/** An N×1 matrix whose second dimension is broadcastable. */
export const col = ctor('col', [null, 1]);
/** A 2-d tensor variable. */
export const matrix = ctor('matrix', [null, null]);
/** A 3-d tensor variable. */
export const tensor3 = ctor('tensor3', [null, null, null]);
/** A 4-d tensor variable (e.g. a batch of images, NCHW). */
export const tensor4 = ctor('tensor4', [null, null, null, null]);

/**
 * A tensor variable of any rank: give `shape` (null = unknown) or `ndim`.
 * E.g. `tensor('t', { dtype: 'float32', shape: [null, 1, 28, 28] })`.
 */
export function tensor(name?: string, opts: VarOptions & { ndim?: number } = {}): Variable {
  const shape = opts.shape ?? Array.from({ length: opts.ndim ?? 0 }, () => null);
  return make('tensor', shape, name, { ...opts, shape }, undefined);
}

const PREFIX: Record<string, DType> = {
  b: 'int8',
  w: 'int16',
  i: 'int32',
  f: 'float32',
  d: 'float64',
};
const KINDS = {
  scalar: [],
  vector: [null],
  row: [1, null],
  col: [null, 1],
  matrix: [null, null],
  tensor3: [null, null, null],
  tensor4: [null, null, null, null],
} as const;

function prefixed(p: keyof typeof PREFIX, kind: keyof typeof KINDS): Ctor {
  return ctor(`${p}${kind}`, KINDS[kind], PREFIX[p]);
}
/** int8 scalar, vector and matrix variables. */
export const bscalar = prefixed('b', 'scalar'),
  bvector = prefixed('b', 'vector'),
  bmatrix = prefixed('b', 'matrix');
/** int16 scalar, vector and matrix variables. */
export const wscalar = prefixed('w', 'scalar'),
  wvector = prefixed('w', 'vector'),
  wmatrix = prefixed('w', 'matrix');
/** int32 scalar, vector and matrix variables. */
export const iscalar = prefixed('i', 'scalar'),
  ivector = prefixed('i', 'vector'),
  imatrix = prefixed('i', 'matrix');
/** int32 row, column, 3-d and 4-d tensor variables. */
export const irow = prefixed('i', 'row'),
  icol = prefixed('i', 'col'),
  itensor3 = prefixed('i', 'tensor3'),
  itensor4 = prefixed('i', 'tensor4');
/** float32 scalar, vector and matrix variables. */
export const fscalar = prefixed('f', 'scalar'),
  fvector = prefixed('f', 'vector'),
  fmatrix = prefixed('f', 'matrix');
/** float32 row, column, 3-d and 4-d tensor variables. */
export const frow = prefixed('f', 'row'),
  fcol = prefixed('f', 'col'),
  ftensor3 = prefixed('f', 'tensor3'),
  ftensor4 = prefixed('f', 'tensor4');
/** float64 scalar, vector and matrix variables. */
export const dscalar = prefixed('d', 'scalar'),
  dvector = prefixed('d', 'vector'),
  dmatrix = prefixed('d', 'matrix');
/** float64 row, column, 3-d and 4-d tensor variables. */
export const drow = prefixed('d', 'row'),
  dcol = prefixed('d', 'col'),
  dtensor3 = prefixed('d', 'tensor3'),
  dtensor4 = prefixed('d', 'tensor4');

const plural =
  (c: Ctor) =>
  (...names: string[]): Variable[] =>
    names.map((n) => c(n));
/** Several variables at once: `dmatrices('a', 'b')`. */
export const scalars = plural(scalar),
  vectors = plural(vector),
  matrices = plural(matrix);
/** Several float64 variables at once: `dscalars('a', 'b')`. */
export const dscalars = plural(dscalar),
  dvectors = plural(dvector),
  dmatrices = plural(dmatrix);
/** Several float32 variables at once: `fmatrices('a', 'b')`. */
export const fscalars = plural(fscalar),
  fvectors = plural(fvector),
  fmatrices = plural(fmatrix);
/** Several int32 variables at once: `ivectors('a', 'b')`. */
export const iscalars = plural(iscalar),
  ivectors = plural(ivector),
  imatrices = plural(imatrix);

/**
 * A shared variable (Theano's theano.shared): state that compiled functions read and update.
 * Accepts an NDArray (copied unless `borrow`; keeps its dtype), or a number / nested arrays
 * (integers give int32, other numbers floatX). `dtype` overrides. No dimension is broadcastable
 * unless `shape` says so (Theano: shared variables never broadcast by default).
 * @throws TheanoTypeError when the value cannot be converted.
 */
export function shared(
  value: NDArray | NestedArray,
  name?: string,
  opts: SharedOptions = {},
): SharedVariable {
  let arr: NDArray;
  try {
    arr = value instanceof NDArray ? (opts.borrow ? value : value.copy()) : array(value);
  } catch (e) {
    throw new TheanoTypeError(
      `shared${name ? ` '${name}'` : ''}: cannot convert the value: ${(e as Error).message}${builtAt(userStackLine())}`,
    );
  }
  const what = `shared${name ? ` '${name}'` : ''}`;
  // an explicit dtype converts the user's value with the precision check of filterValue
  // (numbers go into float dtypes freely, into int dtypes only when exact; arrays only safely)
  if (opts.dtype && opts.dtype !== arr.dtype)
    arr = filterValue(
      new TensorType(
        opts.dtype,
        arr.shape.map(() => null),
      ),
      value instanceof NDArray ? arr : value,
      { what },
    );
  else if (!(value instanceof NDArray) && typeof value !== 'boolean' && arr.dtype === 'float64')
    arr = arr.astype(config.floatX);
  const shape = opts.shape ?? arr.shape.map(() => null);
  const type = new TensorType(arr.dtype, shape);
  arr = filterValue(type, arr, { what });
  return new SharedVariable(type, arr, name);
}

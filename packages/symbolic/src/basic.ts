/**
 * The tensor functions users call (Theano's `theano.tensor` and `tensor.nnet`), building Apply
 * nodes through the op specs. Each checks its inputs at graph-build time.
 */
import {
  type DType,
  NDArray,
  type NestedArray,
  array,
  isFloat,
  isInteger,
  isDType,
  normalizeAxes,
  normalizeAxis,
} from '@theano-ts/tensor';
import { Apply, Constant, Op, type ReduceOptions, type TensorLike, Variable } from './graph';
import type { OpName, OpParams, ScalarOpName } from './op-params';
import { OP_SPECS } from './ops';
import { TensorType } from './type';
import { TheanoTypeError, builtAt, userStackLine } from './errors';
import { config } from './config';
import { dotNd } from './linalg-fns';

/** Label of an op for printing. */
export function opLabel(op: Op): string {
  return (OP_SPECS[op.kind] as { label(p: unknown): string }).label(op.params);
}

/**
 * Build an Apply of `kind` with `params` on `inputs` and return it. Types are inferred and
 * checked by the op's spec; errors say where the user built the expression.
 */
export function applyOp<K extends OpName>(
  kind: K,
  params: OpParams[K],
  inputs: readonly Variable[],
): Apply<K> {
  const op = new Op(kind, params);
  let types: TensorType[];
  try {
    types = (
      OP_SPECS[kind] as { infer(p: OpParams[K], i: readonly Variable[]): TensorType[] }
    ).infer(params, inputs);
  } catch (e) {
    if (e instanceof TheanoTypeError)
      throw new TheanoTypeError(e.message + builtAt(userStackLine()));
    throw e;
  }
  return new Apply(op, inputs, types);
}

/** Smallest int dtype holding integer `v` (Theano's autocast), else floatX. */
function autocastDtype(v: number): DType {
  if (Number.isInteger(v)) {
    if (v >= -128 && v <= 127) return 'int8';
    if (v >= -32768 && v <= 32767) return 'int16';
    if (v >= -(2 ** 31) && v < 2 ** 31) return 'int32';
    return 'float64';
  }
  return config.floatX;
}

/**
 * A constant tensor. Numbers are autocast like Theano: integers to the smallest int dtype that
 * holds them, other numbers to floatX; nested arrays of non-integers to floatX.
 */
export function constant(x: NDArray | NestedArray, name?: string, dtype?: DType): Constant {
  let data: NDArray;
  if (x instanceof NDArray) data = dtype && dtype !== x.dtype ? x.astype(dtype) : x;
  else if (typeof x === 'number') data = array(x, { dtype: dtype ?? autocastDtype(x) });
  else {
    const a = array(x);
    data = dtype ? a.astype(dtype) : a.dtype === 'float64' ? a.astype(config.floatX) : a;
  }
  return new Constant(new TensorType(data.dtype, data.shape), data, name);
}

/** Convert anything tensor-like to a Variable (constants for data). */
export function asTensorVariable(x: TensorLike, what = 'argument'): Variable {
  if (x instanceof Variable) return x;
  if (x instanceof NDArray || typeof x === 'number' || typeof x === 'boolean' || Array.isArray(x))
    return constant(x);
  throw new TheanoTypeError(
    `cannot convert ${what} (${typeof x}: ${String(x).slice(0, 40)}) to a tensor variable`,
  );
}

/** Elementwise application with Theano's rank padding: lower-rank inputs get leading broadcastable dims. */
export function elemwiseOp(
  name: ScalarOpName,
  inputs: readonly TensorLike[],
  extra: { dtype?: DType } = {},
): Variable {
  const vars = inputs.map((x, i) => asTensorVariable(x, `input ${i} of ${name}`));
  const nd = Math.max(...vars.map((v) => v.ndim));
  const padded = vars.map((v) =>
    v.ndim < nd ? dimshuffle(v, [...Array(nd - v.ndim).fill('x'), ...v.type.shape.keys()]) : v,
  );
  return applyOp('Elemwise', { scalarOp: { name, ...extra } }, padded).outputs[0];
}

const binary =
  (name: ScalarOpName) =>
  (a: TensorLike, b: TensorLike): Variable =>
    elemwiseOp(name, [a, b]);
const unary =
  (name: ScalarOpName) =>
  (a: TensorLike): Variable =>
    elemwiseOp(name, [a]);

/** a + b, elementwise with broadcasting (numpy.add). */
export const add = binary('add');
/** a - b (numpy.subtract). */
export const sub = binary('sub');
/** a * b (numpy.multiply). */
export const mul = binary('mul');
/** a / b, true division: ints become floats (numpy.true_divide, Theano true_div). */
export const trueDiv = binary('trueDiv');
/** Alias of trueDiv. */
export const div = trueDiv;
/** a ** b (numpy.power). */
export const pow = binary('pow');
/** Elementwise maximum, NaN-propagating (numpy.maximum). */
export const maximum = binary('maximum');
/** Elementwise minimum, NaN-propagating (numpy.minimum). */
export const minimum = binary('minimum');
/** a > b elementwise, as bools (numpy.greater). */
export const gt = binary('gt');
/** a >= b elementwise, as bools (numpy.greater_equal). */
export const ge = binary('ge');
/** a < b elementwise, as bools (numpy.less). */
export const lt = binary('lt');
/** a <= b elementwise, as bools (numpy.less_equal). */
export const le = binary('le');
/** a == b elementwise, as bools (numpy.equal; Theano's eq). */
export const eq = binary('eq');
/** a != b elementwise, as bools (numpy.not_equal; Theano's neq). */
export const neq = binary('neq');
/** -x. */
export const neg = unary('neg');
/** x * x. */
export const sqr = unary('sqr');
/** Square root; NaN below 0 (numpy.sqrt). */
export const sqrt = unary('sqrt');
/** e^x (numpy.exp). */
export const exp = unary('exp');
/** Natural logarithm; -inf at 0, NaN below (numpy.log). */
export const log = unary('log');
/** log(1 + x), accurate near 0 (numpy.log1p). */
export const log1p = unary('log1p');
/** e^x - 1, accurate near 0 (numpy.expm1). */
export const expm1 = unary('expm1');
/** Hyperbolic tangent (numpy.tanh). */
export const tanh = unary('tanh');
/** |x| (numpy.absolute). */
export const abs = unary('abs');
/** Sign: -1, 0 or 1 (numpy.sign). */
export const sgn = unary('sgn');
/** 1 / x. */
export const reciprocal = unary('reciprocal');
/** Logistic sigmoid 1 / (1 + exp(-x)) (Theano tensor.nnet.sigmoid). */
export const sigmoid = unary('sigmoid');
/** log(1 + exp(x)), stable (Theano tensor.nnet.softplus). */
export const softplus = unary('softplus');
/**
 * Rectifier (Theano tensor.nnet.relu(x, alpha)): max(x, 0) by default; with a slope `alpha` for
 * negative inputs (leaky ReLU), x for x > 0 else alpha * x, whose gradient is 1 for x > 0 and
 * alpha elsewhere (x = 0 included).
 */
export function relu(x: TensorLike, alpha: TensorLike = 0): Variable {
  if (alpha === 0) return elemwiseOp('relu', [x]);
  const v = asTensorVariable(x);
  // a number slope takes x's float dtype (not floatX), so float64 inputs keep float64 math
  const a =
    typeof alpha === 'number' && isFloat(v.dtype) ? constant(alpha, undefined, v.dtype) : alpha;
  return switch_(gt(v, 0), v, mul(a, v));
}
/** Elementwise `cond ? a : b` (numpy.where / Theano switch); both branches are computed. */
export const switch_ = (cond: TensorLike, a: TensorLike, b: TensorLike): Variable =>
  elemwiseOp('switch', [cond, a, b]);
/** `b` broadcast to the shape of `a` and `b` (Theano's fill/second). */
export const second = binary('second');
/** Zeros with x's shape and dtype. */
export const zerosLike = (x: TensorLike, dtype?: DType): Variable => {
  const v = asTensorVariable(x);
  return second(v, constant(0, undefined, dtype ?? v.dtype));
};
/** Ones with x's shape and dtype. */
export const onesLike = (x: TensorLike, dtype?: DType): Variable => {
  const v = asTensorVariable(x);
  return second(v, constant(1, undefined, dtype ?? v.dtype));
};

/** Cast to `dtype` (Theano tensor.cast; float → int truncates toward zero). */
export function cast(x: TensorLike, dtype: DType): Variable {
  if (!isDType(dtype))
    throw new TheanoTypeError(`cast: unknown dtype '${String(dtype)}'${builtAt(userStackLine())}`);
  const v = asTensorVariable(x);
  return v.dtype === dtype ? v : elemwiseOp('cast', [v], { dtype });
}

/**
 * Theano's dimshuffle: permute dimensions, insert broadcastable ones ('x'), drop broadcastable
 * ones (by omitting them). E.g. a vector's dimshuffle('x', 0) is a row.
 */
export function dimshuffle(x: TensorLike, order: readonly (number | 'x')[]): Variable {
  const v = asTensorVariable(x);
  if (order.length === v.ndim && order.every((o, i) => o === i)) return v;
  return applyOp('DimShuffle', { order: [...order], inputNdim: v.ndim }, [v]).outputs[0];
}

/** Reverse (or permute) the axes (numpy.transpose). */
export function transpose(x: TensorLike, axes?: readonly number[]): Variable {
  const v = asTensorVariable(x);
  const perm = axes
    ? axes.map((a) => normalizeAxis(a, v.ndim))
    : [...v.type.shape.keys()].reverse();
  return dimshuffle(v, perm);
}

/** x.shape as an int32 vector. */
export const shape = (x: TensorLike): Variable =>
  applyOp('Shape', {}, [asTensorVariable(x)]).outputs[0];
/** x.shape[i] as an int32 scalar (Theano's Shape_i). */
export const shapeI = (x: TensorLike, i: number): Variable => {
  const v = asTensorVariable(x);
  return applyOp('ShapeI', { i: normalizeAxis(i, v.ndim) }, [v]).outputs[0];
};

/**
 * Reshape (numpy.reshape): `shape` is a list of numbers (one may be -1) or an int vector variable.
 * @throws TheanoTypeError at build time when sizes are known and differ.
 */
export function reshape(
  x: TensorLike,
  newShape: readonly (number | Variable)[] | Variable,
): Variable {
  const v = asTensorVariable(x);
  let shp: Variable;
  if (newShape instanceof Variable) shp = newShape;
  else if (newShape.every((d) => typeof d === 'number'))
    shp = constant(array(newShape as number[], { dtype: 'int32' }));
  else
    throw new TheanoTypeError(
      `reshape: symbolic entries in a shape list are not supported yet; pass a shape vector${builtAt(userStackLine())}`,
    );
  if (!isInteger(shp.dtype) || shp.ndim !== 1 || shp.type.shape[0] === null)
    throw new TheanoTypeError(
      `reshape: the shape must be an int vector of known length, got ${shp.type}${builtAt(userStackLine())}`,
    );
  return applyOp('Reshape', { ndim: shp.type.shape[0] }, [v, shp]).outputs[0];
}

/** Flatten to `ndim` dimensions, keeping the leading ndim-1 (Theano's flatten). */
export function flatten(x: TensorLike, ndim = 1): Variable {
  const v = asTensorVariable(x);
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > v.ndim)
    throw new TheanoTypeError(
      `flatten: ndim must be in [1, ${v.ndim}] for ${v.type}, got ${ndim}${builtAt(userStackLine())}`,
    );
  const lead = v.type.shape.slice(0, ndim - 1);
  if (lead.every((d) => d !== null)) return reshape(v, [...(lead as number[]), -1]);
  const dims = Array.from({ length: ndim - 1 }, (_, i) => shapeI(v, i));
  return reshape(v, makeVector([...dims, constant(-1, undefined, 'int32')]));
}

/** Join int scalars into an int32 vector (Theano's MakeVector), e.g. a symbolic shape. */
export function makeVector(items: readonly TensorLike[]): Variable {
  return applyOp(
    'MakeVector',
    {},
    items.map((x) => cast(asTensorVariable(x), 'int32')),
  ).outputs[0];
}

function reduceAxes(v: Variable, opts: ReduceOptions | undefined, fn?: string): number[] {
  try {
    return normalizeAxes(opts?.axis, v.ndim);
  } catch (e) {
    const prefix = fn ? `${fn}: ` : '';
    throw new TheanoTypeError(
      `${prefix}${(e as Error).message} (for ${v.type})${builtAt(userStackLine())}`,
    );
  }
}

function keepdimsOf(
  v: Variable,
  reduced: Variable,
  axes: readonly number[],
  keepdims?: boolean,
): Variable {
  if (!keepdims) return reduced;
  let k = 0;
  return dimshuffle(
    reduced,
    v.type.shape.map((_, i) => (axes.includes(i) ? 'x' : k++)),
  );
}

function careduce(
  scalarOp: OpParams['CAReduce']['scalarOp'],
  x: TensorLike,
  opts?: ReduceOptions,
): Variable {
  const v = asTensorVariable(x);
  const axes = reduceAxes(v, opts);
  const out = axes.length === 0 ? v : applyOp('CAReduce', { scalarOp, axes }, [v]).outputs[0];
  return keepdimsOf(v, out, axes, opts?.keepdims);
}

/** Sum over `axis` (all by default), with keepdims (numpy.sum). Small ints accumulate in int32. */
export const sum = (x: TensorLike, opts?: ReduceOptions): Variable => careduce('add', x, opts);
/** Product over `axis` (numpy.prod). */
export const prod = (x: TensorLike, opts?: ReduceOptions): Variable => careduce('mul', x, opts);
/** Maximum over `axis` (numpy.max / amax). */
export const max = (x: TensorLike, opts?: ReduceOptions): Variable => careduce('maximum', x, opts);
/** Minimum over `axis` (numpy.min / amin). */
export const min = (x: TensorLike, opts?: ReduceOptions): Variable => careduce('minimum', x, opts);

/**
 * Mean over `axis` (numpy.mean): sum divided by the number of elements reduced. Int inputs give
 * float64 like NumPy (Theano: float64 too).
 */
export function mean(x: TensorLike, opts?: ReduceOptions): Variable {
  const v = asTensorVariable(x);
  const axes = reduceAxes(v, opts);
  const s = sum(v, { axis: axes, keepdims: opts?.keepdims });
  const outDtype: DType = isFloat(v.dtype) ? v.dtype : 'float64';
  const statics = axes.map((a) => v.type.shape[a]);
  let count: Variable;
  if (statics.every((d) => d !== null))
    count = constant(
      (statics as number[]).reduce((p, d) => p * d, 1),
      undefined,
      outDtype,
    );
  else
    count = cast(
      axes.map((a) => shapeI(v, a)).reduce((p, d) => mul(p, d)),
      outDtype,
    );
  return trueDiv(cast(s, outDtype), count);
}

/**
 * Index of the best element along `axis` (Argmax or Argmin; null/undefined = over the flattened
 * array), int32, with keepdims. Shared by argmax and argmin.
 */
export function argReduce(
  kind: 'Argmax' | 'Argmin',
  x: TensorLike,
  opts: { axis?: number | null; keepdims?: boolean } = {},
): Variable {
  const v = asTensorVariable(x);
  if (opts.axis === undefined || opts.axis === null) {
    const flat = v.ndim === 1 ? v : reshape(v, [-1]);
    const out = applyOp(kind, { axis: 0 }, [flat]).outputs[0];
    return opts.keepdims
      ? dimshuffle(
          out,
          v.type.shape.map(() => 'x'),
        )
      : out;
  }
  const [axis] = reduceAxes(v, { axis: opts.axis }, kind.toLowerCase());
  return keepdimsOf(v, applyOp(kind, { axis }, [v]).outputs[0], [axis], opts.keepdims);
}

/** Index of the maximum along `axis` (numpy.argmax; null/undefined = over the flattened array). int32. */
export const argmax = (
  x: TensorLike,
  opts: { axis?: number | null; keepdims?: boolean } = {},
): Variable => argReduce('Argmax', x, opts);

/** numpy.dot for operands of any rank (scalars multiply; N-d as numpy.dot, see dotNd). */
export function dot(a: TensorLike, b: TensorLike): Variable {
  const va = asTensorVariable(a);
  const vb = asTensorVariable(b);
  if (va.ndim === 0 || vb.ndim === 0) return mul(va, vb);
  // N-d operands (numpy.dot): a tensordot over a's last and b's second-to-last axes
  if (va.ndim > 2 || vb.ndim > 2) return dotNd(va, vb);
  return applyOp('Dot', {}, [va, vb]).outputs[0];
}

/** Softmax along `axis` (default the last), exp(x - max) / sum(exp(x - max)). */
export function softmax(x: TensorLike, opts: { axis?: number } = {}): Variable {
  const v = asTensorVariable(x);
  return applyOp('Softmax', { axis: normalizeAxis(opts.axis ?? -1, v.ndim) }, [v]).outputs[0];
}

/** log(softmax(x)) computed stably. */
export function logSoftmax(x: TensorLike, opts: { axis?: number } = {}): Variable {
  const v = asTensorVariable(x);
  return applyOp('LogSoftmax', { axis: normalizeAxis(opts.axis ?? -1, v.ndim) }, [v]).outputs[0];
}

/**
 * Categorical cross-entropy (Theano tensor.nnet.categorical_crossentropy): for probabilities
 * `codingDist` (N×K) and either int labels (N) or one-hot/probability targets (N×K), returns the
 * per-row -sum(t * log(p)) as a vector of length N.
 */
export function categoricalCrossentropy(codingDist: TensorLike, trueDist: TensorLike): Variable {
  const p = asTensorVariable(codingDist, 'codingDist');
  const t = asTensorVariable(trueDist, 'trueDist');
  if (t.ndim === p.ndim) return neg(sum(mul(t, log(p)), { axis: -1 }));
  return applyOp('CrossentropyCategorical1Hot', {}, [p, t]).outputs[0];
}

/** The fused, stable softmax + cross-entropy with int labels: -log(softmax(x))[i, y[i]]. */
export function crossentropySoftmax1Hot(x: TensorLike, y: TensorLike): Variable {
  return applyOp('CrossentropySoftmax1Hot', {}, [asTensorVariable(x), asTensorVariable(y)])
    .outputs[0];
}

/**
 * Reference math on NDArray: plain, obviously correct implementations that constant folding,
 * the reference evaluator and the backend conformance suite trust. Semantics follow NumPy.
 */
import { type DType, castScalar, checkDType, promoteTypes, typedArrayFor } from './dtype';
import { NDArray } from './ndarray';
import { broadcastShapesIn, formatShape, normalizeAxes, shapeSize, shapesEqual } from './shape';
import { describeValue } from './errors';

/** @throws TypeError unless every entry of `inputs` is an NDArray. */
export function checkArrays(fn: string, arg: string, inputs: readonly unknown[]): NDArray[] {
  if (!Array.isArray(inputs))
    throw new TypeError(
      `${fn}: argument '${arg}' must be a list of NDArrays, got ${describeValue(inputs)}`,
    );
  inputs.forEach((a, i) => {
    if (!(a instanceof NDArray))
      throw new TypeError(
        `${fn}: argument '${arg}[${i}]' must be an NDArray, got ${describeValue(a)}`,
      );
  });
  return inputs as NDArray[];
}

/** @throws TypeError unless `x` is an NDArray. */
export function checkArray(fn: string, arg: string, x: unknown): NDArray {
  if (!(x instanceof NDArray))
    throw new TypeError(`${fn}: argument '${arg}' must be an NDArray, got ${describeValue(x)}`);
  return x;
}

/**
 * Apply a scalar function elementwise with NumPy broadcasting.
 * @param fn receives one number per input, returns the output element (cast to `outDtype`)
 * @throws RangeError when shapes do not broadcast.
 */
export function elemwise(
  inputs: readonly NDArray[],
  outDtype: DType,
  fn: (...xs: number[]) => number,
): NDArray {
  checkArrays('elemwise', 'inputs', inputs);
  checkDType(outDtype, 'elemwise', 'outDtype');
  if (typeof fn !== 'function')
    throw new TypeError(`elemwise: argument 'fn' must be a function, got ${describeValue(fn)}`);
  const shape = broadcastShapesIn(
    'elemwise',
    inputs.map((a) => a.shape),
  );
  const n = shapeSize(shape);
  const out = new (typedArrayFor(outDtype))(n);
  const cast = outDtype === 'float64' ? null : (v: number) => castScalar(v, outDtype);
  const vals = new Array<number>(inputs.length);
  // fast path: all contiguous, same shape
  if (inputs.every((a) => a.isContiguous && shapesEqual(a.shape, shape))) {
    const datas = inputs.map((a) => a.data);
    const offs = inputs.map((a) => a.offset);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < datas.length; j++) vals[j] = datas[j][offs[j] + i];
      const v = fn(...vals);
      out[i] = cast ? cast(v) : v;
    }
    return new NDArray(out, shape, { dtype: outDtype });
  }
  const views = inputs.map((a) => a.broadcastTo(shape));
  const ndim = shape.length;
  const pos = views.map((v) => v.offset);
  const idx = new Array<number>(ndim).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < views.length; j++) vals[j] = views[j].data[pos[j]];
    const v = fn(...vals);
    out[i] = cast ? cast(v) : v;
    for (let ax = ndim - 1; ax >= 0; ax--) {
      idx[ax]++;
      for (let j = 0; j < views.length; j++) pos[j] += views[j].strides[ax];
      if (idx[ax] < shape[ax]) break;
      for (let j = 0; j < views.length; j++) pos[j] -= views[j].strides[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  return new NDArray(out, shape, { dtype: outDtype });
}

/** Output shape of a reduction over `axes`. */
export function reducedShape(
  shape: readonly number[],
  axes: readonly number[],
  keepdims: boolean,
): number[] {
  return keepdims
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
}

/**
 * Generic reduction (numpy.ufunc.reduce): folds `fn` over `axis` starting from `init`.
 * @param axis undefined/null = all axes.
 * @throws RangeError for an out-of-range axis, or when reducing an empty axis without identity.
 */
export function reduce(
  x: NDArray,
  axis: number | readonly number[] | null | undefined,
  opts: {
    keepdims?: boolean;
    init: number;
    fn: (acc: number, v: number) => number;
    dtype?: DType;
    identityRequired?: string;
  },
): NDArray {
  checkArray('reduce', 'x', x);
  const axes = normalizeAxes(axis, x.ndim, 'reduce');
  const keep = opts.keepdims ?? false;
  const outShapeKeep = reducedShape(x.shape, axes, true);
  const outShape = reducedShape(x.shape, axes, keep);
  if (opts.identityRequired && axes.some((a) => x.shape[a] === 0))
    throw new RangeError(
      `zero-size array to reduction operation ${opts.identityRequired} which has no identity (shape ${formatShape(x.shape)}, axis ${JSON.stringify(axis ?? null)}): expected a non-empty axis`,
    );
  const dtype = opts.dtype ?? x.dtype;
  const n = shapeSize(outShapeKeep);
  const acc = new Float64Array(n).fill(opts.init);
  // step in the accumulator when an input axis advances: 0 along reduced axes
  const oStep = outShapeKeep.map((_, i) =>
    axes.includes(i) ? 0 : outShapeKeep.slice(i + 1).reduce((q, d) => q * d, 1),
  );
  const ndim = x.ndim;
  const idx = new Array<number>(ndim).fill(0);
  const total = x.size;
  let p = x.offset;
  let o = 0;
  for (let k = 0; k < total; k++) {
    acc[o] = opts.fn(acc[o], x.data[p]);
    for (let ax = ndim - 1; ax >= 0; ax--) {
      idx[ax]++;
      p += x.strides[ax];
      o += oStep[ax];
      if (idx[ax] < x.shape[ax]) break;
      p -= x.strides[ax] * x.shape[ax];
      o -= oStep[ax] * x.shape[ax];
      idx[ax] = 0;
    }
  }
  const out = new (typedArrayFor(dtype))(n);
  for (let i = 0; i < n; i++) out[i] = castScalar(acc[i], dtype);
  return new NDArray(out, outShape, { dtype });
}

/**
 * Index of the best element along one axis (numpy.argmax / argmin): first occurrence wins,
 * NaN counts as the maximum (NumPy). Output dtype int32.
 * @param axis undefined/null: over the flattened array.
 */
export function argReduce(
  x: NDArray,
  axis: number | null | undefined,
  better: (a: number, b: number) => boolean,
  keepdims = false,
): NDArray {
  if (axis === null || axis === undefined) {
    const flat = checkArray('argReduce', 'x', x).reshape([-1]);
    if (flat.size === 0)
      throw new RangeError(
        'argReduce: attempt to get argmax/argmin of an empty sequence (the array is empty)',
      );
    const r = argReduce(flat, 0, better, false);
    return keepdims ? r.reshape(x.shape.map(() => 1)) : r;
  }
  checkArray('argReduce', 'x', x);
  if (typeof axis !== 'number')
    throw new TypeError(
      `argReduce: argument 'axis' must be an integer or null, got ${describeValue(axis)}`,
    );
  const [ax] = normalizeAxes(axis, x.ndim, 'argReduce');
  if (x.shape[ax] === 0)
    throw new RangeError(
      `argReduce: attempt to get argmax/argmin of an empty sequence (axis ${ax} of shape ${formatShape(x.shape)} has length 0)`,
    );
  const moved = x.transpose([...x.shape.keys()].filter((a) => a !== ax).concat([ax])).contiguous();
  const len = x.shape[ax];
  const outer = moved.size / len;
  const out = new Int32Array(outer);
  for (let i = 0; i < outer; i++) {
    let best = 0;
    let bv = moved.data[i * len];
    for (let j = 1; j < len && !Number.isNaN(bv); j++) {
      const v = moved.data[i * len + j];
      if (Number.isNaN(v) || better(v, bv)) {
        best = j;
        bv = v;
      }
    }
    out[i] = best;
  }
  return new NDArray(out, reducedShape(x.shape, [ax], keepdims), { dtype: 'int32' });
}

/**
 * numpy.dot: the inner product of 1-D operands, the matrix product of 2-D ones, a scaling for
 * 0-d ones, and for N-D operands a sum product over the last axis of `a` and the second-to-last
 * of `b` (`dot(a, b)[i, j, k, m] = sum(a[i, j, :] * b[k, :, m])`). Accumulates in float64 and
 * rounds once to `outDtype` (default: the promotion of both dtypes, as NumPy).
 * https://numpy.org/doc/stable/reference/generated/numpy.dot.html
 * @throws RangeError when the contracted dimensions differ (NumPy's "shapes ... not aligned").
 */
export function dot(a: NDArray, b: NDArray, dtype?: DType): NDArray {
  checkArray('dot', 'a', a);
  checkArray('dot', 'b', b);
  const outDtype =
    dtype === undefined ? promoteTypes(a.dtype, b.dtype) : checkDType(dtype, 'dot', 'outDtype');
  if (a.ndim === 0 || b.ndim === 0) return elemwise([a, b], outDtype, (x, y) => x * y);
  const ka = a.ndim - 1;
  const kb = b.ndim === 1 ? 0 : b.ndim - 2;
  const k = a.shape[ka];
  if (k !== b.shape[kb])
    throw new RangeError(
      `dot: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} not aligned: ${k} (dim ${ka}) != ${b.shape[kb]} (dim ${kb})`,
    );
  // move the contracted axis of b first, then flatten: A (m×k), B (k×n)
  const bPerm = [kb, ...[...b.shape.keys()].filter((i) => i !== kb)];
  const m = shapeSize(a.shape.slice(0, ka));
  const n = shapeSize(b.shape.filter((_, i) => i !== kb));
  const A = a.reshape([m, k]).contiguous();
  const B = b.transpose(bPerm).reshape([k, n]).contiguous();
  const ad = A.data;
  const bd = B.data;
  const acc = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = ad[i * k + p];
      const row = p * n;
      const orow = i * n;
      for (let j = 0; j < n; j++) acc[orow + j] += av * bd[row + j];
    }
  const out = new (typedArrayFor(outDtype))(m * n);
  for (let i = 0; i < m * n; i++) out[i] = castScalar(acc[i], outDtype);
  const shape = [...a.shape.slice(0, ka), ...b.shape.filter((_, i) => i !== kb)];
  return new NDArray(out, shape, { dtype: outDtype });
}

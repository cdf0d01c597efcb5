/**
 * The CPU kernel of a plain CAReduce (sum, prod, max, min over any axes) of a float32 or
 * float64 array. Same arithmetic as the reference (`reduce` in @theano-ts/tensor): each output
 * element folds its inputs in C order into a float64 accumulator starting from the identity and
 * is rounded once to the output dtype, so results are bit-identical; but the innermost axis is a
 * tight loop specialised per scalar op (the reference calls a closure per element), so a sum
 * over the leading axis — a bias gradient, (128, 256) → (256) — is one pass adding rows.
 * Other dtypes, empty inputs and empty max/min (which raise) run the reference.
 */
import { NDArray, shapeSize } from '@theano-ts/tensor';
import { type Apply, CAREDUCE_FOLDS, type OpParams } from '@theano-ts/symbolic';
import { allocate } from './buffer-pool';

type ScalarReduce = OpParams['CAReduce']['scalarOp'];

const maxOf = CAREDUCE_FOLDS.maximum.fn;
const minOf = CAREDUCE_FOLDS.minimum.fn;

/**
 * acc[o], acc[o + oStep], … (len terms) ← fold with data[p], data[p + step], …; oStep 0: all
 * into acc[o].
 */
function foldRun(
  op: ScalarReduce,
  acc: Float64Array,
  o: number,
  oStep: number,
  data: ArrayLike<number>,
  p: number,
  step: number,
  len: number,
): void {
  if (oStep === 0) {
    let s = acc[o];
    switch (op) {
      case 'add':
        for (let j = 0; j < len; j++, p += step) s += data[p];
        break;
      case 'mul':
        for (let j = 0; j < len; j++, p += step) s *= data[p];
        break;
      case 'maximum':
        for (let j = 0; j < len; j++, p += step) s = maxOf(s, data[p]);
        break;
      case 'minimum':
        for (let j = 0; j < len; j++, p += step) s = minOf(s, data[p]);
        break;
    }
    acc[o] = s;
    return;
  }
  const end = o + len * oStep;
  switch (op) {
    case 'add':
      for (; o !== end; o += oStep, p += step) acc[o] += data[p];
      break;
    case 'mul':
      for (; o !== end; o += oStep, p += step) acc[o] *= data[p];
      break;
    case 'maximum':
      for (; o !== end; o += oStep, p += step) acc[o] = maxOf(acc[o], data[p]);
      break;
    case 'minimum':
      for (; o !== end; o += oStep, p += step) acc[o] = minOf(acc[o], data[p]);
      break;
  }
}

/**
 * `x` reduced over `axes` (sorted, distinct, in range) with `op`, as an array of `dtype` (x's
 * float dtype), or undefined when the reference should run (see the module comment).
 */
export function reduceFloat(
  x: NDArray,
  axes: readonly number[],
  op: ScalarReduce,
  dtype: string,
): NDArray | undefined {
  if ((x.dtype !== 'float32' && x.dtype !== 'float64') || dtype !== x.dtype) return undefined;
  if (x.size === 0 || x.ndim === 0) return undefined;
  const { shape, strides, data } = x;
  const ndim = shape.length;
  const reduced = shape.map((_, ax) => axes.includes(ax));
  const outShape = shape.filter((_, ax) => !reduced[ax]);
  const nOut = shapeSize(outShape);
  // step in the accumulator along each input axis (0 along reduced axes)
  const oStep = new Array<number>(ndim);
  for (let ax = ndim - 1, q = 1; ax >= 0; ax--) {
    oStep[ax] = reduced[ax] ? 0 : q;
    if (!reduced[ax]) q *= shape[ax];
  }
  const acc = new Float64Array(nOut).fill(CAREDUCE_FOLDS[op].init);
  const last = ndim - 1;
  const len = shape[last];
  const rows = x.size / len;
  const idx = new Array<number>(ndim).fill(0);
  let p = x.offset;
  let o = 0;
  for (let r = 0; r < rows; r++) {
    foldRun(op, acc, o, oStep[last], data, p, strides[last], len);
    // advance the odometer over the axes before the last
    for (let ax = last - 1; ax >= 0; ax--) {
      idx[ax]++;
      p += strides[ax];
      o += oStep[ax];
      if (idx[ax] < shape[ax]) break;
      p -= strides[ax] * shape[ax];
      o -= oStep[ax] * shape[ax];
      idx[ax] = 0;
    }
  }
  const out = allocate(x.dtype, nOut);
  out.set(acc);
  return new NDArray(out, outShape, { dtype: x.dtype });
}

/** The plain CAReduce's kernel: {@link reduceFloat}, else the reference (`perform`). */
export function plainReduceKernel(
  node: Apply<'CAReduce'>,
  reference: (x: NDArray) => NDArray,
): (inputs: readonly NDArray[]) => NDArray[] {
  const { axes, scalarOp } = node.op.params;
  const dtype = node.outputs[0].dtype;
  return ([x]) => [reduceFloat(x, axes, scalarOp, dtype) ?? reference(x)];
}

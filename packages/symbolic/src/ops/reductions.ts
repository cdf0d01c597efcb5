import {
  type DType,
  NDArray,
  argReduce,
  castScalar,
  elemwise,
  reduce,
  typedArrayFor,
} from '@theano-ts/tensor';
import { upgradeToFloat } from '../config';
import { type OpSpec, fail } from '../op-spec';
import { TensorType } from '../type';
import type { Variable } from '../graph';

/**
 * Parameters of the reduction ops beyond CAReduce (sum, prod, max, min) and Argmax, which are
 * core ops: one key per op (see OpParams). Axes are normalized (non-negative, sorted) by the
 * user functions (reduction-fns.ts); keepdims is a DimShuffle after the op, as for CAReduce.
 */
export interface ReductionOpParams {
  /** Index of the minimum along one axis (int32); the first one wins, NaN counts as the minimum (numpy.argmin). */
  Argmin: {
    /** The axis searched. */
    axis: number;
  };
  /** Whether all elements over `axes` are nonzero (numpy.all, Theano's All); bool. */
  All: {
    /** The input axes reduced. */
    axes: readonly number[];
  };
  /** Whether any element over `axes` is nonzero (numpy.any, Theano's Any); bool. */
  Any: {
    /** The input axes reduced. */
    axes: readonly number[];
  };
  /**
   * log(sum(exp(x))) over `axes`, computed stably as m + log(sum(exp(x - m))) with m the maximum
   * (scipy.special.logsumexp, PyTensor's logsumexp); ints give floats.
   */
  LogSumExp: {
    /** The input axes reduced. */
    axes: readonly number[];
  };
  /**
   * Cumulative sum ('add') or product ('mul') along `axis` (Theano's CumOp; numpy.cumsum /
   * cumprod). `reverse` accumulates from the end (x[i] + x[i+1] + ...), which the gradients use.
   */
  CumOp: {
    /** The axis accumulated along. */
    axis: number;
    /** 'add': cumulative sum; 'mul': cumulative product. */
    mode: 'add' | 'mul';
    /** Accumulate from the end. */
    reverse: boolean;
  };
}

function checkAxes(label: string, axes: readonly number[], x: Variable): void {
  if (
    axes.some((a) => !Number.isInteger(a) || a < 0 || a >= x.ndim) ||
    new Set(axes).size !== axes.length
  )
    fail(label, `axes [${axes.join(', ')}] out of range or repeated for ${x.type}`);
}

const reducedType = (dtype: DType, x: Variable, axes: readonly number[]): TensorType =>
  new TensorType(
    dtype,
    x.type.shape.filter((_, i) => !axes.includes(i)),
  );

/** NumPy's accumulator dtype for sums and products of small ints (int64 there, int32 here), as CAReduce. */
const accumulatorDtype = (d: DType): DType =>
  ['bool', 'int8', 'int16', 'uint8'].includes(d) ? 'int32' : d;

/** Type inference and reference implementations of the reductions ops. */
export const REDUCTION_SPECS: { readonly [K in keyof ReductionOpParams]: OpSpec<K> } = {
  Argmin: {
    label: (p) => `Argmin{axis=${p.axis}}`,
    infer(p, [x]) {
      if (!Number.isInteger(p.axis) || p.axis < 0 || p.axis >= x.ndim)
        fail('Argmin', `axis ${p.axis} out of range for ${x.type}`);
      return [reducedType('int32', x, [p.axis])];
    },
    perform: (node, [x]) => [argReduce(x, node.op.params.axis, (a, b) => a < b)],
  },
  All: {
    label: (p) => `All{axes=[${p.axes.join(',')}]}`,
    infer(p, [x]) {
      checkAxes('All', p.axes, x);
      return [reducedType('bool', x, p.axes)];
    },
    perform: (node, [x]) => [
      reduce(x, node.op.params.axes, {
        init: 1,
        fn: (acc, v) => (acc !== 0 && v !== 0 ? 1 : 0),
        dtype: 'bool',
      }),
    ],
  },
  Any: {
    label: (p) => `Any{axes=[${p.axes.join(',')}]}`,
    infer(p, [x]) {
      checkAxes('Any', p.axes, x);
      return [reducedType('bool', x, p.axes)];
    },
    perform: (node, [x]) => [
      reduce(x, node.op.params.axes, {
        init: 0,
        fn: (acc, v) => (acc !== 0 || v !== 0 ? 1 : 0),
        dtype: 'bool',
      }),
    ],
  },
  LogSumExp: {
    label: (p) => `LogSumExp{axes=[${p.axes.join(',')}]}`,
    infer(p, [x]) {
      checkAxes('LogSumExp', p.axes, x);
      return [reducedType(upgradeToFloat(x.dtype), x, p.axes)];
    },
    perform(node, [x]) {
      const { axes } = node.op.params;
      const dtype = node.outputs[0].dtype;
      // the shift m: the maximum where finite, else 0 (scipy: all -inf gives -inf, +inf gives inf)
      const mx = reduce(x, axes, {
        keepdims: true,
        init: -Infinity,
        fn: (a, v) => (a !== a || v !== v ? NaN : a > v ? a : v),
        dtype: 'float64',
      });
      const shift = elemwise([mx], 'float64', (m) => (Number.isFinite(m) ? m : 0));
      const e = elemwise([x, shift], 'float64', (v, m) => Math.exp(v - m));
      const s = reduce(e, axes, { keepdims: true, init: 0, fn: (a, v) => a + v, dtype: 'float64' });
      const out = elemwise([s, shift], dtype, (v, m) => Math.log(v) + m);
      return [out.reshape(reducedShape(x, axes))];
    },
  },
  CumOp: {
    label: (p) => `CumOp{axis=${p.axis}, ${p.mode}${p.reverse ? ', reverse' : ''}}`,
    infer(p, [x]) {
      if (!Number.isInteger(p.axis) || p.axis < 0 || p.axis >= x.ndim)
        fail('CumOp', `axis ${p.axis} out of range for ${x.type}`);
      if (p.mode !== 'add' && p.mode !== 'mul')
        fail('CumOp', `mode must be 'add' or 'mul', got ${JSON.stringify(p.mode)}`);
      return [new TensorType(accumulatorDtype(x.dtype), x.type.shape)];
    },
    perform(node, [x]) {
      const { axis, mode, reverse } = node.op.params;
      const dtype = node.outputs[0].dtype;
      const n = x.shape[axis];
      const out = new (typedArrayFor(dtype))(x.size);
      // lanes along `axis`: row-major output offsets and input positions by strides
      const outStride = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const lanes = n === 0 ? 0 : x.size / n;
      const other = x.shape.map((d, i) => (i === axis ? 1 : d));
      const idx = new Array<number>(x.ndim).fill(0);
      for (let l = 0; l < lanes; l++) {
        let pin = x.offset;
        let pout = 0;
        let mul = 1;
        for (let d = x.ndim - 1; d >= 0; d--) {
          pin += idx[d] * x.strides[d];
          pout += idx[d] * mul;
          mul *= x.shape[d];
        }
        // accumulate in the output dtype, rounding each partial result as NumPy does
        let acc = mode === 'add' ? 0 : 1;
        for (let k = 0; k < n; k++) {
          const j = reverse ? n - 1 - k : k;
          const v = x.data[pin + j * x.strides[axis]];
          acc = castScalar(mode === 'add' ? acc + v : acc * v, dtype);
          out[pout + j * outStride] = acc;
        }
        for (let d = x.ndim - 1; d >= 0; d--) {
          if (++idx[d] < other[d]) break;
          idx[d] = 0;
        }
      }
      return [new NDArray(out, [...x.shape], { dtype })];
    },
  },
};

/** x's shape without `axes`. */
function reducedShape(x: NDArray, axes: readonly number[]): number[] {
  return x.shape.filter((_, i) => !axes.includes(i));
}

import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from './index';

const THIS_FILE = fileURLToPath(import.meta.url);
const floatX = T.config.floatX;
afterEach(() => {
  T.config.floatX = floatX;
});

/** The error thrown by `f`, which must throw. */
function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('constant autocast (Theano: smallest int dtype, floatX for other numbers)', () => {
  it.each([
    [1, 'int8'],
    [-128, 'int8'],
    [127, 'int8'],
    [128, 'int16'],
    [-32769, 'int32'],
    [2 ** 31 - 1, 'int32'],
    [2 ** 31, 'float64'],
  ] as const)('%d becomes %s', (v, dtype) => {
    const c = T.constant(v);
    expect(c.dtype).toBe(dtype);
    expect(c.ndim).toBe(0);
    expect(c.data.item()).toBe(v);
  });

  it('non-integers become floatX', () => {
    T.config.floatX = 'float32';
    expect(T.constant(0.5).dtype).toBe('float32');
    expect(T.constant(0.1).data.item()).toBe(Math.fround(0.1));
    T.config.floatX = 'float64';
    expect(T.constant(0.5).dtype).toBe('float64');
    expect(T.constant(0.1).data.item()).toBe(0.1);
  });

  it('nested arrays: int32 for integers, floatX otherwise; an explicit dtype wins', () => {
    T.config.floatX = 'float32';
    expect(T.constant([1, 2]).dtype).toBe('int32');
    expect(T.constant([1.5, 2]).dtype).toBe('float32');
    expect(T.constant([1, 2], undefined, 'float64').dtype).toBe('float64');
    expect(T.constant(3, undefined, 'float32').dtype).toBe('float32');
  });

  it('a constant of an NDArray keeps its dtype and shape (static)', () => {
    const c = T.constant(array([[1, 2, 3]], { dtype: 'int16' }));
    expect(c.type.dtype).toBe('int16');
    expect(c.type.shape).toEqual([1, 3]);
  });

  it('numbers mixed with tensors upcast like Theano: int8 constants keep small int dtypes', () => {
    expect(T.add(T.bvector('v'), 1).dtype).toBe('int8');
    expect(T.add(T.ivector('v'), 1).dtype).toBe('int32');
    expect(T.add(T.fvector('v'), 1).dtype).toBe('float32');
    T.config.floatX = 'float32';
    expect(T.mul(T.fvector('v'), 0.5).dtype).toBe('float32');
    expect(T.mul(T.dvector('v'), 0.5).dtype).toBe('float64');
  });
});

describe('expression types', () => {
  it('pads lower-rank inputs with broadcastable dimensions', () => {
    const m = T.dmatrix('m');
    const v = T.dvector('v');
    const s = T.add(m, v);
    expect(s.ndim).toBe(2);
    const padded = s.owner!.inputs[1];
    expect(padded.owner!.op.kind).toBe('DimShuffle');
    expect(padded.type.shape).toEqual([1, null]);
  });

  it('infers static shapes through Elemwise: broadcastable only when every input is', () => {
    const a = T.tensor('a', { dtype: 'float64', shape: [1, 3] });
    const b = T.tensor('b', { dtype: 'float64', shape: [4, 1] });
    expect(T.add(a, b).type.shape).toEqual([4, 3]);
    expect(T.add(T.drow('r'), T.dmatrix('m')).type.shape).toEqual([null, null]);
    expect(T.add(T.drow('r'), T.drow('s')).type.shape).toEqual([1, null]);
  });

  it('true division of ints gives floats (Theano upgrade_to_float)', () => {
    expect(T.trueDiv(T.ivector('i'), T.ivector('j')).dtype).toBe('float64');
    expect(T.trueDiv(T.bvector('i'), T.bvector('j')).dtype).toBe('float32');
    expect(T.upgradeToFloat('int16')).toBe('float32');
    expect(T.upgradeToFloat('float32')).toBe('float32');
  });

  it('comparisons give bool; cast and astype change the dtype', () => {
    expect(T.gt(T.dvector('a'), 0).dtype).toBe('bool');
    expect(T.cast(T.dvector('a'), 'int32').dtype).toBe('int32');
    const x = T.fvector('x');
    expect(T.cast(x, 'float32')).toBe(x);
    expect(x.astype('float64').dtype).toBe('float64');
  });

  it('reductions drop or keep axes and accumulate small ints in int32', () => {
    const x = T.tensor('x', { dtype: 'float64', shape: [2, 3, 4] });
    expect(T.sum(x).type.shape).toEqual([]);
    expect(T.sum(x, { axis: 1 }).type.shape).toEqual([2, 4]);
    expect(T.sum(x, { axis: -1, keepdims: true }).type.shape).toEqual([2, 3, 1]);
    expect(T.max(x, { axis: [0, 2] }).type.shape).toEqual([3]);
    expect(T.sum(T.bvector('b')).dtype).toBe('int32');
    expect(T.max(T.bvector('b')).dtype).toBe('int8');
  });

  it('mean divides by the static count and gives float64 for ints (NumPy)', () => {
    const x = T.tensor('x', { dtype: 'float32', shape: [2, 3] });
    const m = T.mean(x, { axis: 1 });
    expect(m.dtype).toBe('float32');
    expect(
      T.evaluate(
        [m],
        new Map([
          [
            x,
            array(
              [
                [1, 2, 3],
                [4, 5, 9],
              ],
              { dtype: 'float32' },
            ),
          ],
        ]),
      )[0].toArray(),
    ).toEqual([2, 6]);
    expect(T.mean(T.ivector('i')).dtype).toBe('float64');
    const v = T.dvector('v');
    expect(T.evaluate([T.mean(v)], new Map([[v, [1, 2, 6]]]))[0].item()).toBe(3);
  });

  it('argmax gives int32, over the flattened array by default', () => {
    const x = T.dmatrix('x');
    expect(T.argmax(x).type.shape).toEqual([]);
    expect(T.argmax(x, { axis: 1 }).type.shape).toEqual([null]);
    expect(T.argmax(x, { axis: 0, keepdims: true }).type.shape).toEqual([1, null]);
    expect(T.argmax(x).dtype).toBe('int32');
  });

  it('dot types follow numpy.dot for every rank combination', () => {
    const M = T.tensor('M', { dtype: 'float32', shape: [2, 3] });
    const N = T.tensor('N', { dtype: 'float32', shape: [3, 4] });
    const v = T.tensor('v', { dtype: 'float32', shape: [3] });
    const w = T.tensor('w', { dtype: 'float64', shape: [2] });
    expect(T.dot(M, N).type.shape).toEqual([2, 4]);
    expect(T.dot(M, v).type.shape).toEqual([2]);
    expect(T.dot(w, M).type.shape).toEqual([3]);
    expect(T.dot(w, M).dtype).toBe('float64');
    expect(T.dot(v, v).type.shape).toEqual([]);
    expect(T.dot(T.dscalar('s'), M).type.shape).toEqual([2, 3]);
  });

  it('reshape infers static shapes from constant targets', () => {
    const x = T.tensor('x', { dtype: 'float64', shape: [2, 6] });
    expect(T.reshape(x, [3, -1]).type.shape).toEqual([3, 4]);
    expect(T.reshape(T.dmatrix('m'), [-1, 2]).type.shape).toEqual([null, 2]);
    expect(T.flatten(T.dtensor3('t'), 2).ndim).toBe(2);
    expect(T.dmatrix('m').flatten().ndim).toBe(1);
  });
});

describe('build-time errors name the op, what was expected, what was given, and where', () => {
  it('dot of misaligned static shapes', () => {
    const A = T.tensor('A', { dtype: 'float64', shape: [2, 3] });
    const B = T.tensor('B', { dtype: 'float64', shape: [4, 5] });
    const e = errorOf(() => T.dot(A, B));
    expect(e).toBeInstanceOf(T.TheanoTypeError);
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch(/^Dot: shapes not aligned/);
    expect(e.message).toContain("input 0 'A' (float64 matrix shape (2, 3)) has 3 columns");
    expect(e.message).toContain("input 1 'B' (float64 matrix shape (4, 5)) has 4 rows");
    expect(e.message).toContain('The expression was built at');
    expect(e.message).toContain(THIS_FILE);
  });

  it('Elemwise with incompatible static shapes', () => {
    const a = T.tensor('a', { dtype: 'float64', shape: [null, 3] });
    const b = T.tensor('b', { dtype: 'float64', shape: [null, 4] });
    const e = errorOf(() => T.add(a, b));
    expect(e).toBeInstanceOf(T.TheanoTypeError);
    expect(e.message).toMatch(/^Elemwise\{add\}: static shapes do not broadcast in dimension 1/);
    expect(e.message).toContain("input 0 'a' (float64 matrix shape (?, 3)) has 3");
    expect(e.message).toContain("input 1 'b' (float64 matrix shape (?, 4)) has 4");
    expect(e.message).toContain(THIS_FILE);
  });

  it('dimshuffle dropping a dimension that is not broadcastable', () => {
    const e = errorOf(() => T.dmatrix('m').dimshuffle(1));
    expect(e).toBeInstanceOf(T.TheanoTypeError);
    expect(e.message).toMatch(/^DimShuffle\{1\}: cannot drop dimension 0 of float64 matrix/);
    expect(e.message).toContain('only broadcastable (length-1) dimensions can be dropped');
    expect(e.message).toContain(THIS_FILE);
    // dropping a broadcastable one is fine
    expect(T.dcol('c').dimshuffle(0).type.shape).toEqual([null]);
  });

  it('dimshuffle with a repeated or out-of-range dimension', () => {
    const e = errorOf(() => T.dmatrix('m').dimshuffle(0, 0));
    expect(e.message).toMatch(
      /^DimShuffle\{0,0\}: order must use each of the input's dimensions 0\.\.1 at most once, got \[0, 0\]/,
    );
    expect(errorOf(() => T.dmatrix('m').dimshuffle(0, 2)).message).toContain('got [0, 2]');
  });

  it('softmax of an int tensor', () => {
    const e = errorOf(() => T.softmax(T.imatrix('x')));
    expect(e).toBeInstanceOf(T.TheanoTypeError);
    expect(e.message).toMatch(/^Softmax: input 0 'x' \(int32 matrix\) must be a float tensor/);
    expect(e.message).toContain(THIS_FILE);
  });

  it('categoricalCrossentropy with a float labels vector', () => {
    const e = errorOf(() => T.categoricalCrossentropy(T.fmatrix('p'), T.fvector('y')));
    expect(e).toBeInstanceOf(T.TheanoTypeError);
    expect(e.message).toMatch(
      /^CrossentropyCategorical1Hot: input 1 'y' \(float32 vector\) must be an integer tensor \(class labels\), got dtype float32/,
    );
    expect(e.message).toContain(THIS_FILE);
  });

  it('crossentropy ops check ranks and the number of labels', () => {
    expect(
      errorOf(() => T.crossentropySoftmax1Hot(T.fvector('x'), T.ivector('y'))).message,
    ).toMatch(
      /CrossentropySoftmax1Hot: input 0 'x' \(float32 vector\) must have 2 dimensions, got 1/,
    );
    const x = T.tensor('x', { dtype: 'float32', shape: [4, 3] });
    const y = T.tensor('y', { dtype: 'int32', shape: [5] });
    expect(errorOf(() => T.crossentropySoftmax1Hot(x, y)).message).toMatch(
      /number of rows and of labels differ: 4 != 5/,
    );
  });

  it('Elemwise inputs of different ranks given directly to applyOp', () => {
    const e = errorOf(() =>
      T.applyOp('Elemwise', { scalarOp: { name: 'add' } }, [T.dmatrix('m'), T.dvector('v')]),
    );
    expect(e.message).toMatch(
      /all inputs must have the same number of dimensions.*input 0 has 2, input 1 'v' \(float64 vector\) has 1/,
    );
    expect(
      errorOf(() => T.applyOp('Elemwise', { scalarOp: { name: 'add' } }, [T.dvector('v')])).message,
    ).toMatch(/expected 2 inputs, got 1/);
  });

  it('reshape to a size that cannot hold the data', () => {
    const x = T.tensor('x', { dtype: 'float64', shape: [2, 3] });
    const e = errorOf(() => T.reshape(x, [4, 2]));
    expect(e.message).toMatch(
      /^Reshape: cannot reshape array of size 6 into shape \[4, 2\] \(input float64 matrix shape \(2, 3\)\)/,
    );
    expect(e.message).toContain(THIS_FILE);
  });

  it('reductions over an axis the tensor does not have', () => {
    const e = errorOf(() => T.sum(T.dmatrix('m'), { axis: 2 }));
    expect(e).toBeInstanceOf(T.TheanoTypeError);
    expect(e.message).toMatch(
      /axis 2 is out of bounds for an array of dimension 2 \(for float64 matrix\)/,
    );
    expect(e.message).toContain(THIS_FILE);
  });

  it('unknown dtypes in cast', () => {
    expect(errorOf(() => T.cast(T.dvector('v'), 'int64' as never)).message).toMatch(
      /cast: unknown dtype 'int64'/,
    );
  });

  it('things that are not tensors', () => {
    expect(errorOf(() => T.add(T.dvector('v'), 'a' as never)).message).toMatch(
      /cannot convert input 1 of add \(string: a\) to a tensor variable/,
    );
  });
});

describe('Variable methods mirror the free functions', () => {
  it('builds the same ops', () => {
    const x = T.dvector('x');
    expect(x.add(1).owner!.op.key).toBe(T.add(x, 1).owner!.op.key);
    expect(x.div(2).owner!.op.params).toEqual({ scalarOp: { name: 'trueDiv' } });
    expect(x.neg().owner!.op.params).toEqual({ scalarOp: { name: 'neg' } });
    expect(T.dmatrix('m').T.owner!.op.params).toEqual({ order: [1, 0], inputNdim: 2 });
    expect(x.shape.type.shape).toEqual([1]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { NDArray, array, zeros } from '@theano-ts/tensor';
import * as T from './index';

const floatX = T.config.floatX;
afterEach(() => {
  T.config.floatX = floatX;
});

describe('variable constructors', () => {
  it('bare constructors use floatX, float32 by default', () => {
    expect(T.config.floatX).toBe('float32');
    expect(T.scalar().dtype).toBe('float32');
    expect(T.matrix('m').dtype).toBe('float32');
    T.config.floatX = 'float64';
    expect(T.vector('v').dtype).toBe('float64');
    expect(T.tensor4().dtype).toBe('float64');
  });

  it("takes a dtype as Theano's second argument (T.vector(name, dtype)); refuses what it cannot use", () => {
    expect(T.vector('v', 'float64').dtype).toBe('float64');
    expect(T.matrix('m', 'int32').type.shape).toEqual([null, null]);
    expect(T.fvector('f', 'float32').dtype).toBe('float32');
    expect(() => T.vector('v', 'float65' as never)).toThrow(/vector: unknown dtype 'float65'/);
    expect(() => T.fvector('f', 'float64')).toThrow(
      /fvector: its dtype is float32 \(the prefix\), got dtype 'float64'; use vector\(name, 'float64'\)/,
    );
    expect(() => T.dmatrix('m', { dtype: 'int32' })).toThrow(/dmatrix: its dtype is float64/);
    expect(() => T.vector('v', 3 as never)).toThrow(
      /vector: the second argument is a dtype or \{ dtype, shape \}, got number/,
    );
    expect(() => T.vector(5 as never)).toThrow(/vector: the name must be a string, got number/);
  });

  it.each([
    ['bscalar', T.bscalar, 'int8', []],
    ['wvector', T.wvector, 'int16', [null]],
    ['imatrix', T.imatrix, 'int32', [null, null]],
    ['irow', T.irow, 'int32', [1, null]],
    ['icol', T.icol, 'int32', [null, 1]],
    ['fscalar', T.fscalar, 'float32', []],
    ['ftensor3', T.ftensor3, 'float32', [null, null, null]],
    ['dvector', T.dvector, 'float64', [null]],
    ['drow', T.drow, 'float64', [1, null]],
    ['dtensor4', T.dtensor4, 'float64', [null, null, null, null]],
  ] as const)('%s has dtype %s and shape %j', (_n, ctor, dtype, shape) => {
    const v = ctor('x');
    expect(v.dtype).toBe(dtype);
    expect(v.type.shape).toEqual(shape);
    expect(v.name).toBe('x');
    expect(v.owner).toBeNull();
  });

  it('takes a dtype and a static shape', () => {
    const n = T.scalar('n', { dtype: 'int32' });
    expect(n.dtype).toBe('int32');
    const t = T.tensor('t', { dtype: 'float32', shape: [null, 1, 28, 28] });
    expect(t.type.shape).toEqual([null, 1, 28, 28]);
    expect(t.broadcastable).toEqual([false, true, false, false]);
    expect(T.tensor('u', { ndim: 2 }).type.shape).toEqual([null, null]);
    expect(T.tensor('s').ndim).toBe(0);
    expect(T.matrix('m', { shape: [null, 3] }).type.shape).toEqual([null, 3]);
    expect(T.row('r', { shape: [null, 5] }).type.shape).toEqual([1, 5]);
  });

  it('rejects a static shape of the wrong rank, or one that contradicts row / col', () => {
    expect(() => T.matrix('m', { shape: [3] })).toThrow(
      /matrix: shape \[3\] must have 2 dimensions/,
    );
    expect(() => T.row('r', { shape: [5, null] })).toThrow(T.TheanoTypeError);
    expect(() => T.row('r', { shape: [5, null] })).toThrow(
      /row: dimension 0 of a row is broadcastable and must have length 1/,
    );
    expect(() => T.col('c', { shape: [null, 2] })).toThrow(/col: dimension 1/);
    expect(() => T.vector('v', { dtype: 'int64' as never })).toThrow(
      /vector: unknown dtype 'int64'/,
    );
  });

  it('plural helpers make one variable per name', () => {
    const [a, b] = T.dmatrices('a', 'b');
    expect([a.name, b.name]).toEqual(['a', 'b']);
    expect(a.dtype).toBe('float64');
    expect(a).not.toBe(b);
    expect(T.iscalars('i', 'j', 'k').map((v) => v.dtype)).toEqual(['int32', 'int32', 'int32']);
  });

  it('gives every variable a distinct id', () => {
    const ids = [T.dvector(), T.dvector(), T.dvector()].map((v) => v.id);
    expect(new Set(ids).size).toBe(3);
  });
});

describe('shared', () => {
  it('keeps an NDArray value dtype and copies it unless borrowed', () => {
    const value = array([1, 2], { dtype: 'float64' });
    const w = T.shared(value, 'w');
    expect(w.dtype).toBe('float64');
    expect(w.type.shape).toEqual([null]);
    value.data[0] = 100;
    expect(w.getValue().toArray()).toEqual([1, 2]);
    const b = T.shared(value, 'b', { borrow: true });
    expect(b.getValue({ borrow: true })).toBe(value);
  });

  it('numbers and nested arrays: integers give int32, other numbers floatX', () => {
    expect(T.shared(3, 'n').dtype).toBe('int32');
    expect(T.shared([[1, 2]], 'n').dtype).toBe('int32');
    T.config.floatX = 'float32';
    expect(T.shared(0.5, 'x').dtype).toBe('float32');
    expect(T.shared([0.5, 1], 'x').dtype).toBe('float32');
    T.config.floatX = 'float64';
    expect(T.shared([0.5, 1], 'x').dtype).toBe('float64');
    expect(T.shared([true, false], 'b').dtype).toBe('bool');
  });

  it('never broadcasts unless the shape says so (Theano)', () => {
    const s = T.shared(array([[1, 2, 3]]), 's');
    expect(s.type.shape).toEqual([null, null]);
    expect(T.shared(array([[1, 2, 3]]), 's', { shape: [1, null] }).broadcastable).toEqual([
      true,
      false,
    ]);
    expect(() => T.shared(array([[1, 2, 3]]), 's', { shape: [2, null] })).toThrow(
      /dimension 0 must have length 2/,
    );
  });

  it('converts to an explicit dtype only when that loses nothing', () => {
    expect(T.shared(0, 'w', { dtype: 'float32' }).dtype).toBe('float32');
    expect(T.shared([1, 2], 'w', { dtype: 'float64' }).getValue().toArray()).toEqual([1, 2]);
    expect(T.shared(array([1, 2], { dtype: 'int16' }), 'w', { dtype: 'int32' }).dtype).toBe(
      'int32',
    );
    expect(() => T.shared(0.7, 'n', { dtype: 'int32' })).toThrow(TypeError);
    expect(() => T.shared(0.7, 'n', { dtype: 'int32' })).toThrow(
      /shared 'n'.*int32 cannot store 0.7/,
    );
    expect(() => T.shared(array([0.5], { dtype: 'float64' }), 'w', { dtype: 'float32' })).toThrow(
      /cannot be stored as float32 without risking loss of precision/,
    );
  });

  it('reports values it cannot convert', () => {
    expect(() => T.shared([[1, 2], [3]], 'r')).toThrow(T.TheanoTypeError);
    expect(() => T.shared([[1, 2], [3]], 'r')).toThrow(
      /shared 'r': cannot convert the value: array: ragged/,
    );
  });

  it('setValue checks dtype, rank and static shape, naming the variable', () => {
    const w = T.shared(zeros([2, 3]), 'W');
    w.setValue(
      array(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { dtype: 'float64' },
      ),
    );
    expect(w.getValue().get(1, 2)).toBe(6);
    expect(() => w.setValue(zeros([6]))).toThrow(TypeError);
    expect(() => w.setValue(zeros([6]))).toThrow(
      /shared variable 'W': expected float64 matrix \(dtype float64, ndim 2\), got an NDArray of dtype float64 and shape \(6,\) with 1 dimension/,
    );
    expect(() => w.setValue(zeros([2, 3], { dtype: 'float32' }))).not.toThrow();
    expect(w.getValue().dtype).toBe('float64');
    const f = T.shared(zeros([2], { dtype: 'float32' }), 'f');
    expect(() => f.setValue(zeros([2]))).toThrow(
      /shared variable 'f'.*float64, which cannot be stored as float32/,
    );
    const b = T.shared(zeros([1, 2]), 'b', { shape: [1, null] });
    expect(() => b.setValue(zeros([2, 2]))).toThrow(
      /dimension 0 must have length 1 \(it is broadcastable\)/,
    );
  });

  it('setValue copies unless borrowed; getValue copies unless borrowed', () => {
    const w = T.shared(zeros([2]), 'w');
    const v = array([1, 2], { dtype: 'float64' });
    w.setValue(v);
    v.data[0] = 50;
    expect(w.getValue().get(0)).toBe(1);
    w.setValue(v, { borrow: true });
    expect(w.getValue({ borrow: true })).toBe(v);
    const got = w.getValue();
    got.data[1] = -1;
    expect(w.getValue().get(1)).toBe(2);
  });

  it('is a leaf of the graph with its value available to the evaluator', () => {
    const w = T.shared(array([1, 2], { dtype: 'float64' }), 'w');
    expect(w.owner).toBeNull();
    expect(T.isShared(w)).toBe(true);
    expect(T.evaluate([w.mul(2)])[0].toArray()).toEqual([2, 4]);
    expect(w.getValue()).toBeInstanceOf(NDArray);
  });
});

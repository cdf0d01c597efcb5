import { describe, expect, it } from 'vitest';
import { type NDArray, array } from '@theano-ts/tensor';
import * as T from './index';

const f64 = (x: number[] | number[][]) => array(x, { dtype: 'float64' });
const i32 = (x: number | number[] | number[][]) => array(x, { dtype: 'int32' });
const run = (out: T.Variable, givens: [T.Variable, NDArray][] = []) =>
  T.evaluate([out], new Map(givens))[0];
const M = f64([
  [0, 1, 2, 3],
  [4, 5, 6, 7],
  [8, 9, 10, 11],
]);
const st = (name: string, shape: (number | null)[], dtype: 'float64' | 'int32' = 'float64') =>
  T.tensor(name, { dtype, shape });

describe('get: basic indexing (Subtensor)', () => {
  it('is a strided view of the input (no copy)', () => {
    const x = T.dmatrix('x');
    const out = T.performNode(x.get(T.slice(null, null, -1), T.slice(1, null, 2)).owner!, [M])[0];
    expect(out.data).toBe(M.data);
    expect(out.toArray()).toEqual([
      [9, 11],
      [5, 7],
      [1, 3],
    ]);
  });

  it('infers static lengths from static shapes and constant bounds', () => {
    const x = st('x', [5, 4]);
    expect(x.get(T.slice(1, 3)).type.shape).toEqual([2, 4]);
    expect(x.get(T.slice(null, null, -2), 0).type.shape).toEqual([3]);
    expect(x.get(T.slice(-10, 10)).type.shape).toEqual([5, 4]);
    expect(T.dmatrix('m').get(T.slice(1, 3)).type.shape).toEqual([null, null]);
    expect(x.get(T.slice(T.iscalar('i'))).type.shape).toEqual([null, 4]);
  });

  it("takes Python's slice() arguments and '...'", () => {
    const x = T.dtensor3('x');
    expect(T.slice(3)).toEqual(new T.Slice(null, 3, null));
    expect(x.get('...', 0).type.ndim).toBe(2);
    expect(x.get(0, '...', 1).owner!.op.params).toEqual({
      idxList: [{ int: 0 }, { slice: [null, null, null] }, { int: 1 }],
    });
    expect(() => x.get('...', 0, '...')).toThrow(/only have a single ellipsis/);
  });

  it('labels constants as written and index inputs as $j', () => {
    const x = T.dmatrix('x');
    expect(T.opLabel(x.get(T.slice(1, 3), T.slice(null, null, -1)).owner!.op)).toBe(
      'Subtensor{1:3, ::-1}',
    );
    expect(T.opLabel(x.get(T.iscalar('i'), T.slice(T.iscalar('a'), null)).owner!.op)).toBe(
      'Subtensor{$0, $1:}',
    );
  });

  it('run time: an index out of range names the op and the input', () => {
    const x = T.dmatrix('x');
    const i = T.iscalar('i');
    expect(() =>
      run(x.get(i), [
        [x, M],
        [i, i32(3)],
      ]),
    ).toThrow("Subtensor: index 3 is out of bounds for axis 0 with size 3 (input 0 'x')");
    expect(() => run(x.get(1, -5), [[x, M]])).toThrow(
      /index -5 is out of bounds for axis 1 with size 4/,
    );
  });
});

describe('get: advanced indexing (AdvancedSubtensor)', () => {
  it("follows NumPy's placement of the index dimensions", () => {
    const x = T.dtensor3('x');
    const v = array(
      Array.from({ length: 60 }, (_, k) => k),
      { dtype: 'float64', shape: [3, 4, 5] },
    );
    // an int and an array separated by a slice: index dimensions go first (2, 4)
    expect(run(x.get(0, T.slice(), [1, 3]), [[x, v]]).shape).toEqual([2, 4]);
    // adjacent: they stay in place (3, 2)
    expect(run(x.get(T.slice(), [1, 3], 0), [[x, v]]).toArray()).toEqual([
      [5, 15],
      [25, 35],
      [45, 55],
    ]);
  });

  it('infers static shapes from constant index arrays and bool masks', () => {
    const x = st('x', [5, 4]);
    expect(x.get([[0], [1]], [2, 3, 1]).type.shape).toEqual([2, 3]);
    expect(x.get(T.slice(), [true, false, true, true]).type.shape).toEqual([5, 3]);
    expect(x.get(T.ivector('i')).type.shape).toEqual([null, 4]);
  });

  it('run time: bad indices name the op and the input', () => {
    const x = T.dmatrix('x');
    const i = T.ivector('i');
    const b = T.tensor('b', { dtype: 'bool', shape: [null] });
    expect(() =>
      run(x.get(i), [
        [x, M],
        [i, i32([0, 3])],
      ]),
    ).toThrow("AdvancedSubtensor: index 3 is out of bounds for axis 0 with size 3 (input 0 'x')");
    expect(() =>
      run(x.get(b), [
        [x, M],
        [b, array([true, false])],
      ]),
    ).toThrow(
      "AdvancedSubtensor: boolean index (input 1 'b') did not match indexed array along dimension 0; dimension is 3 but corresponding boolean dimension is 2",
    );
    const j = T.ivector('j');
    expect(() =>
      run(x.get(i, j), [
        [x, M],
        [i, i32([0, 1])],
        [j, i32([0, 1, 2])],
      ]),
    ).toThrow(
      /AdvancedSubtensor: shape mismatch: indexing arrays could not be broadcast together with shapes \(2,\) \(3,\)/,
    );
  });
});

describe('setSubtensor / incSubtensor', () => {
  it('return a new array and leave x unchanged', () => {
    const x = T.dmatrix('x');
    const before = M.toArray();
    const out = run(T.setSubtensor(x.get(1), 0), [[x, M]]);
    expect(M.toArray()).toEqual(before);
    expect(out.toArray()).toEqual([
      [0, 1, 2, 3],
      [0, 0, 0, 0],
      [8, 9, 10, 11],
    ]);
  });

  it('accumulate repeated indices unless ignoreDuplicates; set keeps the last write', () => {
    const x = T.dvector('x');
    const v = f64([0, 0, 0]);
    const idx = [0, 2, 0, 0];
    expect(run(x.get(idx).inc(1), [[x, v]]).toArray()).toEqual([3, 0, 1]);
    expect(run(x.get(idx).inc(1, { ignoreDuplicates: true }), [[x, v]]).toArray()).toEqual([
      1, 0, 1,
    ]);
    expect(run(x.get(idx).set(f64([1, 2, 3, 4])), [[x, v]]).toArray()).toEqual([4, 0, 2]);
  });

  it('cast y to x’s dtype when that is exact (ints into floats, integral constants into ints)', () => {
    const xf = T.dvector('x');
    expect(T.incSubtensor(xf.get(0), T.iscalar('k')).owner!.inputs[1].dtype).toBe('float64');
    const xi = T.ivector('x');
    expect(run(T.setSubtensor(xi.get(0), 7), [[xi, i32([1, 2])]]).toArray()).toEqual([7, 2]);
    expect(() => T.setSubtensor(xi.get(0), 2.5)).toThrow(/must have the dtype of x \(int32\)/);
  });

  it('run time: y that does not fit the region names the op and y', () => {
    const x = T.dmatrix('x');
    const y = T.dmatrix('y');
    expect(() =>
      run(T.setSubtensor(x.get(T.slice(0, 2)), y), [
        [x, M],
        [y, f64([[1, 2, 3, 4, 5]])],
      ]),
    ).toThrow("SetSubtensor: cannot set a region of shape (2, 4) with input 1 'y' of shape (1, 5)");
    expect(() =>
      run(T.incSubtensor(x.get(T.slice(0, 2)), y), [
        [x, M],
        [y, f64([[1, 2, 3, 4]])],
      ]),
    ).toThrow(
      /cannot increment a region of shape \(2, 4\) with input 1 'y' of shape \(1, 4\) \(a length-1 dimension of y broadcasts only if it is declared broadcastable\)/,
    );
    const yr = T.drow('y');
    expect(
      run(T.incSubtensor(x.get(T.slice(0, 2)), yr), [
        [x, M],
        [yr, f64([[1, 1, 1, 1]])],
      ]).toArray(),
    ).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [8, 9, 10, 11],
    ]);
  });
});

describe('nonzero', () => {
  it('of a constant is computed at build time, with static lengths', () => {
    const [r, c] = T.nonzero(
      T.constant(
        f64([
          [0, 1],
          [2, 0],
        ]),
      ),
    );
    expect(r).toBeInstanceOf(T.Constant);
    expect(r.type.shape).toEqual([2]);
    expect(run(c).toArray()).toEqual([1, 0]);
  });
  it('of a variable is one Nonzero node shared by the index vectors', () => {
    const x = T.dmatrix('x');
    const [r, c] = T.nonzero(x);
    expect(r.owner!.inputs[0]).toBe(c.owner!.inputs[0]);
    expect(
      run(c, [
        [
          x,
          f64([
            [0, 1],
            [2, 0],
          ]),
        ],
      ]).toArray(),
    ).toEqual([1, 0]);
    expect(
      run(T.nonzero(x, { returnMatrix: true })[0], [
        [
          x,
          f64([
            [0, 1],
            [2, 0],
          ]),
        ],
      ]).toArray(),
    ).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });
});

describe('shape ops: static shapes and run-time errors', () => {
  it('infer static shapes', () => {
    expect(T.concatenate([st('a', [2, 3]), st('b', [null, 3])]).type.shape).toEqual([null, 3]);
    expect(T.concatenate([st('a', [2, 3]), st('b', [4, null])]).type.shape).toEqual([6, 3]);
    expect(T.stack([T.dvector('a'), T.dvector('b')]).type.shape).toEqual([2, null]);
    expect(T.tile(st('a', [2, 3]), [2, 1]).type.shape).toEqual([4, 3]);
    expect(T.repeat(st('a', [2, 3]), [1, 2, 0], { axis: 1 }).type.shape).toEqual([2, 3]);
    expect(T.split(st('a', [5]), [2, 3]).map((p) => p.type.shape)).toEqual([[2], [3]]);
    expect(T.arange(1, 10, 3).type.shape).toEqual([3]);
    expect(T.eye(2, 3).type.shape).toEqual([2, 3]);
    expect(T.diag(st('v', [3]), -1).type.shape).toEqual([4, 4]);
    expect(T.diag(st('m', [3, 5]), 1).type.shape).toEqual([3]);
    expect(T.broadcastTo(T.drow('r'), [3, 4]).type.shape).toEqual([3, 4]);
    expect(T.flip(st('m', [3, 5])).type.shape).toEqual([3, 5]);
  });

  it('name the op and the input at run time', () => {
    const a = T.dmatrix('a');
    const b = T.dmatrix('b');
    expect(() =>
      run(T.concatenate([a, b]), [
        [a, M],
        [b, f64([[1, 2]])],
      ]),
    ).toThrow(
      "Join: all input dimensions except axis 0 must match: input 0 'a' has shape (3, 4), input 1 'b' has shape (1, 2)",
    );
    const s = T.ivector('s');
    expect(() =>
      run(T.split(a, s, { nSplits: 2 })[0], [
        [a, M],
        [s, i32([1, 1])],
      ]),
    ).toThrow(
      /Split: input 1 's' gives sizes \[1, 1\] \(expected 2 non-negative sizes summing to 3, the length of input 0 'a' along axis 0\)/,
    );
    const v = T.dvector('v');
    expect(() => run(T.alloc(v, 2, 3), [[v, f64([1, 2])]])).toThrow(
      "Alloc: cannot broadcast input 0 'v' of shape (2,) to (2, 3)",
    );
    expect(() => run(T.alloc(v, 2, 3), [[v, f64([1])]])).toThrow(
      /its dimension 0 is not declared broadcastable/,
    );
    const r = T.ivector('r');
    expect(() =>
      run(T.repeat(a, r, { axis: 0 }), [
        [a, M],
        [r, i32([1, 2])],
      ]),
    ).toThrow(
      /Repeat: input 1 'r' gives 2 repeats \[1, 2\] for the 3 elements of input 0 'a' along axis 0/,
    );
    const k = T.iscalar('k');
    expect(() => run(T.arange(0, 5, k), [[k, i32(0)]])).toThrow(
      'ARange: step (input 2) must not be zero',
    );
  });

  it('roll of an empty axis and by more than the length', () => {
    const x = T.dvector('x');
    expect(run(T.roll(x, 7), [[x, f64([1, 2, 3])]]).toArray()).toEqual([3, 1, 2]);
    expect(run(T.roll(x, -7), [[x, f64([1, 2, 3])]]).toArray()).toEqual([2, 3, 1]);
    expect(run(T.roll(x, 2), [[x, f64([])]]).toArray()).toEqual([]);
  });

  it('Variable methods call the free functions', () => {
    const x = T.dtensor3('x');
    expect(x.swapaxes(0, 2).owner!.op.params).toEqual({ order: [2, 1, 0], inputNdim: 3 });
    expect(x.transpose(1, 0, 2).owner!.op.params).toEqual({ order: [1, 0, 2], inputNdim: 3 });
    expect(T.dcol('c').squeeze().type.ndim).toBe(1);
    expect(x.flip({ axis: 1 }).owner!.op.kind).toBe('Subtensor');
    expect(x.repeat(2, { axis: 0 }).owner!.op.kind).toBe('Repeat');
    expect(x.diagonal().owner!.op.kind).toBe('ExtractDiag');
    expect(x.take([0], { axis: 2 }).owner!.op.kind).toBe('AdvancedSubtensor');
  });
});

describe('AdvancedSubtensor applied directly', () => {
  it('names the index input of a 0-d boolean index', () => {
    expect(() =>
      T.applyOp('AdvancedSubtensor', { idxList: [{ array: 0 }] }, [
        T.dvector('x'),
        T.tensor('b', { dtype: 'bool', shape: [] }),
      ]),
    ).toThrow(
      /AdvancedSubtensor: input 1 'b' \(bool scalar\): 0-d boolean indices are not supported/,
    );
  });
});

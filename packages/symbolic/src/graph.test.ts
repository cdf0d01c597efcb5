import { describe as suite, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from './index';

const type = (dtype: T.TensorType['dtype'], shape: (number | null)[]) =>
  new T.TensorType(dtype, shape);

suite('Op and Apply', () => {
  it('ops with the same kind and params are equal, whatever the key order', () => {
    const a = new T.Op('CAReduce', { scalarOp: 'add', axes: [0, 1] });
    const b = new T.Op('CAReduce', { axes: [0, 1], scalarOp: 'add' } as never);
    const c = new T.Op('CAReduce', { scalarOp: 'add', axes: [1] });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('Composite ops are equal exactly when their scalar graphs are (key order aside)', () => {
    const composite = (c: number, args: number[], extra = {}): T.Op =>
      new T.Op('Elemwise', {
        scalarOp: {
          name: 'composite',
          nin: 2,
          nodes: [
            { op: { name: 'constant', value: c, dtype: 'float64' }, args: [], dtype: 'float64' },
            { op: { name: 'mul' }, args, dtype: 'float64' },
            { op: { name: 'add' }, args: [3, 2], dtype: 'float64' },
          ],
          outputs: [4],
          ...extra,
        },
      } as never);
    const a = composite(2, [0, 1]);
    const reordered = new T.Op('Elemwise', {
      scalarOp: {
        outputs: [4],
        nodes: (a.params as never as { scalarOp: { nodes: unknown } }).scalarOp.nodes,
        nin: 2,
        name: 'composite',
      },
    } as never);
    expect(a.equals(composite(2, [0, 1]))).toBe(true);
    expect(a.equals(reordered)).toBe(true);
    expect(a.equals(composite(3, [0, 1]))).toBe(false); // another literal
    expect(a.equals(composite(2, [1, 0]))).toBe(false); // other arguments
    expect(a.equals(composite(2, [0, 1], { nin: 3 }))).toBe(false);
    // a params object reused in a new op (as inplace does) keeps the same key
    const inplace = new T.Op('Elemwise', {
      ...(a.params as object),
      inplacePattern: { 0: 0 },
    } as never);
    expect(inplace.key).toContain(a.key.slice('Elemwise{'.length, -1));
  });

  it('an Apply makes one output Variable per type, owned by it', () => {
    const x = T.dvector('x');
    const node = new T.Apply(
      new T.Op('Elemwise', { scalarOp: { name: 'exp' } }),
      [x],
      [type('float64', [null])],
    );
    expect(node.outputs).toHaveLength(1);
    expect(node.out.owner).toBe(node);
    expect(node.out.index).toBe(0);
    expect(node.out.type.dtype).toBe('float64');
  });

  it('remembers where it was built', () => {
    const node = T.exp(T.dvector('x')).owner!;
    expect(node.trace).toContain('graph.test.ts');
  });
});

suite('Variable and Constant printing', () => {
  it('names variables by name, owner or type', () => {
    expect(String(T.dvector('x'))).toBe('x');
    expect(String(T.dvector())).toBe('<float64 vector>');
    expect(String(T.exp(T.dvector('x')))).toBe('Elemwise{exp}.out');
  });

  it('prints constants like Theano and gives equal constants equal signatures', () => {
    expect(String(T.constant(2))).toBe('TensorConstant{2}');
    expect(String(T.constant(array([[1, 2]])))).toBe('TensorConstant{int32(1, 2)}');
    expect(T.constant(array([1, 2])).signature).toBe(T.constant(array([1, 2])).signature);
    expect(T.constant(array([1, 2])).signature).not.toBe(T.constant(array([1, 3])).signature);
    expect(T.constant(array([1, 2])).signature).not.toBe(
      T.constant(array([1, 2], { dtype: 'float64' })).signature,
    );
  });

  it('describes user values for error messages', () => {
    expect(T.describe(3)).toBe('the number 3');
    expect(T.describe(array([1.5]))).toBe('an NDArray of dtype float64 and shape (1,)');
    expect(T.describe([1, 2])).toBe('a JS array [1,2]');
    // Variables and holes are named, not cut-off JSON; objects take "an"
    const holey: unknown[] = [T.dvector('v')];
    holey[2] = 3;
    expect(T.describe(holey)).toBe(
      "a JS array of length 3 (variable 'v' (float64 vector), an empty slot, the number 3)",
    );
    expect(T.describe({})).toBe('an object ([object Object])');
    expect(T.describe(undefined)).toBe('undefined');
    expect(T.describe(new Float32Array(4))).toBe('a Float32Array of length 4');
    expect(T.describe(null)).toBe('null');
    expect(T.describe('abc')).toBe('a string (abc)');
  });
});

suite('filterValue (Theano filter rules)', () => {
  const what = "input 'x'";

  it('numbers into int inputs must be exact integers in range', () => {
    const t = type('int32', [null]);
    const ok = T.filterValue(t, [1, -2, 3], { what });
    expect(ok.dtype).toBe('int32');
    expect(ok.toArray()).toEqual([1, -2, 3]);
    expect(() => T.filterValue(t, [1, 2.5], { what })).toThrow(TypeError);
    expect(() => T.filterValue(t, [1, 2.5], { what })).toThrow(
      /input 'x': expected int32 vector \(dtype int32, ndim 1\), got a JS array \[1,2.5\]; int32 cannot store 2.5 accurately/,
    );
    expect(() => T.filterValue(t, [2 ** 31], { what })).toThrow(/cannot store 2147483648/);
    expect(() => T.filterValue(type('int8', []), 200, { what })).toThrow(/int8 cannot store 200/);
    expect(() => T.filterValue(type('bool', []), 2, { what })).toThrow(/bool cannot store 2/);
  });

  it('allowDowncast lets inexact numbers into int inputs (truncating)', () => {
    expect(T.filterValue(type('int32', []), 2.7, { what, allowDowncast: true }).item()).toBe(2);
  });

  it('numbers into float inputs are rounded to the input precision', () => {
    const f = T.filterValue(type('float32', []), 0.1, { what });
    expect(f.dtype).toBe('float32');
    expect(f.item()).toBe(Math.fround(0.1));
    expect(T.filterValue(type('float64', [null]), [true, false], { what }).toArray()).toEqual([
      1, 0,
    ]);
  });

  it('a float64 NDArray into a float32 input needs allowDowncast', () => {
    const t = type('float32', [null]);
    const v = array([0.1, 0.2], { dtype: 'float64' });
    expect(() => T.filterValue(t, v, { what })).toThrow(
      /got an array of dtype float64, which cannot be stored as float32 without risking loss of precision; convert it \(a.astype\('float32'\)\) or set allowInputDowncast: true/,
    );
    const down = T.filterValue(t, v, { what, allowDowncast: true });
    expect(down.dtype).toBe('float32');
    expect(down.get(0)).toBe(Math.fround(0.1));
    expect(() => T.filterValue(t, new Float64Array([1, 2]), { what })).toThrow(/dtype float64/);
  });

  it('arrays that convert safely are accepted (NumPy can_cast safe)', () => {
    expect(
      T.filterValue(type('float32', [null]), array([1, 2], { dtype: 'int16' }), { what }).dtype,
    ).toBe('float32');
    expect(
      T.filterValue(type('float64', [null]), array([1], { dtype: 'float32' }), { what }).dtype,
    ).toBe('float64');
    expect(() =>
      T.filterValue(type('float32', [null]), array([1], { dtype: 'int32' }), { what }),
    ).toThrow(/int32, which cannot be stored as float32/);
    const same = array([1, 2], { dtype: 'float64' });
    expect(T.filterValue(type('float64', [null]), same, { what })).toBe(same);
  });

  it('checks rank and static dimensions', () => {
    expect(() => T.filterValue(type('float64', [null]), 3, { what })).toThrow(
      /got the number 3 with 0 dimensions \(shape \(\)\)/,
    );
    expect(() => T.filterValue(type('float64', [null, 3]), [[1, 2]], { what })).toThrow(
      /got shape \(1, 2\): dimension 1 must have length 3/,
    );
    expect(() => T.filterValue(type('float64', [1, null]), [[1], [2]], { what })).toThrow(
      /dimension 0 must have length 1 \(it is broadcastable\)/,
    );
  });

  it('rejects things that are not data, and appends a hint', () => {
    expect(() => T.filterValue(type('float64', []), 'abc', { what })).toThrow(
      /input 'x': expected float64 scalar \(dtype float64, ndim 0\), got a string \(abc\)/,
    );
    expect(() => T.filterValue(type('float64', []), undefined, { what, hint: ' (hint)' })).toThrow(
      /got undefined \(hint\)$/,
    );
    expect(() => T.filterValue(type('float64', [null]), [[1], 2], { what })).toThrow(/ragged/);
  });
});

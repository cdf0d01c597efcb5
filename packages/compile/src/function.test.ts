import { describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { function as theanoFunction, In, Out, Mode, UnusedInputError, MissingInputError } from './index';

describe('theano.function: Theano tutorial values', () => {
  it('accumulator with updates, setValue and givens', () => {
    const state = T.shared(0, 'state');
    const inc = T.iscalar('inc');
    const acc = theanoFunction([inc], state, { updates: [[state, state.add(inc)]] });
    expect(acc(1).toString()).toBe('array(0, dtype=int32)');
    expect((acc(300) as never as { item(): number }).item()).toBe(1);
    expect(state.getValue().item()).toBe(301);
    state.setValue(-1);
    expect((acc(3) as never as { item(): number }).item()).toBe(-1);
    expect(state.getValue().item()).toBe(2);
    const foo = T.scalar('foo', { dtype: 'int32' });
    const skip = theanoFunction([inc, foo], state.mul(2).add(inc), { givens: [[state, foo]] });
    expect((skip(1, 3) as never as { item(): number }).item()).toBe(7);
    expect(state.getValue().item()).toBe(2);
  });

  it('defaults and names: f(33)=68, f(33,2)=70, f(33,0,1)=33, f(33,{w_by_name:1})=34', () => {
    const [x, y, w] = T.dscalars('x', 'y', 'w');
    const f = theanoFunction([x, new In(y, { value: 1 }), new In(w, { value: 2, name: 'w_by_name' })], x.add(y).mul(w));
    const v = (r: unknown) => (r as { item(): number }).item();
    expect(v(f(33))).toBe(68);
    expect(v(f(33, 2))).toBe(70);
    expect(v(f(33, 0, 1))).toBe(33);
    expect(v(f(33, { w_by_name: 1 }))).toBe(34);
  });
});

describe('input checking', () => {
  it('a scalar passed to a vector input names the input, the expected and the given type', () => {
    const x = T.vector('x');
    const f = theanoFunction([x], x.mul(2));
    expect(() => f(3)).toThrow(TypeError);
    expect(() => f(3)).toThrow(/input 0 'x': expected float32 vector .*got the number 3 with 0 dimensions/);
  });
  it('float64 data into a float32 input needs allowInputDowncast', () => {
    const x = T.fvector('x');
    const f = theanoFunction([x], x.mul(2));
    const d = array([1.5, 2], { dtype: 'float64' });
    expect(() => f(d)).toThrow(/loss of precision.*allowInputDowncast/);
    const g = theanoFunction([x], x.mul(2), { allowInputDowncast: true });
    expect(Array.from((g(d) as never as { data: Float32Array }).data)).toEqual([3, 4]);
  });
  it('broadcastable dimensions are checked', () => {
    const r = T.drow('r');
    const f = theanoFunction([r], r.sum());
    expect(() => f([[1, 2], [3, 4]])).toThrow(/dimension 0 must have length 1 \(it is broadcastable\)/);
  });
  it('unused and missing inputs are compile-time errors', () => {
    const [x, y] = T.dscalars('x', 'y');
    expect(() => theanoFunction([x, y], x.mul(2))).toThrow(UnusedInputError);
    expect(() => theanoFunction([x], x.mul(y))).toThrow(MissingInputError);
    expect(() => theanoFunction([x, y], x.mul(2), { onUnusedInput: 'ignore' })).not.toThrow();
  });
});

describe('updates', () => {
  it('outputs see the values from before the call; updates apply together', () => {
    const a = T.shared(array([1, 2], { dtype: 'float64' }), 'a');
    const b = T.shared(array([10, 20], { dtype: 'float64' }), 'b');
    const f = theanoFunction([], [a, b], { updates: [[a, b], [b, a]] }) ;
    const [ra, rb] = f() as { toArray(): unknown }[];
    expect(ra.toArray()).toEqual([1, 2]);
    expect(rb.toArray()).toEqual([10, 20]);
    expect(a.getValue().toArray()).toEqual([10, 20]);
    expect(b.getValue().toArray()).toEqual([1, 2]);
  });
  it('two updates of one variable and a mistyped update are build-time errors', () => {
    const a = T.shared(array([1, 2], { dtype: 'float64' }), 'a');
    expect(() => theanoFunction([], [], { updates: [[a, a.add(1)], [a, a.sub(1)]] })).toThrow(/'a' has two updates/);
    expect(() => theanoFunction([], [], { updates: [[a, a.astype('float32')]] })).toThrow(/update of shared variable 'a' has type float32 vector.*cast it/);
  });
  it('a failing call leaves every shared variable unchanged', () => {
    const a = T.shared(array([1, 2], { dtype: 'float64' }), 'a');
    const m = T.dmatrix('m');
    const f = theanoFunction([m], T.dot(m, a), { updates: [[a, a.add(1)]] });
    expect(() => f([[1, 2, 3]])).toThrow(/Dot/);
    expect(a.getValue().toArray()).toEqual([1, 2]);
    expect((f([[1, 1]]) as never as { toArray(): unknown }).toArray()).toEqual([3]);
    expect(a.getValue().toArray()).toEqual([2, 3]);
  });
  it('a run-time error names the op and where the expression was built', () => {
    const m = T.dmatrix('m');
    const v = T.dvector('v');
    const f = theanoFunction([m, v], T.dot(m, v));
    expect(() => f([[1, 2, 3]], [1, 2])).toThrow(/Dot[\s\S]*function\.test\.ts/);
  });
});

describe('outputs', () => {
  it('do not alias inputs or shared values', () => {
    const x = T.dvector('x');
    const s = T.shared(array([1, 2], { dtype: 'float64' }), 's');
    const f = theanoFunction([x], [x, s]);
    const inp = array([5, 6], { dtype: 'float64' });
    const [ox, os] = f(inp) as { data: Float64Array }[];
    ox.data[0] = 99;
    os.data[0] = 99;
    expect(inp.data[0]).toBe(5);
    expect(s.getValue().toArray()).toEqual([1, 2]);
  });
  it('Out with borrow is accepted and a mode can be chosen', () => {
    const x = T.dvector('x');
    const f = theanoFunction([x], new Out(x.mul(2), { borrow: true }), { mode: new Mode({ optimizer: 'none' }) });
    expect((f([1, 2]) as never as { toArray(): unknown }).toArray()).toEqual([2, 4]);
  });
});

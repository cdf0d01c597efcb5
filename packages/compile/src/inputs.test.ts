import { describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { createCpuBackend } from '@theano-ts/backend-cpu';
import { In, Mode, function as theanoFunction } from './index';

/** The message of what `fn` throws (a TypeError for every bad input). */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
    return (e as Error).message;
  }
  throw new Error('expected a throw');
}

describe('input checking: every bad input class names the input, expected vs given, and the fix', () => {
  const x = T.fvector('x');
  const f = theanoFunction([x], x.mul(2), { name: 'double' });

  it('dtype: float64 data into a float32 input (downcast)', () => {
    const m = messageOf(() => f(array([1.5, 2], { dtype: 'float64' })));
    expect(m).toMatch(/^function 'double': input 0 'x': expected float32 vector \(1 dimension\)/);
    expect(m).toMatch(/, got an NDArray of dtype float64 and shape \(2,\)/);
    expect(m).toMatch(
      /float64 → float32 may lose precision; convert it first \(a\.astype\('float32'\)\), or compile with allowInputDowncast: true \(or In\(x, \{ allowDowncast: true \}\)\)/,
    );
    expect(m).toMatch(/The function was compiled at .*inputs\.test\.ts/);
    // the two ways out
    const g = theanoFunction([x], x.mul(2), { allowInputDowncast: true });
    expect(Array.from(g(array([1.5, 2], { dtype: 'float64' })).data)).toEqual([3, 4]);
    const h = theanoFunction([new In(x, { allowDowncast: true })], x.mul(2));
    expect(Array.from(h(array([1.5, 2], { dtype: 'float64' })).data)).toEqual([3, 4]);
    // safe casts and plain numbers are accepted
    expect(Array.from(f(array([1, 2], { dtype: 'int8' })).data)).toEqual([2, 4]);
    expect(Array.from(f([0.5, 1.25]).data)).toEqual([1, 2.5]);
  });

  it('dtype: a typed array and an int array that do not fit', () => {
    expect(messageOf(() => f(new Float64Array([1, 2])))).toMatch(
      /input 0 'x': .*got a Float64Array of length 2: float64 → float32 may lose precision/,
    );
    const b = T.bvector('b');
    const g = theanoFunction([b], b.mul(2));
    expect(messageOf(() => g(array([1, 2], { dtype: 'int32' })))).toMatch(
      /input 0 'b': expected int8 vector .*int32 → int8 may lose precision/,
    );
  });

  it('value: a non-integer, an out-of-range integer and NaN into integer inputs', () => {
    const i = T.iscalar('i');
    const b = T.bscalar('b');
    const g = theanoFunction([i, b], i.add(b), { name: 'g' });
    expect(messageOf(() => g(1.5, 1))).toMatch(
      /function 'g': input 0 'i': expected int32 scalar \(0 dimensions\), got the number 1\.5: int32 cannot store 1\.5 exactly \(not an integer\); pass integers in range, round them first, or compile with allowInputDowncast: true/,
    );
    expect(messageOf(() => g(1, 300))).toMatch(
      /input 1 'b': expected int8 scalar .*the number 300: int8 cannot store 300 exactly \(out of range \[-128, 127\]\)/,
    );
    expect(messageOf(() => g(NaN, 1))).toMatch(
      /input 0 'i': .*int32 cannot store NaN exactly \(not a finite number\)/,
    );
    expect(theanoFunction([i], i.mul(1), { allowInputDowncast: true })(1.7).item()).toBe(1);
  });

  it('rank: a number for a vector, a matrix for a vector, a vector for a scalar', () => {
    expect(messageOf(() => f(3))).toMatch(
      /input 0 'x': expected float32 vector \(1 dimension\), got the number 3 with 0 dimensions \(shape \(\)\); pass a value with 1 dimension \(wrap it in more brackets, or reshape it\), or declare the variable with 0 dimensions/,
    );
    expect(
      messageOf(() =>
        f([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toMatch(
      /got the JS array \[\[1,2\],\[3,4\]\] with 2 dimensions \(shape \(2, 2\)\); pass a value with 1 dimension \(reshape or index it\)/,
    );
    const s = T.dscalar('s');
    expect(messageOf(() => theanoFunction([s], s.mul(1))([1]))).toMatch(
      /input 0 's': expected float64 scalar \(0 dimensions\).*pass a value with 0 dimensions \(a single number\)/,
    );
  });

  it('shape: a broadcastable dimension and a static dimension', () => {
    const r = T.drow('r');
    const g = theanoFunction([r], r.sum());
    expect(
      messageOf(() =>
        g([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toMatch(
      /input 0 'r': expected float64 row \(2 dimensions, shape \(1, \?\)\), got the JS array .*: dimension 0 has length 2 but must have length 1 because it is declared broadcastable; pass length 1 there, or declare the variable without broadcasting \(e\.g\. T\.matrix instead of T\.row\)/,
    );
    const t = T.tensor('t', { dtype: 'float64', shape: [null, 3] });
    const h = theanoFunction([t], t.sum());
    expect(messageOf(() => h(array([[1, 2, 3, 4]], { dtype: 'float64' })))).toMatch(
      /input 0 't': expected float64 matrix \(2 dimensions, shape \(\?, 3\)\), got an NDArray of dtype float64 and shape \(1, 4\): dimension 1 has length 4 but must have length 3, as the variable's static shape says/,
    );
  });

  it('not a tensor value: a string, null, undefined, a ragged array', () => {
    expect(messageOf(() => f('abc' as never))).toMatch(
      /input 0 'x': expected float32 vector \(1 dimension\), got the string 'abc'; pass an NDArray, a number, or nested arrays of numbers/,
    );
    expect(messageOf(() => f(null as never))).toMatch(/, got null; pass an NDArray/);
    const y = T.dscalar('y');
    const g = theanoFunction([x, new In(y, { value: 1 })], x.mul(y));
    expect(messageOf(() => g([1], 'z' as never))).toMatch(/input 1 'y': .*the string 'z'/);
    expect(messageOf(() => f([[1, 2], [3]] as never))).toMatch(
      /which is not a rectangular array of numbers \(array: ragged nested sequence/,
    );
  });

  it('arguments: too many, missing, unknown name, ambiguous name, given twice', () => {
    const [a, b] = T.dscalars('a', 'b');
    const g = theanoFunction([a, new In(b, { value: 2 })], a.mul(b), { name: 'g' });
    expect(messageOf(() => g(1, 2, 3))).toMatch(
      /function 'g': takes 2 inputs \(a \(#0\), b \(#1\)\), but got 3 positional arguments; remove the extra ones/,
    );
    expect(messageOf(() => g())).toMatch(
      /function 'g': missing input 0 'a' \(float64 scalar \(0 dimensions\)\); pass it as argument 1 or as \{ a: value \}, or give it a default with In\(a, \{ value \}\)/,
    );
    expect(messageOf(() => g(1, { c: 3 }))).toMatch(
      /got a value for 'c', but no input has that name; inputs: a \(#0\), b \(#1\)/,
    );
    expect(messageOf(() => g(1, { a: 3 }))).toMatch(
      /input 0 'a' is given both by position \(argument 1\) and by name; give it once/,
    );
    const a2 = T.dscalar('a');
    const h = theanoFunction([a, a2], a.add(a2));
    expect(messageOf(() => h({ a: 1 }))).toMatch(
      /the name 'a' is ambiguous \(inputs 0 and 1 have it\); give them distinct names with In\(x, \{ name \}\)/,
    );
    expect(g({ a: 2 }).item()).toBe(4);
  });

  it('strict inputs take only NDArrays of their dtype', () => {
    const d = T.dvector('d');
    const g = theanoFunction([new In(d, { strict: true })], d.mul(2));
    expect(messageOf(() => g([1, 2]))).toMatch(
      /input 0 'd': .*The input is strict \(In\(d, \{ strict: true \}\)\): pass an NDArray of dtype float64/,
    );
    expect(messageOf(() => g(array([1, 2], { dtype: 'float32' })))).toMatch(
      /The input is strict .*no dtype conversion is made: convert it first \(a\.astype\('float64'\)\) or drop strict/,
    );
    expect(g(array([1, 2], { dtype: 'float64' })).toArray()).toEqual([2, 4]);
  });

  it('a default value is checked at compile time, with the same messages', () => {
    const i = T.iscalar('i');
    expect(() => theanoFunction([new In(i, { value: 0.5 })], i.mul(2))).toThrow(
      /\(default value\): input 0 'i': expected int32 scalar .*cannot store 0\.5 exactly/,
    );
  });

  it('every input is checked before any node runs', () => {
    const cpu = createCpuBackend();
    let runs = 0;
    const counting = {
      ...cpu,
      name: 'counting',
      makeThunk: (node: T.Apply) => {
        const t = cpu.makeThunk(node);
        return (ins: readonly unknown[]) => {
          runs++;
          return t(ins);
        };
      },
    };
    const s = T.shared(array([1, 2], { dtype: 'float64' }), 's');
    const [p, q] = [T.dvector('p'), T.iscalar('q')];
    const g = theanoFunction([p, q], p.mul(2).sum(), {
      updates: [[s, s.mul(q)]],
      mode: new Mode({ backend: counting }),
    });
    expect(() => g([1, 2], 0.5)).toThrow(/input 1 'q'/);
    expect(runs).toBe(0);
    expect(s.getValue().toArray()).toEqual([1, 2]);
    g([1, 2], 3);
    expect(runs).toBeGreaterThan(0);
    expect(s.getValue().toArray()).toEqual([3, 6]);
  });
});

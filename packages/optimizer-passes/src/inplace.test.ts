import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray } from '@theano-ts/tensor';
import { expectSameValue, opLabels, optimized, rand } from './test-helpers';

const inplace = { mode: 'none' as const, include: ['inplace_elemwise'] };

/** The inplacePattern of the node computing `v` (undefined when not inplace). */
const patternOf = (v: T.Variable) =>
  (v.owner as T.Apply<'Elemwise'>).op.params.inplacePattern as Record<number, number> | undefined;

describe('inplace_elemwise', () => {
  test('structure: a chain reuses the first intermediate; the function input is never destroyed', () => {
    const x = T.dvector('x');
    const out = T.exp(T.tanh(T.neg(x)));
    const fg = optimized([x], [out], inplace);
    expect(opLabels(fg)).toEqual([
      'Elemwise{neg}', // x belongs to the caller
      'Elemwise{tanh}[inplace 0←0]',
      'Elemwise{exp}[inplace 0←0]',
    ]);
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
  });

  test('structure: shared variables and constants are never destroyed', () => {
    const w = T.shared(rand([3]), 'w');
    const c = T.constant(new NDArray(new Float64Array([1, 2, 3]), [3]));
    const fg = optimized([], [T.add(w, c)], inplace);
    expect(opLabels(fg)).toEqual(['Elemwise{add}']);
  });

  test('structure: an intermediate that is also a graph output is kept', () => {
    const x = T.dvector('x');
    const a = T.exp(x);
    const fg = optimized([x], [a, T.tanh(a)], inplace);
    expect(patternOf(fg.outputs[1])).toBeUndefined();
  });

  test('structure: an intermediate with two users is kept', () => {
    const x = T.dvector('x');
    const a = T.exp(x);
    const fg = optimized([x], [T.add(T.tanh(a), T.neg(a))], inplace);
    const add = fg.outputs[0].owner!;
    expect(patternOf(fg.outputs[0])).toEqual({ 0: 0 }); // tanh(a) is dead after the add
    expect(patternOf(add.inputs[0])).toBeUndefined(); // tanh: a is read by neg too
    expect(patternOf(add.inputs[1])).toBeUndefined(); // neg: likewise
  });

  test('structure: views (DimShuffle, Reshape, Subtensor) are never destroyed', () => {
    const x = T.dmatrix('x');
    const e = T.exp(x); // a fresh value, but its transpose shares its buffer
    const fg = optimized([x], [T.tanh(e.T), T.neg(T.reshape(T.exp(x.mul(2)), [-1]))], inplace);
    expect(patternOf(fg.outputs[0])).toBeUndefined();
    expect(patternOf(fg.outputs[1])).toBeUndefined();
    const v = T.dvector('v');
    const fg2 = optimized([v], [T.tanh(T.exp(v).get(T.slice(1, null)))], inplace);
    expect(patternOf(fg2.outputs[0])).toBeUndefined();
  });

  test('structure: a broadcast operand or another dtype is not reused; the matching one is', () => {
    const [m, r] = [T.dmatrix('m'), T.drow('r')];
    const fg = optimized([m, r], [T.add(T.exp(r), T.exp(m))], inplace);
    expect(patternOf(fg.outputs[0])).toEqual({ 0: 1 }); // exp(r) broadcasts: exp(m) is reused
    const f = T.fvector('f');
    const fg2 = optimized([f], [T.lt(T.exp(f), 0.5)], inplace);
    expect(patternOf(fg2.outputs[0])).toBeUndefined(); // bool output, float32 operand
  });

  test('structure: every output of a multi-output Composite gets its own input', () => {
    const x = T.dvector('x');
    const a = T.exp(x);
    const b = T.tanh(x);
    const node = T.applyOp(
      'Elemwise',
      {
        scalarOp: {
          name: 'composite',
          nin: 2,
          nodes: [
            { op: { name: 'add' }, args: [0, 1], dtype: 'float64' },
            { op: { name: 'mul' }, args: [0, 1], dtype: 'float64' },
          ],
          outputs: [2, 3],
        },
      },
      [a, b],
    );
    const fg = optimized([x], node.outputs, inplace);
    expect(patternOf(fg.outputs[0])).toEqual({ 0: 0, 1: 1 });
  });

  test('value: the same outputs with the rewrite on and off, extreme inputs included', () => {
    const [x, y] = T.dvectors('x', 'y');
    const xs = new NDArray(new Float64Array([0, -0, 1e-300, 1e300, -700, 1000, NaN, 3]), [8]);
    const ys = rand([8], { seed: 5, lo: -10, hi: 10 });
    const outs = [T.mul(T.exp(T.neg(x)), T.add(y, 1)), T.sqr(T.sub(T.tanh(x), y))];
    const fg = expectSameValue([x, y], outs, [xs, ys], { ...inplace, rewrite: 'inplace_elemwise' });
    expect(opLabels(fg).filter((l) => l.includes('inplace')).length).toBeGreaterThan(0);
  });

  test('fast_run: the phase runs last, after fusion and merge', () => {
    const x = T.dvector('x');
    const fg = optimized([x], [T.exp(T.dot(x, x).mul(2))], { mode: 'fast_run' });
    expect(opLabels(fg)).toEqual(['Dot', 'Elemwise{Composite{exp((i0 * 2))}}[inplace 0←0]']);
    const off = optimized([x], [T.exp(T.dot(x, x).mul(2))], {
      mode: 'fast_run',
      exclude: ['inplace'],
    });
    expect(opLabels(off)).toEqual(['Dot', 'Elemwise{Composite{exp((i0 * 2))}}']);
  });
});

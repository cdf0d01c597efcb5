import { describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from './index';

describe('evaluate (the reference evaluator)', () => {
  it('computes a small graph from givens, constants and shared values', () => {
    const x = T.dvector('x');
    const w = T.shared(array([0.5, -2], { dtype: 'float64' }), 'w');
    const b = T.dscalar('b');
    const y = T.add(T.dot(x, w), b);
    // 2 * 0.5 + 3 * -2 + 1 = -4
    const [out] = T.evaluate(
      [y],
      new Map<T.Variable, unknown>([
        [x, [2, 3]],
        [b, 1],
      ]),
    );
    expect(out.shape).toEqual([]);
    expect(out.item()).toBe(-4);
  });

  it('evaluates several outputs sharing nodes', () => {
    const x = T.dvector('x');
    const e = T.exp(x);
    const [a, s] = T.evaluate([e, T.sum(e)], new Map([[x, [0, Math.log(3)]]]));
    expect(a.get(0)).toBe(1);
    expect(a.get(1)).toBeCloseTo(3, 14);
    expect(s.item()).toBeCloseTo(4, 14);
  });

  it('a given for an intermediate variable replaces its computation', () => {
    const x = T.dvector('x');
    const h = T.mul(x, 2);
    const y = T.add(h, 1);
    // x has no value: it is not needed when h is given
    expect(T.evaluate([y], new Map([[h, [10, 20]]]))[0].toArray()).toEqual([11, 21]);
  });

  it('broadcasts a row and a matrix like NumPy', () => {
    const m = T.dmatrix('m');
    const r = T.drow('r');
    const [out] = T.evaluate(
      [m.sub(r)],
      new Map<T.Variable, unknown>([
        [
          m,
          [
            [1, 2],
            [3, 4],
          ],
        ],
        [r, [[1, 1]]],
      ]),
    );
    expect(out.toArray()).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('checks givens against their types, naming the input', () => {
    const x = T.fvector('x');
    expect(() =>
      T.evaluate([x.mul(2)], new Map([[x, array([0.1], { dtype: 'float64' })]])),
    ).toThrow(/input 'x': expected float32 vector/);
    expect(() => T.evaluate([x.mul(2)], new Map([[x, [[1]]]]))).toThrow(/with 2 dimensions/);
  });

  it('names an input that has no value', () => {
    const x = T.dvector('x');
    const y = T.dvector('y');
    expect(() => T.evaluate([x.add(y)], new Map([[x, [1]]]))).toThrow(
      "evaluate: no value given for input 'y' of type float64 vector",
    );
    expect(() => T.evaluate([T.dvector().add(1)])).toThrow(
      'evaluate: no value given for input (unnamed) of type float64 vector',
    );
  });

  it('returns leaves directly', () => {
    const c = T.constant(array([1, 2]));
    expect(T.evaluate([c])[0]).toBe(c.data);
    const x = T.dscalar('x');
    expect(T.evaluate([x], new Map([[x, 2.5]]))[0].item()).toBe(2.5);
  });
});

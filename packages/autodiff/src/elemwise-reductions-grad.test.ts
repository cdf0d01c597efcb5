import { describe, expect, it } from 'vitest';
import { type NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from './index';

const f64 = (x: number[] | number[][]) => array(x, { dtype: 'float64' });
const run = (outs: T.Variable[], x: T.Variable, v: NDArray) => T.evaluate(outs, new Map([[x, v]]));

describe('gradients of the elementwise and reduction ops at their edge cases', () => {
  it('prod: one zero in a group gets the product of the others, two zeros give 0 (no nan)', () => {
    const x = T.dmatrix('x');
    const [g] = run(
      [grad(T.sum(T.prod(x, { axis: 1 })), x)],
      x,
      f64([
        [2, 0, 3],
        [0, 0, 5],
        [2, 4, 0.5],
      ]),
    );
    expect(g.toArray()).toEqual([
      [0, 6, 0],
      [0, 0, 0],
      [2, 1, 8],
    ]);
    // over all axes with a single zero
    const [h] = run(
      [grad(T.prod(x), x)],
      x,
      f64([
        [2, 0],
        [3, 4],
      ]),
    );
    expect(h.toArray()).toEqual([
      [0, 24],
      [0, 0],
    ]);
  });

  it('second derivatives of prod are right with one zero, finite with two', () => {
    const x = T.dvector('x');
    const g = grad(T.prod(x), x);
    const h = grad(T.sum(g), x);
    // d/dx_j sum_i prod_{k != i} x_k = sum_{i != j} prod_{k != i, j} x_k
    expect(run([h], x, f64([0, 2, 3]))[0].toArray()).toEqual([2 + 3, 0 + 3, 0 + 2]);
    expect(run([h], x, f64([1, 2, 3]))[0].toArray()).toEqual([5, 4, 3]);
    // two zeros: the first derivatives are 0 and right; the second ones are 0 (documented)
    expect(run([g, h], x, f64([0, 0, 3])).map((a) => a.toArray())).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it('cumprod: zeros in the input give nan gradients (Theano divides by x); none without zeros', () => {
    const x = T.dvector('x');
    const g = grad(T.sum(T.cumprod(x)), x);
    expect(Array.from(run([g], x, f64([2, 0, 3]))[0].toFlat()).some(Number.isNaN)).toBe(true);
    // d/dx_j sum_i prod_{k<=i} x_k for x = [2, 3, 4]: [1 + 3 + 12, 2 + 8, 6]
    expect(run([g], x, f64([2, 3, 4]))[0].toArray()).toEqual([16, 10, 6]);
  });

  it('logsumexp: the gradient is the softmax, also for huge inputs', () => {
    const x = T.dvector('x');
    const [g] = run([grad(T.logsumexp(x), x)], x, f64([1000, 1000, -Infinity]));
    const [a, b, c] = g.toArray() as number[];
    expect(a).toBeCloseTo(0.5, 12);
    expect(b).toBeCloseTo(0.5, 12);
    expect(c).toBe(0);
  });

  it('clip sends the gradient to x inside the bounds, to the bounds outside (Theano)', () => {
    const x = T.dvector('x');
    const lo = T.dscalar('lo');
    const hi = T.dscalar('hi');
    const [gx, glo, ghi] = T.evaluate(
      grad(T.sum(T.clip(x, lo, hi)), [x, lo, hi]),
      new Map<T.Variable, NDArray>([
        [x, f64([-2, 0, 0.5, 3, 4])],
        [lo, array(0, { dtype: 'float64' })],
        [hi, array(1, { dtype: 'float64' })],
      ]),
    );
    expect(gx.toArray()).toEqual([0, 1, 1, 0, 0]);
    expect(glo.item()).toBe(1);
    expect(ghi.item()).toBe(2);
  });

  it('rounding and floor division have zero gradients; predicates and bitwise ops none', () => {
    const x = T.dvector('x');
    const [g] = run(
      [grad(T.sum(T.add(T.round(x), T.intDiv(x, 2)).add(T.floor(x))), x)],
      x,
      f64([0.3, 1.7]),
    );
    expect(g.toArray()).toEqual([0, 0]);
    // isnan(x) has no gradient: the cost does not depend on x through it
    expect(() => grad(T.sum(T.cast(T.isnan(x), 'float64')), x)).toThrow(/does not depend on 'x'/);
  });

  it('relu with alpha: slope alpha below 0 and at 0, 1 above', () => {
    const x = T.dvector('x');
    const [g] = run([grad(T.sum(T.relu(x, 0.1)), x)], x, f64([-1, 0, 2]));
    expect(g.toArray()).toEqual([0.1, 0.1, 1]);
  });

  it('polygamma: d/dx psi = trigamma, d/dx gammaln = psi', () => {
    const x = T.dscalar('x');
    const [g1, g2] = run(
      [grad(T.gammaln(x), x), grad(T.psi(x), x)],
      x,
      array(1, { dtype: 'float64' }),
    );
    expect(g1.item()).toBeCloseTo(-0.5772156649015329, 15);
    expect(g2.item()).toBeCloseTo((Math.PI * Math.PI) / 6, 14);
  });
});

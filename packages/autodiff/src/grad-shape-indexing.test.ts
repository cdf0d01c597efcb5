import { describe, expect, it } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { array } from '@theano-ts/tensor';
import { grad } from './index';

const f64 = (x: number[] | number[][]) => array(x, { dtype: 'float64' });
const val = (v: T.Variable, x: T.Variable, xv: ReturnType<typeof f64>) =>
  T.evaluate([v], new Map([[x, xv]]))[0].toArray();

describe('gradients of the indexing and shape ops', () => {
  it('repeated advanced indices accumulate in the gradient (np.add.at)', () => {
    const x = T.dvector('x');
    const g = grad(T.sum(x.get([0, 2, 0, 0])), x);
    expect(val(g, x, f64([5, 6, 7]))).toEqual([3, 0, 1]);
  });

  it('setSubtensor blocks the gradient of the overwritten region of x', () => {
    const x = T.dvector('x');
    const y = T.dscalar('y');
    const out = T.setSubtensor(x.get(T.slice(1, null, 2)), y).mul(x);
    const [gx, gy] = grad(T.sum(out), [x, y]);
    const givens = new Map<T.Variable, unknown>([
      [x, f64([1, 2, 3, 4])],
      [y, 10],
    ]);
    const [gxv, gyv] = T.evaluate([gx, gy], givens);
    // out = [x0², y·x1, x2², y·x3]
    expect(gxv.toArray()).toEqual([2, 10, 6, 10]);
    expect(gyv.item()).toBe(6);
  });

  it('second derivatives go through the gradient ops (hessian-vector style)', () => {
    const x = T.dvector('x');
    const y = T.concatenate([T.roll(x, 1), x.get([0, 0]), T.flip(x)]);
    const cost = T.sum(T.mul(T.mul(y, y), y));
    const g = grad(cost, x);
    const gg = grad(T.sum(g), x);
    // cost = 2·Σx³ + 2·x0³: g = 6x² + 6x0²·e0, d(Σg)/dx = 12x + 12x0·e0
    expect(val(gg, x, f64([1, 2, 3]))).toEqual([24, 24, 36]);
  });

  it('nonzero and boolean masks pass no gradient through the indices', () => {
    const x = T.dmatrix('x');
    const g = grad(T.sum(T.nonzeroValues(x)), x);
    expect(
      val(
        g,
        x,
        f64([
          [0, 2],
          [3, 0],
        ]),
      ),
    ).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });
});

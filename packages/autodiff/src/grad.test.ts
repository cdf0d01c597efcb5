import { describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad, verifyGrad, DisconnectedInputError, GradientError } from './index';

describe('grad: Theano tutorial values', () => {
  it('d(x**2)/dx at 4 is 8', () => {
    const x = T.dscalar('x');
    const gx = grad(T.pow(x, 2), x);
    expect(T.evaluate([gx], new Map([[x, 4]]))[0].item()).toBe(8);
  });
  it('grad of sum(sigmoid(x)) at [[0,1],[-1,-2]]', () => {
    const x = T.dmatrix('x');
    const gx = grad(T.sum(T.sigmoid(x)), x);
    const [v] = T.evaluate(
      [gx],
      new Map([
        [
          x,
          [
            [0, 1],
            [-1, -2],
          ],
        ],
      ]),
    );
    const want = [
      [0.25, 0.19661193],
      [0.19661193, 0.10499359],
    ];
    (v.toArray() as number[][]).forEach((r, i) =>
      r.forEach((e, j) => expect(e).toBeCloseTo(want[i][j], 7)),
    );
  });
});

describe('verifyGrad', () => {
  it('passes for a correct gradient and catches a wrong one', () => {
    const a = array(
      [
        [0.3, -1.2, 2],
        [0.7, 0.1, -0.4],
      ],
      { dtype: 'float64' },
    );
    verifyGrad((x) => T.tanh(x).mul(x), [a]);
    // relu's kink is avoided by the data; sqr on a constant-shifted input is smooth
    verifyGrad((x) => T.relu(x).sqr(), [a]);
  });
  it('raises GradientError when a rule is wrong', async () => {
    const { SCALAR_GRADS } = await import('./grad-rules');
    const saved = SCALAR_GRADS.tanh;
    (SCALAR_GRADS as Record<string, unknown>).tanh = (_i: unknown, _o: unknown, gz: T.Variable) => [
      gz,
    ];
    try {
      expect(() => verifyGrad((x) => T.tanh(x), [array([0.5, 1.5], { dtype: 'float64' })])).toThrow(
        GradientError,
      );
    } finally {
      (SCALAR_GRADS as Record<string, unknown>).tanh = saved;
    }
  });
  it('disconnected inputs raise by default', () => {
    const x = T.dscalar('x');
    const y = T.dscalar('y');
    expect(() => grad(x.mul(2), y)).toThrow(DisconnectedInputError);
    expect(() => grad(x.mul(2), y)).toThrow(/'y'/);
  });

  it('an int random draw on the only path says the random op is not differentiable', () => {
    const p = T.fscalar('p');
    const srng = new T.RandomStreams(3);
    const cost = srng.binomial([3], 1, p).astype('float32').sum();
    let err: unknown;
    try {
      grad(cost, p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DisconnectedInputError);
    expect((err as Error).message).toMatch(
      /^grad: RandomBinomial\{int32\} is not differentiable: .*reparameterization.*; the cost depends on 'p' \(float32 scalar\) only through it/s,
    );
    expect((err as Error).message).toMatch(/built at .*grad\.test\.ts:\d+/);
    // a wrt the cost does not reach at all keeps the plain message
    expect(() => grad(cost.add(p), [p, T.fscalar('q')])).toThrow(/the cost does not depend on 'q'/);
  });
});

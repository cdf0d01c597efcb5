import { describe, expect, it } from 'vitest';
import * as theano from './index';
import { NDArray } from '@theano-ts/tensor';

const T = theano.tensor;

describe('the umbrella', () => {
  it("exposes Theano's names: tensor as T, function, shared, grad, printing", () => {
    const x = T.dscalar('x');
    const f = theano.function([x], theano.grad(x.pow(2), x));
    expect((f(4) as NDArray).item()).toBe(8);
    expect(theano.printing.debugprint(f)).toMatch(/\[id A\]/);
    expect(theano.printing.pp(x.mul(2))).toBe('(x * TensorConstant{2})');
  });
  it('T.switch, T.fill and T.nnet are there', () => {
    const c = T.dvector('c');
    const f = theano.function([c], T.switch(c.gt(0), T.fill(c, 1), T.nnet.sigmoid(c)));
    expect((f([2, 0]) as NDArray).toArray()).toEqual([1, 0.5]);
  });
  it("registers the gpu.js backend as 'gpujs'", () => {
    expect(() => new theano.Mode({ backend: 'gpujs' })).not.toThrow();
    expect(() => new theano.Mode({ backend: 'nope' })).toThrow(
      /unknown backend 'nope'.*cpu.*gpujs/,
    );
  });
  it('gradient.verifyGrad is reachable', () => {
    expect(typeof theano.gradient.verifyGrad).toBe('function');
  });
});

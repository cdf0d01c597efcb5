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

describe('shape and indexing through T', () => {
  it('T.concatenate, T.slice, T.setSubtensor and T.incSubtensor', () => {
    const a = T.dmatrix('a');
    const f = theano.function(
      [a],
      [
        T.concatenate([a, a], { axis: 0 }),
        T.setSubtensor(a.get(0), 0),
        T.incSubtensor(a.get(T.slice(null, null, -1), 1), 10),
      ],
    );
    const [c, s, i] = f([
      [1, 2],
      [3, 4],
    ]) as NDArray[];
    expect(c.shape).toEqual([4, 2]);
    expect(s.toArray()).toEqual([
      [0, 0],
      [3, 4],
    ]);
    expect(i.toArray()).toEqual([
      [1, 12],
      [3, 14],
    ]);
  });
});

describe('random streams through theano', () => {
  it("Theano's tutorial: fresh numbers per call, noDefaultUpdates, u + u - 2u = 0", () => {
    const srng = new theano.RandomStreams(234);
    expect(T.sharedRandomstreams.RandomStreams).toBe(theano.RandomStreams);
    expect(theano.sandbox.rngMrg.MRG_RandomStreams).toBe(theano.RandomStreams);
    const rv_u = srng.uniform([2, 2]);
    const rv_n = srng.normal([2, 2]);
    const f = theano.function([], rv_u);
    const g = theano.function([], rv_n, { noDefaultUpdates: true });
    const nearlyZeros = theano.function([], rv_u.add(rv_u).sub(rv_u.mul(2)));
    expect((f() as NDArray).toArray()).not.toEqual((f() as NDArray).toArray());
    expect((g() as NDArray).toArray()).toEqual((g() as NDArray).toArray());
    expect(Array.from((nearlyZeros() as NDArray).toFlat())).toEqual([0, 0, 0, 0]);
  });
});

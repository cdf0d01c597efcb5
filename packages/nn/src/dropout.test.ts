import { describe, expect, it } from 'vitest';
import { Generator, type NDArray, full } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { function as theanoFunction } from '@theano-ts/compile';
import { verifyGrad } from '@theano-ts/autodiff';
import {
  Dense,
  Dropout,
  INFERENCE,
  Sequential,
  defaultRng,
  setRandomSeed,
  trainingContext,
} from './index';

const flat = (a: NDArray) => Array.from(a.toFlat());

describe('Dropout', () => {
  it('zeroes about `rate` of the entries and scales the others by 1 / (1 - rate)', () => {
    const rate = 0.3;
    const layer = new Dropout(rate, { seed: 1 });
    const x = T.dmatrix('x');
    const f = theanoFunction([x], layer.apply(x, trainingContext()));
    const n = 200 * 100;
    const ys = flat(f(full([200, 100], 2, { dtype: 'float64' })) as NDArray);
    const zeros = ys.filter((v) => v === 0).length / n;
    expect(Math.abs(zeros - rate)).toBeLessThan(5 * Math.sqrt((rate * (1 - rate)) / n));
    ys.filter((v) => v !== 0).forEach((v) => expect(v).toBeCloseTo(2 / (1 - rate), 12));
  });

  it('draws a fresh mask on each call of a training function; noDefaultUpdates freezes it', () => {
    const layer = new Dropout(0.5, { seed: 2 });
    const x = T.dvector('x');
    const y = layer.apply(x, trainingContext());
    const ones = full([64], 1, { dtype: 'float64' });
    const f = theanoFunction([x], y);
    expect(flat(f(ones) as NDArray)).not.toEqual(flat(f(ones) as NDArray));
    const g = theanoFunction([x], y, { noDefaultUpdates: true });
    expect(flat(g(ones) as NDArray)).toEqual(flat(g(ones) as NDArray));
  });

  it('is the identity at test time (the default inference context) and for rate 0', () => {
    const x = T.fmatrix('x');
    expect(new Dropout(0.5).apply(x)).toBe(x);
    expect(new Dropout(0.5).apply(x, INFERENCE)).toBe(x);
    expect(new Dropout(0).apply(x, trainingContext())).toBe(x);
    expect(new Dropout(0.5).outputShape([null, 7])).toEqual([null, 7]);
  });

  it('passes the gradient through the mask (verifyGrad with the state frozen)', () => {
    const layer = new Dropout(0.4, { seed: 3 });
    const pt = new Generator(4).uniform(-1, 1, [5, 6], 'float64');
    verifyGrad((x) => T.tanh(layer.apply(x, trainingContext())), [pt]);
  });

  it('rejects a rate outside [0, 1) and non-float inputs, naming the layer', () => {
    expect(() => new Dropout(1)).toThrow(/Dropout: rate must be a number in \[0, 1\), got 1/);
    expect(() => new Dropout(-0.1)).toThrow(/Dropout: rate must be a number in \[0, 1\)/);
    expect(() =>
      new Dropout(0.5, { name: 'drop' }).apply(T.imatrix('i'), trainingContext()),
    ).toThrow(/drop: expected a float tensor, got int32 matrix/);
  });

  it('trains in a Sequential model: dropout in the training graph, none in the prediction graph', () => {
    setRandomSeed(11);
    const model = new Sequential([
      new Dense(4, 8, { activation: 'relu' }),
      new Dropout(0.5),
      new Dense(8, 2),
    ]);
    const x = T.dmatrix('x');
    const ctx = trainingContext();
    const train = theanoFunction([x], model.apply(x, ctx), { updates: ctx.updates });
    const predict = theanoFunction([x], model.apply(x));
    const vx = new Generator(5).uniform(-1, 1, [3, 4], 'float64');
    expect(flat(predict(vx) as NDArray)).toEqual(flat(predict(vx) as NDArray));
    expect(flat(train(vx) as NDArray)).not.toEqual(flat(train(vx) as NDArray));
  });
});

describe('setRandomSeed', () => {
  it('makes the default initial weights (and dropout seeds) reproducible', () => {
    setRandomSeed(123);
    const a = new Dense(3, 4, { dtype: 'float64' }).W.getValue();
    const da = new Dropout(0.5).srng.currentSeed;
    new Dense(3, 4); // the stream moves on
    setRandomSeed(123);
    const b = new Dense(3, 4, { dtype: 'float64' }).W.getValue();
    expect(flat(b)).toEqual(flat(a));
    expect(new Dropout(0.5).srng.currentSeed).toBe(da);
    setRandomSeed(124);
    expect(flat(new Dense(3, 4, { dtype: 'float64' }).W.getValue())).not.toEqual(flat(a));
    setRandomSeed(0);
    expect(defaultRng.getState()).toEqual({ key: [0, 0], counter: 0 });
  });
});

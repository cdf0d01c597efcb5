import { describe, expect, it } from 'vitest';
import * as theano from 'theano-ts';
import { Generator, NDArray, zeros } from '@theano-ts/tensor';

const T = theano.tensor;

describe("the README's tour", () => {
  it('trains a softmax regression: the loss falls and predictions have the right shape', () => {
    // the code of README.md's "A 15-line tour", verbatim apart from the data
    const x = T.matrix('x'),
      y = T.ivector('y');
    const W = theano.shared(zeros([784, 10], { dtype: 'float32' }), 'W');
    const b = theano.shared(zeros([10], { dtype: 'float32' }), 'b');
    const p = T.nnet.softmax(T.dot(x, W).add(b));
    const loss = T.mean(T.nnet.categoricalCrossentropy(p, y));
    const [gW, gb] = theano.grad(loss, [W, b]);
    const train = theano.function([x, y], loss, {
      updates: [
        [W, W.sub(gW.mul(0.1))],
        [b, b.sub(gb.mul(0.1))],
      ],
    });
    const predict = theano.function([x], T.argmax(p, { axis: 1 }));
    expect(theano.printing.debugprint(train)).toMatch(/CrossentropySoftmax1Hot/);

    // separable synthetic data: the label is the index of the brightest of 10 pixel blocks
    const rng = new Generator(3);
    const images = rng.uniform(0, 0.2, [64, 784], 'float32');
    const labels = rng.randint(0, 10, [64]);
    for (let i = 0; i < 64; i++)
      for (let j = 0; j < 78; j++) images.data[i * 784 + labels.data[i] * 78 + j] += 1;
    const first = (train(images, labels) as NDArray).item();
    expect(first).toBeCloseTo(Math.log(10), 5); // zero weights: uniform predictions
    let last = first;
    for (let k = 0; k < 20; k++) last = (train(images, labels) as NDArray).item();
    expect(last).toBeLessThan(first / 2);
    const pred = predict(images) as NDArray;
    expect(pred.shape).toEqual([64]);
    expect(pred.dtype).toBe('int32');
    expect(Array.from(pred.data)).toEqual(Array.from(labels.data));
  });
});

describe("the seed program's mistake", () => {
  it('passing a scalar to a T.vector input throws naming x, the expected type and the value', () => {
    // the seed article declares x as a vector, then calls train_fn with one sample at a time
    const x = T.vector('x');
    const y = T.scalar('y');
    const w = theano.shared(0, 'w', { dtype: 'float32' });
    const b = theano.shared(0, 'b', { dtype: 'float32' });
    const cost = T.mean(T.sqr(w.mul(x).add(b).sub(y)));
    const [gw, gb] = theano.grad(cost, [w, b]);
    const trainFn = theano.function([x, y], cost, {
      updates: [
        [w, w.sub(gw.mul(0.01))],
        [b, b.sub(gb.mul(0.01))],
      ],
    });
    expect(() => trainFn(0.5, 1.0)).toThrow(TypeError);
    expect(() => trainFn(0.5, 1.0)).toThrow(/input 0 'x': expected float32 vector/);
    expect(() => trainFn(0.5, 1.0)).toThrow(/got the number 0\.5 with 0 dimensions/);
    expect(w.getValue().item()).toBe(0); // nothing ran, nothing changed
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { Generator, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { Dense, Sequential } from './layers';

const floatX = T.config.floatX;
afterEach(() => {
  T.config.floatX = floatX;
});

describe('Dense', () => {
  it('holds W (in, out) and b (out,) of floatX, Glorot and zeros by default', () => {
    const d = new Dense(784, 128, { name: 'fc' });
    expect(d.W.name).toBe('fc.W');
    expect(d.b!.name).toBe('fc.b');
    const W = d.W.getValue();
    expect(W.shape).toEqual([784, 128]);
    expect(W.dtype).toBe('float32');
    const l = Math.sqrt(6 / 912);
    expect(Math.max(...Array.from(W.data, Math.abs))).toBeLessThanOrEqual(l);
    expect(d.b!.getValue().toArray()).toEqual(Array(128).fill(0));
    expect(d.params).toEqual([d.W, d.b]);
  });

  it('computes activation(x · W + b) with output shape (batch, out)', () => {
    T.config.floatX = 'float64';
    const d = new Dense(3, 2, { activation: 'relu', rng: new Generator(1) });
    d.W.setValue(
      array(
        [
          [1, -1],
          [2, 0],
          [0, 3],
        ],
        { dtype: 'float64' },
      ),
    );
    d.b!.setValue(array([0.5, -10], { dtype: 'float64' }));
    const x = T.dmatrix('x');
    const y = d.apply(x);
    expect(y.dtype).toBe('float64');
    expect(y.ndim).toBe(2);
    const [out] = T.evaluate(
      [y],
      new Map([
        [
          x,
          [
            [1, 1, 1],
            [2, 0, -1],
          ],
        ],
      ]),
    );
    expect(out.shape).toEqual([2, 2]);
    // x·W = [[3, 2], [2, -5]]; + b = [[3.5, -8], [2.5, -15]]; relu
    expect(out.toArray()).toEqual([
      [3.5, 0],
      [2.5, 0],
    ]);
  });

  it('keeps float32 for float32 inputs and knows the static width', () => {
    const d = new Dense(4, 3);
    const x = T.tensor('x', { dtype: 'float32', shape: [null, 4] });
    const y = d.apply(x);
    expect(y.type.dtype).toBe('float32');
    expect(y.type.shape).toEqual([null, null]);
    const [out] = T.evaluate([y], new Map([[x, array([[1, 2, 3, 4]], { dtype: 'float32' })]]));
    expect(out.dtype).toBe('float32');
    expect(out.shape).toEqual([1, 3]);
  });

  it('rejects an input of the wrong width or rank at build time', () => {
    const d = new Dense(784, 128, { name: 'hidden' });
    const x = T.tensor('x', { dtype: 'float32', shape: [null, 10] });
    expect(() => d.apply(x)).toThrow(T.TheanoTypeError);
    expect(() => d.apply(x)).toThrow(
      /hidden: expected a \(batch, 784\) matrix, got float32 matrix shape \(\?, 10\)/,
    );
    expect(() => d.apply(T.fvector('v'))).toThrow(
      /expected a \(batch, 784\) matrix, got float32 vector/,
    );
  });

  it('rejects a wrong width at run time when it is not known statically', () => {
    const d = new Dense(3, 2);
    const x = T.fmatrix('x');
    expect(() =>
      T.evaluate([d.apply(x)], new Map([[x, array([[1, 2]], { dtype: 'float32' })]])),
    ).toThrow(/not aligned/);
  });

  it('supports no bias, callable activations and validates its arguments', () => {
    const d = new Dense(2, 2, { useBias: false, activation: (v) => T.neg(v) });
    expect(d.b).toBeUndefined();
    expect(d.params).toEqual([d.W]);
    expect(d.apply(T.fmatrix('x')).owner!.op.params).toEqual({ scalarOp: { name: 'neg' } });
    expect(() => new Dense(0, 2)).toThrow(/unitsIn must be a positive integer, got 0/);
    expect(() => new Dense(2, 1.5)).toThrow(/unitsOut must be a positive integer/);
    expect(() => new Dense(2, 2, { activation: 'swish' as never })).toThrow(
      /unknown activation 'swish'; expected one of linear, relu, sigmoid, tanh, softmax/,
    );
  });

  it('uses its rng for the initial weights', () => {
    const a = new Dense(5, 5, { rng: new Generator(1) });
    const b = new Dense(5, 5, { rng: new Generator(1) });
    const c = new Dense(5, 5, { rng: new Generator(2) });
    expect(Array.from(a.W.getValue().data)).toEqual(Array.from(b.W.getValue().data));
    expect(Array.from(a.W.getValue().data)).not.toEqual(Array.from(c.W.getValue().data));
  });
});

describe('Sequential', () => {
  it('lists the parameters layer by layer, W before b', () => {
    const l1 = new Dense(4, 8);
    const l2 = new Dense(8, 3, { activation: 'softmax' });
    const net = new Sequential([l1, l2]);
    expect(net.params).toEqual([l1.W, l1.b, l2.W, l2.b]);
  });

  it('applies the layers in order', () => {
    T.config.floatX = 'float64';
    const l1 = new Dense(2, 2, { activation: 'relu' });
    const l2 = new Dense(2, 1);
    l1.W.setValue(
      array(
        [
          [1, 0],
          [0, -1],
        ],
        { dtype: 'float64' },
      ),
    );
    l2.W.setValue(array([[2], [3]], { dtype: 'float64' }));
    l2.b!.setValue(array([1], { dtype: 'float64' }));
    const x = T.dmatrix('x');
    const [out] = T.evaluate([new Sequential([l1, l2]).apply(x)], new Map([[x, [[3, -4]]]]));
    // relu([3, 4]) = [3, 4]; 2*3 + 3*4 + 1 = 19
    expect(out.toArray()).toEqual([[19]]);
  });
});

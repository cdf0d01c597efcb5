import { afterEach, describe, expect, it } from 'vitest';
import { Generator, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import {
  Activation,
  BatchNorm,
  Dense,
  Embedding,
  Flatten,
  INFERENCE,
  Lambda,
  Reshape,
  Sequential,
  trainingContext,
} from './layers';
import { l1, l2 } from './losses';

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
    expect(y.type.shape).toEqual([null, 3]);
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
    expect(() => new Dense(2, 2, { activation: 'toString' as never })).toThrow(
      /unknown activation/,
    );
    expect(() => new Dense(2, 2, { activation: 'mish' as never })).toThrow(
      /unknown activation 'mish'; expected one of linear, relu, sigmoid, tanh, softmax, logSoftmax/,
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

describe('simple layers', () => {
  it('Activation applies a named or given function and keeps the shape', () => {
    T.config.floatX = 'float64';
    const x = T.dmatrix('x');
    const val = [[-1, 0, 2]];
    const run = (l: Activation) =>
      T.evaluate([l.apply(x)], new Map([[x, val]]))[0].toArray() as number[][];
    expect(run(new Activation('relu'))).toEqual([[0, 0, 2]]);
    expect(run(new Activation('leakyRelu'))[0][0]).toBeCloseTo(-0.01, 15);
    expect(run(new Activation('elu'))[0][0]).toBeCloseTo(Math.expm1(-1), 15);
    expect(run(new Activation('selu'))[0][2]).toBeCloseTo(1.0507009873554805 * 2, 14);
    expect(run(new Activation('swish'))[0][2]).toBeCloseTo(2 / (1 + Math.exp(-2)), 14);
    expect(run(new Activation('softplus'))[0][1]).toBeCloseTo(Math.log(2), 15);
    const sm = run(new Activation('softmax'))[0];
    expect(sm.reduce((a, b) => a + b)).toBeCloseTo(1, 14);
    expect(run(new Activation('logSoftmax'))[0][2]).toBeCloseTo(Math.log(sm[2]), 14);
    expect(run(new Activation((v) => T.mul(v, 3)))).toEqual([[-3, 0, 6]]);
    expect(new Activation('tanh').outputShape([null, 7])).toEqual([null, 7]);
    expect(new Activation('tanh').name).toMatch(/^tanh_\d+$/);
    expect(() => new Activation('gelu' as never)).toThrow(/Activation: unknown activation 'gelu'/);
  });

  it('Flatten keeps the batch dimension, with static or symbolic sizes', () => {
    T.config.floatX = 'float64';
    const f = new Flatten();
    const x = T.tensor('x', { dtype: 'float64', shape: [null, 2, 3] });
    const y = f.apply(x);
    expect(y.type.shape).toEqual([null, 6]);
    const x4 = T.tensor4('x4', { dtype: 'float64' });
    const v = array(
      Array.from({ length: 24 }, (_, i) => i),
      { dtype: 'float64' },
    ).reshape([2, 3, 2, 2]);
    const [out] = T.evaluate([f.apply(x4)], new Map([[x4, v]]));
    expect(out.shape).toEqual([2, 12]);
    expect(Array.from(out.data)).toEqual(Array.from(v.data));
    expect(f.outputShape([null, 3, 4, 4])).toEqual([null, 48]);
    expect(f.outputShape([null, 3, null, 4])).toEqual([null, null]);
    const m = T.dmatrix('m');
    expect(f.apply(m)).toBe(m);
  });

  it('Reshape reshapes every sample and checks sizes it can see', () => {
    T.config.floatX = 'float64';
    const r = new Reshape([2, 3]);
    const x = T.dmatrix('x');
    const [out] = T.evaluate([r.apply(x)], new Map([[x, [[1, 2, 3, 4, 5, 6]]]]));
    expect(out.toArray()).toEqual([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    expect(r.outputShape([null, 6])).toEqual([null, 2, 3]);
    expect(() => r.outputShape([null, 5])).toThrow(
      /cannot reshape samples of shape \(5,\) to \(2, 3\)/,
    );
    expect(() => new Reshape([2, 0])).toThrow(/every target length must be a positive integer/);
  });

  it('Lambda wraps a function, sees the context, and takes a shape function', () => {
    const seen: boolean[] = [];
    const l = new Lambda(
      (x, ctx) => {
        seen.push(ctx.training);
        return T.mul(x, 2);
      },
      (s) => s,
    );
    l.apply(T.dmatrix('x'));
    l.apply(T.dmatrix('x'), trainingContext());
    expect(seen).toEqual([false, true]);
    expect(l.outputShape([null, 4])).toEqual([null, 4]);
    expect(new Lambda((x) => x).outputShape([null, 4])).toEqual([null, null]);
  });
});

describe('Dense extras', () => {
  it('has static parameter shapes (lengths of 1 left unknown) and lists its penalties', () => {
    const d = new Dense(3, 1, { kernelRegularizer: l2(0.5), biasRegularizer: l1(2) });
    expect(d.W.type.shape).toEqual([3, null]);
    expect(d.b!.type.shape).toEqual([null]);
    expect(new Dense(3, 4).W.type.shape).toEqual([3, 4]);
    T.config.floatX = 'float64';
    const e = new Dense(2, 2, { kernelRegularizer: l2(0.5), dtype: 'float64' });
    e.W.setValue(
      array(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float64' },
      ),
    );
    const [pen] = e.penalties();
    expect(T.evaluate([pen])[0].item()).toBe(0.5 * 30);
    expect(new Dense(2, 2).penalties()).toEqual([]);
    expect(e.outputShape([null, 2])).toEqual([null, 2]);
    expect(() => e.outputShape([null, 2, 3])).toThrow(/expected a \(batch, 2\) input/);
  });

  it('takes a parameter dtype other than floatX', () => {
    const d = new Dense(2, 3, { dtype: 'float64' });
    expect(d.W.dtype).toBe('float64');
    expect(d.b!.dtype).toBe('float64');
  });
});

describe('BatchNorm', () => {
  it('uses the running averages at inference and pushes no update', () => {
    T.config.floatX = 'float64';
    const bn = new BatchNorm(2, { eps: 1e-5 });
    bn.runningMean.setValue(array([1, -1], { dtype: 'float64' }));
    bn.runningVar.setValue(array([4, 0.25], { dtype: 'float64' }));
    bn.gamma!.setValue(array([2, 1], { dtype: 'float64' }));
    bn.beta!.setValue(array([0, 10], { dtype: 'float64' }));
    const x = T.dmatrix('x');
    const [y] = T.evaluate([bn.apply(x)], new Map([[x, [[3, 0]]]]));
    const [a, b] = y.data;
    expect(a).toBeCloseTo((2 * (3 - 1)) / Math.sqrt(4 + 1e-5), 12);
    expect(b).toBeCloseTo((0 + 1) / Math.sqrt(0.25 + 1e-5) + 10, 12);
  });

  it('lists gamma and beta as parameters, the running averages as state', () => {
    const bn = new BatchNorm(3, { name: 'bn' });
    expect(bn.params.map((p) => p.name)).toEqual(['bn.gamma', 'bn.beta']);
    expect(bn.state.map((p) => p.name)).toEqual(['bn.runningMean', 'bn.runningVar']);
    expect(bn.runningVar.getValue().toArray()).toEqual([1, 1, 1]);
    const plain = new BatchNorm(3, { center: false, scale: false });
    expect(plain.params).toEqual([]);
    expect(plain.gamma).toBeUndefined();
  });

  it('normalizes over every axis but `axis`, here the last of (N, T, C)', () => {
    T.config.floatX = 'float64';
    const bn = new BatchNorm(2, { axis: -1, center: false, scale: false });
    const x = T.tensor3('x', { dtype: 'float64' });
    const ctx = trainingContext();
    const v = new Generator(3).normal(0, 3, [4, 5, 2], 'float64');
    const [y] = T.evaluate([bn.apply(x, ctx)], new Map([[x, v]]));
    for (let c = 0; c < 2; c++) {
      const col = Array.from({ length: 20 }, (_, i) => y.data[i * 2 + c]);
      const m = col.reduce((a, b) => a + b) / 20;
      const s = col.reduce((a, b) => a + (b - m) ** 2, 0) / 20;
      expect(Math.abs(m)).toBeLessThan(1e-12);
      expect(s).toBeCloseTo(1, 5);
    }
    expect(ctx.updates).toHaveLength(2);
  });

  it('checks its arguments and the input', () => {
    expect(() => new BatchNorm(0)).toThrow(/numFeatures must be a positive integer/);
    expect(() => new BatchNorm(2, { momentum: 2 })).toThrow(/momentum must be in \[0, 1\]/);
    expect(() => new BatchNorm(2, { eps: 0 })).toThrow(/eps must be positive/);
    const bn = new BatchNorm(3, { name: 'bn3' });
    expect(() => bn.apply(T.tensor('x', { dtype: 'float32', shape: [null, 4] }))).toThrow(
      /bn3: expected 3 features along axis 1/,
    );
    expect(() => bn.apply(T.fvector('v'))).toThrow(/axis 1 is out of range/);
  });
});

describe('Embedding', () => {
  it('looks up rows for indices of any shape, and its gradient adds into the rows used', () => {
    T.config.floatX = 'float64';
    const e = new Embedding(4, 2, { name: 'emb' });
    e.W.setValue(
      array(
        [
          [0, 1],
          [2, 3],
          [4, 5],
          [6, 7],
        ],
        { dtype: 'float64' },
      ),
    );
    const idx = T.imatrix('idx');
    const out = e.apply(idx);
    expect(out.ndim).toBe(3);
    const cost = T.sum(out);
    const [g] = grad(cost, [e.W]);
    const [y, gw] = T.evaluate(
      [out, g],
      new Map([
        [
          idx,
          array(
            [
              [1, 3],
              [1, 0],
            ],
            { dtype: 'int32' },
          ),
        ],
      ]),
    );
    expect(y.toArray()).toEqual([
      [
        [2, 3],
        [6, 7],
      ],
      [
        [2, 3],
        [0, 1],
      ],
    ]);
    expect(gw.toArray()).toEqual([
      [1, 1],
      [2, 2],
      [0, 0],
      [1, 1],
    ]);
    expect(e.outputShape([null, 5])).toEqual([null, 5, 2]);
    expect(e.params).toEqual([e.W]);
  });

  it('draws U(-0.05, 0.05) by default and refuses float indices', () => {
    const e = new Embedding(100, 8);
    const w = Array.from(e.W.getValue().data);
    expect(Math.max(...w.map(Math.abs))).toBeLessThan(0.05);
    expect(() => e.apply(T.fmatrix('x'))).toThrow(/expected int indices/);
    expect(() => new Embedding(0, 2)).toThrow(/inputDim must be a positive integer/);
  });
});

describe('Sequential: summary and parameter listing', () => {
  it('prints each layer with its output shape and parameter count, and the totals', () => {
    const net = new Sequential(
      [
        new Dense(784, 128, { activation: 'relu', name: 'hidden' }),
        new BatchNorm(128, { name: 'bn' }),
        new Dense(128, 10, { activation: 'softmax', name: 'out' }),
      ],
      { name: 'mlp' },
    );
    expect(net.summary()).toBe(
      [
        'Model: "mlp"',
        'Layer (type)     Output shape   Param #',
        '=======================================',
        'hidden (Dense)   (?, 128)        100480',
        'bn (BatchNorm)   (?, 128)           512',
        'out (Dense)      (?, 10)           1290',
        '=======================================',
        'Total params: 102282',
        'Trainable params: 102026',
        'Non-trainable params: 256',
      ].join('\n'),
    );
    expect(net.countParams()).toEqual({ total: 102282, trainable: 102026, nonTrainable: 256 });
  });

  it('lists every parameter with its shape, dtype and trainability', () => {
    const net = new Sequential([new Dense(3, 2, { name: 'a' }), new BatchNorm(2, { name: 'n' })]);
    expect(net.paramInfo().map(({ variable: _v, ...r }) => r)).toEqual([
      { layer: 'a', name: 'a.W', shape: [3, 2], count: 6, dtype: 'float32', trainable: true },
      { layer: 'a', name: 'a.b', shape: [2], count: 2, dtype: 'float32', trainable: true },
      { layer: 'n', name: 'n.gamma', shape: [2], count: 2, dtype: 'float32', trainable: true },
      { layer: 'n', name: 'n.beta', shape: [2], count: 2, dtype: 'float32', trainable: true },
      {
        layer: 'n',
        name: 'n.runningMean',
        shape: [2],
        count: 2,
        dtype: 'float32',
        trainable: false,
      },
      {
        layer: 'n',
        name: 'n.runningVar',
        shape: [2],
        count: 2,
        dtype: 'float32',
        trainable: false,
      },
    ]);
    const s = net.summary({ params: true });
    expect(s).toContain('Parameter       Shape    dtype     Trainable   Count');
    expect(s).toContain('n.runningVar    (2,)     float32   no              2');
    expect(net.state.map((p) => p.name)).toEqual(['n.runningMean', 'n.runningVar']);
  });

  it('starts shapes from inputShape, shows ? where a layer cannot say, and nests', () => {
    const inner = new Sequential([new Dense(4, 4, { name: 'i1' })], { name: 'inner' });
    const custom = { name: 'custom', params: [], apply: (x: T.Variable) => x };
    const net = new Sequential([custom, inner, new Flatten({ name: 'fl' })], { inputShape: [4] });
    const s = net.summary();
    expect(s).toMatch(/custom \(Object\)\s+\?\s+0/);
    expect(s).toMatch(/inner \(Sequential\)\s+\?\s+20/);
    expect(net.summary({ inputShape: [4] })).toMatch(/custom \(Object\)\s+\?\s+0/);
    expect(new Sequential([new Dense(4, 4), custom]).summary()).toMatch(
      /custom \(Object\)\s+\?\s+0/,
    );
    expect(net.params).toEqual(inner.params);
    expect(net.paramInfo().map((p) => p.name)).toEqual(['i1.W', 'i1.b']);
    expect(() => new Sequential([{} as never])).toThrow(/element 0 is not a layer/);
  });

  it('passes the training context down to every layer', () => {
    const bn = new BatchNorm(2);
    const net = new Sequential([new Dense(2, 2), bn]);
    const ctx = trainingContext();
    net.apply(T.fmatrix('x'), ctx);
    expect(ctx.updates.map(([s]) => s)).toEqual(bn.state);
    expect(() => INFERENCE.updates.push([bn.runningMean, bn.runningMean])).toThrow();
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generator, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import {
  Activation,
  Add,
  BatchNorm,
  Dense,
  Model,
  Multiply,
  Sequential,
  input,
  trainingContext,
} from './layers';
import { Concatenate } from './conv';

const floatX = T.config.floatX;
beforeEach(() => {
  T.config.floatX = 'float64';
});
afterEach(() => {
  T.config.floatX = floatX;
});

const run = (v: T.Variable, x: T.Variable, val: number[][]) =>
  T.evaluate([v], new Map([[x, array(val, { dtype: 'float64' })]]))[0];

describe('functional models', () => {
  it('builds a residual block: the graph equals the hand-written expression', () => {
    const rng = new Generator(1);
    const inp = input([3], { name: 'in' });
    const d1 = new Dense(3, 3, { activation: 'relu', rng, name: 'd1' });
    const d2 = new Dense(3, 2, { rng, name: 'd2' });
    const h = d1.call(inp);
    const out = d2.call(new Activation('tanh').call(new Add({ name: 'res' }).call([h, inp])));
    expect(out.shape).toEqual([null, 2]);
    const model = new Model(inp, out, { name: 'resnet' });
    expect(model.params).toEqual([d1.W, d1.b, d2.W, d2.b]);
    const x = T.dmatrix('x');
    const val = [
      [1, -2, 0.5],
      [0, 1, 2],
    ];
    const byHand = d2.apply(T.tanh(T.add(d1.apply(x), x)));
    expect(Array.from(run(model.apply(x), x, val).data)).toEqual(
      Array.from(run(byHand, x, val).data),
    );
    expect(model.outputShape([null, 3])).toEqual([null, 2]);
    expect(model.summary()).toBe(
      [
        'Model: "resnet"',
        'Layer (type)          Output shape   Param #',
        '============================================',
        'in (Input)            (?, 3)               0',
        'd1 (Dense)            (?, 3)              12',
        'res (Add)             (?, 3)               0',
        `${model.layers[2].name} (Activation)   (?, 3)               0`,
        'd2 (Dense)            (?, 2)               8',
        '============================================',
        'Total params: 20',
        'Trainable params: 20',
        'Non-trainable params: 0',
      ].join('\n'),
    );
  });

  it('shares a layer called twice (its parameters count once) and takes several inputs', () => {
    const a = input([4], { name: 'a' });
    const b = input([4], { name: 'b' });
    const shared = new Dense(4, 4, { name: 'shared' });
    const joined = new Concatenate(1, { name: 'cat' }).call([shared.call(a), shared.call(b)]);
    expect(joined.shape).toEqual([null, 8]);
    const prod = new Multiply().call([shared.call(a), shared.call(b)]);
    const model = new Model([a, b], [joined, prod]);
    expect(model.params).toEqual([shared.W, shared.b]);
    expect(model.countParams().total).toBe(20);
    const xa = T.dmatrix('xa');
    const xb = T.dmatrix('xb');
    const [j, p] = model.applyAll([xa, xb]);
    const va = array([[1, 2, 3, 4]], { dtype: 'float64' });
    const vb = array([[0, -1, 0, 1]], { dtype: 'float64' });
    const [jv, pv, ea, eb] = T.evaluate(
      [j, p, shared.apply(xa), shared.apply(xb)],
      new Map([
        [xa, va],
        [xb, vb],
      ]),
    );
    expect(Array.from(jv.data)).toEqual([...Array.from(ea.data), ...Array.from(eb.data)]);
    expect(Array.from(pv.data)).toEqual(Array.from(ea.data, (v, i) => v * eb.data[i]));
    expect(() => model.apply(xa)).toThrow(/has 2 outputs; use applyAll/);
    expect(() => model.applyAll([xa])).toThrow(/expected 2 inputs, got 1/);
  });

  it('passes the training context to its layers, and nests in a Sequential', () => {
    const inp = input([2]);
    const bn = new BatchNorm(2);
    const model = new Model(inp, bn.call(new Dense(2, 2).call(inp)));
    const net = new Sequential([model, new Dense(2, 1)]);
    const ctx = trainingContext();
    net.apply(T.dmatrix('x'), ctx);
    expect(ctx.updates.map(([s]) => s)).toEqual(bn.state);
    expect(net.state).toEqual(bn.state);
    expect(net.paramInfo().length).toBe(8);
  });

  it('refuses graphs that use tensors that are not its inputs, and bad calls', () => {
    const a = input([2]);
    const b = input([2]);
    const out = new Add().call([a, b]);
    expect(() => new Model(a, out)).toThrow(/is used but is not one of the model's inputs/);
    expect(() => new Dense(2, 2).call([a, b] as never)).toThrow(/takes one input, got 2/);
    expect(() => new Add().call([{} as never])).toThrow(/call\(\) takes symbolic tensors/);
    expect(() => new Add().applyAll([T.dmatrix('x')])).toThrow(/expected at least 2 inputs/);
    expect(() =>
      new Add().outputShapeAll([
        [null, 2],
        [null, 3],
      ]),
    ).toThrow(/do not broadcast/);
    expect(
      new Add().outputShapeAll([
        [null, 2],
        [1, 2],
      ]),
    ).toEqual([null, 2]);
    expect(() =>
      new Concatenate(1).outputShapeAll([
        [null, 2, 3],
        [null, 2, 4],
      ]),
    ).toThrow(/differ in dimension 2/);
  });
});

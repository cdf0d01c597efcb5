import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generator, array, readNpz, writeNpz } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { BatchNorm, Dense, Sequential } from './layers';
import { Conv2D } from './conv';
import { loadWeights, saveWeights } from './serialization';
import { predict } from './training';

const floatX = T.config.floatX;
beforeEach(() => {
  T.config.floatX = 'float64';
});
afterEach(() => {
  T.config.floatX = floatX;
});

const net = (seed: number) => {
  const rng = new Generator(seed);
  return new Sequential([
    new Dense(3, 4, { activation: 'relu', rng, name: 'fc' }),
    new BatchNorm(4, { name: 'bn' }),
    new Dense(4, 2, { rng, name: 'out' }),
  ]);
};

describe('saveWeights / loadWeights', () => {
  it('round-trips parameters and state through .npz bytes: the reloaded model predicts the same', () => {
    const a = net(1);
    (a.layers[1] as BatchNorm).runningMean.setValue(
      array([0.1, 0.2, 0.3, 0.4], { dtype: 'float64' }),
    );
    const x = new Generator(5).normal(0, 1, [6, 3], 'float64');
    for (const compressed of [false, true]) {
      const bytes = saveWeights(a, { compressed });
      expect(Object.keys(readNpz(bytes))).toEqual([
        'fc.W',
        'fc.b',
        'bn.gamma',
        'bn.beta',
        'out.W',
        'out.b',
        'bn.runningMean',
        'bn.runningVar',
      ]);
      const b = net(2);
      expect(Array.from(predict(b, x).data)).not.toEqual(Array.from(predict(a, x).data));
      expect(loadWeights(b, bytes)).toHaveLength(8);
      expect(Array.from(predict(b, x).data)).toEqual(Array.from(predict(a, x).data));
      expect(Array.from((b.layers[1] as BatchNorm).runningMean.getValue().data)).toEqual([
        0.1, 0.2, 0.3, 0.4,
      ]);
    }
  });

  it('loads weights written by numpy.savez into the layers PyTorch computed with (fixtures/weights.npz)', () => {
    const fixture = JSON.parse(
      readFileSync(new URL('../fixtures/layers.json', import.meta.url), 'utf8'),
    ) as {
      cases: { kind: string; x: number[][]; evalOutput: number[][] }[];
    };
    const c = fixture.cases.find((k) => k.kind === 'weights')!;
    const model = new Sequential([
      new Dense(3, 4, { activation: 'relu', name: 'fc' }),
      new BatchNorm(4, { name: 'bn' }),
    ]);
    loadWeights(model, readFileSync(new URL('../fixtures/weights.npz', import.meta.url)));
    const y = predict(model, array(c.x, { dtype: 'float64' }));
    const want = c.evalOutput.flat();
    Array.from(y.data).forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
  });

  it('casts to the parameter dtype, and checks names and shapes before setting anything', () => {
    const m = new Sequential([new Dense(2, 2, { name: 'd', dtype: 'float32' })]);
    const w = array(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    );
    loadWeights(m, writeNpz({ 'd.W': w, 'd.b': array([0.5, 0.25], { dtype: 'float64' }) }));
    expect((m.layers[0] as Dense).W.getValue().dtype).toBe('float32');
    expect((m.layers[0] as Dense).W.getValue().toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const before = (m.layers[0] as Dense).W.getValue().toArray();
    expect(() => loadWeights(m, writeNpz({ 'd.W': w }))).toThrow(/the archive has no 'd.b'/);
    expect(() =>
      loadWeights(
        m,
        writeNpz({
          'd.W': array([
            [9, 9],
            [9, 9],
          ]),
          'd.b': array([1, 2, 3]),
        }),
      ),
    ).toThrow(/'d.b' has shape \(3\) in the archive, \(2\) in the model/);
    expect((m.layers[0] as Dense).W.getValue().toArray()).toEqual(before);
    const extra = writeNpz({ 'd.W': w, 'd.b': array([0, 0]), other: w });
    expect(() => loadWeights(m, extra)).toThrow(
      /the archive has 'other', which .* does not \(pass strict: false/,
    );
    expect(loadWeights(m, extra, { strict: false })).toEqual(['d.W', 'd.b']);
  });

  it('loads by order between same-topology models with automatic layer names (Keras load_weights)', () => {
    const build = (seed: number) => {
      const rng = new Generator(seed);
      return new Sequential([
        new Dense(3, 4, { activation: 'relu', rng }),
        new BatchNorm(4),
        new Dense(4, 2, { rng }),
      ]);
    };
    const a = build(1);
    const b = build(2);
    expect(a.params[0].name).not.toBe(b.params[0].name); // dense_<n> vs dense_<m>
    const x = new Generator(5).normal(0, 1, [6, 3], 'float64');
    expect(Array.from(predict(b, x).data)).not.toEqual(Array.from(predict(a, x).data));
    expect(loadWeights(b, saveWeights(a))).toEqual([...b.params, ...b.state].map((v) => v.name));
    expect(Array.from(predict(b, x).data)).toEqual(Array.from(predict(a, x).data));
  });

  it('keeps the error, with the hint to name the layers, when the order does not match either', () => {
    const a = new Sequential([new Dense(3, 4), new Dense(4, 2)]);
    const wider = new Sequential([new Dense(3, 5), new Dense(5, 2)]);
    const shorter = new Sequential([new Dense(3, 4)]);
    const before = (wider.layers[0] as Dense).W.getValue().toArray();
    for (const m of [wider, shorter])
      expect(() => loadWeights(m, saveWeights(a))).toThrow(
        /loadWeights: the archive has no 'dense_\d+\.W'.*give the layers the same `name` in both/,
      );
    expect((wider.layers[0] as Dense).W.getValue().toArray()).toEqual(before);
  });

  it('refuses models whose parameters share a name', () => {
    const m = new Sequential([
      new Conv2D(1, 1, 1, { name: 'x' }),
      new Conv2D(1, 1, 1, { name: 'x' }),
    ]);
    expect(() => saveWeights(m)).toThrow(
      /two parameters of .* are named 'x.W'; give the layers distinct names/,
    );
  });
});

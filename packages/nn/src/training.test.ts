import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generator, NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { BatchNorm, Dense, Model, Sequential, input } from './layers';
import { Concatenate } from './conv';
import { l2 } from './losses';
import { adam, momentum, sgd } from './optimizers';
import { learningRate, stepDecay } from './schedules';
import { type Callback, evaluate, fit, lrScheduler, predict, takeRows } from './training';
import { progressBar } from './progress';

const floatX = T.config.floatX;
beforeEach(() => {
  T.config.floatX = 'float64';
});
afterEach(() => {
  T.config.floatX = floatX;
});

/** n points in 4-d, label = which of 3 blob centres they come from (separable). */
function blobs(n: number, seed = 0): { x: NDArray; y: NDArray } {
  const rng = new Generator(seed);
  const y = rng.randint(0, 3, [n]);
  const x = rng.normal(0, 0.3, [n, 4], 'float64');
  for (let i = 0; i < n; i++) x.data[i * 4 + y.data[i]] += 2;
  return { x, y };
}

const mlp = (seed = 1) => {
  const rng = new Generator(seed);
  return new Sequential([
    new Dense(4, 8, { activation: 'relu', rng }),
    new Dense(8, 3, { activation: 'softmax', rng }),
  ]);
};
const quiet = { verbose: false, yieldEvery: 'never' } as const;

describe('fit', () => {
  it('trains: the loss falls, accuracy rises, and the history has one entry per epoch', async () => {
    const model = mlp();
    const data = blobs(120);
    const h = await fit(model, data, {
      loss: 'categoricalCrossentropy',
      optimizer: (c, p) => sgd(c, p, { lr: 0.5 }),
      metrics: ['accuracy'],
      epochs: 6,
      batchSize: 16,
      ...quiet,
    });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy']);
    expect(h.history.loss[5]).toBeLessThan(h.history.loss[0] / 3);
    expect(h.history.accuracy[5]).toBe(1);
    expect(h.compileSeconds).toBeGreaterThan(0);
    const e = evaluate(model, data, { loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    expect(e.accuracy).toBe(1);
    expect(e.loss).toBeLessThan(h.history.loss[0]);
  });

  it('is reproducible for a seed, and the seed changes the shuffling', async () => {
    const run = async (seed: number, shuffle = true) => {
      const model = mlp();
      const h = await fit(model, blobs(50), {
        loss: 'categoricalCrossentropy',
        optimizer: (c, p) => sgd(c, p, { lr: 0.1 }),
        epochs: 2,
        batchSize: 8,
        seed,
        shuffle,
        ...quiet,
      });
      return [h.history.loss, Array.from((model.layers[0] as Dense).W.getValue().data)];
    };
    expect(await run(3)).toEqual(await run(3));
    expect((await run(3))[0]).not.toEqual((await run(4))[0]);
    expect(await run(3, false)).toEqual(await run(4, false));
  });

  it('averages batch values weighted by batch size, with a smaller last batch', async () => {
    const seen: number[] = [];
    const sizes: number[] = [];
    const model = mlp();
    const data = blobs(10);
    const cb: Callback = {
      onBatchEnd: (_b, logs) => {
        seen.push(logs.loss);
      },
      onTrainBegin: (_s, info) => {
        sizes.push(info.batches, info.samples);
      },
    };
    const h = await fit(model, data, {
      loss: 'categoricalCrossentropy',
      optimizer: (c, p) => sgd(c, p, { lr: 0 }),
      epochs: 1,
      batchSize: 4,
      shuffle: false,
      callbacks: [cb],
      ...quiet,
    });
    expect(sizes).toEqual([3, 10]);
    expect(h.history.loss[0]).toBeCloseTo((4 * seen[0] + 4 * seen[1] + 2 * seen[2]) / 10, 14);
    // lr 0: the average equals the loss over the whole set
    expect(h.history.loss[0]).toBeCloseTo(
      evaluate(model, data, { loss: 'categoricalCrossentropy' }).loss,
      12,
    );
  });

  it('reports validation metrics from validation data or a split taken from the end', async () => {
    const data = blobs(60);
    const val = blobs(30, 9);
    const h = await fit(mlp(), data, {
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
      epochs: 2,
      validation: val,
      ...quiet,
    });
    expect(Object.keys(h.history)).toEqual(['loss', 'accuracy', 'valLoss', 'valAccuracy']);
    const seen: number[] = [];
    const model = mlp();
    await fit(model, data, {
      loss: 'categoricalCrossentropy',
      epochs: 1,
      validationSplit: 0.25,
      callbacks: [{ onTrainBegin: (_s, i) => void seen.push(i.samples) }],
      ...quiet,
    });
    expect(seen).toEqual([45]);
    await expect(fit(mlp(), data, { loss: 'mse', validationSplit: 1.5, ...quiet })).rejects.toThrow(
      /validationSplit must be in \(0, 1\)/,
    );
    await expect(
      fit(mlp(), data, { loss: 'mse', validationSplit: 0.5, validation: val, ...quiet }),
    ).rejects.toThrow(/give validation or validationSplit, not both/);
  });

  it('stops early when the monitored value stops improving, and restores the best weights', async () => {
    const model = mlp();
    const data = blobs(40);
    const snapshots: number[][] = [];
    const h = await fit(model, data, {
      loss: 'categoricalCrossentropy',
      // a learning rate that makes training diverge after a few epochs
      optimizer: (c, p) => sgd(c, p, { lr: 50 }),
      epochs: 30,
      batchSize: 40,
      earlyStopping: { monitor: 'loss', patience: 1, restoreBestWeights: true },
      callbacks: [
        {
          onEpochEnd: () =>
            void snapshots.push(Array.from((model.layers[0] as Dense).W.getValue().data)),
        },
      ],
      ...quiet,
    });
    expect(h.stoppedEpoch).toBeDefined();
    expect(h.epoch.length).toBe(h.stoppedEpoch! + 1);
    expect(h.epoch.length).toBeLessThan(30);
    const best = h.best!;
    expect(best.monitor).toBe('loss');
    expect(best.value).toBe(Math.min(...h.history.loss));
    expect(Array.from((model.layers[0] as Dense).W.getValue().data)).toEqual(snapshots[best.epoch]);
  });

  it('early stopping on an accuracy maximises it; unknown monitors fail', async () => {
    const h = await fit(mlp(), blobs(30), {
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
      optimizer: (c, p) => sgd(c, p, { lr: 0 }),
      epochs: 10,
      earlyStopping: { monitor: 'accuracy', patience: 2 },
      ...quiet,
    });
    // nothing changes with lr 0: the first epoch stays best; training stops after `patience` more
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.best!.epoch).toBe(0);
    await expect(
      fit(mlp(), blobs(30), {
        loss: 'categoricalCrossentropy',
        earlyStopping: { monitor: 'valLoss' },
        ...quiet,
      }),
    ).rejects.toThrow(/earlyStopping monitors 'valLoss', which is not among loss/);
  });

  it('calls the callbacks in order, and a callback can stop training', async () => {
    const events: string[] = [];
    const cb: Callback = {
      onTrainBegin: () => void events.push('begin'),
      onEpochBegin: (e) => void events.push(`epoch ${e}`),
      onBatchEnd: (b) => void events.push(`batch ${b}`),
      onEpochEnd: async (e, logs, state) => {
        events.push(`end ${e} ${Object.keys(logs).join(',')}`);
        if (e === 1) state.stopTraining = true;
      },
      onTrainEnd: (h) => void events.push(`done ${h.epoch.length}`),
    };
    await fit(mlp(), blobs(8), {
      loss: 'categoricalCrossentropy',
      epochs: 5,
      batchSize: 4,
      callbacks: [cb],
      ...quiet,
    });
    expect(events).toEqual([
      'begin',
      'epoch 0',
      'batch 0',
      'batch 1',
      'end 0 loss',
      'epoch 1',
      'batch 0',
      'batch 1',
      'end 1 loss',
      'done 2',
    ]);
  });

  it('drives a shared learning rate from a schedule (lrScheduler) and logs it', async () => {
    const lr = learningRate(0.1, { dtype: 'float64' });
    const h = await fit(mlp(), blobs(20), {
      loss: 'categoricalCrossentropy',
      optimizer: (c, p) => momentum(c, p, { lr }),
      epochs: 4,
      callbacks: [lrScheduler(lr, stepDecay(0.1, { stepSize: 2, gamma: 0.5 }))],
      ...quiet,
    });
    expect(h.history.lr).toEqual([0.1, 0.1, 0.05, 0.05]);
    expect(lr.getValue().item()).toBe(0.05);
    // with lr 0 from the start nothing moves
    const model = mlp();
    const before = Array.from((model.layers[1] as Dense).W.getValue().data);
    const zero = learningRate(1, { dtype: 'float64' });
    await fit(model, blobs(20), {
      loss: 'categoricalCrossentropy',
      optimizer: (c, p) => sgd(c, p, { lr: zero }),
      callbacks: [lrScheduler(zero, () => 0)],
      ...quiet,
    });
    expect(Array.from((model.layers[1] as Dense).W.getValue().data)).toEqual(before);
  });

  it("updates BatchNorm's running averages through the training function's updates", async () => {
    const bn = new BatchNorm(4, { momentum: 1 });
    const model = new Sequential([bn, new Dense(4, 3, { activation: 'softmax' })]);
    const data = blobs(16);
    await fit(model, data, {
      loss: 'categoricalCrossentropy',
      optimizer: (c, p) => sgd(c, p, { lr: 0 }),
      batchSize: 16,
      shuffle: false,
      ...quiet,
    });
    // momentum 1: the running mean is the (whole-batch) mean of each feature
    const means = [0, 1, 2, 3].map(
      (j) =>
        Array.from({ length: 16 }, (_, i) => data.x.data[i * 4 + j]).reduce((a, b) => a + b) / 16,
    );
    Array.from(bn.runningMean.getValue().data).forEach((m, j) =>
      expect(m).toBeCloseTo(means[j], 12),
    );
  });

  it('adds the layers’ regularisation penalties to the loss', async () => {
    const rng = new Generator(1);
    const model = new Sequential([
      new Dense(4, 3, { activation: 'softmax', rng, kernelRegularizer: l2(10) }),
    ]);
    const data = blobs(10);
    // a data loss that is always 0: what evaluate reports is the penalty λ·ΣW²
    const plain = evaluate(model, data, { loss: (p) => T.mul(T.sum(p), 0) });
    const W = (model.layers[0] as Dense).W.getValue();
    const sq = Array.from(W.data).reduce((a, b) => a + b * b, 0);
    expect(plain.loss).toBeCloseTo(10 * sq, 10);
  });

  it('trains a model with two inputs', async () => {
    const a = input([4]);
    const b = input([4]);
    const joined = new Concatenate().call([
      new Dense(4, 4, { activation: 'relu' }).call(a),
      new Dense(4, 4).call(b),
    ]);
    const model = new Model([a, b], new Dense(8, 3, { activation: 'softmax' }).call(joined));
    const { x, y } = blobs(40);
    const h = await fit(
      model,
      { x: [x, x], y },
      {
        loss: 'categoricalCrossentropy',
        optimizer: (c, p) => adam(c, p, { lr: 0.05 }),
        epochs: 5,
        ...quiet,
      },
    );
    expect(h.history.loss[4]).toBeLessThan(h.history.loss[0]);
    expect(predict(model, [x, x]).shape).toEqual([40, 3]);
  });

  it('checks its inputs', async () => {
    const data = blobs(10);
    await expect(fit(mlp(), data, {} as never)).rejects.toThrow(/the option `loss` is required/);
    await expect(fit(mlp(), data, { loss: 'nope' as never, ...quiet })).rejects.toThrow(
      /unknown loss 'nope'/,
    );
    await expect(
      fit(mlp(), data, { loss: 'mse', metrics: ['f1' as never], ...quiet }),
    ).rejects.toThrow(/unknown metric 'f1'/);
    await expect(
      fit(mlp(), { x: data.x, y: takeRows(data.y, undefined, 0, 5) }, { loss: 'mse', ...quiet }),
    ).rejects.toThrow(/y has 5 samples, x has 10/);
    await expect(fit(mlp(), data, { loss: 'mse', batchSize: 0, ...quiet })).rejects.toThrow(
      /batchSize must be a positive integer/,
    );
    await expect(
      fit(new Sequential([]), data, { loss: (p) => T.mean(p), ...quiet }),
    ).rejects.toThrow(/has no trainable parameters/);
    await expect(
      fit(mlp(), { x: [data.x, data.x], y: data.y }, { loss: 'mse', ...quiet }),
    ).rejects.toThrow(/2 input arrays given, but the model takes one/);
  });
});

describe('predict and evaluate', () => {
  it('predict runs in batches and concatenates; compiled functions are cached per model', () => {
    const model = mlp();
    const { x } = blobs(23);
    const all = predict(model, x, { batchSize: 100 });
    const batched = predict(model, x, { batchSize: 5 });
    expect(batched.shape).toEqual([23, 3]);
    expect(Array.from(batched.data)).toEqual(Array.from(all.data));
    const rows = Array.from(all.data);
    for (let i = 0; i < 23; i++)
      expect(rows.slice(3 * i, 3 * i + 3).reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) predict(model, x);
    expect((performance.now() - t0) / 20).toBeLessThan(200); // no recompilation
  });

  it('evaluate uses inference mode: BatchNorm running averages, no updates', () => {
    const bn = new BatchNorm(4);
    const model = new Sequential([bn, new Dense(4, 3, { activation: 'softmax' })]);
    const data = blobs(10);
    evaluate(model, data, { loss: 'categoricalCrossentropy', batchSize: 3 });
    expect(bn.runningMean.getValue().toArray()).toEqual([0, 0, 0, 0]);
    expect(() =>
      evaluate(
        model,
        { x: takeRows(data.x, undefined, 0, 0), y: takeRows(data.y, undefined, 0, 0) },
        { loss: 'mse' },
      ),
    ).toThrow(/no samples/);
  });

  it('takeRows gathers rows by index and slices', () => {
    const a = array(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      { dtype: 'float64' },
    );
    expect(takeRows(a, new Int32Array([2, 0, 1]), 0, 2).toArray()).toEqual([
      [5, 6],
      [1, 2],
    ]);
    expect(takeRows(a, undefined, 1, 3).toArray()).toEqual([
      [3, 4],
      [5, 6],
    ]);
    expect(takeRows(a.T, undefined, 0, 1).toArray()).toEqual([[1, 3, 5]]);
  });
});

describe('progress bar', () => {
  it('writes a line per epoch with the logs to the given stream', async () => {
    const chunks: string[] = [];
    const stream = {
      write: (s: string) => chunks.push(s),
      isTTY: false,
    } as unknown as NodeJS.WritableStream;
    await fit(mlp(), blobs(12), {
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
      epochs: 2,
      batchSize: 6,
      callbacks: [progressBar(stream)],
      ...quiet,
    });
    const lines = chunks
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('Epoch'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^Epoch 2\/2 \(\d+\.\d s\): loss \d\.\d{4} \| accuracy \d\.\d{4}$/);
  });
});

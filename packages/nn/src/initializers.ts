import { type DType, Generator, NDArray, zeros } from '@theano-ts/tensor';
import { config } from '@theano-ts/symbolic';

/** An initializer: makes the initial value of a parameter of `shape`. */
export type Initializer = (shape: readonly number[], rng: Generator, dtype?: DType) => NDArray;

/** fan_in and fan_out of a weight shape (dense: [in, out]; conv: [out, in, kh, kw]), as Keras/PyTorch. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  if (shape.length > 2) {
    const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
    return [shape[1] * receptive, shape[0] * receptive];
  }
  const n = shape[0] ?? 1;
  return [n, n];
}

/**
 * Glorot/Xavier uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)).
 * Source: Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
 * networks" (AISTATS 2010), eq. 16; PyTorch torch.nn.init.xavier_uniform_.
 */
export const glorotUniform: Initializer = (shape, rng, dtype = config.floatX) => {
  const [fi, fo] = fans(shape);
  const l = Math.sqrt(6 / (fi + fo));
  return rng.uniform(-l, l, shape, dtype);
};

/** Glorot/Xavier normal: N(0, 2 / (fan_in + fan_out)) (PyTorch xavier_normal_). */
export const glorotNormal: Initializer = (shape, rng, dtype = config.floatX) => {
  const [fi, fo] = fans(shape);
  return rng.normal(0, Math.sqrt(2 / (fi + fo)), shape, dtype);
};

/** He/Kaiming uniform for ReLU: U(-l, l), l = sqrt(6 / fan_in) (He et al. 2015; PyTorch kaiming_uniform_). */
export const heUniform: Initializer = (shape, rng, dtype = config.floatX) => {
  const [fi] = fans(shape);
  const l = Math.sqrt(6 / fi);
  return rng.uniform(-l, l, shape, dtype);
};

/** All zeros (biases). */
export const zerosInit: Initializer = (shape, _rng, dtype = config.floatX) =>
  zeros(shape, { dtype });

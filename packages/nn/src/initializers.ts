import { type DType, Generator, NDArray, full, qr, zeros } from '@theano-ts/tensor';
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

/** He/Kaiming normal for ReLU: N(0, 2 / fan_in) (He et al. 2015; PyTorch kaiming_normal_). */
export const heNormal: Initializer = (shape, rng, dtype = config.floatX) => {
  const [fi] = fans(shape);
  return rng.normal(0, Math.sqrt(2 / fi), shape, dtype);
};

/** LeCun uniform: U(-l, l), l = sqrt(3 / fan_in) (LeCun et al. 1998; Keras lecun_uniform). */
export const lecunUniform: Initializer = (shape, rng, dtype = config.floatX) => {
  const [fi] = fans(shape);
  const l = Math.sqrt(3 / fi);
  return rng.uniform(-l, l, shape, dtype);
};

/** LeCun normal: N(0, 1 / fan_in) (Keras lecun_normal, without truncation). */
export const lecunNormal: Initializer = (shape, rng, dtype = config.floatX) => {
  const [fi] = fans(shape);
  return rng.normal(0, Math.sqrt(1 / fi), shape, dtype);
};

/** All ones (batch-norm scales). */
export const onesInit: Initializer = (shape, _rng, dtype = config.floatX) =>
  full(shape, 1, { dtype });

/** Every entry `value` (Keras Constant, PyTorch constant_). */
export function constantInit(value: number): Initializer {
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new TypeError(`constantInit: value must be a number, got ${String(value)}`);
  return (shape, _rng, dtype = config.floatX) => full(shape, value, { dtype });
}

/**
 * Orthogonal initialiser (Saxe et al. 2014; PyTorch orthogonal_): the shape is viewed as
 * rows = shape[0] by cols = the product of the rest; a standard-normal matrix of that shape (or
 * its transpose, so that rows ≥ cols) is QR-factorised (@theano-ts/tensor's Householder `qr`), Q's columns are multiplied by the signs
 * of R's diagonal (which makes Q uniformly distributed), and the result, transposed back,
 * scaled by `gain`: its rows (if rows ≤ cols) or columns (otherwise) are orthonormal.
 */
export function orthogonal(gain = 1): Initializer {
  return (shape, rng, dtype = config.floatX) => {
    if (shape.length < 2)
      throw new RangeError(
        `orthogonal: needs at least 2 dimensions, got shape [${shape.join(', ')}]`,
      );
    const rows = shape[0];
    const cols = shape.slice(1).reduce((a, b) => a * b, 1);
    const tall = rows >= cols;
    const [m, n] = tall ? [rows, cols] : [cols, rows];
    const { q, r } = qr(rng.normal(0, 1, [m, n], 'float64'));
    const qd = q.contiguous().data;
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        const v = gain * qd[i * n + j] * (r.get(j, j) < 0 ? -1 : 1);
        if (tall) out[i * cols + j] = v;
        else out[j * cols + i] = v;
      }
    return new NDArray(out, [...shape]).astype(dtype);
  };
}

/** All zeros (biases). */
export const zerosInit: Initializer = (shape, _rng, dtype = config.floatX) =>
  zeros(shape, { dtype });

import type { DType } from '@theano-ts/tensor';

/**
 * Global configuration, as Theano's `theano.config`.
 * - `floatX`: dtype of bare constructors (`T.matrix()`) and of float literals; 'float32' by
 *   default (what GPUs run). Set 'float64' for Theano's old default.
 */
export const config: { floatX: 'float32' | 'float64'; traceRewrites: boolean } = {
  floatX: 'float32',
  traceRewrites: false,
};

/** Theano's upgrade_to_float: the float dtype an integer input becomes under true division. */
export function upgradeToFloat(d: DType): DType {
  if (d === 'float32' || d === 'float64') return d;
  if (d === 'int32') return 'float64';
  return 'float32';
}

import type { OpSpec } from '../op-spec';

/** Parameters of the nnet and signal (conv2d, pool2d, batch normalization…) ops: one key per op (see OpParams). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface NnetOpParams {}

/** Type inference and reference implementations of the nnet ops. */
export const NNET_SPECS: { readonly [K in keyof NnetOpParams]: OpSpec<K> } = {};

import type { OpSpec } from '../op-spec';

/** Parameters of the linear algebra (matmul, tensordot, batchedDot, nlinalg…) ops: one key per op (see OpParams). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LinalgOpParams {}

/** Type inference and reference implementations of the linalg ops. */
export const LINALG_SPECS: { readonly [K in keyof LinalgOpParams]: OpSpec<K> } = {};

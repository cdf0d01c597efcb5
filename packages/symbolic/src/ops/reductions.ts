import type { OpSpec } from '../op-spec';

/** Parameters of the reductions (prod/var/std/argmin/all/any/logsumexp/cumsum…) ops: one key per op (see OpParams). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ReductionOpParams {}

/** Type inference and reference implementations of the reductions ops. */
export const REDUCTION_SPECS: { readonly [K in keyof ReductionOpParams]: OpSpec<K> } = {};

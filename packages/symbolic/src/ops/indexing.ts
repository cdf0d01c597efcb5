import type { OpSpec } from '../op-spec';

/** Parameters of the indexing (Subtensor, AdvancedSubtensor, IncSubtensor, take…) ops: one key per op (see OpParams). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface IndexingOpParams {}

/** Type inference and reference implementations of the indexing ops. */
export const INDEXING_SPECS: { readonly [K in keyof IndexingOpParams]: OpSpec<K> } = {};

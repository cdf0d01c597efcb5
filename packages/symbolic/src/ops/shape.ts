import type { OpSpec } from '../op-spec';

/** Parameters of the shape ops (join, stack, split, tile, repeat, roll, flip, alloc, arange, eye, tril/triu, diag…) ops: one key per op (see OpParams). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ShapeOpParams {}

/** Type inference and reference implementations of the shape ops. */
export const SHAPE_SPECS: { readonly [K in keyof ShapeOpParams]: OpSpec<K> } = {};

import type { Apply } from './graph';
import type { OpName, OpParams } from './op-params';

/**
 * Theano's `view_map` (and `destroy_map`) as a table beside OP_SPECS: for the ops whose
 * output may share its buffer with an input (a strided view, or the input itself), output
 * index → the input indices it may alias. An op absent here returns fresh buffers. Rewrites
 * that reuse buffers (the `inplace` phase) must not overwrite a value that another live value
 * views.
 */
export const VIEW_MAPS: {
  readonly [K in OpName]?: (
    params: OpParams[K],
    nOutputs: number,
  ) => Readonly<Record<number, readonly number[]>>;
} = {
  DimShuffle: () => ({ 0: [0] }),
  Reshape: () => ({ 0: [0] }),
  Subtensor: () => ({ 0: [0] }),
  Split: (_p, n) => Object.fromEntries(Array.from({ length: n }, (_, k) => [k, [0]])),
  ExtractDiag: () => ({ 0: [0] }),
  // identities (their reference implementation returns the input)
  ZeroGrad: () => ({ 0: [0] }),
  DisconnectedGrad: () => ({ 0: [0] }),
  GradClip: () => ({ 0: [0] }),
  GradScale: () => ({ 0: [0] }),
};

/** The inputs of `node` that output `k` may alias (a view, or the input itself); [] when fresh. */
export function viewedInputs(node: Apply, k: number): readonly number[] {
  const f = VIEW_MAPS[node.op.kind] as
    ((p: unknown, n: number) => Readonly<Record<number, readonly number[]>>) | undefined;
  return f?.(node.op.params, node.outputs.length)[k] ?? [];
}

/**
 * Theano's `destroy_map` of a node: input index → the output that overwrites its buffer (an
 * Elemwise with `inplacePattern`). Empty for every other node.
 */
export function destroyedInputs(node: Apply): ReadonlyMap<number, number> {
  const out = new Map<number, number>();
  if (node.op.kind !== 'Elemwise') return out;
  const pattern = (node as Apply<'Elemwise'>).op.params.inplacePattern ?? {};
  for (const [o, i] of Object.entries(pattern)) out.set(i, Number(o));
  return out;
}

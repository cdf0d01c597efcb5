import { NDArray } from '@theano-ts/tensor';
import {
  type Apply,
  type Backend,
  type OpName,
  type Thunk,
  performNode,
} from '@theano-ts/symbolic';
import { KERNELS, type KernelFactory } from './kernels';
import { recycleValues } from './buffer-pool';

/**
 * The CPU backend: values are NDArray; each node runs its fast kernel when one exists, else
 * the reference implementation. The reference for speed on CPU and the fallback of other backends.
 */
export function createCpuBackend(): Backend & {
  /** True when the node has a fast kernel (else it runs the op's reference implementation). */
  hasKernel(node: Apply): boolean;
} {
  const kernelOf = (node: Apply) => {
    const factory = KERNELS[node.op.kind] as KernelFactory<OpName> | undefined;
    return factory?.(node as Apply<OpName>);
  };
  return {
    name: 'cpu',
    makeThunk(node: Apply): Thunk {
      const k = kernelOf(node);
      if (k) return k as Thunk;
      return (inputs) => performNode(node, inputs as NDArray[]);
    },
    fromHost: (a: NDArray) => a,
    toHost(v: unknown): NDArray {
      if (!(v instanceof NDArray))
        throw new TypeError(`cpu backend: expected an NDArray, got ${String(v)}`);
      return v;
    },
    // every op runs here (a fast kernel or the reference implementation), fused reductions included
    supports: () => true,
    hasKernel: (node) => kernelOf(node) !== undefined,
    // kernels take their outputs from the buffer pool; dead ones go back to it (buffer-pool.ts)
    recycle: recycleValues,
  };
}

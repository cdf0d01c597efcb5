export { createCpuBackend } from './backend';
export { KERNELS, matmul, type Kernel, type KernelFactory } from './kernels';
export { makeElemwiseKernel, scalarBody, roundExpr } from './elemwise-codegen';
export { hasWasmSimd, setWasmSimdDisabled } from './wasm';
export {
  POOL_MIN_BYTES,
  allocate,
  recycleValues,
  setBufferPoolLimit,
  bufferPoolFreeBytes,
  bufferPoolStats,
} from './buffer-pool';
export { setGemmThreadsAllowed } from './gemm';

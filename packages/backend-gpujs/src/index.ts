export {
  createGpujsBackend,
  isGpuKernelClass,
  GPU_KERNEL_CLASSES,
  type GpujsBackend,
  type GpujsBackendOptions,
  type GpujsMode,
  type FallbackRecord,
  type Placement,
} from './backend';
export { GpuTensor, Storage, type TransferCounters } from './gpu-tensor';
export {
  GPU_SCALAR_TEMPLATES,
  GPU_MATH_FUNCTIONS,
  gpuScalarSupport,
  gpuScalarBody,
  type GpuScalarTemplate,
  UnsupportedOnGpu,
} from './scalar-gpu';
export {
  gatherKernelSource,
  dotKernelSource,
  reduceKernelSource,
  argmaxKernelSource,
  rowLseKernelSource,
} from './codegen';

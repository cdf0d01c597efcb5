export * from './dtype';
export * from './shape';
export {
  NDArray,
  type NestedArray,
  type BasicIndex,
  type Slice,
  type SliceIndices,
  newaxis,
  parseSlice,
  sliceIndices,
} from './ndarray';
export * from './creation';
export * from './math';
export * from './reductions';
export * from './ufuncs';
export * from './manipulation';
export * from './indexing';
export * from './linalg';
export * from './conv';
export * from './npy';
export { Generator, philox4x32, type ChoiceOptions } from './random';
export { formatArray, printOptions } from './format';

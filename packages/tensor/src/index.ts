export * from './dtype';
export * from './shape';
export { NDArray, type NestedArray } from './ndarray';
export * from './creation';
export * from './math';
export { Generator, philox4x32 } from './random';
export { formatArray, printOptions } from './format';

export { ByteWriter } from './encoding';
export { VALTYPE, PLAIN_OPS, MEMORY_OPS, LANE_OPS, type ValType } from './opcodes';
export {
  ModuleBuilder,
  FunctionBuilder,
  type Local,
  type Label,
  type MemoryLimits,
} from './module-builder';
export { hasWasmSimd, setWasmSimdDisabled } from './features';

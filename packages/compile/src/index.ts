export { theanoFunction, theanoFunction as function, UnusedInputError, MissingInputError, type FunctionOptions, type TheanoFunction, type Updates } from './function';
export { In, Out, type InOptions } from './io';
export { Mode, getMode, registerBackend, backendNames, type ModeOptions, type OptimizerName } from './mode';

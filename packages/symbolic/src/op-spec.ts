import type { NDArray } from '@theano-ts/tensor';
import { isFloat, isInteger } from '@theano-ts/tensor';
import type { Apply, Variable } from './graph';
import type { OpName, OpParams } from './op-params';
import type { Dim, TensorType } from './type';
import { TheanoTypeError } from './errors';

/** What symbolic knows about each op: type inference with checks, and the reference implementation. */
export interface OpSpec<K extends OpName> {
  /**
   * Check the inputs and infer the output types at graph-build time.
   * @throws TheanoTypeError saying what was expected and what was given.
   */
  infer(params: OpParams[K], inputs: readonly Variable[]): TensorType[];
  /** Reference implementation on NDArray: plain and obviously correct. */
  perform(node: Apply<K>, inputs: readonly NDArray[]): NDArray[];
  /** Label for printing (debugprint, errors). */
  label(params: OpParams[K]): string;
}

/** Op names in messages; a function when building the name costs (a big Composite). */
export type OpLabel = string | (() => string);

/** Throw a TheanoTypeError `op: msg`. */
export const fail = (op: OpLabel, msg: string): never => {
  throw new TheanoTypeError(`${typeof op === 'string' ? op : op()}: ${msg}`);
};

/** `input i 'name' (type)`, for error messages. */
export const describeVar = (v: Variable, i: number): string =>
  `input ${i}${v.name ? ` '${v.name}'` : ''} (${v.type})`;

/** Shared argument checks for op specs (errors name the op, the input, expected and given). */
export function checkFloat(op: string, v: Variable, i: number): void {
  if (!isFloat(v.dtype)) fail(op, `${describeVar(v, i)} must be a float tensor`);
}
/** Throw unless input `i` has one of `ndims` dimensions. */
export function checkNdim(op: string, v: Variable, i: number, ndims: readonly number[]): void {
  if (!ndims.includes(v.ndim))
    fail(op, `${describeVar(v, i)} must have ${ndims.join(' or ')} dimensions, got ${v.ndim}`);
}
/** Throw unless input `i` has an integer dtype. */
export function checkInt(op: string, v: Variable, i: number): void {
  if (!isInteger(v.dtype))
    fail(op, `${describeVar(v, i)} must be an integer tensor (class labels), got dtype ${v.dtype}`);
}
/**
 * Two static lengths that must agree (null = unknown): the known one; throws when both are known
 * and differ.
 */
export function sameDim(op: string, a: Dim, b: Dim, what: string): Dim {
  if (a !== null && b !== null && a !== b) fail(op, `${what}: ${a} != ${b}`);
  return a ?? b;
}

/** Small helpers for matching graph patterns in rewrites. */
import {
  type Apply,
  Constant,
  type OpName,
  type ScalarOpName,
  type Variable,
} from '@theano-ts/symbolic';
import { castScalar } from '@theano-ts/tensor';

/** Narrow `node` to an Apply of op `kind`. */
export function isOp<K extends OpName>(node: Apply | null | undefined, kind: K): node is Apply<K> {
  return !!node && node.op.kind === kind;
}

/** Is `node` an Elemwise applying the primitive scalar op `name`? */
export function isElemwise(
  node: Apply | null | undefined,
  name: ScalarOpName | 'composite',
): node is Apply<'Elemwise'> {
  return isOp(node, 'Elemwise') && node.op.params.scalarOp.name === name;
}

/** The Elemwise scalar op name of `node`, or undefined for other ops. */
export function elemwiseName(node: Apply | null | undefined): string | undefined {
  return isOp(node, 'Elemwise') ? node.op.params.scalarOp.name : undefined;
}

/** Most elements a constant may have for its value to be inspected by matching helpers. */
const INSPECT_LIMIT = 4096;

/**
 * The single value of `v` when it is a constant whose elements are all equal, looking through
 * DimShuffle and cast (Theano's `get_scalar_constant_value` / `get_underlying_scalar_constant`).
 * Undefined when `v` is not such a constant.
 */
export function getScalarConstantValue(v: Variable): number | undefined {
  let castTo: Variable['dtype'][] = [];
  let cur = v;
  for (;;) {
    const o = cur.owner;
    if (isOp(o, 'DimShuffle')) cur = o.inputs[0];
    else if (isElemwise(o, 'cast') || isElemwise(o, 'identity')) {
      castTo = [...castTo, o.outputs[0].dtype];
      cur = o.inputs[0];
    } else break;
  }
  if (!(cur instanceof Constant)) return undefined;
  const d = cur.data;
  if (d.size === 0 || d.size > INSPECT_LIMIT) return undefined;
  const flat = d.toFlat();
  const x = flat[0];
  for (let i = 1; i < flat.length; i++) if (!Object.is(flat[i], x)) return undefined;
  // apply casts innermost first
  return castTo.reduceRight((acc, dt) => castScalar(acc, dt), x);
}

/** Is `v` a constant equal to `value` everywhere (through DimShuffle and cast)? */
export const isConstantValue = (v: Variable, value: number): boolean =>
  getScalarConstantValue(v) === value;

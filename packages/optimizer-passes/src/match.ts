/** Small helpers for matching graph patterns in rewrites. */
import {
  type Apply,
  Constant,
  type FunctionGraph,
  type OpName,
  type ScalarOpName,
  type Variable,
  constant,
  dimshuffle,
  neg,
  second,
} from '@theano-ts/symbolic';
import { type DType, castScalar } from '@theano-ts/tensor';
import { matchType } from './rewriter';

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
 * DimShuffle, cast and fill (`second(shape_src, value)` → value, whatever shape_src is: the
 * zeros and ones `grad` builds, `zerosLike(g)` = second(g, 0)) (Theano's
 * `get_scalar_constant_value` / `get_underlying_scalar_constant`). Undefined when `v` is not
 * such a constant.
 *
 * Only the value is known: `v` may have more elements than the constant, or different
 * broadcast dimensions (a fill's shape comes from its first input). A rewrite that drops `v`
 * must keep its shape, e.g. by giving it to {@link fillLike} as a source, or by
 * {@link matchType}, which refuses a replacement of another broadcast pattern.
 */
export function getScalarConstantValue(v: Variable): number | undefined {
  let castTo: Variable['dtype'][] = [];
  let cur = v;
  for (;;) {
    const o = cur.owner;
    if (isOp(o, 'DimShuffle')) cur = o.inputs[0];
    // (second's output has its value's dtype: no cast to record)
    else if (isElemwise(o, 'second')) cur = o.inputs[1];
    else if (isElemwise(o, 'cast') || isElemwise(o, 'identity')) {
      castTo = [...castTo, o.outputs[0].dtype];
      cur = o.inputs[0];
    } else break;
  }
  if (!(cur instanceof Constant)) return undefined;
  const d = cur.data;
  if (d.size === 0 || d.size > INSPECT_LIMIT) return undefined;
  // (a one-element constant, the common case, is read without copying its data)
  const flat = d.size === 1 ? undefined : d.toFlat();
  const x = flat ? flat[0] : d.item();
  if (flat) for (let i = 1; i < flat.length; i++) if (!Object.is(flat[i], x)) return undefined;
  // apply casts innermost first
  return castTo.reduceRight((acc, dt) => castScalar(acc, dt), x);
}

/** Is `v` a constant equal to `value` everywhere (through DimShuffle, cast and fill)? */
export const isConstantValue = (v: Variable, value: number): boolean =>
  getScalarConstantValue(v) === value;

/** Broadcastable flags of `v` left-padded to `ndim` dimensions (Elemwise's rank padding). */
function paddedBroadcastable(v: Variable, ndim: number): boolean[] {
  return [...Array<boolean>(Math.max(0, ndim - v.ndim)).fill(true), ...v.broadcastable];
}

/**
 * `v` made to stand for `like` (Theano's `fill`): where `like` has a dimension of unknown
 * length that `v` broadcasts, `v` is broadcast to the shape of a source that has it with
 * `second(source, v)`; then cast to `like`'s dtype. The sources are variables the original
 * expression broadcast together (its inputs), so the result has its shape. Null when no
 * source supplies a missing dimension.
 * @example fillLike(a, sub(add(a, b), b).., [b]) // (a+b)-b → a, broadcast like b where a is not
 */
export function fillLike(
  v: Variable,
  like: Variable,
  sources: readonly Variable[] = [],
): Variable | null {
  if (v.ndim > like.ndim) return null;
  const want = like.broadcastable;
  const missing = (r: Variable) => {
    const have = paddedBroadcastable(r, like.ndim);
    return want.map((b, i) => !b && have[i]);
  };
  let r = v;
  for (const s of sources) {
    if (s.ndim > like.ndim) continue;
    const m = missing(r);
    if (!m.some(Boolean)) break;
    const sb = paddedBroadcastable(s, like.ndim);
    if (m.some((x, i) => x && !sb[i])) r = second(s, r);
  }
  if (r.ndim < like.ndim)
    r = dimshuffle(r, [
      ...Array<'x'>(like.ndim - r.ndim).fill('x'),
      ...Array.from({ length: r.ndim }, (_, i) => i),
    ]);
  return matchType(r, like);
}

const scalarConstants = new Map<string, Variable>();

/**
 * A 0-d constant of `dtype` (for fills such as x − x → 0, Gemm's coefficients). One object per
 * value and dtype, shared by every rewrite: constants are immutable, and a fresh one per use
 * would leave thousands for merge to unify.
 */
export function scalarConstant(value: number, dtype: DType): Variable {
  const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
  let c = scalarConstants.get(key);
  if (!c) scalarConstants.set(key, (c = constant(value, undefined, dtype)));
  return c;
}

/** Are all dimensions of `v` broadcastable (a scalar, possibly DimShuffle'd to a higher rank)? */
export const isScalarLike = (v: Variable): boolean => v.type.shape.every((d) => d === 1);

/**
 * dimshuffle(v, order), composed with v's own DimShuffle when it has one (so that rewrites
 * do not leave DimShuffle chains: dropping the dims of DimShuffle{x,x}(a) gives a).
 */
export function dimshuffleOf(v: Variable, order: readonly (number | 'x')[]): Variable {
  const o = v.owner;
  if (!isOp(o, 'DimShuffle')) return dimshuffle(v, order);
  const inner = o.op.params.order;
  return dimshuffle(
    o.inputs[0],
    order.map((k) => (k === 'x' ? 'x' : inner[k])),
  );
}

/** `v` with its (all broadcastable) dimensions dropped: a 0-d variable. */
export const toScalar = (v: Variable): Variable => (v.ndim === 0 ? v : dimshuffleOf(v, []));

/** `-v`, without a double negation when `v` is itself `-u`. */
export function negated(v: Variable): Variable {
  const o = v.owner;
  return isElemwise(o, 'neg') && o.inputs[0].dtype === v.dtype ? o.inputs[0] : neg(v);
}

/**
 * The single consumer of `v`'s value in `fgraph`: true when `v` is used by exactly one input
 * slot of one node and is not a graph output.
 */
export function hasSingleClient(fgraph: FunctionGraph, v: Variable): boolean {
  const c = fgraph.clients(v);
  return c.length === 1 && c[0][0] !== 'output';
}

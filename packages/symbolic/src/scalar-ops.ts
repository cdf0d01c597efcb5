import { type DType, promoteTypes } from '@theano-ts/tensor';
import { upgradeToFloat } from './config';
import type { ScalarOpName, PrimitiveScalarOp } from './op-params';
import { ELEMWISE_SCALAR_OPS } from './elemwise-scalar-ops';

/** What every primitive scalar op provides. */
export interface ScalarOpSpec {
  /** Number of inputs. */
  nin: number;
  /** Output dtype from the input dtypes. */
  outDtype: (ins: readonly DType[], op: PrimitiveScalarOp) => DType;
  /** Reference implementation on JS numbers (float64 arithmetic; the caller rounds to the dtype). */
  impl: (...xs: number[]) => number;
  /** A JavaScript expression computing the op from argument expressions (for code generation). */
  js: (args: readonly string[]) => string;
  /** Infix symbol for pretty-printing, when the op is an operator. */
  infix?: string;
  /**
   * Functions that `js` calls by name (names start with `$`, e.g. `$erf`), for ops whose code is
   * more than an expression; code generators must bind them (backend-cpu passes them to the
   * generated loop; the gpu.js backend runs such ops on the CPU).
   */
  helpers?: Readonly<Record<string, (...xs: number[]) => number>>;
}

const upcast = (ins: readonly DType[]): DType => ins.reduce((a, b) => promoteTypes(a, b));
const toFloat = (ins: readonly DType[]): DType => upgradeToFloat(upcast(ins));
const toBool = (): DType => 'bool';

const unaryFloat = (impl: (x: number) => number, js: (a: string) => string): ScalarOpSpec => ({
  nin: 1,
  outDtype: toFloat,
  impl,
  js: ([a]) => js(a),
});
const compare = (impl: (x: number, y: number) => boolean, sym: string): ScalarOpSpec => ({
  nin: 2,
  outDtype: toBool,
  impl: (x, y) => (impl(x, y) ? 1 : 0),
  js: ([a, b]) => `((${a}) ${sym} (${b}) ? 1 : 0)`,
  infix: sym,
});

/** Numerically stable log(1 + exp(x)). */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
/** 1 / (1 + exp(-x)), without overflow warnings. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * The primitive scalar ops. Semantics follow NumPy's ufuncs of the same names; sigmoid and
 * softplus follow Theano's nnet (https://theano-pymc.readthedocs.io/en/latest/library/tensor/nnet/basic.html);
 * relu(x) = max(x, 0).
 */
export const SCALAR_OPS: { readonly [K in ScalarOpName]: ScalarOpSpec } = {
  add: {
    nin: 2,
    outDtype: upcast,
    impl: (x, y) => x + y,
    js: ([a, b]) => `(${a} + ${b})`,
    infix: '+',
  },
  sub: {
    nin: 2,
    outDtype: upcast,
    impl: (x, y) => x - y,
    js: ([a, b]) => `(${a} - ${b})`,
    infix: '-',
  },
  mul: {
    nin: 2,
    outDtype: upcast,
    impl: (x, y) => x * y,
    js: ([a, b]) => `(${a} * ${b})`,
    infix: '*',
  },
  trueDiv: {
    nin: 2,
    outDtype: toFloat,
    impl: (x, y) => x / y,
    js: ([a, b]) => `(${a} / ${b})`,
    infix: '/',
  },
  pow: {
    nin: 2,
    outDtype: upcast,
    impl: (x, y) => x ** y,
    js: ([a, b]) => `Math.pow(${a}, ${b})`,
    infix: '**',
  },
  // NumPy: NaN-propagating, otherwise `x > y ? x : y` (so maximum(-0, 0) is 0 and maximum(0, -0)
  // is -0). Math.max differs only in the sign of a zero result; backends needing bit-exactness
  // (backend-cpu) use the impl's formula.
  maximum: {
    nin: 2,
    outDtype: upcast,
    impl: (x, y) => (x !== x || y !== y ? NaN : x > y ? x : y),
    js: ([a, b]) => `Math.max(${a}, ${b})`,
  },
  minimum: {
    nin: 2,
    outDtype: upcast,
    impl: (x, y) => (x !== x || y !== y ? NaN : x < y ? x : y),
    js: ([a, b]) => `Math.min(${a}, ${b})`,
  },
  neg: { nin: 1, outDtype: upcast, impl: (x) => -x, js: ([a]) => `(-${a})` },
  sqr: { nin: 1, outDtype: upcast, impl: (x) => x * x, js: ([a]) => `(${a} * ${a})` },
  sqrt: unaryFloat(Math.sqrt, (a) => `Math.sqrt(${a})`),
  exp: unaryFloat(Math.exp, (a) => `Math.exp(${a})`),
  log: unaryFloat(Math.log, (a) => `Math.log(${a})`),
  log1p: unaryFloat(Math.log1p, (a) => `Math.log1p(${a})`),
  expm1: unaryFloat(Math.expm1, (a) => `Math.expm1(${a})`),
  tanh: unaryFloat(Math.tanh, (a) => `Math.tanh(${a})`),
  sigmoid: unaryFloat(
    sigmoid,
    (a) => `(${a} >= 0 ? 1 / (1 + Math.exp(-(${a}))) : Math.exp(${a}) / (1 + Math.exp(${a})))`,
  ),
  softplus: unaryFloat(
    softplus,
    (a) => `(${a} > 0 ? ${a} + Math.log1p(Math.exp(-(${a}))) : Math.log1p(Math.exp(${a})))`,
  ),
  relu: {
    nin: 1,
    outDtype: upcast,
    impl: (x) => (x > 0 ? x : x !== x ? x : 0),
    js: ([a]) => `(${a} > 0 ? ${a} : ${a} !== ${a} ? ${a} : 0)`,
  },
  abs: { nin: 1, outDtype: upcast, impl: Math.abs, js: ([a]) => `Math.abs(${a})` },
  sgn: {
    nin: 1,
    outDtype: upcast,
    impl: (x) => (x !== x ? NaN : Math.sign(x)),
    js: ([a]) => `Math.sign(${a})`,
  },
  reciprocal: unaryFloat(
    (x) => 1 / x,
    (a) => `(1 / ${a})`,
  ),
  gt: compare((x, y) => x > y, '>'),
  ge: compare((x, y) => x >= y, '>='),
  lt: compare((x, y) => x < y, '<'),
  le: compare((x, y) => x <= y, '<='),
  eq: compare((x, y) => x === y, '==='),
  neq: compare((x, y) => x !== y, '!=='),
  /** numpy.where: the condition is true when != 0 (NaN included). */
  switch: {
    nin: 3,
    outDtype: (ins) => promoteTypes(ins[1], ins[2]),
    impl: (c, a, b) => (c !== 0 ? a : b),
    js: ([c, a, b]) => `(${c} !== 0 ? ${a} : ${b})`,
  },
  /** Theano's `second` (fill): the second argument, broadcast to the shape of both. */
  second: { nin: 2, outDtype: (ins) => ins[1], impl: (_x, y) => y, js: ([, b]) => b },
  identity: { nin: 1, outDtype: (ins) => ins[0], impl: (x) => x, js: ([a]) => a },
  cast: {
    nin: 1,
    outDtype: (_ins, op) => {
      if (!op.dtype) throw new TypeError('cast: missing target dtype');
      return op.dtype;
    },
    impl: (x) => x,
    js: ([a]) => a,
  },
  ...ELEMWISE_SCALAR_OPS,
};

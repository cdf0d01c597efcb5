import {
  type DType,
  NDArray,
  broadcastShapes,
  formatShape,
  shapeSize,
  type TypedArray,
} from '@theano-ts/tensor';
import {
  type Apply,
  type ScalarOp,
  type ScalarOpName,
  SCALAR_OPS,
  type CompositeNode,
  opLabel,
} from '@theano-ts/symbolic';
import { WASM_MIN_SIZE, WasmMap, inplaceInput, wasmLoopSupports } from './wasm-elemwise';
import { hasWasmSimd } from './wasm';
import { allocate } from './buffer-pool';

/** JS expression rounding a float64 value to how `dtype` stores it. */
export function roundExpr(expr: string, dtype: DType): string {
  switch (dtype) {
    case 'float64':
      return expr;
    case 'float32':
      return `Math.fround(${expr})`;
    case 'int32':
      return `(Math.trunc(${expr}) | 0)`;
    case 'int16':
      return `((Math.trunc(${expr}) << 16) >> 16)`;
    case 'int8':
      return `((Math.trunc(${expr}) << 24) >> 24)`;
    case 'uint8':
      return `(Math.trunc(${expr}) & 255)`;
    case 'bool':
      // != 0, so NaN is true (castScalar, NumPy)
      return `((${expr}) !== 0 ? 1 : 0)`;
  }
}

/**
 * Templates used instead of symbolic's `js` where that one is not bit-exact with the reference
 * `impl`: Math.max / Math.min give +0 for maximum(0, -0) where numpy.maximum gives -0.
 * Arguments are always variable names here, so repeating them is free.
 */
const CPU_TEMPLATES: Partial<Record<ScalarOpName, (args: readonly string[]) => string>> = {
  maximum: ([a, b]) => `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} > ${b} ? ${a} : ${b})`,
  minimum: ([a, b]) => `(${a} !== ${a} || ${b} !== ${b} ? NaN : ${a} < ${b} ? ${a} : ${b})`,
};

const scalarJs = (name: ScalarOpName, args: readonly string[]): string =>
  (CPU_TEMPLATES[name] ?? SCALAR_OPS[name].js)(args);

/** A JS literal for a constant (String(-0) would lose the sign). */
const literal = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/**
 * Statements computing a scalar op's outputs from input variables `x0..x{n-1}`: returns the
 * statement lines and the expressions of the outputs. Composite nodes become one `const` each,
 * rounded to their dtype so that results equal the reference (evalComposite) bit for bit.
 */
export function scalarBody(
  op: ScalarOp,
  inDtypes: readonly DType[],
  outDtypes: readonly DType[],
): {
  /** Statements computing the outputs. */
  lines: string[];
  /** One expression per output. */
  outs: string[];
} {
  const inputs = inDtypes.map((_, i) => `x${i}`);
  if (op.name !== 'composite')
    return { lines: [], outs: [roundExpr(scalarJs(op.name, inputs), outDtypes[0])] };
  const names = [...inputs];
  const lines: string[] = [];
  op.nodes.forEach((n: CompositeNode, j) => {
    const name = `t${j}`;
    const e =
      n.op.name === 'constant'
        ? literal(n.op.value)
        : scalarJs(
            n.op.name,
            n.args.map((a) => names[a]),
          );
    lines.push(`const ${name} = ${roundExpr(e, n.dtype)};`);
    names.push(name);
  });
  return { lines, outs: op.outputs.map((o) => names[o]) };
}

type Loop = (...args: unknown[]) => void;
const cache = new Map<string, Loop>();

/**
 * Compile (once per op and dtypes) the inner loop: for j in [0, n) read each input at
 * `p_i + j * s_i`, compute, write output k at `q + j`.
 */
function innerLoop(op: ScalarOp, inDtypes: readonly DType[], outDtypes: readonly DType[]): Loop {
  const key = JSON.stringify([op, inDtypes, outDtypes]);
  let fn = cache.get(key);
  if (fn) return fn;
  const nin = inDtypes.length;
  const { lines, outs } = scalarBody(op, inDtypes, outDtypes);
  const args = [
    ...Array.from({ length: nin }, (_, i) => [`d${i}`, `p${i}`, `s${i}`]).flat(),
    ...outs.map((_, k) => `o${k}`),
    'q',
    'n',
  ];
  const body = [
    'for (let j = 0; j < n; j++) {',
    ...Array.from({ length: nin }, (_, i) => `  const x${i} = d${i}[p${i} + j * s${i}];`),
    ...lines.map((l) => '  ' + l),
    ...outs.map((e, k) => `  o${k}[q + j] = ${e};`),
    '}',
  ].join('\n');
  // helper functions the templates call by name ($erf…) are bound through a factory's closure
  const helpers = helpersOf(op);
  fn = new Function(...helpers.keys(), `return function (${args.join(', ')}) {\n${body}\n};`)(
    ...helpers.values(),
  ) as Loop;
  cache.set(key, fn);
  return fn;
}

/** The helper functions (SCALAR_OPS' `helpers`) that the code of `op` calls, by name. */
function helpersOf(op: ScalarOp): Map<string, (...xs: number[]) => number> {
  const out = new Map<string, (...xs: number[]) => number>();
  const names =
    op.name === 'composite'
      ? op.nodes.flatMap((n) => (n.op.name === 'constant' ? [] : [n.op.name]))
      : [op.name];
  for (const name of names)
    for (const [k, f] of Object.entries(SCALAR_OPS[name].helpers ?? {})) out.set(k, f);
  return out;
}

/**
 * A fixed-arity caller of `loop` over contiguous inputs (generated once per node): spelling the
 * arguments out avoids building an array and a spread call on every kernel call.
 */
function contiguousCaller(
  loop: Loop,
  nin: number,
  nout: number,
): (inputs: readonly NDArray[], outs: readonly TypedArray[], n: number) => void {
  const args = [
    ...Array.from(
      { length: nin },
      (_, i) => `i[${i}].data, i[${i}].offset, i[${i}].size === 1 ? 0 : 1`,
    ),
    ...Array.from({ length: nout }, (_, k) => `o[${k}]`),
    '0',
    'n',
  ];
  return new Function('loop', `return function (i, o, n) { loop(${args.join(', ')}); };`)(loop) as (
    inputs: readonly NDArray[],
    outs: readonly TypedArray[],
    n: number,
  ) => void;
}

/**
 * The CPU kernel of an Elemwise node: one generated loop over the broadcast shape, however many
 * scalar ops the (fused) node contains. Checks Theano's broadcasting rule: a dimension not
 * declared broadcastable must match the output.
 */
export function makeElemwiseKernel(
  node: Apply<'Elemwise'>,
): (inputs: readonly NDArray[]) => NDArray[] {
  const op = node.op.params.scalarOp;
  const inDtypes = node.inputs.map((v) => v.dtype);
  const outDtypes = node.outputs.map((v) => v.dtype);
  const loop = innerLoop(op, inDtypes, outDtypes);
  const callContig = contiguousCaller(loop, inDtypes.length, outDtypes.length);
  const declared = node.inputs.map((v) => v.type.shape);
  // output k → the input whose buffer it overwrites (the inplace rewrite checked that nothing
  // reads that input afterwards); each element is read before it is written, so sharing is safe
  const inplace = Object.entries(node.op.params.inplacePattern ?? {}).map(
    ([k, i]) => [Number(k), i] as const,
  );
  const simd = wasmLoopSupports(op, inDtypes, outDtypes) ? new WasmMap(op) : undefined;
  const simdInplace = inplaceInput(node);
  return (inputs) => {
    const shape = broadcastShapes(...inputs.map((a) => a.shape));
    inputs.forEach((a, i) =>
      a.shape.forEach((d, ax) => {
        if (d !== shape[ax] && declared[i][ax] !== 1)
          throw new RangeError(
            `${opLabel(node.op)}: input ${i}${node.inputs[i].name ? ` '${node.inputs[i].name}'` : ''} has shape ${formatShape(a.shape)} but the output needs ${shape[ax]} in dimension ${ax}` +
              (d === 1 ? ` (dimension ${ax} of that input is not declared broadcastable)` : ''),
          );
      }),
    );
    const n = shapeSize(shape);
    if (simd && n >= WASM_MIN_SIZE && hasWasmSimd()) {
      const r = simd.run(inputs, shape, n, simdInplace);
      if (r) return [r];
    }
    const reused: (NDArray | undefined)[] = [];
    for (const [k, i] of inplace) {
      const a = inputs[i];
      // at run time too: the same shape, dtype and a plain C-order buffer, else a fresh output
      if (
        a.dtype === outDtypes[k] &&
        a.isContiguous &&
        a.ndim === shape.length &&
        a.shape.every((d, ax) => d === shape[ax])
      )
        reused[k] = a;
    }
    const outs: TypedArray[] = outDtypes.map((d, k) => {
      const a = reused[k];
      if (!a) return allocate(d, n);
      return a.offset === 0 && a.data.length === n
        ? a.data
        : a.data.subarray(a.offset, a.offset + n);
    });
    const ndim = shape.length;
    const contiguous = inputs.every((a) => a.isContiguous && a.size === n);
    if (contiguous || ndim === 0) {
      callContig(inputs, outs, n);
    } else {
      // broadcast strides (0 where the input has length 1)
      const st = inputs.map((a) =>
        shape.map((d, ax) => (a.shape[ax] === 1 && d !== 1 ? 0 : a.strides[ax])),
      );
      const last = ndim - 1;
      const inner = shape[last];
      const rows = n / Math.max(inner, 1);
      const idx = new Array<number>(ndim).fill(0);
      const pos = inputs.map((a) => a.offset);
      const call: unknown[] = [];
      inputs.forEach((a, i) => call.push(a.data, 0, st[i][last]));
      call.push(...outs, 0, inner);
      for (let r = 0; r < rows && inner > 0; r++) {
        for (let i = 0; i < inputs.length; i++) call[3 * i + 1] = pos[i];
        call[call.length - 2] = r * inner;
        loop(...call);
        for (let ax = last - 1; ax >= 0; ax--) {
          idx[ax]++;
          for (let i = 0; i < inputs.length; i++) pos[i] += st[i][ax];
          if (idx[ax] < shape[ax]) break;
          for (let i = 0; i < inputs.length; i++) pos[i] -= st[i][ax] * shape[ax];
          idx[ax] = 0;
        }
      }
    }
    return outs.map((o, k) => reused[k] ?? new NDArray(o, shape, { dtype: outDtypes[k] }));
  };
}

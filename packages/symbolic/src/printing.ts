import { Constant, type Variable } from './graph';
import { opLabel } from './basic';
import { SCALAR_OPS } from './scalar-ops';
import { scalarOpLabel } from './ops';
import type { OpParams, ScalarOp } from './op-params';
import { JacobianGraph } from './ops/linalg';

function idTag(n: number): string {
  let s = '';
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/** Options of debugprint (Theano's debugprint keyword arguments, camelCase). */
export interface DebugprintOptions {
  /** An annotation after a variable's line (e.g. a backend's per-node note). */
  note?: (v: Variable) => string | undefined;
  /** Append each variable's type, as Theano's print_type: `<float64 matrix>`. */
  printType?: boolean;
  /** Print only this many levels below each output (Theano's depth; default all). */
  depth?: number;
}

/**
 * Theano's debugprint: one line per variable, its op and an `[id X]` tag, inputs indented
 * below with ` |` (the bar continues down to an input's later siblings, as in Theano); a node
 * seen before prints its line again but not its inputs. `note` may annotate nodes. Ops with an
 * inner graph (the Jacobian op) get an "Inner graphs:" section after the outer graph, their
 * inner outputs marked ` >` as Theano prints scan's.
 */
export function debugprint(
  outputs: Variable | readonly Variable[],
  opts: DebugprintOptions = {},
): string {
  const outs = Array.isArray(outputs) ? outputs : [outputs as Variable];
  const ids = new Map<unknown, string>();
  const lines: string[] = [];
  const tag = (k: unknown) => {
    if (!ids.has(k)) ids.set(k, idTag(ids.size));
    return ids.get(k)!;
  };
  const inner: Variable[] = [];
  const typeOf = (v: Variable) => (opts.printType ? ` <${v.type}>` : '');
  // prefix: this line's; childPrefix: what the lines below it (its inputs) start with
  const walk = (v: Variable, prefix: string, childPrefix: string, depth: number) => {
    const key = v.owner ?? v;
    const seen = ids.has(key);
    const id = tag(key);
    const note = opts.note?.(v);
    const name = v.name ? ` '${v.name}'` : '';
    if (!v.owner) {
      lines.push(
        `${prefix}${v instanceof Constant ? constantText(v) : (v.name ?? `<${v.type}>`)} [id ${id}]${typeOf(v)}${note ? ` ${note}` : ''}`,
      );
      return;
    }
    const outIdx = v.owner.outputs.length > 1 ? `.${v.index}` : '';
    lines.push(
      `${prefix}${opLabel(v.owner.op)}${outIdx} [id ${id}]${name}${typeOf(v)}${note ? ` ${note}` : ''}`,
    );
    if (seen) return;
    if (innerGraphOf(v) && !inner.includes(v.owner.outputs[0])) inner.push(v.owner.outputs[0]);
    if (opts.depth !== undefined && depth >= opts.depth) return;
    const inputs = v.owner.inputs;
    inputs.forEach((inp, i) =>
      walk(
        inp,
        childPrefix + ' |',
        childPrefix + (i === inputs.length - 1 ? '  ' : ' |'),
        depth + 1,
      ),
    );
  };
  for (const o of outs) walk(o, '', '', 0);
  if (inner.length) {
    lines.push('', 'Inner graphs:');
    // inner graphs may hold inner graphs (a hessian's jacobian): print until none is left
    for (let k = 0; k < inner.length; k++) {
      const v = inner[k];
      const g = innerGraphOf(v)!;
      lines.push('', `${opLabel(v.owner!.op)} [id ${tag(v.owner)}]`);
      for (const o of g.outputs) walk(o, ' >', ' >', 0);
    }
  }
  return lines.join('\n');
}

/** The inner graph of a variable's op (the Jacobian op), if it has one. */
function innerGraphOf(v: Variable): { outputs: readonly Variable[] } | undefined {
  const inner = (v.owner?.op.params as { inner?: unknown } | undefined)?.inner;
  return inner instanceof JacobianGraph ? inner : undefined;
}

/**
 * Theano's pp: the expression as infix text, e.g. `((x * w) + b)`. Reductions print as
 * `sum(x, axis=[0])`, casts with their dtype, outputs of multi-output ops with their index
 * (`QR{reduced}.1(A)`), and a 0-d constant broadcast by DimShuffle as the constant alone.
 */
export function pp(v: Variable): string {
  if (!v.owner) return v instanceof Constant ? constantText(v) : v.toString();
  const { op, inputs } = v.owner;
  const args = inputs.map(pp);
  if (op.kind === 'Elemwise') {
    const s = (op.params as { scalarOp: ScalarOp }).scalarOp;
    const spec = s.name in SCALAR_OPS ? SCALAR_OPS[s.name as keyof typeof SCALAR_OPS] : undefined;
    if (spec?.infix && args.length === 2) return `(${args[0]} ${spec.infix} ${args[1]})`;
    if (s.name === 'neg') return `(-${args[0]})`;
    return `${s.name === 'composite' ? scalarOpLabel(s) : s.name === 'cast' ? scalarOpLabel(s) : s.name}(${args.join(', ')})`;
  }
  if (op.kind === 'DimShuffle') {
    const order = (op.params as { order: readonly unknown[] }).order;
    if (inputs[0] instanceof Constant && inputs[0].ndim === 0 && order.every((o) => o === 'x'))
      return args[0];
    return `${args[0]}.dimshuffle(${order.map((o) => JSON.stringify(o)).join(', ')})`;
  }
  if (op.kind === 'CAReduce') {
    const { scalarOp, axes, elemwise } = op.params as OpParams['CAReduce'];
    const name = { add: 'sum', mul: 'prod', maximum: 'max', minimum: 'min' }[scalarOp] ?? scalarOp;
    // a fused reduction prints its elemwise as a call on the inputs
    const x = elemwise ? `${scalarOpLabel(elemwise)}(${args.join(', ')})` : args[0];
    return `${name}(${x}, axis=[${axes.join(', ')}])`;
  }
  const outIdx = v.owner.outputs.length > 1 ? `.${v.index}` : '';
  return `${opLabel(op)}${outIdx}(${args.join(', ')})`;
}

/**
 * A constant as Theano prints it, `TensorConstant{0.01}`: a float32 value shows the shortest
 * decimal that rounds to it (not its float64 expansion 0.009999999776482582).
 */
function constantText(c: Constant): string {
  if (c.name || c.data.size !== 1) return c.toString();
  const v = c.data.item();
  if (c.dtype !== 'float32' || !Number.isFinite(v)) return c.toString();
  for (let p = 1; p <= 9; p++) {
    const t = Number(v.toPrecision(p));
    if (Math.fround(t) === v) return `TensorConstant{${t}}`;
  }
  return c.toString();
}

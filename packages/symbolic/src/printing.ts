import { Constant, type Variable } from './graph';
import { opLabel } from './basic';
import { SCALAR_OPS } from './scalar-ops';

function idTag(n: number): string {
  let s = '';
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/**
 * Theano's debugprint: one line per variable, its op and an `[id X]` tag, inputs indented
 * below with ` |` (the bar continues down to an input's later siblings, as in Theano); a node
 * seen before prints its line again but not its inputs. `note` may annotate nodes.
 */
export function debugprint(
  outputs: Variable | readonly Variable[],
  opts: { note?: (v: Variable) => string | undefined } = {},
): string {
  const outs = Array.isArray(outputs) ? outputs : [outputs as Variable];
  const ids = new Map<unknown, string>();
  const lines: string[] = [];
  const tag = (k: unknown) => {
    if (!ids.has(k)) ids.set(k, idTag(ids.size));
    return ids.get(k)!;
  };
  // prefix: this line's; childPrefix: what the lines below it (its inputs) start with
  const walk = (v: Variable, prefix: string, childPrefix: string) => {
    const key = v.owner ?? v;
    const seen = ids.has(key);
    const id = tag(key);
    const note = opts.note?.(v);
    const name = v.name ? ` '${v.name}'` : '';
    if (!v.owner) {
      lines.push(
        `${prefix}${v instanceof Constant ? v.toString() : (v.name ?? `<${v.type}>`)} [id ${id}]${note ? ` ${note}` : ''}`,
      );
      return;
    }
    const outIdx = v.owner.outputs.length > 1 ? `.${v.index}` : '';
    lines.push(
      `${prefix}${opLabel(v.owner.op)}${outIdx} [id ${id}]${name}${note ? ` ${note}` : ''}`,
    );
    if (seen) return;
    const inputs = v.owner.inputs;
    inputs.forEach((inp, i) =>
      walk(inp, childPrefix + ' |', childPrefix + (i === inputs.length - 1 ? '  ' : ' |')),
    );
  };
  for (const o of outs) walk(o, '', '');
  return lines.join('\n');
}

/** Theano's pp: the expression as infix text, e.g. `((x * w) + b)`. */
export function pp(v: Variable): string {
  if (!v.owner) return v.toString();
  const { op, inputs } = v.owner;
  const args = inputs.map(pp);
  if (op.kind === 'Elemwise') {
    const s = (op.params as { scalarOp: { name: string } }).scalarOp;
    const spec = s.name in SCALAR_OPS ? SCALAR_OPS[s.name as keyof typeof SCALAR_OPS] : undefined;
    if (spec?.infix && args.length === 2) return `(${args[0]} ${spec.infix} ${args[1]})`;
    if (s.name === 'neg') return `(-${args[0]})`;
    return `${s.name}(${args.join(', ')})`;
  }
  if (op.kind === 'DimShuffle')
    return `${args[0]}.dimshuffle(${(op.params as { order: readonly unknown[] }).order.map((o) => JSON.stringify(o)).join(', ')})`;
  return `${opLabel(op)}(${args.join(', ')})`;
}

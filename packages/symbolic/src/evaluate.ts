import { NDArray, formatShape } from '@theano-ts/tensor';
import { type Apply, Constant, SharedVariable, type Variable, filterValue } from './graph';
import { toposort } from './graph-utils';
import { OP_SPECS } from './ops';
import { opLabel } from './basic';
import type { OpName } from './op-params';

/** Run one node's reference implementation, checking what it returns against the node's types. */
export function performNode(node: Apply, inputs: readonly NDArray[]): NDArray[] {
  const spec = OP_SPECS[node.op.kind] as {
    perform(n: Apply<OpName>, i: readonly NDArray[]): NDArray[];
  };
  const outs = spec.perform(node, inputs);
  outs.forEach((o, i) => {
    const t = node.outputs[i].type;
    if (
      o.dtype !== t.dtype ||
      o.ndim !== t.ndim ||
      t.shape.some((d, k) => d !== null && d !== o.shape[k])
    )
      throw new Error(
        `${opLabel(node.op)} returned dtype ${o.dtype} shape ${formatShape(o.shape)} for output type ${t} (a bug in theano-ts)`,
      );
  });
  return outs;
}

/**
 * The unoptimized reference evaluator: computes `outputs` by walking the graph with each op's
 * reference implementation. `givens` maps input variables to values (checked against their
 * types); constants and shared variables supply their own values. Used by tests, verifyGrad
 * and constant folding — slow and obviously correct.
 * @throws TypeError when an input has no value.
 */
export function evaluate(
  outputs: readonly Variable[],
  givens: ReadonlyMap<Variable, unknown> = new Map(),
): NDArray[] {
  const vals = new Map<Variable, NDArray>();
  const valueOf = (v: Variable): NDArray => {
    const known = vals.get(v);
    if (known) return known;
    let out: NDArray;
    if (givens.has(v))
      out = filterValue(v.type, givens.get(v), { what: `input '${v.name ?? 'unnamed'}'` });
    else if (v instanceof Constant) out = v.data;
    else if (v instanceof SharedVariable) out = v.internal;
    else
      throw new TypeError(
        `evaluate: no value given for input ${v.name ? `'${v.name}'` : '(unnamed)'} of type ${v.type}`,
      );
    vals.set(v, out);
    return out;
  };
  for (const node of toposort(outputs, new Set(givens.keys()))) {
    const outs = performNode(node, node.inputs.map(valueOf));
    node.outputs.forEach((o, i) => vals.set(o, outs[i]));
  }
  return outputs.map(valueOf);
}

/**
 * Fills (pytensor/tensor/rewriting/basic.py): `second(shape_src, value)`, Theano's `fill`,
 * broadcasts `value` to the shape of `shape_src`. `grad` builds many (the ones and zeros of
 * an Elemwise's gradient, zerosLike(g) = second(g, 0)), and rewrites that keep a shape make
 * them ({@link fillLike}). These rewrites move fills towards the outputs and drop those whose
 * value already has the result's type, so that the shape source is no longer computed just
 * for its shape (a fused loop evaluated switch(x > 0, log(x), 0) only to take its shape).
 *
 * Both are tagged `shape_unsafe`, as in PyTensor: a fill dropped because its value has the
 * result's broadcast pattern no longer checks that its shape source has the same lengths.
 */
import { type Variable, applyOp } from '@theano-ts/symbolic';
import { fillLike, isElemwise, isOp } from './match';
import { type NodeRewriter, canReplace, nodeRewriter } from './rewriter';

/**
 * second(s, v) → v when v already has the fill's dtype and broadcast pattern (PyTensor's
 * `local_useless_fill`).
 */
export const localUselessFill: NodeRewriter = nodeRewriter(
  'local_useless_fill',
  ['Elemwise:second'],
  (_fg, node) => {
    const v = node.inputs[1];
    return canReplace(node.outputs[0].type, v.type) ? [v] : null;
  },
  { depth: 1, tags: ['shape_unsafe'] },
);

/**
 * f(second(a, b), c, …) → second(a, f(b, c, …)) for an Elemwise f other than second (PyTensor's
 * `local_fill_sink`): the fill moves after f, and is dropped where f(b, c, …) already has the
 * result's broadcast pattern. So a · second(g, 1) becomes a when a has the product's type, and a
 * switch whose zero branch is second(g, 0) gets a literal 0 for local_mul_switch_sink.
 */
export const localFillSink: NodeRewriter = nodeRewriter(
  'local_fill_sink',
  ['Elemwise'],
  (_fg, node) => {
    if (!isOp(node, 'Elemwise') || node.outputs.length !== 1) return null;
    if (node.op.params.scalarOp.name === 'second') return null;
    // (tried on every Elemwise: allocate nothing unless an input is a fill)
    let fills = false;
    for (const v of node.inputs) if (isElemwise(v.owner, 'second')) fills = true;
    if (!fills) return null;
    const models: Variable[] = [];
    const inputs = node.inputs.map((v) => {
      const o = v.owner;
      if (!isElemwise(o, 'second')) return v;
      models.push(o.inputs[0]);
      return o.inputs[1];
    });
    const r = applyOp('Elemwise', node.op.params, inputs).outputs[0];
    const filled = fillLike(r, node.outputs[0], models);
    return filled ? [filled] : null;
  },
  { depth: 2, tags: ['shape_unsafe'] },
);

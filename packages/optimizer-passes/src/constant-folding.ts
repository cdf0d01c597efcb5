/**
 * Constant folding (Theano's `constant_folding` / `topo_constant_folding`,
 * pytensor/tensor/rewriting/basic.py): evaluate nodes whose inputs are all constants.
 */
import {
  type Apply,
  Constant,
  type Dim,
  TensorType,
  type Variable,
  performNode,
} from '@theano-ts/symbolic';
import { broadcastShapes, type NDArray, shapeSize } from '@theano-ts/tensor';
import { type NodeRewriter, nodeRewriter } from './rewriter';

/** Largest result (in elements) that constant folding will store in the graph. */
export const CONSTANT_FOLDING_LIMIT = 10_000;

/** Upper bound on the elements a node's outputs will have, when it can be known cheaply. */
function outputSizeBound(node: Apply, inputs: readonly NDArray[]): number | undefined {
  let bound: number | undefined = 0;
  for (const o of node.outputs) {
    if (o.type.shape.every((d) => d !== null))
      bound = Math.max(bound, shapeSize(o.type.shape as number[]));
    else return node.op.kind === 'Elemwise' ? elemwiseBound(inputs) : undefined;
  }
  return bound;
}

function elemwiseBound(inputs: readonly NDArray[]): number | undefined {
  try {
    return shapeSize(broadcastShapes(...inputs.map((a) => a.shape)));
  } catch {
    return undefined;
  }
}

/**
 * The type of a folded constant: the node output's type with unknown lengths filled from the
 * value, except that an unknown length that happens to be 1 stays unknown (so the constant
 * broadcasts exactly as the variable it replaces).
 */
function foldedType(t: TensorType, value: NDArray): TensorType {
  const shape: Dim[] = t.shape.map((d, i) =>
    d !== null ? d : value.shape[i] === 1 ? null : value.shape[i],
  );
  return new TensorType(t.dtype, shape);
}

/**
 * Replace a node whose inputs are all constants (not shared variables, whose values change)
 * by constants computed with the reference implementation (`performNode`). Skipped when the
 * result would have more than {@link CONSTANT_FOLDING_LIMIT} elements or when evaluating
 * throws (the error then happens at run time, pointing at the user's expression).
 */
export const constantFolding: NodeRewriter = nodeRewriter(
  'constant_folding',
  null,
  (fgraph, node) => {
    // tried on every node of the final walks: no closure or array before the inputs qualify
    for (let i = 0; i < node.inputs.length; i++) {
      const v = node.inputs[i];
      if (!(v instanceof Constant) || fgraph.isInput(v)) return null;
    }
    const values = node.inputs.map((c) => (c as Constant).data);
    const bound = outputSizeBound(node, values);
    if (bound !== undefined && bound > CONSTANT_FOLDING_LIMIT) return null;
    let outs: NDArray[];
    try {
      outs = performNode(node, values);
    } catch {
      return null;
    }
    if (outs.some((o) => o.size > CONSTANT_FOLDING_LIMIT)) return null;
    return outs.map(
      (o, i): Variable => new Constant(foldedType(node.outputs[i].type, o), o.copy()),
    );
  },
  { depth: 1, tags: ['constant_folding'] },
);

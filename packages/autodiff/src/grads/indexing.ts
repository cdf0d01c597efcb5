import {
  type AdvancedIdx,
  type IndexingOpParams,
  type Variable,
  applyOp,
  constant,
  sum,
  zerosLike,
} from '@theano-ts/symbolic';
import { type GradRule, type NonDifferentiable, nonDifferentiable } from '../grad-rule';

/** g summed over its leading dimensions down to `ndim` (y broadcast into a region of higher rank). */
function sumLeading(g: Variable, ndim: number): Variable {
  const lead = g.ndim - ndim;
  return lead > 0 ? sum(g, { axis: Array.from({ length: lead }, (_, i) => i) }) : g;
}

const noneFor = (args: readonly Variable[]) => args.map(() => null);

/** Gradients of the indexing ops (one entry per op of IndexingOpParams). */
export const INDEXING_GRADS: {
  readonly [K in keyof IndexingOpParams]: GradRule<K> | NonDifferentiable;
} = {
  // d x[idx] / dx: gz scattered into zeros (Theano: IncSubtensor of zeros)
  Subtensor(node, [gz]) {
    const [x, ...args] = node.inputs;
    const { idxList } = node.op.params;
    return [
      applyOp('IncSubtensor', { idxList, setInsteadOfInc: false }, [zerosLike(x), gz, ...args])
        .outputs[0],
      ...noneFor(args),
    ];
  },
  IncSubtensor(node, [gz]) {
    const [, y, ...args] = node.inputs;
    const { idxList, setInsteadOfInc } = node.op.params;
    // set: the overwritten region gets no gradient; inc: x passes gz through
    const gx = setInsteadOfInc
      ? applyOp('IncSubtensor', { idxList, setInsteadOfInc: true }, [
          gz,
          constant(0, undefined, gz.dtype),
          ...args,
        ]).outputs[0]
      : gz;
    const gy = applyOp('Subtensor', { idxList }, [gz, ...args]).outputs[0];
    return [gx, sumLeading(gy, y.ndim), ...noneFor(args)];
  },
  // d x[idx] / dx with int arrays: gz accumulated at the indices (duplicates add up)
  AdvancedSubtensor(node, [gz]) {
    const [x, ...args] = node.inputs;
    const idxList: readonly AdvancedIdx[] = node.op.params.idxList;
    return [
      applyOp(
        'AdvancedIncSubtensor',
        { idxList, setInsteadOfInc: false, ignoreDuplicates: false },
        [zerosLike(x), gz, ...args],
      ).outputs[0],
      ...noneFor(args),
    ];
  },
  // with repeated indices, set (and inc with ignoreDuplicates) keep only the last write of y:
  // as in Theano, every y element still receives gz at its index
  AdvancedIncSubtensor(node, [gz]) {
    const [, y, ...args] = node.inputs;
    const { idxList, setInsteadOfInc } = node.op.params;
    const gx = setInsteadOfInc
      ? applyOp(
          'AdvancedIncSubtensor',
          { idxList, setInsteadOfInc: true, ignoreDuplicates: false },
          [gz, constant(0, undefined, gz.dtype), ...args],
        ).outputs[0]
      : gz;
    const gy = applyOp('AdvancedSubtensor', { idxList }, [gz, ...args]).outputs[0];
    return [gx, sumLeading(gy, y.ndim), ...noneFor(args)];
  },
  Nonzero: nonDifferentiable('nonzero returns integer indices'),
};

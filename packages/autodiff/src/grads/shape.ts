import {
  type ShapeOpParams,
  applyOp,
  arange,
  constant,
  dimOf,
  dimshuffle,
  mul,
  neg,
  reshape,
  shapeI,
  shapeVector,
  sum,
  zerosLike,
} from '@theano-ts/symbolic';
import { type GradRule, type NonDifferentiable, nonDifferentiable } from '../grad-rule';

/** Gradients of the shape ops (one entry per op of ShapeOpParams). */
export const SHAPE_GRADS: { readonly [K in keyof ShapeOpParams]: GradRule<K> | NonDifferentiable } =
  {
    // the pieces of gz, as long as each input along the axis (Theano: Split)
    Join(node, [gz]) {
      const { axis } = node.op.params;
      const sizes = shapeVector(node.inputs.map((x) => dimOf(x, axis)));
      return applyOp('Split', { axis, nSplits: node.inputs.length }, [gz, sizes]).outputs;
    },
    Split(node, gzs) {
      const { axis } = node.op.params;
      return [applyOp('Join', { axis }, gzs).outputs[0], null];
    },
    // the value was broadcast: sum over the added leading dimensions (the driver sums the
    // broadcastable ones)
    Alloc(node, [gz]) {
      const [v, ...shp] = node.inputs;
      const lead = gz.ndim - v.ndim;
      const g = lead > 0 ? sum(gz, { axis: Array.from({ length: lead }, (_, i) => i) }) : gz;
      return [g, ...shp.map(() => null)];
    },
    Repeat(node, [gz]) {
      const [x, r] = node.inputs;
      const { axis } = node.op.params;
      if (r.ndim === 0) {
        // every element repeated r times: split the axis into (n, r) and sum the copies
        const dims = x.type.shape.flatMap((_, d) =>
          d === axis ? [dimOf(x, d), r] : [dimOf(x, d)],
        );
        return [sum(reshape(gz, shapeVector(dims)), { axis: axis + 1 }), null];
      }
      // one count per element: accumulate gz at the source index of each copy
      const src = applyOp('Repeat', { axis: 0 }, [arange(0, shapeI(x, axis)), r]).outputs[0];
      const idxList = [
        ...Array.from({ length: axis }, () => ({ slice: [null, null, null] as const })),
        { array: 0 },
      ];
      return [
        applyOp(
          'AdvancedIncSubtensor',
          { idxList, setInsteadOfInc: false, ignoreDuplicates: false },
          [zerosLike(x), gz, src],
        ).outputs[0],
        null,
      ];
    },
    Roll: (node, [gz]) => [
      applyOp('Roll', node.op.params, [gz, neg(node.inputs[1])]).outputs[0],
      null,
    ],
    // out[i] = start + i * step: d/dstart = 1, d/dstep = i; the length is piecewise constant in stop
    ARange(node, [gz]) {
      const [, stop] = node.inputs;
      const i = arange(0, shapeI(node.outputs[0], 0), 1, { dtype: gz.dtype });
      return [sum(gz), zerosLike(stop), sum(mul(gz, i))];
    },
    Eye: nonDifferentiable("eye's inputs are integer sizes"),
    // gz scattered back onto the diagonal of zeros
    ExtractDiag(node, [gz]) {
      const [x] = node.inputs;
      const { offset, axis1, axis2 } = node.op.params;
      const len = shapeI(gz, gz.ndim - 1);
      const r = applyOp('ARange', { dtype: 'int32' }, [
        constant(Math.max(0, -offset), undefined, 'int32'),
        len.add(Math.max(0, -offset)),
        constant(1, undefined, 'int32'),
      ]).outputs[0];
      const c = applyOp('ARange', { dtype: 'int32' }, [
        constant(Math.max(0, offset), undefined, 'int32'),
        len.add(Math.max(0, offset)),
        constant(1, undefined, 'int32'),
      ]).outputs[0];
      const idxList = x.type.shape.map((_, d) =>
        d === axis1
          ? { array: 0 }
          : d === axis2
            ? { array: 1 }
            : { slice: [null, null, null] as const },
      );
      // AdvancedSubtensor puts the diagonal where the two index arrays are when they are
      // adjacent, else first; ExtractDiag puts it last
      const nRest = x.ndim - 2;
      const at = Math.abs(axis1 - axis2) === 1 ? Math.min(axis1, axis2) : 0;
      const order: number[] = Array.from({ length: nRest }, (_, i) => i);
      order.splice(at, 0, nRest);
      return [
        applyOp(
          'AdvancedIncSubtensor',
          { idxList, setInsteadOfInc: false, ignoreDuplicates: false },
          [zerosLike(x), dimshuffle(gz, order), r, c],
        ).outputs[0],
      ];
    },
    AllocDiag: (node, [gz]) => [
      applyOp('ExtractDiag', { offset: node.op.params.offset, axis1: 0, axis2: 1 }, [gz])
        .outputs[0],
    ],
  };

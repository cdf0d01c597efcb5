import {
  type Conv2dParams,
  type NnetOpParams,
  type Pool2dParams,
  type Variable,
  applyOp,
  constant,
  dimOf,
  maximum,
  minimum,
  mul,
  shapeVector,
  zerosLike,
} from '@theano-ts/symbolic';
import type { GradRule, NonDifferentiable } from '../grad-rule';

// ---- conv2d / pooling helpers. The gradient ops of conv2d and pooling are linear in their
// gradient input, and each one's gradient is another of these ops, so gradients of gradients
// (hessians, double backprop) stay within the family:
//   Conv2d(x, w)            → Conv2dGradInputs(w, gz), Conv2dGradWeights(x, gz)
//   Conv2dGradInputs(w, gz) → Conv2dGradWeights(g, gz), Conv2d(g, w)
//   Conv2dGradWeights(x, gz)→ Conv2dGradInputs(g, gz), Conv2d(x, g)
//   Pool max                → MaxPoolGrad(x, gz) → MaxPoolGradGrad(x, g) → MaxPoolGrad(x, g)
//   Pool sum/average        → AveragePoolGrad(x, gz) → Pool(g)
// (x enters the pooling gradient ops only through the window positions: its gradient there is 0,
// as Theano's.)

/** Spatial shape [H, W] (or [kh, kw]) of a 4-d variable as an int vector. */
const spatial = (x: Variable): Variable => shapeVector([dimOf(x, 2), dimOf(x, 3)]);
const gradInputs = (p: Conv2dParams, w: Variable, gz: Variable, like: Variable): Variable =>
  applyOp('Conv2dGradInputs', p, [w, gz, spatial(like)]).outputs[0];
const gradWeights = (p: Conv2dParams, x: Variable, gz: Variable, like: Variable): Variable =>
  applyOp('Conv2dGradWeights', p, [x, gz, spatial(like)]).outputs[0];
const conv = (p: Conv2dParams, x: Variable, w: Variable): Variable =>
  applyOp('Conv2d', p, [x, w]).outputs[0];
const pool = (
  kind: 'Pool' | 'MaxPoolGrad' | 'MaxPoolGradGrad' | 'AveragePoolGrad',
  p: Pool2dParams,
  ins: Variable[],
) => applyOp(kind, p, ins).outputs[0];

/** Gradients of the nnet ops (one entry per op of NnetOpParams). */
export const NNET_GRADS: { readonly [K in keyof NnetOpParams]: GradRule<K> | NonDifferentiable } = {
  // ---- conv2d
  Conv2d(node, [gz]) {
    const [x, w] = node.inputs;
    const p = node.op.params;
    return [gradInputs(p, w, gz, x), gradWeights(p, x, gz, w)];
  },
  Conv2dGradInputs(node, [g]) {
    const [w, gz] = node.inputs;
    const p = node.op.params;
    return [gradWeights(p, g, gz, w), conv(p, g, w), null];
  },
  Conv2dGradWeights(node, [g]) {
    const [x, gz] = node.inputs;
    const p = node.op.params;
    return [gradInputs(p, g, gz, x), conv(p, x, g), null];
  },
  // ---- pooling
  Pool(node, [gz]) {
    const [x] = node.inputs;
    const p = node.op.params;
    return [pool(p.mode === 'max' ? 'MaxPoolGrad' : 'AveragePoolGrad', p, [x, gz])];
  },
  MaxPoolGrad: (node, [g]) => [
    zerosLike(node.inputs[0]),
    pool('MaxPoolGradGrad', node.op.params, [node.inputs[0], g]),
  ],
  MaxPoolGradGrad: (node, [g]) => [
    zerosLike(node.inputs[0]),
    pool('MaxPoolGrad', node.op.params, [node.inputs[0], g]),
  ],
  AveragePoolGrad: (node, [g]) => [zerosLike(node.inputs[0]), pool('Pool', node.op.params, [g])],
  // ---- gradient modifiers
  ZeroGrad: (_node, [gz]) => [zerosLike(gz)],
  DisconnectedGrad: () => [null],
  GradClip(node, [gz]) {
    const { lower, upper } = node.op.params;
    return [
      maximum(
        minimum(gz, constant(upper, undefined, gz.dtype)),
        constant(lower, undefined, gz.dtype),
      ),
    ];
  },
  GradScale: (node, [gz]) => [mul(gz, constant(node.op.params.multiplier, undefined, gz.dtype))],
};

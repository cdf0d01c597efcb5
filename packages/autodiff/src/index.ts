export { grad, sumToType, DisconnectedInputError, type GradOptions } from './grad';
export {
  GRADS,
  SCALAR_GRADS,
  nonDifferentiable,
  type GradRule,
  type NonDifferentiable,
} from './grad-rules';
export { verifyGrad, GradientError, type VerifyGradOptions } from './verify-grad';
export { DisconnectedType } from './grad';
export { Lop, Rop, jacobian, hessian, type DerivativeOptions } from './jacobian';
export { zeroGrad, disconnectedGrad, gradClip, gradScale } from '@theano-ts/symbolic';

export { grad, sumToType, DisconnectedInputError, type GradOptions } from './grad';
export {
  GRADS,
  SCALAR_GRADS,
  nonDifferentiable,
  type GradRule,
  type NonDifferentiable,
} from './grad-rules';
export { verifyGrad, GradientError, type VerifyGradOptions } from './verify-grad';

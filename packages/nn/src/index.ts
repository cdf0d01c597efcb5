export {
  Dense,
  Sequential,
  ACTIVATIONS,
  type Layer,
  type DenseOptions,
  type ActivationName,
} from './layers';
export {
  glorotUniform,
  glorotNormal,
  heUniform,
  zerosInit,
  fans,
  type Initializer,
} from './initializers';
export { sgd, momentum, type UpdateList } from './optimizers';

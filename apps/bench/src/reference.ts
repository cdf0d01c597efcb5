/**
 * Theano 1.0.5's figures for the workloads, as the issue (#5) gives them: measured on a machine
 * like ours with the C backend and OpenBLAS. Quoted, not measured here (Theano is not installed
 * on the bench machine).
 */
export const THEANO_1_0_5 = {
  /** theano.function for the MNIST MLP training step, compile cache warm. */
  mlpCompileWarmMs: 3500,
  /** The same with a cold compile cache (C code generated and built). */
  mlpCompileColdMs: 10700,
  /** Per-call time of f(x) = x*2+1 on a scalar. */
  scalarCallUs: 2.7,
  /** The seed article's linear regression: 20 000 calls of train_fn. */
  linregLoopS: 0.26,
} as const;

export const THEANO = 'Theano 1.0.5 (C backend, OpenBLAS)';

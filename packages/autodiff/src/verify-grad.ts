import { type DType, Generator, NDArray, isFloat, formatShape } from '@theano-ts/tensor';
import { Variable, constant, evaluate, mul, sum, tensor } from '@theano-ts/symbolic';
import { grad } from './grad';

/** Options of verifyGrad (Theano's verify_grad, camelCase). */
export interface VerifyGradOptions {
  /** Number of random projections tried (default 2). */
  nTests?: number;
  /** Seed of the projection vectors (default 666, as Theano's tests). */
  seed?: number;
  /** Finite-difference step (default: 1e-7 for float64, 3e-4 for float32, as Theano). */
  eps?: number;
  /** Absolute / relative tolerances (default: 1e-4 for float64, 1e-2 for float32, as Theano). */
  absTol?: number;
  relTol?: number;
}

/** A gradient that differs from finite differences (Theano's GradientError). */
export class GradientError extends Error {
  override name = 'GradientError';
  constructor(
    readonly input: number,
    readonly index: number,
    readonly analytic: number,
    readonly numeric: number,
    readonly absErr: number,
    readonly relErr: number,
  ) {
    super(
      `verifyGrad: gradient of input ${input} at flat index ${index} is ${analytic}, finite differences give ${numeric} (abs err ${absErr.toExponential(3)}, rel err ${relErr.toExponential(3)})`,
    );
  }
}

const DEFAULTS: Record<string, { eps: number; tol: number }> = {
  float64: { eps: 1e-7, tol: 1e-4 },
  float32: { eps: 3e-4, tol: 1e-2 },
};

/**
 * Check the symbolic gradient of `fn` at the point `pt` against finite differences, Theano's
 * method: cost = sum(u * fn(...inputs)) with random u in [0.5, 1.5), analytic gradient from
 * `grad`, numeric from central differences on every element; fails only where both the absolute
 * and the relative error exceed their tolerances. Inputs must be float arrays.
 * Source: https://theano-pymc.readthedocs.io/en/latest/extending/unittest.html#validating-the-gradient
 * @throws GradientError at the worst element; TypeError for non-float inputs.
 */
export function verifyGrad(
  fn: (...xs: Variable[]) => Variable,
  pt: readonly NDArray[],
  opts: VerifyGradOptions = {},
): void {
  pt.forEach((a, i) => {
    if (!isFloat(a.dtype))
      throw new TypeError(`verifyGrad: input ${i} must be a float array, got dtype ${a.dtype}`);
  });
  const widest: DType = pt.some((a) => a.dtype === 'float32') ? 'float32' : 'float64';
  const eps = opts.eps ?? DEFAULTS[widest].eps;
  const absTol = opts.absTol ?? DEFAULTS[widest].tol;
  const relTol = opts.relTol ?? DEFAULTS[widest].tol;
  const rng = new Generator(opts.seed ?? 666);
  const inputs = pt.map((a, i) => tensor(`x${i}`, { dtype: a.dtype, ndim: a.ndim }));
  const out = fn(...inputs);
  const givens = (vals: readonly NDArray[]) =>
    new Map<Variable, unknown>(inputs.map((v, i) => [v, vals[i]]));
  const [outVal] = evaluate([out], givens(pt));
  for (let t = 0; t < (opts.nTests ?? 2); t++) {
    const u = constant(rng.uniform(0.5, 1.5, outVal.shape, outVal.dtype));
    const cost = sum(mul(out, u));
    const grads = grad(cost, inputs, { disconnectedInputs: 'ignore' });
    const analytic = evaluate(grads, givens(pt));
    const costAt = (vals: NDArray[]) => evaluate([cost], givens(vals))[0].item();
    pt.forEach((a, i) => {
      if (analytic[i].shape.join() !== a.shape.join())
        throw new Error(
          `verifyGrad: gradient of input ${i} has shape ${formatShape(analytic[i].shape)}, input has ${formatShape(a.shape)}`,
        );
      const base = a.copy();
      const g = analytic[i].toFlat();
      let worst: GradientError | null = null;
      for (let k = 0; k < base.size; k++) {
        const orig = base.data[k];
        const vals = [...pt];
        base.data[k] = orig + eps;
        vals[i] = base;
        const fp = costAt(vals);
        base.data[k] = orig - eps;
        const fm = costAt(vals);
        base.data[k] = orig;
        const h =
          base.dtype === 'float32' ? Math.fround(orig + eps) - Math.fround(orig - eps) : 2 * eps;
        const numeric = (fp - fm) / h;
        const absErr = Math.abs(g[k] - numeric);
        const relErr = absErr / Math.max(Math.abs(g[k]) + Math.abs(numeric), 1e-8);
        if (!Number.isFinite(absErr))
          throw new Error(
            `verifyGrad: non-finite gradient or difference at input ${i}, index ${k} (${g[k]} vs ${numeric})`,
          );
        if (absErr > absTol && relErr > relTol && (!worst || absErr > worst.absErr))
          worst = new GradientError(i, k, g[k], numeric, absErr, relErr);
      }
      if (worst) throw worst;
    });
  }
}

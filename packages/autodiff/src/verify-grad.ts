import { type DType, Generator, NDArray, isFloat, formatShape } from '@theano-ts/tensor';
import { Variable, constant, evaluate, mul, sum, tensor } from '@theano-ts/symbolic';
import { grad } from './grad';

/** Options of verifyGrad (Theano's / PyTensor's verify_grad, camelCase). */
export interface VerifyGradOptions {
  /** Number of random projections tried (default 2). */
  nTests?: number;
  /** Seed of the projection vectors (default 666, as Theano's tests). */
  seed?: number;
  /** Finite-difference step (default per dtype as PyTensor: 1e-7 float64, 3e-4 float32). */
  eps?: number;
  /** Absolute / relative tolerances (default per dtype as PyTensor: 1e-4 float64, 1e-2 float32). */
  absTol?: number;
  /** Relative tolerance (default per dtype, as absTol). */
  relTol?: number;
  /**
   * 'forward' (default, PyTensor's numeric_grad): (f(x + eps) - f(x)) / eps per element;
   * 'central': (f(x + eps) - f(x - eps)) / 2eps, more accurate where f curves strongly.
   */
  method?: 'forward' | 'central';
}

/** A gradient that differs from finite differences (Theano's GradientError). */
export class GradientError extends Error {
  /** The error's name, as printed. */
  override name = 'GradientError';
  constructor(
    /** Which input's gradient is wrong (position in the list given to verifyGrad). */
    readonly input: number,
    /** Flat index of the element where the check failed. */
    readonly index: number,
    /** The gradient from the graph there. */
    readonly analytic: number,
    /** The finite-difference estimate there. */
    readonly numeric: number,
    /** |analytic - numeric|. */
    readonly absErr: number,
    /** absErr / max(|analytic| + |numeric|, 1e-8). */
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
 * Check the symbolic gradient of `fn` at the point `pt` against finite differences, PyTensor's
 * method (pytensor.gradient.verify_grad): cost = sum(u * fn(...inputs)) with u uniform in
 * [0.5, 1.5) (redrawn for each of nTests), the analytic gradient from `grad`, the numeric one by
 * one-sided differences on every element (central ones with `method: 'central'`). Errors are
 * abs = |a - n| and rel = abs / max(|a| + |n|, 1e-8); the check fails at the element where
 * min(abs / absTol, rel / relTol) is largest, when that exceeds 1 (both tolerances exceeded).
 * eps and the tolerances default per dtype as PyTensor's (the largest applies for mixed inputs).
 * The step actually taken (x + eps rounded to the input's dtype, minus x) is the divisor.
 * Source: https://pytensor.readthedocs.io/en/latest/extending/unittest.html#validating-the-gradient
 * @throws GradientError at the worst element; TypeError for non-float inputs; Error for
 *   non-finite values.
 */
export function verifyGrad(
  fn: (...xs: Variable[]) => Variable,
  pt: readonly NDArray[],
  opts: VerifyGradOptions = {},
): void {
  pt.forEach((a, i) => {
    if (!(a instanceof NDArray) || !isFloat(a.dtype))
      throw new TypeError(
        `verifyGrad: input ${i} must be a float NDArray, got ${a instanceof NDArray ? `dtype ${a.dtype}` : typeof a}`,
      );
  });
  const widest: DType = pt.some((a) => a.dtype === 'float32') ? 'float32' : 'float64';
  const eps = opts.eps ?? DEFAULTS[widest].eps;
  const absTol = opts.absTol ?? DEFAULTS[widest].tol;
  const relTol = opts.relTol ?? DEFAULTS[widest].tol;
  const central = (opts.method ?? 'forward') === 'central';
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
    const f0 = central ? 0 : costAt([...pt]);
    let worst: { err: GradientError; scaled: number } | null = null;
    pt.forEach((a, i) => {
      if (analytic[i].shape.join() !== a.shape.join())
        throw new Error(
          `verifyGrad: gradient of input ${i} has shape ${formatShape(analytic[i].shape)}, input has ${formatShape(a.shape)}`,
        );
      const base = a.copy();
      const g = analytic[i].toFlat();
      for (let k = 0; k < base.size; k++) {
        const orig = base.data[k];
        const vals = [...pt];
        vals[i] = base;
        base.data[k] = orig + eps;
        const up = base.data[k];
        const fp = costAt(vals);
        let numeric: number;
        if (central) {
          base.data[k] = orig - eps;
          const down = base.data[k];
          numeric = (fp - costAt(vals)) / (up - down);
        } else numeric = (fp - f0) / (up - orig);
        base.data[k] = orig;
        const absErr = Math.abs(g[k] - numeric);
        const relErr = absErr / Math.max(Math.abs(g[k]) + Math.abs(numeric), 1e-8);
        if (!Number.isFinite(absErr))
          throw new Error(
            `verifyGrad: non-finite gradient or difference at input ${i}, index ${k} (${g[k]} vs ${numeric})`,
          );
        const scaled = Math.min(absErr / absTol, relErr / relTol);
        if (scaled > 1 && (!worst || scaled > worst.scaled))
          worst = { err: new GradientError(i, k, g[k], numeric, absErr, relErr), scaled };
      }
    });
    if (worst) throw (worst as { err: GradientError }).err;
  }
}

/** Helpers for this package's tests (not exported from the package). */
import {
  Constant,
  FunctionGraph,
  type Variable,
  cloneGraph,
  evaluate,
  opLabel,
} from '@theano-ts/symbolic';
import { type DType, NDArray, typedArrayFor } from '@theano-ts/tensor';
import { expect } from 'vitest';
import { type OptimizeOptions, optimizeGraph } from './optimize-graph';

/** A FunctionGraph over a copy of the nodes computing `outputs` (the user's graph stays as it was). */
export function makeFg(inputs: readonly Variable[], outputs: readonly Variable[]): FunctionGraph {
  const memo = cloneGraph(outputs);
  return new FunctionGraph(
    inputs,
    outputs.map((o) => memo.get(o) ?? o),
  );
}

/** Optimize a copy of the graph computing `outputs` and return it. */
export function optimized(
  inputs: readonly Variable[],
  outputs: readonly Variable[],
  opts: OptimizeOptions,
): FunctionGraph {
  const fg = makeFg(inputs, outputs);
  optimizeGraph(fg, opts);
  return fg;
}

/** Op labels of the graph's nodes in topological order. */
export const opLabels = (fg: FunctionGraph): string[] => fg.toposort().map((n) => opLabel(n.op));

/** Number of nodes whose label matches. */
export const countOps = (fg: FunctionGraph, label: string | RegExp): number =>
  opLabels(fg).filter((l) => (typeof label === 'string' ? l === label : label.test(l))).length;

/**
 * Theano's `equal_computations`: same ops (by key) on the same structure, leaves equal by
 * identity or (constants) by dtype, shape and values.
 */
export function equalComputations(a: Variable, b: Variable): boolean {
  if (a === b) return true;
  if (a instanceof Constant && b instanceof Constant)
    return (
      a.type.equals(b.type) && a.data.toFlat().every((x, i) => Object.is(x, b.data.toFlat()[i]))
    );
  if (!a.owner || !b.owner) return false;
  if (a.index !== b.index || a.owner.op.key !== b.owner.op.key) return false;
  if (a.owner.inputs.length !== b.owner.inputs.length) return false;
  return a.owner.inputs.every((x, i) => equalComputations(x, b.owner!.inputs[i]));
}

/** Deterministic pseudo-random array in [lo, hi). */
export function rand(
  shape: readonly number[],
  opts: { seed?: number; lo?: number; hi?: number; dtype?: DType } = {},
): NDArray {
  let s = (opts.seed ?? 1) >>> 0;
  const n = shape.reduce((p, d) => p * d, 1);
  const dtype = opts.dtype ?? 'float64';
  const data = new (typedArrayFor(dtype))(n);
  const lo = opts.lo ?? -1;
  const hi = opts.hi ?? 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return new NDArray(data, shape, { dtype });
}

/** Int labels in [0, k). */
export function labels(n: number, k: number, seed = 3): NDArray {
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = (i * 7 + seed) % k;
  return new NDArray(data, [n]);
}

/** Expect arrays equal in shape and dtype, values within rtol/atol (NaN equal to NaN). */
export function expectClose(got: NDArray, want: NDArray, rtol = 1e-10, atol = 1e-12): void {
  expect(got.dtype).toBe(want.dtype);
  expect([...got.shape]).toEqual([...want.shape]);
  const g = got.toFlat();
  const w = want.toFlat();
  for (let i = 0; i < g.length; i++) {
    if (Number.isNaN(w[i])) {
      expect(Number.isNaN(g[i]), `element ${i}: got ${g[i]}, want NaN`).toBe(true);
      continue;
    }
    if (g[i] === w[i]) continue;
    expect(Math.abs(g[i] - w[i]), `element ${i}: got ${g[i]}, want ${w[i]}`).toBeLessThanOrEqual(
      atol + rtol * Math.abs(w[i]),
    );
  }
}

/**
 * The value test of a rewrite: the outputs evaluated with the rewrite on (the given options)
 * equal the outputs with it off (same options, rewrite excluded), and both equal the
 * unoptimized graph. Returns the optimized graph for structural checks.
 */
export function expectSameValue(
  inputs: readonly Variable[],
  outputs: readonly Variable[],
  values: readonly unknown[],
  opts: OptimizeOptions & { rewrite: string; rtol?: number; atol?: number },
): FunctionGraph {
  const givens = new Map<Variable, unknown>(inputs.map((v, i) => [v, values[i]]));
  const reference = evaluate(outputs, givens);
  const on = optimized(inputs, outputs, opts);
  const off = optimized(inputs, outputs, {
    ...opts,
    exclude: [...(opts.exclude ?? []), opts.rewrite],
  });
  const onVals = evaluate(on.outputs, givens);
  const offVals = evaluate(off.outputs, givens);
  reference.forEach((r, i) => {
    expectClose(onVals[i], offVals[i], opts.rtol, opts.atol);
    expectClose(onVals[i], r, opts.rtol, opts.atol);
  });
  return on;
}

/**
 * The outputs evaluated (reference implementations) after optimizing with `opts` — `on` — and
 * with the same options but `rewrite` excluded — `off` — for value tests that also check
 * where the two differ (a stabilization is right where the original overflows).
 */
export function evalOnOff(
  inputs: readonly Variable[],
  outputs: readonly Variable[],
  values: readonly unknown[],
  opts: OptimizeOptions & { rewrite: string },
): { on: NDArray[]; off: NDArray[]; fg: FunctionGraph } {
  const givens = new Map<Variable, unknown>(inputs.map((v, i) => [v, values[i]]));
  const fg = optimized(inputs, outputs, opts);
  const off = optimized(inputs, outputs, {
    ...opts,
    exclude: [...(opts.exclude ?? []), opts.rewrite],
  });
  return { on: evaluate(fg.outputs, givens), off: evaluate(off.outputs, givens), fg };
}

/** Options running only `names` (structural tests of one rewrite). */
export const only = (...names: string[]): OptimizeOptions => ({ mode: 'none', include: names });

/** A float64 vector of `values` (or float32 with `dtype`). */
export function vec(values: readonly number[], dtype: DType = 'float64'): NDArray {
  const data = new (typedArrayFor(dtype))(values.length);
  values.forEach((v, i) => (data[i] = v));
  return new NDArray(data, [values.length], { dtype });
}

/**
 * Extreme but finite float64 values: zeros of both signs, the smallest subnormal, tiny and
 * huge magnitudes, and values where exp over- or underflows.
 */
export const EXTREME = [
  0, -0, 5e-324, -5e-324, 1e-300, -1e-300, 1e-20, -1e-20, 1, -1, 1e300, -1e300, 700, -700, 1000,
  -1000,
] as const;

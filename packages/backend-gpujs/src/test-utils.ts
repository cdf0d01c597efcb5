/**
 * Helpers of this package's tests (not exported from the package).
 */
import { expect } from 'vitest';
import { type DType, NDArray, formatShape, typedArrayFor } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { Mode, theanoFunction } from '@theano-ts/compile';
import { type GpujsBackend, type GpujsBackendOptions, createGpujsBackend } from './backend';

/** THEANO_TS_REQUIRE_GPU=1: tests fail unless gpu.js runs on a GPU kernel class. */
export const REQUIRE_GPU = process.env.THEANO_TS_REQUIRE_GPU === '1';

/** A backend that warns into an array instead of the console. */
export function makeBackend(opts: GpujsBackendOptions = {}): GpujsBackend & { warnings: string[] } {
  const warnings: string[] = [];
  const b = createGpujsBackend({ warn: (m) => warnings.push(m), ...opts });
  return Object.assign(b, { warnings });
}

/** Whether gpu.js picked a GPU kernel class here (HeadlessGL needs an X display: run under xvfb-run). */
const probe = createGpujsBackend({ warn: () => {} });
export const PROBE_KERNEL_CLASS = probe.kernelClass;
export const GPU_AVAILABLE = probe.isGpu;
void probe.destroy();

/** Why GPU-only tests are skipped here ('' when they run). */
export const SKIP_REASON =
  GPU_AVAILABLE || REQUIRE_GPU
    ? ''
    : `skipped: gpu.js chose ${PROBE_KERNEL_CLASS}, not a GPU kernel (no X display for headless-gl? run \`pnpm test\`, which uses xvfb-run, or set THEANO_TS_REQUIRE_GPU=1 to fail instead)`;
if (SKIP_REASON) console.info(`[backend-gpujs] GPU tests ${SKIP_REASON}`);

/** Compile with the gpu.js backend and no rewrites (the nodes run as built). */
export function gpuFunction(
  backend: GpujsBackend,
  inputs: T.Variable[],
  outputs: T.Variable | T.Variable[],
) {
  return theanoFunction(inputs, outputs, { mode: new Mode({ backend, optimizer: 'none' }) });
}

/** Deterministic pseudo-random values in [lo, hi). */
export function rand(
  shape: readonly number[],
  lo = -1,
  hi = 1,
  dtype: DType = 'float32',
  seed = 1,
): NDArray {
  let s = seed * 2654435761 + 12345;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new (typedArrayFor(dtype))(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const u = s / 2 ** 32;
    const v = lo + (hi - lo) * u;
    out[i] = dtype === 'float32' || dtype === 'float64' ? v : Math.floor(v);
  }
  return new NDArray(out, shape, { dtype });
}

/** Expect `actual` to equal `expected` in dtype and shape and within |a - e| <= atol + rtol * |e| (NaN matches NaN). */
export function expectClose(
  actual: NDArray,
  expected: NDArray,
  rtol = 2e-5,
  atol = 1e-6,
  what = '',
): void {
  expect(actual.dtype, `${what} dtype`).toBe(expected.dtype);
  expect(formatShape(actual.shape), `${what} shape`).toBe(formatShape(expected.shape));
  const a = actual.toFlat();
  const e = expected.toFlat();
  const bad: string[] = [];
  for (let i = 0; i < e.length; i++) {
    const [x, y] = [a[i], e[i]];
    const ok =
      (Number.isNaN(x) && Number.isNaN(y)) ||
      x === y ||
      Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok && bad.length < 5) bad.push(`[${i}] got ${x}, expected ${y}`);
  }
  expect(bad, `${what} values`).toEqual([]);
}

/** Run `outputs` with the gpu.js backend and with the reference evaluator, and compare. */
export function checkAgainstReference(
  backend: GpujsBackend,
  inputs: T.Variable[],
  outputs: T.Variable[],
  values: NDArray[],
  tol: { rtol?: number; atol?: number } = {},
): NDArray[] {
  const f = gpuFunction(backend, inputs, outputs);
  const got = f(...values) as NDArray[];
  const want = T.evaluate(outputs, new Map(inputs.map((v, i) => [v, values[i]])));
  got.forEach((g, i) => expectClose(g, want[i], tol.rtol, tol.atol, `output ${i}`));
  return got;
}

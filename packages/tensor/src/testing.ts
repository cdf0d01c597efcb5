/**
 * `@theano-ts/tensor/testing`: comparing arrays in tests, as numpy.testing does.
 *
 * - {@link allclose}: numpy.allclose — |actual - desired| <= atol + rtol · |desired| for every
 *   element after broadcasting (defaults rtol 1e-5, atol 1e-8; NaN equal only with `equalNan`).
 * - {@link assertAllclose}: numpy.testing.assert_allclose — the same test with its defaults
 *   (rtol 1e-7, atol 0, NaN equal to NaN), shapes that must match (0-d broadcasts), and an
 *   AssertionError listing the mismatches the way NumPy does.
 * - {@link toBeAllclose}: a vitest matcher, `expect(actual).toBeAllclose(desired, opts)` after
 *   `expect.extend({ toBeAllclose })`. vitest is an optional peer dependency: this module never
 *   imports it at run time, only its types.
 *
 * Inputs may be NDArrays, nested JS arrays or numbers. Infinities compare equal when they have
 * the same sign.
 */
import type {} from 'vitest';
import { NDArray, type NestedArray } from './ndarray';
import { array } from './creation';
import { broadcastShapesIn, formatShape, shapesEqual } from './shape';
import { formatArray } from './format';
import { describeValue } from './errors';

/** Something comparable: an NDArray, nested arrays of numbers/booleans, or a number. */
export type ArrayInput = NDArray | NestedArray;

/** Tolerances: NumPy's `rtol`, `atol` and `equal_nan`. */
export interface AllcloseOptions {
  /** Relative tolerance, a fraction of |desired|. */
  rtol?: number;
  /** Absolute tolerance. */
  atol?: number;
  /** Count NaN in both at the same place as equal. */
  equalNan?: boolean;
}

/** Options of {@link assertAllclose}: tolerances and a message prefix. */
export interface AssertAllcloseOptions extends AllcloseOptions {
  /** Prepended to the failure message (numpy's `err_msg`). */
  errMsg?: string;
}

function toNd(fn: string, arg: string, x: unknown): NDArray {
  if (x instanceof NDArray) return x;
  if (typeof x === 'number' || typeof x === 'boolean' || Array.isArray(x))
    return array(x as NestedArray, { dtype: 'float64' });
  throw new TypeError(
    `${fn}: argument '${arg}' must be an NDArray, nested arrays or a number, got ${describeValue(x)}`,
  );
}

function checkTol(fn: string, opts: AllcloseOptions): void {
  for (const k of ['rtol', 'atol'] as const) {
    const v = opts[k];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0)))
      throw new TypeError(
        `${fn}: option '${k}' must be a non-negative number, got ${describeValue(v)}`,
      );
  }
}

/** Elementwise closeness of two equal-length float64 lists (numpy.isclose). */
function closeFlags(
  a: Float64Array,
  b: Float64Array,
  rtol: number,
  atol: number,
  equalNan: boolean,
): boolean[] {
  const out: boolean[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Number.isNaN(x) || Number.isNaN(y)) out[i] = equalNan && Number.isNaN(x) && Number.isNaN(y);
    else if (!Number.isFinite(x) || !Number.isFinite(y)) out[i] = x === y;
    else out[i] = Math.abs(x - y) <= atol + rtol * Math.abs(y);
  }
  return out;
}

function flatPair(
  fn: string,
  a: NDArray,
  b: NDArray,
  broadcast: boolean,
): [Float64Array, Float64Array, number[]] {
  let shape: number[];
  if (broadcast) shape = broadcastShapesIn(fn, [a.shape, b.shape]);
  else if (shapesEqual(a.shape, b.shape)) shape = [...a.shape];
  else if (a.ndim === 0 || b.ndim === 0) shape = [...(a.ndim === 0 ? b.shape : a.shape)];
  else
    throw new RangeError(
      `${fn}: (shapes ${formatShape(a.shape)}, ${formatShape(b.shape)} mismatch): expected actual and desired of the same shape`,
    );
  const A = Float64Array.from(a.broadcastTo(shape).toFlat());
  const B = Float64Array.from(b.broadcastTo(shape).toFlat());
  return [A, B, shape];
}

/**
 * True when every element of `actual` is within atol + rtol · |desired| of `desired`
 * (numpy.allclose; defaults rtol 1e-5, atol 1e-8, equalNan false). Shapes broadcast.
 * @throws TypeError for inputs that are not arrays; RangeError when shapes do not broadcast.
 */
export function allclose(
  actual: ArrayInput,
  desired: ArrayInput,
  opts: AllcloseOptions = {},
): boolean {
  checkTol('allclose', opts);
  const [a, b] = flatPair(
    'allclose',
    toNd('allclose', 'actual', actual),
    toNd('allclose', 'desired', desired),
    true,
  );
  return closeFlags(a, b, opts.rtol ?? 1e-5, opts.atol ?? 1e-8, opts.equalNan ?? false).every(
    Boolean,
  );
}

/** The failure message of assert_allclose, or null when the arrays are close. */
function mismatchMessage(
  fn: string,
  actual: ArrayInput,
  desired: ArrayInput,
  opts: AssertAllcloseOptions,
): string | null {
  checkTol(fn, opts);
  const rtol = opts.rtol ?? 1e-7;
  const atol = opts.atol ?? 0;
  const A = toNd(fn, 'actual', actual);
  const D = toNd(fn, 'desired', desired);
  let flat: [Float64Array, Float64Array, number[]];
  try {
    flat = flatPair(fn, A, D, false);
  } catch (e) {
    return `${opts.errMsg ? opts.errMsg + '\n' : ''}Not equal to tolerance rtol=${rtol}, atol=${atol}\n\n${(e as Error).message}\n x: ${formatArray(A)}\n y: ${formatArray(D)}`;
  }
  const [a, b] = flat;
  const ok = closeFlags(a, b, rtol, atol, opts.equalNan ?? true);
  const bad = ok.filter((v) => !v).length;
  if (bad === 0) return null;
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < a.length; i++) {
    if (ok[i] || !Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    const d = Math.abs(a[i] - b[i]);
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, b[i] === 0 ? Infinity : d / Math.abs(b[i]));
  }
  const pct = String(Number(((100 * bad) / a.length).toPrecision(3)));
  return [
    `${opts.errMsg ? opts.errMsg + '\n' : ''}Not equal to tolerance rtol=${rtol}, atol=${atol}`,
    '',
    `Mismatched elements: ${bad} / ${a.length} (${pct}%)`,
    `Max absolute difference: ${maxAbs}`,
    `Max relative difference: ${maxRel}`,
    ` x: ${formatArray(A)}`,
    ` y: ${formatArray(D)}`,
  ].join('\n');
}

/** The error thrown by {@link assertAllclose}: an AssertionError, as in numpy.testing. */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

/**
 * Throw unless `actual` and `desired` are elementwise close (numpy.testing.assert_allclose:
 * |actual - desired| <= atol + rtol · |desired|, defaults rtol 1e-7, atol 0, NaN == NaN). The
 * shapes must be equal (a 0-d side broadcasts).
 * @throws AssertionError listing the number of mismatched elements, the largest absolute and
 *   relative differences and both arrays; TypeError for inputs that are not arrays.
 */
export function assertAllclose(
  actual: ArrayInput,
  desired: ArrayInput,
  opts: AssertAllcloseOptions = {},
): void {
  const msg = mismatchMessage('assertAllclose', actual, desired, opts);
  if (msg !== null) throw new AssertionError(msg);
}

/** The result a vitest matcher returns. */
export interface MatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

/**
 * A vitest (or Jest) matcher: `expect(actual).toBeAllclose(desired, { rtol, atol, equalNan })`
 * with {@link assertAllclose}'s semantics and message. Register it once:
 * `import { toBeAllclose } from '@theano-ts/tensor/testing'; expect.extend({ toBeAllclose });`
 */
export function toBeAllclose(
  this: { isNot?: boolean } | void,
  received: unknown,
  desired: ArrayInput,
  opts: AssertAllcloseOptions = {},
): MatcherResult {
  const msg = mismatchMessage('toBeAllclose', received as ArrayInput, desired, opts);
  const pass = msg === null;
  const show = (x: unknown) => (x instanceof NDArray ? formatArray(x) : JSON.stringify(x));
  return {
    pass,
    message: () =>
      pass
        ? `expected ${show(received)} not to be allclose to ${show(desired)} (rtol=${opts.rtol ?? 1e-7}, atol=${opts.atol ?? 0})`
        : msg!,
  };
}

/** The matchers of this module, for `expect.extend(matchers)`. */
export const matchers = { toBeAllclose };

interface AllcloseMatchers<R = unknown> {
  /** numpy.testing.assert_allclose as a matcher (defaults rtol 1e-7, atol 0, NaN == NaN). */
  toBeAllclose(desired: ArrayInput, opts?: AssertAllcloseOptions): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends AllcloseMatchers<T> {}
}

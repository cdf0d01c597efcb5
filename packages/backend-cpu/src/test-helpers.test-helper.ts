/** Helpers shared by the backend-cpu tests (not part of the package). */
import { afterAll, beforeAll, expect } from 'vitest';
import {
  type DType,
  Generator,
  NDArray,
  castScalar,
  isFloat,
  typedArrayFor,
} from '@theano-ts/tensor';
import { type Apply, performNode } from '@theano-ts/symbolic';
import { createCpuBackend } from './backend';
import { setGemmMinWork } from './gemm';
import { setWasmSimdDisabled } from './wasm/features';

export const backend = createCpuBackend();

/** The CPU kernel's outputs for `node`. */
export const runKernel = (node: Apply, inputs: readonly NDArray[]): NDArray[] =>
  backend.makeThunk(node)(inputs) as NDArray[];

/** Values a kernel must get right besides random ones. */
const FLOAT_SPECIALS = [0, -0, 1, -1, 0.5, -2.5, NaN, Infinity, -Infinity, 1e-300, 800, -800];

/**
 * A seeded random array: floats are normal * 3 with some special values mixed in; ints cover
 * the dtype's range (with its extremes); bool is 0/1.
 */
export function randomArray(
  rng: Generator,
  dtype: DType,
  shape: readonly number[],
  specials = true,
): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new (typedArrayFor(dtype))(n);
  const ints: Record<string, [number, number]> = {
    int8: [-128, 128],
    uint8: [0, 256],
    int16: [-32768, 32768],
    int32: [-5000, 5000],
    bool: [0, 2],
  };
  for (let i = 0; i < n; i++) {
    let v: number;
    if (isFloat(dtype))
      v =
        specials && i % 4 === 3
          ? FLOAT_SPECIALS[(i >> 2) % FLOAT_SPECIALS.length]
          : rng.normal(0, 3).item();
    else {
      const [lo, hi] = ints[dtype];
      v = specials && i % 5 === 4 ? [lo, hi - 1, 0][((i / 5) % 3) | 0] : rng.randint(lo, hi).item();
    }
    data[i] = castScalar(v, dtype);
  }
  return new NDArray(data, shape, { dtype });
}

/** Same dtype, shape and bits (NaN equals NaN, -0 differs from 0). */
export function expectSameBits(got: NDArray, want: NDArray, what = ''): void {
  expect(got.dtype, what).toBe(want.dtype);
  expect(got.shape, what).toEqual(want.shape);
  const g = Array.from(got.toFlat());
  const w = Array.from(want.toFlat());
  const bad = g.findIndex((v, i) => !Object.is(v, w[i]));
  expect(
    bad === -1 ? 'all equal' : `element ${bad}: got ${g[bad]}, reference ${w[bad]}`,
    what,
  ).toBe('all equal');
}

/** Kernel and reference agree bit for bit on `node` for these inputs. */
export function expectKernelMatchesReference(
  node: Apply,
  inputs: readonly NDArray[],
  what = '',
): NDArray[] {
  const got = runKernel(node, inputs);
  const want = performNode(node, inputs);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expectSameBits(g, want[i], `${what} output ${i}`));
  return got;
}

/** Runs the enclosing describe's tests with WebAssembly SIMD forced off (the JavaScript kernels). */
export function withoutWasmSimd(): void {
  let prev = false;
  beforeAll(() => {
    prev = setWasmSimdDisabled(true);
  });
  afterAll(() => {
    setWasmSimdDisabled(prev);
  });
}

/** Runs the enclosing describe's tests with every product, however small, on the wasm GEMM. */
export function withEveryProductOnWasm(): void {
  let prev = 0;
  beforeAll(() => {
    prev = setGemmMinWork(0);
  });
  afterAll(() => {
    setGemmMinWork(prev);
  });
}

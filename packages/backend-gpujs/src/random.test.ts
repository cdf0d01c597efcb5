import { afterAll, describe, expect, it } from 'vitest';
import type { NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { Mode, theanoFunction } from '@theano-ts/compile';
import { isGpuKernelClass } from './backend';
import {
  GPU_AVAILABLE,
  PROBE_KERNEL_CLASS,
  REQUIRE_GPU,
  SKIP_REASON,
  makeBackend,
  rand,
} from './test-utils';

const backend = makeBackend();
afterAll(() => backend.destroy());

/** Every random op of one stream, and a float32 computation on a sample (GPU work downstream). */
function graph(seed: number) {
  const srng = new T.RandomStreams(seed);
  const x = T.fmatrix('x');
  const mask = srng.binomial(T.shape(x), 1, 0.7, 'float32');
  const outs = [
    srng.uniform([3, 4], -1, 2),
    srng.normal([7], 1, 0.5),
    srng.truncatedNormal([5]),
    srng.binomial([6], 10, 0.25),
    srng.randint([6], -5, 5),
    srng.choice([4], 9, { replace: false }),
    srng.choice([5], 3, { p: T.constant([0.2, 0.3, 0.5], undefined, 'float32') }),
    srng.permutation(8),
    T.exp(T.mul(x, mask)),
  ];
  return { srng, x, outs };
}

const run = (backendOpt: ConstructorParameters<typeof Mode>[0], calls: number) => {
  const { x, outs, srng } = graph(1234);
  const f = theanoFunction([x], outs, { mode: new Mode(backendOpt) });
  const vx = rand([4, 5], -1, 1, 'float32', 3);
  const results = Array.from({ length: calls }, () =>
    (f(vx) as NDArray[]).map((a) => Array.from(a.toFlat())),
  );
  return { results, states: srng.getState().map((s) => Array.from(s.toFlat())) };
};

describe(`random ops on gpu.js (${PROBE_KERNEL_CLASS})`, () => {
  it('the same seed gives the same numbers on the CPU and gpu.js backends, call after call', () => {
    const cpu = run({ backend: 'cpu' }, 3);
    const gpu = run({ backend }, 3);
    // the samples and the advanced states are equal bit for bit (the random nodes run the CPU
    // reference on the host copy, so the int32 state words never pass through float32)
    cpu.results.forEach((r, call) =>
      r
        .slice(0, -1)
        .forEach((v, i) => expect(gpu.results[call][i], `output ${i}, call ${call}`).toEqual(v)),
    );
    expect(gpu.states).toEqual(cpu.states);
    // the float32 work downstream of the mask: within float32 rounding of the CPU's
    cpu.results.forEach((r, call) => {
      const want = r[r.length - 1];
      const got = gpu.results[call][r.length - 1];
      want.forEach((v, k) =>
        expect(Math.abs(got[k] - v)).toBeLessThanOrEqual(1e-5 * Math.abs(v) + 1e-6),
      );
    });
    expect(cpu.results[0]).not.toEqual(cpu.results[1]);
  });

  it('the random nodes are recorded as running on the host, the rest on gpu.js', () => {
    expect(backend.fallbackOps.some((l) => l.startsWith('RandomBinomial'))).toBe(true);
    expect(backend.fallbackOps.every((l) => l.startsWith('Random'))).toBe(true);
  });

  it.skipIf(!GPU_AVAILABLE && !REQUIRE_GPU)(
    `the downstream kernels ran on a GPU kernel class ${SKIP_REASON}`,
    () => {
      expect(backend.kernelClass).toMatch(/^(HeadlessGLKernel|WebGLKernel|WebGL2Kernel)$/);
      expect(backend.kernelClassesUsed.length).toBeGreaterThan(0);
      expect(backend.kernelClassesUsed.every(isGpuKernelClass)).toBe(true);
    },
  );
});

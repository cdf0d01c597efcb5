import { afterAll, describe, expect, it } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { isGpuKernelClass } from './backend';
import { type ConformanceResult, conformanceCases, runCase } from './conformance';
import { GPU_AVAILABLE, REQUIRE_GPU, makeBackend } from './test-utils';
import { GPU_OP_KINDS } from './kernels';

const backend = makeBackend();
/** Op kinds with a GPU body (kernel, view or shape metadata). */
const GPU_KINDS = new Set<string>(GPU_OP_KINDS);
const results: ConformanceResult[] = [];

afterAll(async () => {
  if (GPU_AVAILABLE || REQUIRE_GPU) {
    expect(backend.kernelClassesUsed.length).toBeGreaterThan(0);
    expect(backend.kernelClassesUsed.filter((c) => !isGpuKernelClass(c))).toEqual([]);
  }
  await backend.destroy();
});

describe(`conformance: every op of the op tables, forward and gradient, on gpu.js ${backend.kernelClass} vs the CPU backend`, () => {
  for (const c of conformanceCases())
    it(c.name, () => {
      const r = runCase(backend, c);
      results.push(r);
      expect(r.error).toBe('');
      // a node placed on the GPU never failed to build there (fallbacks are decided at compile time)
      expect(backend.fallbacks.filter((f) => f.reason.startsWith('gpu.js failed'))).toEqual([]);
    });

  it('every op kind the cases compiled ran on the GPU unless it has no GPU kernel', () => {
    const ran = new Set(results.flatMap((r) => r.kinds));
    const onCpu = [...ran].filter((k) => !GPU_KINDS.has(k)).sort();
    const partly = backend.fallbacks.map((f) => `${f.label}: ${f.reason}`);
    const missing = T.OP_NAMES.filter((k) => !ran.has(k) && GPU_KINDS.has(k));
    // printed in the test output: what this backend leaves to the CPU
    console.info(
      `[backend-gpujs] conformance: ${results.length} cases; op kinds run: ${ran.size}; ` +
        `without a GPU kernel (CPU fallback): ${onCpu.join(', ') || 'none'}; ` +
        `GPU kinds no case compiled: ${missing.join(', ') || 'none'}\n  CPU nodes: ${partly.join('\n  ')}`,
    );
    expect(results.every((r) => r.error === '')).toBe(true);
  });
});

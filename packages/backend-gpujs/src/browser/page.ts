/**
 * The browser page of the browser test (bundled by esbuild, not part of the package): builds
 * the gpu.js backend in the page and runs the conformance cases and a compiled function there.
 */
import { NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { Mode, theanoFunction } from '@theano-ts/compile';
import { createGpujsBackend } from '../backend';
import { runConformance } from '../conformance';

async function main() {
  const backend = createGpujsBackend({ log: false, warn: () => {} });
  // a compiled function: softmax(relu(x·w + b)), its values and the kernel class that ran them
  const x = T.fmatrix('x');
  const w = T.shared(new NDArray(Float32Array.from([1, -1, 0.5, 2, 0, -0.5]), [3, 2]), 'w');
  const f = theanoFunction([x], T.softmax(T.relu(T.add(T.dot(x, w), 0.25))), {
    mode: new Mode({ backend }),
  });
  const out = f(new NDArray(Float32Array.from([1, 2, 3, -1, 0, 1]), [2, 3])) as NDArray;
  const t0 = performance.now();
  const results = runConformance(backend);
  return {
    kernelClass: backend.kernelClass,
    kernelClassesUsed: backend.kernelClassesUsed,
    renderer: backend.renderer,
    softmax: Array.from(out.data),
    results: results.map((r) => ({ name: r.name, error: r.error })),
    ms: performance.now() - t0,
  };
}

// after the page has loaded (the run is synchronous and long)
(globalThis as unknown as { theanoResult: Promise<unknown> }).theanoResult = new Promise(
  (resolve) =>
    setTimeout(
      () => resolve(main().catch((e) => ({ error: String((e as Error)?.stack ?? e) }))),
      0,
    ),
);

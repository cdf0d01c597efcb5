/**
 * gpujs vs cpu: matmul 1024×1024, one MLP training step (784-128-10, batch 128, momentum) and
 * conv2d (32×1×28×28 images, 16 filters 5×5, 'half' padding), medians of a few runs after a
 * warm-up, and the WebGL renderer the kernels ran on (Mesa llvmpipe / SwiftShader on machines
 * without a GPU: then the figures are about correctness and overhead, not speed).
 *   pnpm --filter @theano-ts/backend-gpujs bench [--json]
 */
import { Generator, NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { Mode, theanoFunction } from '@theano-ts/compile';
import { Dense, Sequential, momentum } from '@theano-ts/nn';
import { createGpujsBackend } from '../src/index';

const rng = new Generator(1);
const gpujs = createGpujsBackend({ log: false });
const runs = Number(process.env.BENCH_RUNS ?? 5);

function median(f: () => unknown): number {
  f(); // warm-up: kernels compile on the first call
  const ts: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

type Work = { name: string; make: (mode: Mode) => () => unknown };
const works: Work[] = [
  {
    name: 'matmul 1024×1024',
    make(mode) {
      const [a, b] = [T.fmatrix('a'), T.fmatrix('b')];
      const f = theanoFunction([a, b], T.dot(a, b), { mode });
      const va = rng.uniform(-1, 1, [1024, 1024], 'float32');
      const vb = rng.uniform(-1, 1, [1024, 1024], 'float32');
      return () => f(va, vb);
    },
  },
  {
    name: 'MLP 784-128-10 step (batch 128)',
    make(mode) {
      const r = new Generator(42);
      const model = new Sequential([
        new Dense(784, 128, { activation: 'relu', rng: r, name: 'hidden' }),
        new Dense(128, 10, { activation: 'softmax', rng: r, name: 'output' }),
      ]);
      const x = T.fmatrix('x');
      const y = T.ivector('y');
      const loss = T.mean(T.categoricalCrossentropy(model.apply(x), y));
      const f = theanoFunction([x, y], loss, {
        updates: momentum(loss, model.params, { lr: 0.05, momentum: 0.9 }),
        mode,
      });
      const vx = rng.uniform(0, 1, [128, 784], 'float32');
      const vy = new NDArray(
        Int32Array.from({ length: 128 }, (_, i) => (i * 7) % 10),
        [128],
      );
      return () => f(vx, vy);
    },
  },
  {
    name: 'conv2d 32×1×28×28 * 16×1×5×5 (half)',
    make(mode) {
      const [x, w] = [T.tensor4('x'), T.tensor4('w')];
      const f = theanoFunction([x, w], T.conv2d(x, w, { borderMode: 'half' }), { mode });
      const vx = rng.uniform(-1, 1, [32, 1, 28, 28], 'float32');
      const vw = rng.uniform(-1, 1, [16, 1, 5, 5], 'float32');
      return () => f(vx, vw);
    },
  },
];

const rows = works.map((w) => {
  const cpu = median(w.make(new Mode({ backend: 'cpu' })));
  const gpu = median(w.make(new Mode({ backend: gpujs })));
  return {
    work: w.name,
    cpuMs: +cpu.toFixed(2),
    gpujsMs: +gpu.toFixed(2),
    ratio: +(gpu / cpu).toFixed(2),
  };
});
const report = {
  kernelClass: gpujs.kernelClass,
  renderer: gpujs.renderer,
  fallbacks: gpujs.fallbackOps,
  runs,
  rows,
};
if (process.argv.includes('--json')) console.log(JSON.stringify(report));
else {
  console.log(
    `gpu.js ${report.kernelClass} on ${report.renderer || 'no GL context'} (median of ${runs})`,
  );
  console.table(rows);
  if (report.fallbacks.length) console.log(`CPU fallbacks: ${report.fallbacks.join(', ')}`);
}
void gpujs.destroy();

/**
 * gpujs vs cpu (issue 7): matmul 1024×1024, one MNIST MLP training step (784-128-10, batch 128,
 * momentum: the compile group's graph) and conv2d (32×1×28×28 images, 16 filters 5×5, 'half'
 * padding), each compiled for the CPU backend and for the gpu.js backend, timed with the
 * outputs read back (medians after a warm-up call, which compiles the kernels). The gpujs rows
 * name the gpu.js kernel class and the WebGL renderer they ran on (UNMASKED_RENDERER_WEBGL, else
 * RENDERER): on machines without a GPU that is a software rasteriser (Mesa llvmpipe behind
 * headless-gl's ANGLE, SwiftShader), so the figures are about correctness and overhead, not speed.
 *
 * headless-gl needs an X display: `pnpm bench` runs under `xvfb-run -a` when there is no DISPLAY
 * (tools/with-display.mjs). Without a GPU kernel class the group is skipped, saying why.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as theano from 'theano-ts';
import { Generator, NDArray } from '@theano-ts/tensor';
import { type GpujsBackend, createGpujsBackend } from '@theano-ts/backend-gpujs';
import { type Figure, type Workload, type WorkloadGroup, median } from '../harness';
import { buildGraph } from './compile-mlp';

const T = theano.tensor;
const RUNS = Number(process.env.BENCH_GPUJS_RUNS ?? 5);

let backend: GpujsBackend | undefined;
const gpujs = (): GpujsBackend => (backend ??= createGpujsBackend({ log: false }));

/**
 * The GL driver library this process loaded (Linux): headless-gl reports its renderer as 'ANGLE'
 * whatever draws, so the bench also names the driver under it (Mesa's `swrast_dri.so` is the
 * llvmpipe software rasteriser; `libGLX_nvidia` an NVIDIA GPU).
 */
function glDriver(): string | undefined {
  if (!existsSync('/proc/self/maps')) return undefined;
  const libs = new Set(
    readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((l) => l.split(/\s+/)[5] ?? '')
      .map((p) => p.slice(p.lastIndexOf('/') + 1))
      .filter((f) => /_dri\.so|^libGLX_(?!mesa)|^libnvidia-glcore|^libEGL_/.test(f)),
  );
  return libs.size ? [...libs].join(', ') : undefined;
}

/** Σ x² in float64 over a result (layout-independent checksum). */
function sumSq(a: NDArray): number {
  const c = a.isContiguous ? a : a.contiguous();
  let s = 0;
  for (let i = c.offset; i < c.offset + c.size; i++) s += c.data[i] * c.data[i];
  return s;
}

/** A workload's call, compiled for `mode`: returns the checksum of its (read-back) output. */
type Make = (mode: theano.Mode) => () => number;

/** Medians in ms of the CPU runs, by workload (the gpujs row's ratio divides by it). */
const cpuMs = new Map<string, number>();

function measure(id: string, make: Make, onGpu: boolean): Figure {
  const b = onGpu ? gpujs() : undefined;
  const run = make(new theano.Mode({ backend: b ?? 'cpu' }));
  const checksum = run(); // warm-up: compiles the kernels
  const samples: number[] = [];
  b?.resetStats();
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    run();
    samples.push(performance.now() - t);
  }
  const value = median(samples);
  const details: Record<string, number | string> = {
    checksum,
    'min (ms)': Math.min(...samples),
    'checksum tolerance': 1e-3,
  };
  if (!b) cpuMs.set(id, value);
  else {
    const cpu = cpuMs.get(id);
    if (cpu !== undefined) details['gpujs ÷ cpu'] = value / cpu;
    details['kernel class'] = b.kernelClassesUsed.join(', ') || b.kernelClass;
    details.renderer = b.renderer || 'no GL context';
    const driver = glDriver();
    if (driver) details['GL driver loaded'] = driver;
    details['read-backs per call'] = b.stats.readbacks / RUNS;
    if (b.fallbackOps.length) details['cpu fallbacks'] = b.fallbackOps.join(', ');
  }
  return { value, samples, details };
}

function workload(id: string, title: string, make: Make): Workload {
  return {
    id,
    title,
    unit: 'ms',
    impls: {
      'theano-ts': () => measure(id, make, false),
      'theano-ts gpujs': () => measure(id, make, true),
    },
  };
}

export const gpujsGroup: WorkloadGroup = {
  id: 'gpujs',
  title: 'gpu.js backend vs CPU backend',
  unavailable() {
    const b = gpujs();
    if (b.isGpu) return undefined;
    return `gpu.js chose ${b.kernelClass}, not a GPU kernel class (headless-gl needs an X display on Linux: install xvfb so that \`pnpm bench\` can run under xvfb-run, or run with DISPLAY set)`;
  },
  workloads: [
    workload('matmul-1024', 'matmul 1024×1024 (float32)', (mode) => {
      const [a, b] = [T.fmatrix('a'), T.fmatrix('b')];
      const f = theano.function([a, b], T.dot(a, b), { mode });
      const rng = new Generator(1); // the same data for both backends
      const va = rng.uniform(-1, 1, [1024, 1024], 'float32');
      const vb = rng.uniform(-1, 1, [1024, 1024], 'float32');
      return () => sumSq(f(va, vb));
    }),
    workload('mlp-step', 'MNIST MLP 784-128-10 training step (batch 128)', (mode) => {
      const g = buildGraph();
      const f = theano.function([g.x, g.y], g.loss, { updates: g.updates, mode });
      const r = new Generator(2);
      const vx = r.uniform(0, 1, [128, 784], 'float32');
      const vy = new NDArray(
        Int32Array.from({ length: 128 }, (_, i) => (i * 7) % 10),
        [128],
      );
      return () => f(vx, vy).item();
    }),
    workload('conv2d', "conv2d 32×1×28×28 * 16×1×5×5 ('half')", (mode) => {
      const [x, w] = [T.tensor4('x'), T.tensor4('w')];
      const f = theano.function([x, w], T.nnet.conv2d(x, w, { borderMode: 'half' }), { mode });
      const rng = new Generator(3);
      const vx = rng.uniform(-1, 1, [32, 1, 28, 28], 'float32');
      const vw = rng.uniform(-1, 1, [16, 1, 5, 5], 'float32');
      return () => sumSq(f(vx, vw));
    }),
  ],
};

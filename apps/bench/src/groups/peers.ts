/**
 * Issue #10's five workloads, measured on theano-ts's CPU backend and on the JS peers in the
 * same process: TF.js 4.22.0 (tfjs-backend-cpu and tfjs-backend-wasm) and @jax-js/jax 0.1.25
 * (its wasm device; jit for the elementwise, reduction and MLP workloads, eager for matmul and
 * conv2d, as the issue measured them). Every implementation reports a checksum (a float64 sum
 * over its result computed in JS, independent of layout); main.ts checks that they agree.
 * Each timed run includes reading the result back into a JS typed array; the checksum is
 * computed from the first run's result, outside the timed runs (a JS loop over a million
 * elements would add the same millisecond to every implementation's time).
 */
import * as theano from 'theano-ts';
import { NDArray } from '@theano-ts/tensor';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as jax from '@jax-js/jax';
import { type Figure, type Workload, type WorkloadGroup, median } from '../harness';

const T = theano.tensor;
const np = jax.numpy;
/** Fewest timed runs (the issue: medians of ≥ 7). */
const RUNS = 7;
/** Fewest untimed runs before timing, for every implementation (tfjs-backend-cpu's slow ones: 1). */
const WARMUP = 5;
/** Warm-up lasts at least this long (ms), as long as each run is shorter. */
const WARMUP_MS = 500;
/** Timed runs continue until this much time (ms) has been timed, as long as each run is shorter. */
const TIMED_MS = 1000;
/** Most warm-up runs, and most timed runs. */
const MAX_RUNS = 51;

/** Deterministic uniform floats in [lo, hi) (an LCG; the same data for every implementation). */
function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 4294967296;
  }
  return out;
}

type Arr = ArrayLike<number>;
/** What a run returns: its result read back into JS (an array), or a scalar it computed. */
type Result = Arr | number;
/** Σ y² in float64: the checksum of an array result (layout-independent). */
const sumSq = (a: Arr): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
};
/** The checksum of a run's result: the scalar itself, or {@link sumSq} of the array. */
const checksumOf = (r: Result): number => (typeof r === 'number' ? r : sumSq(r));
/**
 * `f()` read back with `dataSync()` inside `tf.tidy` (which disposes the intermediates). The
 * array is passed out by assignment, not as tidy's result: tidy walks a returned container's
 * keys looking for tensors, a million of them for a typed array.
 */
function tidyRead(f: () => tf.Tensor): Arr {
  let out: Arr = [];
  tf.tidy(() => {
    out = f().dataSync();
  });
  return out;
}

/**
 * Warm up — at least `warmup` runs and at least {@link WARMUP_MS} (V8 and the WebAssembly
 * engines tier up their hot code over the first calls; a fast step needs more calls than a
 * slow one), the same rule for every implementation — then time at least `runs` runs, more
 * while less than {@link TIMED_MS} has been timed (at most {@link MAX_RUNS}), so a median of a
 * few-millisecond step is taken over ≥ 7 and usually dozens of runs. The checksum is the
 * first run's.
 */
async function bench(
  run: () => Result | Promise<Result>,
  runs = RUNS,
  warmup = WARMUP,
): Promise<Figure> {
  const start = performance.now();
  let checksum = checksumOf(await run());
  for (let i = 1; i < warmup || (performance.now() - start < WARMUP_MS && i < MAX_RUNS); i++)
    await run();
  const samples: number[] = [];
  let timed = 0;
  for (let i = 0; i < runs || (timed < TIMED_MS && i < MAX_RUNS); i++) {
    const t = performance.now();
    const c = await run();
    const dt = performance.now() - t;
    samples.push(dt);
    timed += dt;
    if (i === 0 && warmup === 0) checksum = checksumOf(c);
  }
  return {
    value: median(samples),
    samples,
    details: { checksum, 'min (ms)': Math.min(...samples), runs: samples.length },
  };
}

async function tfBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not start`);
  await tf.ready();
}

let jaxReady: Promise<unknown> | undefined;
async function jaxWasm(): Promise<void> {
  jaxReady ??= jax.init('wasm').then(() => jax.defaultDevice('wasm'));
  await jaxReady;
}

/** The same workload on TF.js with the cpu and the wasm backend. */
function tfImpls(make: () => () => Result, runs = RUNS): Record<string, () => Promise<Figure>> {
  const one = (b: 'cpu' | 'wasm', r: number) => async () => {
    await tfBackend(b);
    const run = make();
    return bench(run, r, b === 'cpu' && r < RUNS ? 1 : WARMUP);
  };
  return {
    'tfjs-backend-cpu': one('cpu', runs),
    'tfjs-backend-wasm': one('wasm', RUNS),
  };
}

// ---------------------------------------------------------------- matmul 1024×1024
const MM = 1024;
const mmA = uniform(MM * MM, 1);
const mmB = uniform(MM * MM, 2);

const matmul: Workload = {
  id: 'matmul-1024',
  title: 'matmul 1024×1024 float32',
  unit: 'ms',
  ratioTarget: 0.8, // issue 10
  impls: {
    'theano-ts': () => {
      const a = T.fmatrix('a');
      const b = T.fmatrix('b');
      const f = theano.function([a, b], T.dot(a, b));
      const A = new NDArray(mmA, [MM, MM]);
      const B = new NDArray(mmB, [MM, MM]);
      return bench(() => (f(A, B) as NDArray).data);
    },
    ...tfImpls(() => {
      const a = tf.tensor2d(mmA, [MM, MM]);
      const b = tf.tensor2d(mmB, [MM, MM]);
      return () => tidyRead(() => tf.matMul(a, b));
    }),
    'jax-js (wasm, eager)': async () => {
      await jaxWasm();
      const a = np.array(mmA).reshape([MM, MM]);
      const b = np.array(mmB).reshape([MM, MM]);
      return bench(() => np.matmul(a.ref, b.ref).dataSync());
    },
  },
};

// ---------------------------------------------------------------- sigmoid(x*w+b)*2-1 over 1e6
const N = 1_000_000;
const xs = uniform(N, 3, -4, 4);
const W = 0.75;
const B = 0.25;

const sigmoidChain: Workload = {
  id: 'sigmoid-chain-1e6',
  title: 'sigmoid(x*w+b)*2-1 over 1e6 (w, b scalars)',
  unit: 'ms',
  ratioTarget: 0.8, // issue 10
  impls: {
    'theano-ts': () => {
      const x = T.fvector('x');
      const w = T.fscalar('w');
      const b = T.fscalar('b');
      const f = theano.function([x, w, b], T.nnet.sigmoid(x.mul(w).add(b)).mul(2).sub(1));
      const X = new NDArray(xs, [N]);
      const w0 = new NDArray(new Float32Array([W]), []);
      const b0 = new NDArray(new Float32Array([B]), []);
      return bench(() => (f(X, w0, b0) as NDArray).data);
    },
    ...tfImpls(() => {
      const x = tf.tensor1d(xs);
      const w = tf.scalar(W);
      const b = tf.scalar(B);
      return () => tidyRead(() => tf.sigmoid(x.mul(w).add(b)).mul(2).sub(1));
    }),
    'jax-js (wasm, jit)': async () => {
      await jaxWasm();
      const f = jax.jit((x: jax.Array, w: jax.Array, b: jax.Array) =>
        jax.nn.sigmoid(x.mul(w).add(b)).mul(2).sub(1),
      );
      const x = np.array(xs);
      const w = np.array(W);
      const b = np.array(B);
      return bench(() => f(x.ref, w.ref, b.ref).dataSync());
    },
  },
};

// ---------------------------------------------------------------- sum(exp(x)) over 1e6
const sumExp: Workload = {
  id: 'sum-exp-1e6',
  title: 'sum(exp(x)) over 1e6',
  unit: 'ms',
  ratioTarget: 0.5, // issue 10
  impls: {
    'theano-ts': () => {
      const x = T.fvector('x');
      const f = theano.function([x], T.sum(T.exp(x)));
      const X = new NDArray(xs, [N]);
      // peers that accumulate 1e6 terms in float32 land ~2e-3 away from the float64-accumulated sum
      return bench(() => (f(X) as NDArray).data[0]).then((fig) => ({
        ...fig,
        details: { ...fig.details, 'checksum tolerance': 1e-2 },
      }));
    },
    ...tfImpls(() => {
      const x = tf.tensor1d(xs);
      return () => tf.tidy(() => tf.sum(tf.exp(x)).dataSync()[0]);
    }),
    'jax-js (wasm, jit)': async () => {
      await jaxWasm();
      const f = jax.jit((x: jax.Array) => np.sum(np.exp(x)));
      const x = np.array(xs);
      return bench(() => f(x.ref).dataSync()[0]);
    },
  },
};

// ---------------------------------------------------------------- MLP 784-256-10, batch 128, one SGD step
const BATCH = 128;
const IN = 784;
const HID = 256;
const OUT = 10;
const LR = 0.1;
const mlpX = uniform(BATCH * IN, 4, 0, 1);
const mlpY = Int32Array.from({ length: BATCH }, (_, i) => (i * 7 + 3) % OUT);
const mlpW1 = uniform(IN * HID, 5, -0.05, 0.05);
const mlpW2 = uniform(HID * OUT, 6, -0.1, 0.1);
const mlpB1 = new Float32Array(HID);
const mlpB2 = new Float32Array(OUT);
const oneHot = new Float32Array(BATCH * OUT);
mlpY.forEach((c, i) => (oneHot[i * OUT + c] = 1));

/**
 * loss = mean(categorical cross-entropy(softmax(relu(x W1 + b1) W2 + b2), y)); one SGD step
 * (lr 0.1) updates W1, b1, W2, b2. The checksum is the loss returned by the second step from
 * the initial parameters (so it depends on the gradients of the first).
 */
const mlp: Workload = {
  id: 'mlp-sgd-step',
  title: 'MLP 784-256-10, batch 128, one SGD step with gradients',
  unit: 'ms',
  ratioTarget: 0.8, // issue 10
  impls: {
    'theano-ts': () => {
      const p = {
        W1: theano.shared(new NDArray(mlpW1, [IN, HID]), 'W1'),
        b1: theano.shared(new NDArray(mlpB1, [HID]), 'b1'),
        W2: theano.shared(new NDArray(mlpW2, [HID, OUT]), 'W2'),
        b2: theano.shared(new NDArray(mlpB2, [OUT]), 'b2'),
      };
      const x = T.fmatrix('x');
      const y = T.ivector('y');
      const h = T.nnet.relu(T.dot(x, p.W1).add(p.b1));
      const probs = T.nnet.softmax(T.dot(h, p.W2).add(p.b2));
      const loss = T.mean(T.nnet.categoricalCrossentropy(probs, y));
      const params = [p.W1, p.b1, p.W2, p.b2];
      const grads = theano.grad(loss, params);
      const step = theano.function([x, y], loss, {
        updates: params.map((q, i) => [q, q.sub(grads[i].mul(LR))] as const),
      });
      const X = new NDArray(mlpX, [BATCH, IN]);
      const Y = new NDArray(mlpY, [BATCH]);
      step(X, Y);
      const checksum = (step(X, Y) as NDArray).data[0];
      return bench(() => (step(X, Y) as NDArray).data[0]).then((f) => ({
        ...f,
        details: { ...f.details, checksum },
      }));
    },
    ...tfImpls(() => {
      const W1 = tf.variable(tf.tensor2d(mlpW1, [IN, HID]));
      const b1 = tf.variable(tf.tensor1d(mlpB1));
      const W2 = tf.variable(tf.tensor2d(mlpW2, [HID, OUT]));
      const b2 = tf.variable(tf.tensor1d(mlpB2));
      const x = tf.tensor2d(mlpX, [BATCH, IN]);
      const y = tf.tensor2d(oneHot, [BATCH, OUT]);
      const opt = tf.train.sgd(LR);
      const lossFn = () => {
        const logits = tf.relu(x.matMul(W1).add(b1)).matMul(W2).add(b2);
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      };
      const stepOnce = () => {
        const l = opt.minimize(lossFn, true)!;
        const v = l.dataSync()[0];
        l.dispose();
        return v;
      };
      stepOnce();
      const second = stepOnce();
      let first = true;
      return () => {
        const v = stepOnce();
        if (first) {
          first = false;
          return second;
        }
        return v;
      };
    }),
    'jax-js (wasm, jit)': async () => {
      await jaxWasm();
      type P = { W1: jax.Array; b1: jax.Array; W2: jax.Array; b2: jax.Array };
      const lossFn = (p: P, x: jax.Array, y: jax.Array) => {
        const h = jax.nn.relu(np.matmul(x, p.W1).add(p.b1));
        const logp = jax.nn.logSoftmax(np.matmul(h, p.W2).add(p.b2), -1);
        return np.mean(np.sum(logp.mul(y), -1)).mul(-1);
      };
      const step = jax.jit((p: P, x: jax.Array, y: jax.Array) => {
        const refs: P = { W1: p.W1.ref, b1: p.b1.ref, W2: p.W2.ref, b2: p.b2.ref };
        const [loss, g] = jax.valueAndGrad(lossFn)(refs, x, y);
        const q: P = {
          W1: p.W1.sub(g.W1.mul(LR)),
          b1: p.b1.sub(g.b1.mul(LR)),
          W2: p.W2.sub(g.W2.mul(LR)),
          b2: p.b2.sub(g.b2.mul(LR)),
        };
        return [loss, q] as [jax.Array, P];
      });
      const x = np.array(mlpX).reshape([BATCH, IN]);
      const y = np.array(oneHot).reshape([BATCH, OUT]);
      let p: P = {
        W1: np.array(mlpW1).reshape([IN, HID]),
        b1: np.array(mlpB1),
        W2: np.array(mlpW2).reshape([HID, OUT]),
        b2: np.array(mlpB2),
      };
      const stepOnce = () => {
        const [loss, q] = step(p, x.ref, y.ref);
        p = q;
        return loss.dataSync()[0];
      };
      stepOnce();
      const checksum = stepOnce();
      return bench(stepOnce).then((f) => ({ ...f, details: { ...f.details, checksum } }));
    },
  },
};

// ---------------------------------------------------------------- conv2d 32×28×28×1, 16 filters 5×5, same
const CN = 32;
const CH = 28;
const CO = 16;
const K = 5;
const convX = uniform(CN * CH * CH, 7); // NCHW with C = 1 is also NHWC
const convW = uniform(CO * K * K, 8, -0.2, 0.2); // OIHW with I = 1
const convWHWIO = new Float32Array(K * K * CO);
for (let o = 0; o < CO; o++)
  for (let k = 0; k < K * K; k++) convWHWIO[k * CO + o] = convW[o * K * K + k];

const conv2d: Workload = {
  id: 'conv2d-32x28x28x1-16x5x5',
  title: 'conv2d 32×28×28×1, 16 filters 5×5, same padding',
  unit: 'ms',
  ratioTarget: 1.0, // issue 10
  impls: {
    'theano-ts': () => {
      const x = T.ftensor4('x');
      const w = T.ftensor4('w');
      const f = theano.function(
        [x, w],
        T.nnet.conv2d(x, w, { borderMode: 'half', filterFlip: false }),
      );
      const X = new NDArray(convX, [CN, 1, CH, CH]);
      const Wt = new NDArray(convW, [CO, 1, K, K]);
      return bench(() => (f(X, Wt) as NDArray).data);
    },
    ...tfImpls(() => {
      const x = tf.tensor4d(convX, [CN, CH, CH, 1]);
      const w = tf.tensor4d(convWHWIO, [K, K, 1, CO]);
      return () => tidyRead(() => tf.conv2d(x, w, 1, 'same'));
    }),
    'jax-js (wasm, eager)': async () => {
      await jaxWasm();
      const x = np.array(convX).reshape([CN, 1, CH, CH]);
      const w = np.array(convW).reshape([CO, 1, K, K]);
      return bench(() => jax.lax.conv(x.ref, w.ref, [1, 1], 'SAME').dataSync());
    },
  },
};

export const peersGroup: WorkloadGroup = {
  id: 'peers',
  title: 'Issue #10 workloads, theano-ts vs TF.js and jax-js',
  workloads: [matmul, sigmoidChain, sumExp, mlp, conv2d],
};

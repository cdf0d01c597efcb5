/**
 * Scan overhead (issue 8): the per-step cost of a trivial loop (a running sum of scalars, where
 * the step's arithmetic is negligible), and one LSTM layer run by scan against the same LSTM
 * unrolled by hand into one straight graph (same steps, same weights). Theano's complaint #1168
 * was scan's per-step overhead; the target is < 5 µs per step on CPU.
 */
import * as theano from 'theano-ts';
import { Generator, zeros } from '@theano-ts/tensor';
import { type Figure, type WorkloadGroup, median, timeRuns } from '../harness';

const T = theano.tensor;
type V = theano.Variable;

/** µs per step of a running sum over `n` float64 scalars (a compiled, warmed-up function). */
function trivialStepUs(): Figure {
  const n = 100_000;
  const x = T.dvector('x');
  const [s] = theano.scan((xt: V, acc: V) => acc.add(xt), {
    sequences: x,
    outputsInfo: T.constant(0, undefined, 'float64'),
  });
  const f = theano.function([x], (s as V).get(-1));
  const xs = new Generator(1).uniform(0, 1, [n], 'float64');
  f(xs); // warm up
  const runs = timeRuns(9, () => f(xs));
  const samples = runs.map((ms) => (ms * 1000) / n);
  return {
    value: median(samples),
    samples,
    details: { steps: n, checksum: f(xs).item() },
  };
}

const H = 64;
const NIN = 32;
const STEPS = 50;
const BATCH = 16;

/** One LSTM step: x [B, nin], h and c [B, H]; W [nin, 4H], U [H, 4H], b [4H]. */
function lstmStep(x: V, h: V, c: V, W: V, U: V, b: V): [V, V] {
  const z = x.dot(W).add(h.dot(U)).add(b);
  const gate = (k: number) => z.get(T.slice(null), T.slice(k * H, (k + 1) * H));
  const i = T.nnet.sigmoid(gate(0));
  const f = T.nnet.sigmoid(gate(1));
  const o = T.nnet.sigmoid(gate(2));
  const g = T.tanh(gate(3));
  const c2 = f.mul(c).add(i.mul(g));
  return [o.mul(T.tanh(c2)), c2];
}

function lstmInputs() {
  const rng = new Generator(2);
  return {
    xs: rng.uniform(-1, 1, [STEPS, BATCH, NIN], 'float32'),
    W: rng.uniform(-0.1, 0.1, [NIN, 4 * H], 'float32'),
    U: rng.uniform(-0.1, 0.1, [H, 4 * H], 'float32'),
    b: zeros([4 * H], { dtype: 'float32' }),
  };
}

function lstmFigure(unrolled: boolean): Figure {
  const v = lstmInputs();
  const x = T.ftensor3('x');
  const W = theano.shared(v.W, 'W');
  const U = theano.shared(v.U, 'U');
  const b = theano.shared(v.b, 'b');
  const h0 = T.zeros([BATCH, H], 'float32');
  let last: V;
  if (unrolled) {
    let h: V = h0;
    let c: V = h0;
    for (let t = 0; t < STEPS; t++) [h, c] = lstmStep(x.get(t), h, c, W, U, b);
    last = h;
  } else {
    const [outs] = theano.scan((xt: V, h: V, c: V) => lstmStep(xt, h, c, W, U, b), {
      sequences: x,
      outputsInfo: [h0, h0],
    });
    last = (outs as V[])[0].get(-1);
  }
  const t0 = performance.now();
  const f = theano.function([x], last.sum());
  const compileMs = performance.now() - t0;
  f(v.xs);
  const samples = timeRuns(15, () => f(v.xs)).map((ms) => (ms * 1000) / STEPS);
  return {
    value: median(samples),
    samples,
    details: { 'compile (ms)': compileMs, checksum: f(v.xs).item() },
  };
}

export const scanGroup: WorkloadGroup = {
  id: 'scan',
  title: 'Scan overhead',
  workloads: [
    {
      id: 'trivial-step',
      title: 'running sum of 100k scalars by scan, per step',
      unit: 'µs',
      target: 5,
      impls: { 'theano-ts': trivialStepUs },
    },
    {
      id: 'lstm-step',
      title: `LSTM step (batch ${BATCH}, ${NIN}→${H}, ${STEPS} steps, float32): scan vs unrolled, per step`,
      unit: 'µs',
      impls: {
        'theano-ts': () => lstmFigure(false),
        'theano-ts unrolled by hand': () => lstmFigure(true),
      },
    },
  ],
};

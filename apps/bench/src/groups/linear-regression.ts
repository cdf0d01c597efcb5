/**
 * The seed article's training loop: linear regression on 100 samples, 200 epochs, one call of
 * train_fn per sample (20 000 calls), as apps/examples/src/linear-regression.ts does.
 */
import * as theano from 'theano-ts';
import { Generator } from '@theano-ts/tensor';
import { type Figure, type WorkloadGroup, median } from '../harness';
import { THEANO, THEANO_1_0_5 } from '../reference';

const T = theano.tensor;
const EPOCHS = 200;
const N = 100;

function measure(runs: number): Figure {
  const rng = new Generator(1);
  const xs = rng.uniform(-1, 1, [N], 'float32').data;
  const noise = rng.normal(0, 0.05, [N], 'float32').data;
  const ys = xs.map((x, i) => 2 * x + noise[i]);
  const x = T.scalar('x');
  const y = T.scalar('y');
  const w = theano.shared(0, 'w', { dtype: 'float32' });
  const b = theano.shared(0, 'b', { dtype: 'float32' });
  const cost = T.mean(T.sqr(w.mul(x).add(b).sub(y)));
  const [gw, gb] = theano.grad(cost, [w, b]);
  const trainFn = theano.function([x, y], cost, {
    updates: [
      [w, w.sub(gw.mul(0.01))],
      [b, b.sub(gb.mul(0.01))],
    ],
  });
  const loop = () => {
    w.setValue(0);
    b.setValue(0);
    const t = performance.now();
    for (let epoch = 0; epoch < EPOCHS; epoch++) for (let i = 0; i < N; i++) trainFn(xs[i], ys[i]);
    return (performance.now() - t) / 1000;
  };
  const first = loop();
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) samples.push(loop());
  const s = median(samples);
  return {
    value: s,
    samples,
    details: {
      'first loop after compiling (s)': first,
      'per call (µs, median loop)': (s * 1e6) / (EPOCHS * N),
      'learned w (data: y = 2x + noise)': w.getValue().item(),
      'learned b': b.getValue().item(),
    },
  };
}

export const linearRegressionGroup: WorkloadGroup = {
  id: 'training-loop',
  title: 'Training loop',
  workloads: [
    {
      id: 'linreg-20k-calls',
      title: "the seed's linear regression, 20 000 calls",
      unit: 's',
      target: 0.1,
      impls: { 'theano-ts': () => measure(5) },
      references: { [THEANO]: { value: THEANO_1_0_5.linregLoopS, note: 'issue #5' } },
    },
  ],
};

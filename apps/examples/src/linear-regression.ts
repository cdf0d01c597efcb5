/**
 * The seed article's linear regression, in TypeScript: x and y are float scalars, w and b shared,
 * cost = mean((w*x + b - y)^2), updates from theano.grad, 200 epochs over 100 samples, one
 * train_fn call per sample. Prints the cost as it goes and ends with {"w":…, "b":…, "cost":…}.
 *   pnpm --filter @theano-ts/examples linear-regression [--backend cpu|gpujs] [--json]
 */
import * as theano from 'theano-ts';
import { Generator, type NDArray, fromTypedArray } from '@theano-ts/tensor';
import { parseCli } from './cli';

const T = theano.tensor;
const { values, log, mode } = parseCli({
  epochs: { type: 'string', default: '200' },
  lr: { type: 'string', default: '0.01' },
});
const epochs = Number(values.epochs);
const lr = Number(values.lr);

// data: y = 2x + noise, 100 samples (seeded)
const rng = new Generator(1);
const n = 100;
const xs = rng.uniform(-1, 1, [n], 'float32').data;
const noise = rng.normal(0, 0.05, [n], 'float32').data;
const ys = xs.map((x, i) => 2 * x + noise[i]);

const x = T.scalar('x');
const y = T.scalar('y');
const w = theano.shared(0, 'w', { dtype: 'float32' });
const b = theano.shared(0, 'b', { dtype: 'float32' });
const prediction = w.mul(x).add(b);
const cost = T.mean(T.sqr(prediction.sub(y)));
const [gw, gb] = theano.grad(cost, [w, b]);
const trainFn = theano.function([x, y], cost, {
  updates: [
    [w, w.sub(gw.mul(lr))],
    [b, b.sub(gb.mul(lr))],
  ],
  mode,
});
// the cost over the whole data set, for reporting
const X = T.constant(fromTypedArray(xs));
const Y = T.constant(fromTypedArray(ys));
const costFn = theano.function([], T.mean(T.sqr(w.mul(X).add(b).sub(Y))), { mode });

const start = performance.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  for (let i = 0; i < n; i++) trainFn(xs[i], ys[i]);
  if (epoch === 1 || epoch % 20 === 0)
    log(
      `epoch ${String(epoch).padStart(3)}  cost ${(costFn() as NDArray).item().toFixed(6)}  w ${w.getValue().item().toFixed(4)}  b ${b.getValue().item().toFixed(4)}`,
    );
}
const result = {
  w: w.getValue().item(),
  b: b.getValue().item(),
  cost: (costFn() as NDArray).item(),
  seconds: (performance.now() - start) / 1000,
};
console.log(JSON.stringify(result));

/**
 * Compile time of the MNIST MLP training function: 784-128-10, relu, softmax, categorical
 * cross-entropy with int labels, SGD with momentum (the examples' mnist-mlp). Times
 * theano.function only; building the graph (layers, grad, updates) is reported beside it.
 */
import * as theano from 'theano-ts';
import { Generator } from '@theano-ts/tensor';
import { Dense, Sequential, momentum } from '@theano-ts/nn';
import { type Figure, type WorkloadGroup, median } from '../harness';
import { THEANO, THEANO_1_0_5 } from '../reference';

const T = theano.tensor;

/** The MLP training graph (also run by the gpujs group). */
export function buildGraph() {
  const rng = new Generator(42);
  const model = new Sequential([
    new Dense(784, 128, { activation: 'relu', rng, name: 'hidden' }),
    new Dense(128, 10, { activation: 'softmax', rng, name: 'output' }),
  ]);
  const x = T.matrix('x');
  const y = T.ivector('y');
  const loss = T.mean(T.nnet.categoricalCrossentropy(model.apply(x), y));
  const updates = momentum(loss, model.params, { lr: 0.05, momentum: 0.9 });
  return { x, y, loss, updates };
}

function compileOnce() {
  const t0 = performance.now();
  const g = buildGraph();
  const t1 = performance.now();
  const fn = theano.function([g.x, g.y], g.loss, { updates: g.updates });
  const t2 = performance.now();
  return { graphMs: t1 - t0, compileMs: t2 - t1, fn };
}

function measure(runs: number): Figure {
  const cold = compileOnce(); // the first compile in this process (JIT not warm yet)
  const samples: number[] = [];
  const graph: number[] = [];
  const phases = new Map<string, number[]>();
  let nodes = 0;
  for (let i = 0; i < runs; i++) {
    const r = compileOnce();
    samples.push(r.compileMs);
    graph.push(r.graphMs);
    nodes = r.fn.maker.schedule.length;
    for (const p of r.fn.maker.compileTime.phases)
      phases.set(p.phase, [...(phases.get(p.phase) ?? []), p.ms]);
  }
  return {
    value: median(samples),
    samples,
    details: {
      'first compile in the process (ms)': cold.compileMs,
      'graph building: layers, grad, updates (ms, median)': median(graph),
      'nodes after rewrites': nodes,
      ...Object.fromEntries([...phases].map(([k, v]) => [`phase ${k} (ms, median)`, median(v)])),
    },
  };
}

export const compileGroup: WorkloadGroup = {
  id: 'compile',
  title: 'Compile time',
  workloads: [
    {
      id: 'mnist-mlp-train',
      title: 'theano.function: MNIST MLP training step',
      unit: 'ms',
      target: 50,
      impls: { 'theano-ts': () => measure(20) },
      references: {
        [`${THEANO}, warm cache`]: { value: THEANO_1_0_5.mlpCompileWarmMs, note: 'issue #5' },
        [`${THEANO}, cold cache`]: { value: THEANO_1_0_5.mlpCompileColdMs, note: 'issue #5' },
      },
    },
  ],
};

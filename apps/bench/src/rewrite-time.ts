/**
 * Rewrite-time benchmark (not a test): how long `optimizeGraph` takes on graphs of about 1k,
 * 10k and 100k nodes — a deep MLP with its gradients, a long elementwise chain, an unrolled
 * RNN with its gradients — and the run time of the fused chain sigmoid(x*w+b)*2-1 on a 1e6
 * vector next to the unfused one.
 *
 *   cd apps/bench && npx tsx --conditions=@theano-ts/source src/rewrite-time.ts [--quick]
 */
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { Mode, theanoFunction } from '@theano-ts/compile';
import { NDArray } from '@theano-ts/tensor';
import { optimizeGraph } from '@theano-ts/optimizer-passes';

const quick = process.argv.includes('--quick');

/** A graph to rewrite: inputs and outputs. */
interface Built {
  inputs: T.Variable[];
  outputs: T.Variable[];
}

/** Deep MLP: `layers` tanh layers (dot + row bias), softmax cross-entropy, grads of every parameter. */
function mlp(layers: number): Built {
  const x = T.fmatrix('x');
  const y = T.ivector('y');
  const params: T.Variable[] = [];
  let h = x;
  for (let l = 0; l < layers; l++) {
    const W = T.fmatrix(`W${l}`);
    const b = T.fvector(`b${l}`);
    params.push(W, b);
    h = T.tanh(T.add(T.dot(h, W), b));
  }
  const Wo = T.fmatrix('Wo');
  params.push(Wo);
  const p = T.softmax(T.dot(h, Wo));
  const cost = T.mean(T.categoricalCrossentropy(p, y));
  return { inputs: [x, y, ...params], outputs: [cost, ...grad(cost, params)] };
}

/** A long elementwise chain on a vector: v = sigmoid(v*w + b)*2 - 1, repeated. */
function chain(steps: number): Built {
  const x = T.fvector('x');
  const w = T.fvector('w');
  const b = T.fvector('b');
  let v = x;
  for (let i = 0; i < steps; i++) v = T.sub(T.mul(T.sigmoid(T.add(T.mul(v, w), b)), 2), 1);
  return { inputs: [x, w, b], outputs: [v] };
}

/** Unrolled RNN: h = tanh(x_t·Wx + h·Wh + b) for `steps` steps, cost sum(h²), grads of Wx, Wh, b. */
function rnn(steps: number): Built {
  const Wx = T.fmatrix('Wx');
  const Wh = T.fmatrix('Wh');
  const b = T.fvector('b');
  const h0 = T.fmatrix('h0');
  const xs: T.Variable[] = [];
  let h = h0;
  for (let t = 0; t < steps; t++) {
    const xt = T.fmatrix(`x${t}`);
    xs.push(xt);
    h = T.tanh(T.add(T.add(T.dot(xt, Wx), T.dot(h, Wh)), b));
  }
  const cost = T.sum(T.sqr(h));
  return { inputs: [Wx, Wh, b, h0, ...xs], outputs: [cost, ...grad(cost, [Wx, Wh, b])] };
}

/** Nodes of the graph computing `outputs`. */
const countNodes = (b: Built) => new T.FunctionGraph(b.inputs, b.outputs).applyNodes.size;

/** The size parameter giving about `target` nodes (found by doubling then bisecting). */
function sizeFor(build: (n: number) => Built, target: number): number {
  let lo = 1;
  let hi = 2;
  while (countNodes(build(hi)) < target) hi *= 2;
  while (hi - lo > Math.max(1, hi / 64)) {
    const mid = Math.floor((lo + hi) / 2);
    if (countNodes(build(mid)) < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

function timeRewrite(build: Built, mode: 'fast_run' | 'fast_compile') {
  const memo = T.cloneGraph(build.outputs);
  const fg = new T.FunctionGraph(
    build.inputs,
    build.outputs.map((o) => memo.get(o) ?? o),
  );
  const before = fg.applyNodes.size;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const report = optimizeGraph(fg, { mode });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { before, after: fg.applyNodes.size, ms, cpu: (c.user + c.system) / 1000, report };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const targets = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
console.log(
  'rewrite time of optimizeGraph (fast_run unless noted): the first run on each graph, then best and median of 7 runs (5 at 100k) after 3 untimed warm-up runs (1 at 100k):',
);
console.log(
  'wall ms, and cpu ms (process CPU time: what counts on a shared machine where others steal the CPU);',
);
console.log(
  'work/node: node visits + rewrite attempts per node (counted, not timed: flat means linear)',
);
console.log(
  `${'graph'.padEnd(26)}${pad('nodes', 8)}${pad('after', 8)}${pad('first', 9)}${pad('wall best', 11)}${pad('median', 9)}${pad('cpu best', 10)}${pad('µs/node', 9)}${pad('work/node', 11)}${pad('fast_compile', 14)}  slowest phases (best run)`,
);
for (const [name, build] of [
  ['deep MLP + grads', mlp],
  ['elementwise chain', chain],
  ['unrolled RNN + grads', rnn],
] as const) {
  for (const target of targets) {
    const n = sizeFor(build, target);
    const g = build(n);
    const runs = target >= 100_000 ? 5 : 7;
    // the first rewrite of this graph (the JIT has seen only the smaller graphs before it),
    // then warm-up runs, untimed, before the timed ones (warm JIT)
    const first = timeRewrite(g, 'fast_run').ms;
    for (let i = 0; i < (target >= 100_000 ? 1 : 3); i++) timeRewrite(g, 'fast_run');
    const res = Array.from({ length: runs }, () => timeRewrite(g, 'fast_run')).sort(
      (a, b) => a.ms - b.ms,
    );
    const r = res[0];
    const med = res[Math.floor(runs / 2)];
    const cpu = Math.min(...res.map((x) => x.cpu));
    // node visits + rewrite attempts (RewriteRun.work): a count, the same in every run
    const work = r.report.phases.reduce((a, p) => a + p.visits + p.attempts, 0);
    const fc = Array.from({ length: runs }, () => timeRewrite(g, 'fast_compile')).sort(
      (a, b) => a.ms - b.ms,
    )[0];
    const phases = [...r.report.phases]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3)
      .map((p) => `${p.phase} ${p.ms.toFixed(0)}`)
      .join(', ');
    console.log(
      `${`${name} (${n})`.padEnd(26)}${pad(r.before, 8)}${pad(r.after, 8)}${pad(first.toFixed(1), 9)}${pad(r.ms.toFixed(1), 11)}${pad(med.ms.toFixed(1), 9)}${pad(cpu.toFixed(1), 10)}${pad(((1000 * cpu) / r.before).toFixed(1), 9)}${pad((work / r.before).toFixed(1), 11)}${pad(fc.ms.toFixed(1), 14)}  ${phases}${r.report.limitsHit.length ? `  LIMIT ${r.report.limitsHit}` : ''}`,
    );
  }
}

// fused chain vs unfused on a 1e6 vector
{
  const n = 1_000_000;
  const x = T.fvector('x');
  const w = T.fvector('w');
  const b = T.fvector('b');
  const out = T.sub(T.mul(T.sigmoid(T.add(T.mul(x, w), b)), 2), 1);
  const fused = theanoFunction([x, w, b], out);
  const unfused = theanoFunction([x, w, b], out, {
    mode: new Mode({ excluding: ['elemwise_fusion'] }),
  });
  const rnd = () => {
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = Math.random() * 2 - 1;
    return new NDArray(d, [n]);
  };
  const args = [rnd(), rnd(), rnd()];
  // interleaved, best of 30 calls each: on a shared machine the best is the one least disturbed
  const best = { fused: Infinity, unfused: Infinity };
  for (let i = 0; i < 33; i++)
    for (const [k, f] of [
      ['fused', fused],
      ['unfused', unfused],
    ] as const) {
      const t0 = performance.now();
      f(...args);
      if (i >= 3) best[k] = Math.min(best[k], performance.now() - t0);
    }
  const nodes = (f: typeof fused) => f.maker.fgraph.applyNodes.size;
  const tf = best.fused;
  const tu = best.unfused;
  console.log(
    `\nsigmoid(x*w+b)*2-1 on 1e6 float32 (interleaved, best of 30 calls): fused ${tf.toFixed(2)} ms (${nodes(fused)} node), unfused ${tu.toFixed(2)} ms (${nodes(unfused)} nodes), unfused/fused ${(tu / tf).toFixed(2)}`,
  );
}

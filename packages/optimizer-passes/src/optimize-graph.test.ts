import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { countOps, expectClose, labels, makeFg, opLabels, optimized, rand } from './test-helpers';
import { defaultDatabase, optimizeGraph, registerRewrite } from './optimize-graph';
import { PHASES, RewriteDatabase } from './database';
import { nodeRewriter } from './rewriter';
import { isElemwise } from './match';

describe('the database', () => {
  test('phases run in order merge1 → canonicalize → stabilize → specialize → fusion → merge2 → inplace', () => {
    expect(PHASES).toEqual([
      'merge1',
      'canonicalize',
      'stabilize',
      'specialize',
      'fusion',
      'merge2',
      'inplace',
    ]);
    const x = T.dmatrix('x');
    const report = optimizeGraph(makeFg([x], [T.exp(x)]));
    expect(report.phases.map((p) => p.phase)).toEqual([
      'merge1',
      'canonicalize',
      'stabilize',
      'specialize',
      'fusion',
      'merge2',
      'inplace',
    ]);
  });

  test('every entry has a name, its phase as a tag, and a mode tag', () => {
    for (const e of defaultDatabase().entries()) {
      expect(e.name).toMatch(/^[a-z0-9_]+$/);
      expect(e.tags).toContain(e.phase);
      expect(e.tags.includes('fast_run') || e.tags.includes('fast_compile')).toBe(true);
      if (e.phase === 'stabilize') expect(e.tags).toContain('fast_compile');
    }
  });

  test('a name may not be registered twice in one phase; unknown phases are refused', () => {
    const db = new RewriteDatabase();
    const rw = nodeRewriter('r', null, () => null);
    db.register(rw, { phase: 'canonicalize', tags: ['fast_run'] });
    expect(() => db.register(rw, { phase: 'canonicalize' })).toThrow(
      /already in phase 'canonicalize'/,
    );
    expect(() => db.register(rw, { phase: 'nope' as never })).toThrow(/unknown phase 'nope'/);
    expect(db.unregister('r')).toBe(1);
  });

  test('registered rewrites run; a cloned database keeps the default one untouched', () => {
    const db = defaultDatabase().clone();
    const expToLog = nodeRewriter('test_exp_to_log', ['Elemwise:exp'], (_fg, node) => [
      T.log(node.inputs[0]),
    ]);
    registerRewrite(expToLog, { db, phase: 'specialize', tags: ['fast_run', 'mine'] });
    const x = T.dvector('x');
    expect(opLabels(optimized([x], [T.exp(x)], { db }))).toEqual(['Elemwise{log}']);
    expect(opLabels(optimized([x], [T.exp(x)], { db, exclude: ['mine'] }))).toEqual([
      'Elemwise{exp}',
    ]);
    expect(opLabels(optimized([x], [T.exp(x)], {}))).toEqual(['Elemwise{exp}']);
  });
});

describe('optimizeGraph modes, include, exclude, trace', () => {
  const x = T.dmatrix('x');
  const outs = () => [T.mul(T.log(T.softmax(x)), 1), T.exp(T.add(x, 1))];

  test("'none' runs nothing", () => {
    const fg = optimized([x], outs(), { mode: 'none' });
    expect(countOps(fg, 'Softmax{axis=1}')).toBe(1);
    expect(countOps(fg, 'Elemwise{mul}')).toBe(1);
  });

  test("'fast_compile' runs merge, constant folding and every stabilization, but no canonicalization or fusion", () => {
    const fg = optimized([x], outs(), { mode: 'fast_compile' });
    expect(countOps(fg, 'LogSoftmax{axis=1}')).toBe(1);
    expect(countOps(fg, 'Elemwise{mul}')).toBe(1);
    expect(countOps(fg, /Composite/)).toBe(0);
    expect(countOps(fg, /DimShuffle/)).toBe(0); // the constants were folded
  });

  test("'fast_run' runs everything", () => {
    const fg = optimized([x], outs(), { mode: 'fast_run' });
    expect(fg.outputs[0].owner?.op.kind).toBe('LogSoftmax');
    expect(opLabels(fg)).toContain('Elemwise{Composite{exp((i0 + 1))}}');
  });

  test('include adds by name or tag, exclude removes by name or tag (exclude wins)', () => {
    let fg = optimized([x], outs(), { mode: 'fast_compile', include: ['canonicalize'] });
    expect(countOps(fg, 'Elemwise{mul}')).toBe(0);
    fg = optimized([x], outs(), { mode: 'fast_run', exclude: ['stabilize', 'elemwise_fusion'] });
    expect(countOps(fg, 'Softmax{axis=1}')).toBe(1);
    expect(countOps(fg, /Composite/)).toBe(0);
    fg = optimized([x], outs(), {
      mode: 'none',
      include: ['local_log_softmax'],
      exclude: ['softmax'],
    });
    expect(countOps(fg, 'Softmax{axis=1}')).toBe(1);
  });

  test("phase names are valid words even when empty (excluding 'inplace' is a common idiom)", () => {
    const fg = optimized([x], outs(), { mode: 'fast_run', exclude: ['inplace'] });
    expect(fg.outputs[0].owner?.op.kind).toBe('LogSoftmax');
  });

  test('an unknown include/exclude word is an error listing the known ones', () => {
    expect(() => optimized([x], outs(), { exclude: ['local_log_sofmax'] })).toThrow(
      /exclude names 'local_log_sofmax', which is neither a rewrite nor a tag; known: .*local_log_softmax/,
    );
  });

  test('trace records { rewrite, node } in fgraph.trace; the report counts rewrites', () => {
    const fg = makeFg([x], outs());
    const report = optimizeGraph(fg, { trace: true });
    expect(fg.trace).toContainEqual({
      rewrite: 'local_log_softmax',
      node: 'Elemwise{log}(Softmax{axis=1}.out)',
    });
    expect(fg.trace.map((t) => t.rewrite)).toEqual(
      expect.arrayContaining(['constant_folding', 'local_mul_one', 'elemwise_fusion']),
    );
    expect(report.applied.local_log_softmax).toBe(1);
    expect(report.limitsHit).toEqual([]);
    const quiet = makeFg([x], outs());
    optimizeGraph(quiet);
    expect(quiet.trace).toEqual([]);
  });

  test('outputs keep their types through every mode', () => {
    const i = T.bmatrix('i');
    const r = T.frow('r');
    const exprs = [
      T.add(T.mul(i, 1), 0),
      T.pow(r, 2),
      T.log(T.sub(1, T.sigmoid(r))),
      T.neg(T.neg(T.add(i, r))),
    ];
    for (const mode of ['fast_run', 'fast_compile', 'none'] as const) {
      const fg = optimized([i, r], exprs, { mode });
      fg.outputs.forEach((o, k) =>
        expect(o.type.equals(exprs[k].type), `${mode} output ${k}`).toBe(true),
      );
    }
  });
});

describe('an MLP trained with softmax + categorical cross-entropy', () => {
  const x = T.dmatrix('x');
  const y = T.ivector('y');
  const W1 = T.shared(rand([4, 5], { seed: 11 }), 'W1');
  const b1 = T.shared(rand([5], { seed: 12 }), 'b1');
  const W2 = T.shared(rand([5, 3], { seed: 13 }), 'W2');
  const b2 = T.shared(rand([3], { seed: 14 }), 'b2');
  const h = T.tanh(T.add(T.dot(x, W1), b1));
  const p = T.softmax(T.add(T.dot(h, W2), b2));
  const cost = T.add(T.mean(T.categoricalCrossentropy(p, y)), T.mul(0.01, T.sum(T.pow(W1, 2))));
  const grads = grad(cost, [W1, b1, W2, b2]);
  const outputs = [cost, ...grads];

  test('fast_run: fused stable cross-entropy and its gradient, fewer nodes, same values', () => {
    const givens = new Map<T.Variable, unknown>([
      [x, rand([6, 4], { seed: 21, lo: -2, hi: 2 })],
      [y, labels(6, 3)],
    ]);
    const before = makeFg([x, y], outputs).toposort().length;
    const fg = makeFg([x, y], outputs);
    const report = optimizeGraph(fg, { mode: 'fast_run' });
    expect(report.applied.crossentropy_to_crossentropy_with_softmax).toBe(1);
    expect(report.applied.local_softmax_grad_to_crossentropy_with_softmax_grad).toBe(1);
    expect(countOps(fg, 'Softmax{axis=1}')).toBe(0);
    expect(countOps(fg, 'Elemwise{pow}')).toBe(0);
    expect(fg.toposort().length).toBeLessThan(before);
    const want = T.evaluate(outputs, givens);
    const got = T.evaluate(fg.outputs, givens);
    got.forEach((g, k) => expectClose(g, want[k], 1e-12, 1e-14));
    fg.outputs.forEach((o, k) => expect(o.type.equals(outputs[k].type)).toBe(true));
  });

  test('fast_compile gives the same values', () => {
    const givens = new Map<T.Variable, unknown>([
      [x, rand([3, 4], { seed: 5 })],
      [y, labels(3, 3)],
    ]);
    const want = T.evaluate(outputs, givens);
    const got = T.evaluate(optimized([x, y], outputs, { mode: 'fast_compile' }).outputs, givens);
    got.forEach((g, k) => expectClose(g, want[k], 1e-12, 1e-14));
  });

  test('float32 (floatX): fast_run values match the unoptimized graph', () => {
    const xf = T.fmatrix('xf');
    const V = T.shared(rand([4, 3], { seed: 31, dtype: 'float32' }), 'V');
    const c = T.fvector('c');
    const pf = T.softmax(T.add(T.dot(T.sigmoid(xf), V), c));
    const costf = T.mean(T.categoricalCrossentropy(pf, y));
    const outs = [costf, ...grad(costf, [V, c])];
    const givens = new Map<T.Variable, unknown>([
      [xf, rand([5, 4], { seed: 3, dtype: 'float32', lo: -3, hi: 3 })],
      [c, rand([3], { seed: 4, dtype: 'float32' })],
      [y, labels(5, 3)],
    ]);
    const want = T.evaluate(outs, givens);
    const fg = optimized([xf, c, y], outs, { mode: 'fast_run' });
    expect(countOps(fg, 'CrossentropySoftmax1HotDx')).toBe(1);
    T.evaluate(fg.outputs, givens).forEach((g, k) => expectClose(g, want[k], 1e-5, 1e-6));
  });

  test('rewrites do not touch the user graph when given a clone', () => {
    const fg = makeFg([x, y], outputs);
    optimizeGraph(fg);
    expect(cost.owner!.inputs[0].owner!.inputs[0].owner!.inputs[0].owner!.op.kind).toBe(
      'CrossentropyCategorical1Hot',
    );
    expect(isElemwise(grads[0].owner, 'add')).toBe(true);
  });
});

describe('rewriting without stack capture', () => {
  test('nodes built by rewrites take the trace of the node they replace; the limit is restored', () => {
    const v = T.dvector('v');
    const fg = makeFg([v], [T.log(T.add(1, v))]);
    const site = fg.outputs[0].owner!.trace;
    expect(site).toMatch(/optimize-graph\.test\.ts/);
    const limit = Error.stackTraceLimit;
    optimizeGraph(fg, { mode: 'fast_compile' });
    expect(Error.stackTraceLimit).toBe(limit);
    expect(T.opLabel(fg.outputs[0].owner!.op)).toBe('Elemwise{log1p}');
    expect(fg.outputs[0].owner!.trace).toBe(site);
  });

  test('a failing rewrite still raises an error with a stack, and the limit is restored', () => {
    const db = defaultDatabase().clone();
    registerRewrite(
      nodeRewriter('test_throws', ['Elemwise:exp'], () => {
        throw new Error('kaput');
      }),
      { db, phase: 'specialize', tags: ['fast_run'] },
    );
    const v = T.dvector('v');
    const limit = Error.stackTraceLimit;
    let err: Error | undefined;
    try {
      optimizeGraph(makeFg([v], [T.exp(v)]), { db });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(/rewrite 'test_throws' failed on Elemwise\{exp\}\(v\): kaput/);
    expect(err?.stack?.split('\n').length).toBeGreaterThan(2);
    expect(Error.stackTraceLimit).toBe(limit);
  });
});

describe('all rewrites together keep values (fast_run and fast_compile against the reference)', () => {
  test('an expression that exercises most rewrites', () => {
    const [x, y] = T.dmatrices('x', 'y');
    const r = T.drow('r');
    const a = T.dscalar('a');
    const e = T.exp(x);
    const outs = [
      T.sum(T.mul(a, T.sub(T.add(x, y), y)), { axis: 1 }),
      T.transpose(T.add(T.transpose(T.mul(T.div(T.mul(x, y), x), 1)), 0)),
      T.log(T.add(1, T.exp(T.neg(T.sqr(x))))),
      T.div(e, T.sum(e, { axis: 1, keepdims: true })),
      T.log(T.sum(T.exp(T.add(x, r)), { axis: 0 })),
      T.mul(T.switch_(T.gt(x, 0), 0, y), T.pow(a, 2)),
      T.sqrt(T.sqr(T.sub(T.mul(y, y), T.pow(x, 0)))),
      T.add(T.dot(x, T.transpose(y)), T.mul(2, T.dot(y, T.transpose(x)))),
      T.reshape(T.reshape(T.sub(1, T.sigmoid(x)), [-1]), T.shape(x)),
    ];
    const vals = [
      rand([3, 4], { lo: -3, hi: 3 }),
      rand([3, 4], { seed: 2 }),
      rand([1, 4], { seed: 3 }),
      0.7,
    ];
    const givens = new Map<T.Variable, unknown>([x, y, r, a].map((v, i) => [v, vals[i]]));
    const want = T.evaluate(outs, givens);
    for (const mode of ['fast_run', 'fast_compile'] as const) {
      const fg = optimized([x, y, r, a], outs, { mode });
      T.evaluate(fg.outputs, givens).forEach((g, k) => expectClose(g, want[k], 1e-12, 1e-14));
      if (mode === 'fast_run')
        expect(fg.applyNodes.size).toBeLessThan(makeFg([x, y, r, a], outs).applyNodes.size);
    }
  });
});

describe('rewriting cost grows linearly with the graph (work counted, not timed)', () => {
  /** Node visits plus rewrite attempts of a fast_run optimizeGraph, and the graph's size. */
  const workOf = (inputs: T.Variable[], outputs: T.Variable[]) => {
    const fg = makeFg(inputs, outputs);
    const nodes = fg.applyNodes.size;
    const { phases } = optimizeGraph(fg);
    const visits = phases.reduce((a, p) => a + p.visits, 0);
    const attempts = phases.reduce((a, p) => a + p.attempts, 0);
    return { nodes, visits, attempts, work: visits + attempts };
  };
  /** Work per node of the larger graph over work per node of the smaller one. */
  const growth = (small: ReturnType<typeof workOf>, big: ReturnType<typeof workOf>) =>
    big.work / big.nodes / (small.work / small.nodes);

  test('a long elementwise chain: 10× the nodes, at most ~11× the work', () => {
    const chain = (steps: number) => {
      const [x, w, b] = [T.fvector('x'), T.fvector('w'), T.fvector('b')];
      let v = x;
      for (let i = 0; i < steps; i++) v = T.sub(T.mul(T.sigmoid(T.add(T.mul(v, w), b)), 2), 1);
      return workOf([x, w, b], [v]);
    };
    const small = chain(60);
    const big = chain(600);
    expect(big.nodes).toBe(10 * small.nodes);
    // every node is looked at, and rewrites are tried on it
    expect(small.visits).toBeGreaterThanOrEqual(small.nodes);
    expect(small.attempts).toBeGreaterThanOrEqual(small.nodes / 2);
    expect(growth(small, big)).toBeLessThanOrEqual(1.1);
  });

  test('an unrolled RNN with its gradients (gemm, fusion, inplace): work per node stays flat', () => {
    const rnn = (steps: number) => {
      const [Wx, Wh, h0] = [T.fmatrix('Wx'), T.fmatrix('Wh'), T.fmatrix('h0')];
      const b = T.fvector('b');
      const xs = Array.from({ length: steps }, (_, t) => T.fmatrix(`x${t}`));
      const step = (h: T.Variable, xt: T.Variable) =>
        T.tanh(T.add(T.add(T.dot(xt, Wx), T.dot(h, Wh)), b));
      const cost = T.sum(T.sqr(xs.reduce(step, h0)));
      return workOf([Wx, Wh, b, h0, ...xs], [cost, ...grad(cost, [Wx, Wh, b])]);
    };
    const small = rnn(8);
    const big = rnn(80);
    expect(big.nodes / small.nodes).toBeGreaterThan(9);
    expect(small.visits).toBeGreaterThanOrEqual(small.nodes);
    expect(growth(small, big)).toBeLessThanOrEqual(1.1);
  });
});

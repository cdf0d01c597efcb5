import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { makeFg, opLabels } from './test-helpers';
import { type NodeRewriter, RewriteRun, nodeRewriter } from './rewriter';
import { equilibrium, inToOut, outToIn, walkGraph } from './walkers';
import { graphRewriter } from './rewriter';

const graphRewriterOf = (fn: () => number) => graphRewriter('probe', fn);
import { isElemwise } from './match';
import { localDimshuffleLift } from './canonicalize-rewrites';

describe('walkers', () => {
  test('a node rewriter only meets the ops it tracks (op kinds and Elemwise scalar ops)', () => {
    const x = T.dmatrix('x');
    const fg = makeFg([x], [T.exp(T.log(T.softmax(T.neg(x))))]);
    const seen: string[] = [];
    const spy = (name: string, tracks: NodeRewriter['tracks']) =>
      nodeRewriter(name, tracks, (_fg, node) => {
        seen.push(`${name}:${T.opLabel(node.op)}`);
        return null;
      });
    walkGraph(
      fg,
      [spy('a', ['Elemwise:log', 'Softmax']), spy('b', ['Elemwise']), spy('c', null)],
      new RewriteRun(),
    );
    expect(seen.filter((s) => s.startsWith('a:'))).toEqual([
      'a:Softmax{axis=1}',
      'a:Elemwise{log}',
    ]);
    expect(seen.filter((s) => s.startsWith('b:'))).toHaveLength(3);
    expect(seen.filter((s) => s.startsWith('c:'))).toHaveLength(4);
  });

  test('in_to_out visits inputs first, out_to_in outputs first', () => {
    const x = T.dvector('x');
    const fg = makeFg([x], [T.exp(T.log(T.neg(x)))]);
    const order = (walker: typeof inToOut) => {
      const seen: string[] = [];
      const rw = nodeRewriter('spy', ['Elemwise'], (_fg, node) => {
        seen.push((node.op as T.Op<'Elemwise'>).params.scalarOp.name);
        return null;
      });
      walker('walk', [rw]).apply(fg, new RewriteRun());
      return seen;
    };
    expect(order(inToOut)).toEqual(['neg', 'log', 'exp']);
    expect(order(outToIn)).toEqual(['exp', 'log', 'neg']);
  });

  test('equilibrium repeats passes until nothing changes', () => {
    const x = T.dvector('x');
    const fg = makeFg([x], [T.neg(T.neg(T.neg(T.neg(T.neg(x)))))]);
    const negNeg = nodeRewriter('neg_neg', ['Elemwise:neg'], (_fg, node) => {
      const inner = node.inputs[0].owner;
      return isElemwise(inner, 'neg') ? [inner.inputs[0]] : null;
    });
    const run = new RewriteRun();
    equilibrium('eq', { rewriters: [negNeg], order: 'out_to_in' }).apply(fg, run);
    expect(opLabels(fg)).toEqual(['Elemwise{neg}']);
    expect(run.counts.get('neg_neg')).toBe(2);
    expect(run.limitsHit).toEqual([]);
  });

  test('the loop guard stops rewrites that never reach a fixed point (never hangs)', () => {
    const [x, y] = T.dvectors('x', 'y');
    const fg = makeFg([x, y], [T.add(x, y)]);
    // add(a, b) → add(b, a) forever
    const flip = nodeRewriter('flip', ['Elemwise:add'], (_fg, node) => [
      T.add(node.inputs[1], node.inputs[0]),
    ]);
    const run = new RewriteRun({ trace: true });
    equilibrium('eq', { rewriters: [flip], maxIterations: 7 }).apply(fg, run);
    expect(run.counts.get('flip')).toBe(7);
    expect(run.limitsHit).toEqual(['eq']);
    expect(fg.trace.at(-1)).toEqual({
      rewrite: 'eq',
      node: 'stopped by the loop guard after 7 passes and 7 rewrites',
    });
    // the rewrite budget stops it as well
    const run2 = new RewriteRun();
    equilibrium('eq2', { rewriters: [flip], maxRewrites: 3 }).apply(fg, run2);
    expect(run2.counts.get('flip')).toBe(3);
    expect(run2.limitsHit).toEqual(['eq2']);
  });

  test('final rewriters run after the others in each pass; cleanup after a changing pass', () => {
    const x = T.dvector('x');
    const fg = makeFg([x], [T.exp(x)]);
    const calls: string[] = [];
    const a = nodeRewriter('a', null, () => (calls.push('a'), null));
    const f = nodeRewriter('f', null, () => (calls.push('f'), null));
    equilibrium('eq', { rewriters: [a], finalRewriters: [f] }).apply(fg, new RewriteRun());
    expect(calls).toEqual(['a', 'f']);
  });
});

describe('equilibrium: later passes visit only what changed', () => {
  test('the second pass meets the new nodes and those downstream, not the whole graph', () => {
    const x = T.dvector('x');
    // a long chain of tanh, with one neg(neg(.)) in the middle
    let v: T.Variable = x;
    for (let i = 0; i < 100; i++) v = T.tanh(v);
    v = T.neg(T.neg(v));
    for (let i = 0; i < 100; i++) v = T.tanh(v);
    const fg = makeFg([x], [v]);
    const visits: number[] = [];
    let n = 0;
    const counter = nodeRewriter('count', null, () => (n++, null));
    const negNeg = nodeRewriter('neg_neg', ['Elemwise:neg'], (_fg, node) => {
      const inner = node.inputs[0].owner;
      return isElemwise(inner, 'neg') ? [inner.inputs[0]] : null;
    });
    const perPass = nodeRewriter('pass_marker', null, () => null);
    const run = new RewriteRun();
    equilibrium('eq', {
      rewriters: [negNeg, counter],
      finalRewriters: [perPass],
      cleanup: [
        graphRewriterOf(() => {
          visits.push(n);
          n = 0;
          return 0;
        }),
      ],
    }).apply(fg, run);
    visits.push(n);
    expect(run.counts.get('neg_neg')).toBe(1);
    expect(visits[0]).toBeGreaterThan(200); // the first pass: every node
    expect(visits[1]).toBeLessThanOrEqual(10); // then: the few nodes downstream of the change
  });

  test('a value that lost a user is looked at again, with its other users (rewrites may count users)', () => {
    const x = T.dmatrix('x');
    const e = T.exp(x);
    const fg = makeFg([x], [T.transpose(e), T.sub(e, e)]);
    // sub(e, e) → x leaves the transpose as e's only user: exp is then lifted through
    const subToX = nodeRewriter('sub_to_x', ['Elemwise:sub'], () => [x]);
    const run = new RewriteRun();
    equilibrium('eq', { rewriters: [subToX, localDimshuffleLift] }).apply(fg, run);
    expect(run.counts.get('local_dimshuffle_lift')).toBe(1);
    expect(T.opLabel(fg.outputs[0].owner!.op)).toBe('Elemwise{exp}');
  });
});

describe('RewriteRun.replace', () => {
  test('a replacement of another dtype is an error naming the rewrite', () => {
    const x = T.fvector('x');
    const fg = makeFg([x], [T.exp(x)]);
    const bad = nodeRewriter('bad_dtype', ['Elemwise:exp'], (_fg, node) => [
      T.cast(node.inputs[0], 'float64'),
    ]);
    expect(() => walkGraph(fg, [bad], new RewriteRun())).toThrow(
      /rewrite 'bad_dtype' failed on Elemwise\{exp\}\(x\).*float64 vector.*float32 vector/,
    );
  });

  test('a replacement with another broadcast pattern is refused', () => {
    const x = T.dmatrix('x');
    const r = T.drow('r');
    const fg = makeFg([x, r], [T.add(x, r)]);
    const bad = nodeRewriter('bad_bcast', ['Elemwise:add'], (_fg, node) => [node.inputs[1]]);
    expect(() => walkGraph(fg, [bad], new RewriteRun())).toThrow(/bad_bcast.*cannot stand for/);
    const run = new RewriteRun({ onError: 'ignore' });
    expect(walkGraph(fg, [bad], run)).toBe(0);
    expect(opLabels(fg)).toEqual(['Elemwise{add}']);
  });

  test('a rewrite that throws is reported with its name; onError ignore carries on', () => {
    const x = T.dvector('x');
    const fg = makeFg([x], [T.exp(x)]);
    const boom = nodeRewriter('boom', null, () => {
      throw new Error('kaput');
    });
    expect(() => walkGraph(fg, [boom], new RewriteRun())).toThrow(
      "rewrite 'boom' failed on Elemwise{exp}(x): kaput",
    );
    expect(walkGraph(fg, [boom], new RewriteRun({ onError: 'ignore' }))).toBe(0);
  });

  test('a replacement that would make a cycle is refused', () => {
    const x = T.dvector('x');
    const fg = makeFg([x], [T.exp(x)]);
    const cyc = nodeRewriter('cyc', ['Elemwise:exp'], (_fg, node) => [
      T.neg(T.neg(node.outputs[0])),
    ]);
    expect(() => walkGraph(fg, [cyc], new RewriteRun())).toThrow(
      /depends on the variable it replaces/,
    );
  });

  test("new nodes take the replaced node's creation site", () => {
    const x = T.dvector('x');
    const fg = makeFg([x], [T.exp(x)]);
    const site = fg.outputs[0].owner!.trace;
    expect(site).toMatch(/walkers\.test\.ts/);
    const rw = nodeRewriter('to_sqr', ['Elemwise:exp'], (_fg, node) => [
      T.sqr(T.neg(node.inputs[0])),
    ]);
    walkGraph(fg, [rw], new RewriteRun());
    for (const n of fg.toposort()) expect(n.trace).toBe(site);
  });
});

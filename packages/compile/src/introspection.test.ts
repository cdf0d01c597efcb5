import { describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import {
  In,
  Mode,
  ProfileStats,
  TrackedFunctionGraph,
  debugprint,
  nodeErrorInfo,
  function as theanoFunction,
} from './index';

const f64 = (x: number[] | number[][]) => array(x, { dtype: 'float64' });

describe('run-time errors point at the node and at the expression the user wrote', () => {
  it('a rewritten (fused) node: both lines, debugprint form, inputs', () => {
    const x = T.dvector('x');
    const y = T.dvector('y');
    const doubled = x.mul(2); // line A
    const total = doubled.add(y); // line B
    const f = theanoFunction([x, y], total.exp(), { name: 'f' });
    let err:
      (RangeError & { node?: T.Apply; originalNode?: T.Apply; rewrites?: string[] }) | undefined;
    try {
      f([1, 2, 3], [1, 2]);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err).toBeInstanceOf(RangeError);
    const m = err!.message;
    expect(m).toMatch(/^function 'f': /);
    expect(m).toMatch(
      /Apply node that caused the error \(node 1 of 1 in the compiled graph\):\n {4}Elemwise\{Composite\{exp\(\(\(i0 \* 2\) \+ i1\)\)\}\} \[id A\]\n {5}\|x \[id B\]\n {5}\|y \[id C\]/,
    );
    expect(m).toMatch(/The node was built at .*introspection\.test\.ts:\d+:/);
    expect(m).toMatch(
      /It was produced by rewrite 'elemwise_fusion' from your expression:\n {4}Elemwise\{exp\} \[id A\]\n {5}\|Elemwise\{add\} \[id B\]\n {7}\|Elemwise\{mul\} \[id C\]/,
    );
    expect(m).toMatch(/Your expression was built at .*introspection\.test\.ts:\d+:/);
    expect(m).toMatch(/Inputs: #0 x: float64, shape \(3,\); #1 y: float64, shape \(2,\)/);
    const info = nodeErrorInfo(err)!;
    expect(info.functionName).toBe("function 'f'");
    expect(info.node).toBe(f.maker.schedule[0]);
    expect(T.opLabel(info.originalNode!.op)).toBe('Elemwise{exp}');
    expect(info.originalNode!.inputs[0]).toBe(total);
    expect(info.rewrites).toEqual(['elemwise_fusion']);
    expect(err!.cause).toBeInstanceOf(RangeError);
  });

  it('a node the rewrites left alone: its own line', () => {
    const m = T.dmatrix('m');
    const v = T.dvector('v');
    const f = theanoFunction([m, v], T.dot(m, v), { mode: 'FAST_COMPILE' });
    expect(() => f([[1, 2, 3]], [1, 2])).toThrow(
      /theano function: Dot: shapes \(1, 3\) and \(2,\) not aligned: 3 != 2\nApply node that caused the error \(node 1 of 1 in the compiled graph\):\n {4}Dot \[id A\]\n {5}\|m \[id B\]\n {5}\|v \[id C\]\n {2}It is your expression as you built it, at .*introspection\.test\.ts:\d+:/,
    );
  });
});

describe('introspection', () => {
  it('fn.maker: the optimized fgraph, schedule, provenance, report and compile time by phase', () => {
    const x = T.dvector('x');
    const s = T.shared(f64([1, 2]), 's');
    const f = theanoFunction([x], x.mul(2).add(1), { updates: [[s, s.mul(x)]] });
    const { fgraph, schedule, report, compileTime, inputs, outputs, updates } = f.maker;
    expect(fgraph).toBeInstanceOf(TrackedFunctionGraph);
    expect(fgraph.outputs).toHaveLength(2);
    expect(fgraph.inputs).toEqual([x, s]);
    expect(schedule).toEqual(fgraph.toposort());
    expect(inputs.map((i) => i.name)).toEqual(['x']);
    expect(outputs).toHaveLength(1);
    expect(updates[0].target).toBe(s);
    expect(report.applied.elemwise_fusion).toBe(1);
    const phases = compileTime.phases.map((p) => p.phase);
    expect(phases[0]).toBe('prepare');
    expect(phases).toContain('optimize:fusion');
    expect(phases[phases.length - 1]).toBe('link');
    expect(compileTime.totalMs).toBeGreaterThanOrEqual(
      compileTime.phases.reduce((a, p) => a + p.ms, 0) - 1e-6,
    );
    const fused = schedule.find((n) => T.opLabel(n.op).includes('Composite'))!;
    expect(f.maker.rewritesOf(fused)).toEqual(['elemwise_fusion']);
    expect(T.opLabel(f.maker.originOf(fused)!.op)).toBe('Elemwise{add}');
    expect(f.maker.source).toMatch(/return function core\(x0\)/);
  });

  it('debugprint(fn) prints the compiled graph with outputs and updates marked', () => {
    const x = T.dvector('x');
    const s = T.shared(f64([1, 2]), 's');
    const f = theanoFunction([x], x.mul(2).add(1), { updates: [[s, s.mul(x)]] });
    expect(debugprint(f)).toBe(
      [
        'Elemwise{Composite{((i0 * 2) + 1)}} [id A] ← output 0',
        ' |x [id B]',
        "Elemwise{mul} [id C] ← update of 's'",
        ' |s [id D]',
        ' |x [id B]',
      ].join('\n'),
    );
    expect(String(f)).toBe(debugprint(f));
    expect(debugprint(x.mul(2))).toBe(T.debugprint(x.mul(2)));
  });

  it('profile: calls, time per node and per op type, compile phases, summary', () => {
    const x = T.dmatrix('x');
    const W = T.shared(
      f64([
        [1, 0],
        [0, 1],
      ]),
      'W',
    );
    const f = theanoFunction([x], T.dot(x, W).exp().sum(), { profile: true, name: 'prof' });
    expect(f.profile).toBeInstanceOf(ProfileStats);
    for (let i = 0; i < 5; i++) f([[1, 2]]);
    const p = f.profile!;
    expect(p.callCount).toBe(5);
    expect(p.callTimeMs).toBeGreaterThan(0);
    expect(p.nodeTimes).toHaveLength(f.maker.schedule.length);
    expect(p.nodeTimeMs).toBeLessThanOrEqual(p.callTimeMs);
    expect(
      p
        .byOp('kind')
        .map((r) => r.op)
        .sort(),
    ).toEqual(['CAReduce', 'Dot']); // exp is fused into the sum (reduce_fusion)
    expect(p.byOp('label').reduce((a, r) => a + r.fraction, 0)).toBeCloseTo(1, 6);
    expect(p.byNode()).toHaveLength(2);
    expect(p.summary()).toMatch(
      /Function profiling: prof[\s\S]*Compile time: .*prepare .*optimize:merge1 .*link[\s\S]*Calls: 5[\s\S]*Op types:[\s\S]*Dot[\s\S]*Nodes \(top 10\):/,
    );
    p.reset();
    expect(p.callCount).toBe(0);
    expect(theanoFunction([x], x.sum()).profile).toBeUndefined();
    // profile also works in the interpreted modes
    const g = theanoFunction([x], x.sum(), { profile: true, mode: 'NanGuardMode' });
    g([[1]]);
    expect(g.profile!.callCount).toBe(1);
  });

  it('fn.copy(): same graph, own defaults and name, swapped shared variables, without updates', () => {
    const x = T.dscalar('x');
    const a = T.shared(1, 'a', { dtype: 'float64' });
    const b = T.shared(100, 'b', { dtype: 'float64' });
    const f = theanoFunction([new In(x, { value: 1 })], a.add(x), {
      updates: [[a, a.add(x)]],
      name: 'f',
    });
    const g = f.copy({ name: 'g' });
    expect(g.name).toBe('g');
    expect(g.maker).toBe(f.maker);
    expect(g().item()).toBe(2); // shares a with f
    expect(f().item()).toBe(3);
    const h = f.copy({ swap: [[a, b]] });
    expect(h(5).item()).toBe(105);
    expect(b.getValue().item()).toBe(105);
    expect(a.getValue().item()).toBe(3);
    const noUpd = f.copy({ deleteUpdates: true });
    expect(noUpd(10).item()).toBe(13);
    expect(a.getValue().item()).toBe(3);
    const c = T.shared(f64([1]), 'c');
    expect(() => f.copy({ swap: [[a, c]] })).toThrow(
      /swap replaces 'a' \(float64 scalar\) by 'c' \(float64 vector\); the types must be the same/,
    );
    expect(() => f.copy({ swap: [[c, c]] })).toThrow(
      /swap names 'c', which the function does not use/,
    );
    expect(() => g.copy({ name: 'bad' })('x' as never)).toThrow(/function 'bad': input 0 'x'/);
  });

  it('fn.free() releases preallocated buffers; the function stays callable', () => {
    const x = T.dscalar('x');
    const f = theanoFunction([x], x.mul(3), { mode: new Mode() });
    expect(f(2).item()).toBe(6);
    f.free();
    expect(f(3).item()).toBe(9);
  });
});

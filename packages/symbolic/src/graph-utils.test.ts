import { describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from './index';

/** a diamond: s = exp(x); out = (s * y) + s */
function diamond() {
  const x = T.dvector('x');
  const y = T.dvector('y');
  const s = T.exp(x);
  const p = T.mul(s, y);
  const out = T.add(p, s);
  return { x, y, s, p, out };
}

describe('toposort', () => {
  it('lists each node once, after the nodes computing its inputs', () => {
    const { s, p, out } = diamond();
    const order = T.toposort([out]);
    expect(order).toEqual([s.owner, p.owner, out.owner]);
    const pos = new Map(order.map((n, i) => [n, i]));
    for (const node of order)
      for (const inp of node.inputs)
        if (inp.owner) expect(pos.get(inp.owner)!).toBeLessThan(pos.get(node)!);
  });

  it('includes the dimshuffles inserted for rank padding, and stops at stopAt', () => {
    const m = T.dmatrix('m');
    const v = T.dvector('v');
    const out = T.add(m, v);
    const kinds = T.toposort([out]).map((n) => n.op.kind);
    expect(kinds).toEqual(['DimShuffle', 'Elemwise']);
    const padded = out.owner!.inputs[1];
    expect(T.toposort([out], new Set([padded]))).toEqual([out.owner]);
  });

  it('handles deep graphs without recursion limits', () => {
    let v = T.dscalar('x');
    for (let i = 0; i < 20000; i++) v = T.add(v, 1);
    expect(T.toposort([v])).toHaveLength(20000);
  });

  it('graphInputs lists the leaves: inputs, constants, shared variables', () => {
    const x = T.dvector('x');
    const w = T.shared(array([1, 2], { dtype: 'float64' }), 'w');
    const out = T.add(T.mul(x, w), 3);
    const leaves = T.graphInputs([out]);
    expect(leaves).toContain(x);
    expect(leaves).toContain(w);
    expect(leaves.filter(T.isConstant)).toHaveLength(1);
    expect(leaves).toHaveLength(3);
  });
});

describe('cloneGraph', () => {
  it('copies the nodes, substituting replacements and keeping leaves', () => {
    const { x, y, s, out } = diamond();
    const z = T.dvector('z');
    const memo = T.cloneGraph([out], new Map([[y, z]]));
    const out2 = memo.get(out)!;
    expect(out2).not.toBe(out);
    expect(out2.owner).not.toBe(out.owner);
    expect(memo.get(s)!.owner!.inputs[0]).toBe(x); // leaves kept
    const nodes = T.toposort([out2]);
    expect(nodes).toHaveLength(3);
    expect(T.graphInputs([out2])).toEqual(expect.arrayContaining([x, z]));
    expect(T.graphInputs([out2])).not.toContain(y);
    // the original graph is untouched
    expect(T.graphInputs([out])).toContain(y);
    const [v] = T.evaluate(
      [out2],
      new Map([
        [x, [0]],
        [z, [5]],
      ]),
    );
    expect(v.toArray()).toEqual([6]);
  });

  it('replacing an intermediate variable cuts the graph above it', () => {
    const { s, out, x } = diamond();
    const k = T.dvector('k');
    const out2 = T.cloneGraph([out], new Map([[s, k]])).get(out)!;
    expect(T.graphInputs([out2])).not.toContain(x);
    expect(T.toposort([out2]).map((n) => T.opLabel(n.op))).toEqual([
      'Elemwise{mul}',
      'Elemwise{add}',
    ]);
  });

  it('keeps names and traces', () => {
    const x = T.dvector('x');
    const h = T.exp(x);
    h.name = 'h';
    const h2 = T.cloneGraph([h]).get(h)!;
    expect(h2.name).toBe('h');
    expect(h2.owner!.trace).toBe(h.owner!.trace);
  });

  it('cloneVariable makes a fresh input of the same type', () => {
    const x = T.tensor('x', { dtype: 'float32', shape: [null, 3] });
    const c = T.cloneVariable(x);
    expect(c).not.toBe(x);
    expect(c.type.equals(x.type)).toBe(true);
    expect(c.name).toBe('x');
  });
});

describe('FunctionGraph', () => {
  it('knows its nodes and the clients of each variable', () => {
    const { x, y, s, p, out } = diamond();
    const fg = new T.FunctionGraph([x, y], [out]);
    expect([...fg.applyNodes]).toHaveLength(3);
    expect(fg.toposort()).toEqual([s.owner, p.owner, out.owner]);
    expect(fg.clients(s)).toEqual(
      expect.arrayContaining([
        [p.owner, 0],
        [out.owner, 1],
      ]),
    );
    expect(fg.clients(s)).toHaveLength(2);
    expect(fg.clients(out)).toEqual([['output', 0]]);
    expect(fg.clients(T.dvector('unrelated'))).toEqual([]);
  });

  it('replace swaps a variable everywhere and updates the clients', () => {
    const { x, y, s, p, out } = diamond();
    const fg = new T.FunctionGraph([x, y], [out]);
    const s2 = T.sqrt(x);
    fg.replace(s, s2, 'test');
    expect(p.owner!.inputs[0]).toBe(s2);
    expect(out.owner!.inputs[1]).toBe(s2);
    expect(fg.clients(s)).toEqual([]);
    expect(fg.clients(s2)).toHaveLength(2);
    expect(fg.clients(x)).toEqual([[s2.owner, 0]]);
    expect(fg.applyNodes.has(s.owner!)).toBe(false);
    expect(fg.applyNodes.has(s2.owner!)).toBe(true);
  });

  it('pruning a node that uses one value twice removes both of its client entries', () => {
    const x = T.dvector('x');
    const e = T.exp(x);
    const t = T.neg(e);
    const d = T.sub(e, e);
    const fg = new T.FunctionGraph([x], [t, d]);
    expect(fg.clients(e)).toHaveLength(3);
    fg.replace(d, x);
    expect(fg.clients(e)).toEqual([[t.owner, 0]]);
    // and the remaining entry is still removable
    fg.replace(t, x);
    expect(fg.clients(e)).toEqual([]);
    expect(fg.applyNodes.size).toBe(0);
  });

  it('two graphs over the same nodes each keep their own clients (the second in its maps)', () => {
    const { x, y, s, p, out } = diamond();
    const first = new T.FunctionGraph([x, y], [out]);
    // a second graph over the same nodes, with fewer outputs: s has one client there
    const second = new T.FunctionGraph([x, y], [p]);
    expect(second.clients(s)).toEqual([[p.owner, 0]]);
    expect(second.hasNode(out.owner!)).toBe(false);
    expect(second.hasNode(p.owner!)).toBe(true);
    expect(first.clients(s)).toHaveLength(2);
    expect(first.hasNode(out.owner!)).toBe(true);
    expect(first.clients(p)).toEqual([[out.owner, 0]]);
    expect(second.clients(p)).toEqual([['output', 0]]);
    // replacing in the second updates the second's lists, not the first's
    const s2 = T.sqrt(x);
    second.replace(s, s2);
    expect(second.clients(s)).toEqual([]);
    expect(second.clients(s2)).toEqual([[p.owner, 0]]);
    expect(second.hasNode(s.owner!)).toBe(false);
    expect(first.hasNode(s.owner!)).toBe(true);
    expect(first.clients(s)).toHaveLength(2);
  });

  it('a node pruned and brought back by a later replacement is a node again, with its clients', () => {
    const { x, y, s, p, out } = diamond();
    const fg = new T.FunctionGraph([x, y], [out]);
    const e = s.owner!;
    fg.replace(s, T.sqrt(x));
    expect(fg.hasNode(e)).toBe(false);
    expect(fg.clients(x)).toHaveLength(1);
    // a rewrite returns a new expression built on the old node
    const back = T.add(s, y);
    fg.replace(p, back);
    expect(fg.hasNode(e)).toBe(true);
    expect(fg.clients(s)).toEqual([[back.owner, 0]]);
    expect(fg.clients(x)).toHaveLength(2);
    expect(fg.toposort()).toContain(e);
    expect(fg.applyNodes.size).toBe(4);
  });

  it('an input computed by a node keeps its clients when a sibling output brings that node in', () => {
    const x = T.dvector('x');
    const [s0, s1] = T.split(x, [2, 3]);
    const o = T.mul(s0, 2);
    const fg = new T.FunctionGraph([s0], [o]);
    expect(fg.clients(s0)).toEqual([[o.owner, 0]]);
    // the replacement reads s1: the Split node (computing the input s0 too) joins the graph
    const by = T.add(T.mul(s0, 2), T.sum(s1));
    fg.replace(o, by, 'test');
    expect(fg.hasNode(s1.owner!)).toBe(true);
    expect(fg.clients(s0)).toHaveLength(1);
    expect(fg.clients(s0)[0][0]).toBe(by.owner!.inputs[0].owner);
  });

  it('replacing a variable no output uses imports nothing (no unreachable nodes)', () => {
    const x = T.dvector('x');
    const fg = new T.FunctionGraph([x], [T.exp(x)]);
    const e = T.log(x);
    fg.replace(T.tanh(x), e, 'test');
    expect(fg.hasNode(e.owner!)).toBe(false);
    expect(fg.applyNodes.size).toBe(1);
    expect(fg.clients(x)).toHaveLength(1);
  });

  it('rebuild recomputes nodes and clients from the outputs', () => {
    const { x, y, s, p, out } = diamond();
    const fg = new T.FunctionGraph([x, y], [out]);
    fg.outputs = [p];
    fg.rebuild();
    expect(fg.hasNode(out.owner!)).toBe(false);
    expect(fg.applyNodes.size).toBe(2);
    expect(fg.clients(s)).toEqual([[p.owner, 0]]);
    expect(fg.clients(p)).toEqual([['output', 0]]);
  });

  it('replacing an output updates the outputs', () => {
    const { x, y, p, out } = diamond();
    const fg = new T.FunctionGraph([x, y], [out]);
    fg.replace(out, p);
    expect(fg.outputs).toEqual([p]);
    expect(fg.clients(p)).toContainEqual(['output', 0]);
    expect([...fg.applyNodes]).toHaveLength(2);
  });

  it('refuses a replacement of another dtype or rank, naming the reason', () => {
    const { x, y, s, out } = diamond();
    const fg = new T.FunctionGraph([x, y], [out]);
    expect(() => fg.replace(s, T.fvector('f'), 'my_rewrite')).toThrow(
      /my_rewrite: cannot replace Elemwise\{exp\}.out \(float64 vector\) by f \(float32 vector\)/,
    );
    expect(() => fg.replace(s, T.dmatrix('m'))).toThrow(TypeError);
  });

  it('refuses a replacement that changes broadcastability or contradicts a static length', () => {
    const x = T.dmatrix('x');
    const r = T.drow('r');
    const out = T.exp(x);
    const fg = new T.FunctionGraph([x], [out]);
    expect(() => fg.replace(out, r)).toThrow(
      /cannot replace .* \(float64 matrix\) by r \(float64 row\)/,
    );
    const s = T.tensor('s', { dtype: 'float64', shape: [2, 3] });
    const fixed = T.exp(s);
    const fg2 = new T.FunctionGraph([s], [fixed]);
    expect(() => fg2.replace(fixed, T.tensor('t', { dtype: 'float64', shape: [2, 4] }))).toThrow(
      TypeError,
    );
    // refining an unknown length is fine
    fg.replace(out, T.tensor('k', { dtype: 'float64', shape: [2, 3] }));
    expect(fg.outputs[0].name).toBe('k');
  });

  it('a replacement may use the variable it replaces (x → f(x))', () => {
    const x = T.dvector('x');
    const e = T.exp(x);
    const out = T.neg(e);
    const fg = new T.FunctionGraph([x], [out]);
    const wrapped = T.mul(e, 2);
    fg.replace(e, wrapped);
    expect(out.owner!.inputs[0]).toBe(wrapped);
    expect(fg.applyNodes.has(e.owner!)).toBe(true);
    expect(fg.clients(e)).toEqual([[wrapped.owner, 0]]);
    // exp, the DimShuffle padding the constant 2, mul, neg
    const order = fg.toposort();
    expect(order).toHaveLength(4);
    expect(order.indexOf(e.owner!)).toBeLessThan(order.indexOf(wrapped.owner!));
    expect(order.at(-1)).toBe(out.owner);
    expect([...fg.applyNodes]).toHaveLength(4);
  });

  it('replaceAll applies pairs in order', () => {
    const { x, y, s, p, out } = diamond();
    const fg = new T.FunctionGraph([x, y], [out]);
    const a = T.dvector('a');
    const b = T.dvector('b');
    fg.replaceAll([
      [s, a],
      [y, b],
    ]);
    expect(p.owner!.inputs).toEqual([a, b]);
  });
});

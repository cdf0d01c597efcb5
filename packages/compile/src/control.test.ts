import { describe, expect, it } from 'vitest';
import { arange } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { theanoFunction as fn } from './function';

const MODES = ['FAST_RUN', 'FAST_COMPILE', 'DebugMode', 'NanGuardMode'] as const;

describe.each(MODES)('scan compiled (%s)', (mode) => {
  it('polynomial coefficients [1,0,2] at 3 = 19', () => {
    const coefficients = T.dvector('coefficients');
    const x = T.dscalar('x');
    const [components] = T.scan(
      (c: T.Variable, power: T.Variable, freeVar: T.Variable) => c.mul(freeVar.pow(power)),
      {
        sequences: [coefficients, T.arange(T.constant(10000, undefined, 'int32'))],
        nonSequences: x,
      },
    );
    const f = fn([coefficients, x], (components as T.Variable).sum(), { mode });
    expect(f([1, 0, 2], 3).item()).toBe(19);
  });
  it('powers of 2 with until, bound 45 → [2,4,8,16,32,64]', () => {
    const maxValue = T.dscalar('maxValue');
    const [values] = T.scan(
      (prev: T.Variable, mv: T.Variable) => {
        const y = prev.mul(2);
        return [y, T.until(y.gt(mv))];
      },
      { outputsInfo: T.constant(1, undefined, 'float64'), nonSequences: maxValue, nSteps: 1024 },
    );
    const f = fn([maxValue], values as T.Variable, { mode });
    expect(f(45).toArray()).toEqual([2, 4, 8, 16, 32, 64]);
  });
  it('shared updates: (2, 12), a = 11, then (12, 22)', () => {
    const a = T.shared(1, 'a');
    const [, updates] = T.scan(() => new Map([[a, a.add(1)]]), { nSteps: 10 });
    const f = fn([], [a.add(1), updates.get(a)!.add(1)], { updates, mode });
    expect(f().map((v) => v.item())).toEqual([2, 12]);
    expect(a.getValue().item()).toBe(11);
    expect(f().map((v) => v.item())).toEqual([12, 22]);
  });
  it('until with gradient: x[i]**2 until x[i] == 5', () => {
    const x = T.fvector('x');
    const [r] = T.scan(
      (i: T.Variable) => {
        const xi = x.get(i);
        return [xi.pow(2), T.until(xi.eq(5))];
      },
      { sequences: T.arange(T.constant(20, undefined, 'int32')) },
    );
    const g = grad((r as T.Variable).sum(), x);
    const f = fn([x], [r as T.Variable, g], { mode });
    const [rv, gv] = f(arange(0, 20, 1, { dtype: 'float32' }));
    expect(rv.toArray()).toEqual([0, 1, 4, 9, 16, 25]);
    expect(gv.toArray()).toEqual([0, 2, 4, 6, 8, 10, ...new Array(14).fill(0)]);
  });
});

describe('ifelse is lazy', () => {
  it('the branch not taken is not computed (it would throw)', () => {
    const c = T.iscalar('c');
    const x = T.dvector('x');
    const idx = T.iscalar('i');
    // x[i] with i out of range throws when computed
    const z = T.ifelse(c, x.sum(), x.get(idx).mul(2));
    for (const mode of MODES) {
      const f = fn([c, x, idx], z, { mode });
      expect(f(1, [1, 2, 3], 99).item()).toBe(6);
      expect(() => f(0, [1, 2, 3], 99)).toThrow(/out of (range|bounds)/i);
      expect(f(0, [1, 2, 3], 1).item()).toBe(4);
    }
  });
  it('nested ifelse and shared subexpressions', () => {
    const a = T.iscalar('a');
    const b = T.iscalar('b');
    const x = T.dvector('x');
    const i = T.iscalar('i');
    const shared = x.mul(2);
    const bad = x.get(i);
    const z = T.ifelse(a, T.ifelse(b, shared.sum(), bad), shared.get(0));
    const f = fn([a, b, x, i], z);
    expect(f(1, 1, [1, 2], 99).item()).toBe(6);
    expect(f(0, 0, [1, 2], 99).item()).toBe(2);
    expect(() => f(1, 0, [1, 2], 99)).toThrow();
    expect(f(1, 0, [1, 2], 1).item()).toBe(2);
  });
});

describe('scan inside scan, compiled', () => {
  it('values and gradients match the reference evaluator', () => {
    const x = T.dmatrix('x');
    const w = T.dscalar('w');
    // the inner loop reads its row backwards, with w passed explicitly
    const outer = (row: T.Variable, acc: T.Variable, ww: T.Variable) =>
      (
        T.scan((v: T.Variable, s: T.Variable, k: T.Variable) => T.tanh(v.sub(s.mul(k))), {
          sequences: row,
          outputsInfo: acc,
          nonSequences: ww,
          goBackwards: true,
        })[0] as T.Variable
      )
        .get(-1)
        .mul(2);
    const [r] = T.scan(outer, {
      sequences: x,
      outputsInfo: T.constant(0.1, undefined, 'float64'),
      nonSequences: w,
    });
    const outs = [r as T.Variable, ...grad((r as T.Variable).sum(), [x, w])];
    const xv = [
      [0.1, -0.2, 0.3],
      [0.5, 0.1, -0.4],
    ];
    const ref = T.evaluate(
      outs,
      new Map<T.Variable, unknown>([
        [x, xv],
        [w, 0.7],
      ]),
    );
    for (const mode of MODES) {
      const got = fn([x, w], outs, { mode })(xv, 0.7);
      got.forEach((g, i) => {
        const a = Array.from(g.toFlat());
        Array.from(ref[i].toFlat()).forEach((e, k) => expect(a[k]).toBeCloseTo(e, 12));
      });
    }
  });
});

describe("scan's inner function is compiled once, with the function's mode", () => {
  it('makeThunk runs at compile time only, on the rewritten inner graph', async () => {
    const { createCpuBackend } = await import('@theano-ts/backend-cpu');
    const { Mode } = await import('./mode');
    const cpu = createCpuBackend();
    const seen: string[] = [];
    const backend = {
      ...cpu,
      name: 'counting-cpu',
      makeThunk(node: T.Apply) {
        seen.push(T.opLabel(node.op));
        return cpu.makeThunk(node);
      },
    };
    const x = T.dvector('x');
    const [s] = T.scan((xt: T.Variable, acc: T.Variable) => acc.add(xt.mul(xt)), {
      sequences: x,
      outputsInfo: T.constant(0, undefined, 'float64'),
    });
    const f = fn([x], (s as T.Variable).get(-1), { mode: new Mode({ backend }) });
    const atCompile = seen.length;
    // the inner x*x was specialized (local_mul_to_sqr) before the inner nodes were linked
    expect(seen.some((l) => /sqr/.test(l))).toBe(true);
    expect(seen.some((l) => l === 'Elemwise{mul}')).toBe(false);
    expect(f([1, 2, 3]).item()).toBe(14);
    expect(f([1, 2, 3, 4]).item()).toBe(30);
    expect(seen.length).toBe(atCompile);
  });
});

describe('ifelse runs only the taken branch (counted)', () => {
  it("the other branch's nodes are never called", async () => {
    const { createCpuBackend } = await import('@theano-ts/backend-cpu');
    const { Mode } = await import('./mode');
    const cpu = createCpuBackend();
    const calls = new Map<string, number>();
    const backend = {
      ...cpu,
      name: 'counting-cpu',
      makeThunk(node: T.Apply) {
        const inner = cpu.makeThunk(node);
        const label = T.opLabel(node.op);
        return (ins: readonly unknown[]) => {
          calls.set(label, (calls.get(label) ?? 0) + 1);
          return inner(ins);
        };
      },
    };
    const c = T.iscalar('c');
    const A = T.dmatrix('A');
    // an expensive branch (a chain of matrix products) and a cheap one
    let heavy: T.Variable = A;
    for (let i = 0; i < 5; i++) heavy = T.dot(heavy, A);
    const f = fn([c, A], T.ifelse(c, heavy.sum(), A.max()), {
      mode: new Mode({ backend, excluding: ['fusion'] }),
    });
    const a = [
      [0.5, 0.1],
      [0.2, 0.3],
    ];
    expect(f(0, a).item()).toBe(0.5);
    expect(calls.get('Dot') ?? 0).toBe(0);
    f(1, a);
    expect(calls.get('Dot')).toBe(5);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { createCpuBackend } from '@theano-ts/backend-cpu';
import { defaultDatabase, nodeRewriter } from '@theano-ts/optimizer-passes';
import {
  DebugMode,
  DebugModeError,
  In,
  Mode,
  NanGuardError,
  NanGuardMode,
  getMode,
  nodeErrorInfo,
  function as theanoFunction,
} from './index';

const f64 = (x: number[] | number[][]) => array(x, { dtype: 'float64' });
const opsOf = (f: { maker: { schedule: readonly T.Apply[] } }) =>
  f.maker.schedule.map((n) => T.opLabel(n.op));

/** A CPU backend whose Elemwise{exp} kernel is wrong, or which overwrites its first input. */
function buggyBackend(bug: 'exp' | 'mutate') {
  const cpu = createCpuBackend();
  return {
    ...cpu,
    name: `buggy-${bug}`,
    makeThunk(node: T.Apply) {
      const t = cpu.makeThunk(node);
      if (bug === 'exp' && T.opLabel(node.op) === 'Elemwise{exp}')
        return (ins: readonly unknown[]) => {
          const [o] = t(ins) as NDArray[];
          o.data[o.data.length - 1] += 1;
          return [o];
        };
      if (bug === 'mutate' && T.opLabel(node.op) === 'Elemwise{exp}')
        return (ins: readonly unknown[]) => {
          const out = t(ins);
          (ins[0] as NDArray).data[0] = -1;
          return out;
        };
      return t;
    },
  };
}

describe('DebugMode', () => {
  it('passes on a correct graph with stabilizations, fusion and updates (an MLP step)', () => {
    const x = T.dmatrix('x');
    const y = T.ivector('y');
    const W = T.shared(
      f64([
        [0.1, -0.2, 0.3],
        [0.4, 0.5, -0.6],
      ]),
      'W',
    );
    const b = T.shared(f64([0, 0.1, -0.1]), 'b');
    const p = T.softmax(T.add(T.dot(x, W), b.dimshuffle('x', 0)));
    const loss = T.mean(T.categoricalCrossentropy(p, y));
    const step = theanoFunction([x, y], loss, {
      updates: [[b, b.sub(b.mul(0.1).add(loss))]],
      mode: new DebugMode(),
    });
    const ref = theanoFunction([x, y], loss, { mode: new Mode({ optimizer: 'none' }) });
    const vx = f64([
      [1, 2],
      [3, -1],
    ]);
    const vy = array([0, 2], { dtype: 'int32' });
    const want = ref(vx, vy).item();
    expect(step(vx, vy).item()).toBeCloseTo(want, 12);
    expect(step.maker.mode).toBeInstanceOf(DebugMode);
    expect(step.maker.fgraph.trace.length).toBeGreaterThan(0); // rewrites are traced
  });

  it('throws on the first node a wrong rewrite produced, naming the rewrite and the expression', () => {
    const db = defaultDatabase().clone();
    db.register(
      nodeRewriter('bad_exp_to_add', ['Elemwise:exp'], (_fg, node) => [T.add(node.inputs[0], 1)]),
      { phase: 'specialize', tags: ['fast_run'] },
    );
    const x = T.dvector('x');
    const e = T.exp(x); // the line the message must point at
    const f = theanoFunction([x], T.log(e.add(2)), { mode: new DebugMode({ db }) });
    let err: DebugModeError | undefined;
    try {
      f([0.5, 1]);
    } catch (e2) {
      err = e2 as DebugModeError;
    }
    expect(err).toBeInstanceOf(DebugModeError);
    expect(err!.message).toMatch(
      /produced by rewrites 'bad_exp_to_add' → 'elemwise_fusion', does not compute what your expression computes: element \[0\] is/,
    );
    expect(err!.message).toMatch(/Your expression was built at .*modes\.test\.ts/);
    expect(err!.message).toMatch(/Elemwise\{log\} \[id A\]\n.*\n.*Elemwise\{exp\} \[id C\]/);
    expect(nodeErrorInfo(err)!.rewrites).toContain('bad_exp_to_add');
    // the same graph without that rewrite is fine
    expect(() =>
      theanoFunction([x], T.log(e.add(2)), { mode: 'DebugMode' })([0.5, 1]),
    ).not.toThrow();
  });

  it('throws when a backend kernel disagrees with the reference implementation', () => {
    const x = T.dvector('x');
    const f = theanoFunction([x], T.exp(x).sum(), {
      mode: new DebugMode({ backend: buggyBackend('exp'), optimizer: 'none' }),
    });
    expect(() => f([0, 1])).toThrow(DebugModeError);
    expect(() => f([0, 1])).toThrow(
      /the backend 'buggy-exp' and the reference implementation disagree on Elemwise\{exp\}: element \[1\] is/,
    );
  });

  it('throws when a node modifies its input, unless the function input is mutable', () => {
    const x = T.dvector('x');
    const mode = new DebugMode({ backend: buggyBackend('mutate'), optimizer: 'none' });
    const f = theanoFunction([x], T.exp(x), { mode });
    expect(() => f([1, 2])).toThrow(
      /the node modified its input 0 \(x\).*In\(x, \{ mutable: true \}\)/,
    );
    const g = theanoFunction([new In(x, { mutable: true })], T.exp(x), { mode });
    const v = f64([1, 2]);
    expect(() => g(v)).not.toThrow();
    expect(v.toArray()).toEqual([-1, 2]); // the input was declared mutable
  });
});

describe('NanGuardMode', () => {
  it('throws on the first node producing NaN, naming it and the expression', () => {
    const x = T.dvector('x');
    const l = T.log(x); // NaN for negative x
    // without reduce fusion, log stays a node of its own (fused, the sum would be the culprit)
    const mode = getMode('NanGuardMode').excluding('reduce_fusion');
    const f = theanoFunction([x], l.mul(2).sum(), { mode });
    expect(f([1, 2]).item()).toBeCloseTo(2 * Math.log(2));
    let err: Error | undefined;
    try {
      f([1, -1]);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(NanGuardError);
    expect(err!.message).toMatch(/\(NanGuardMode\): Elemwise\{log\} produced NaN at \[1\]/);
    expect(err!.message).toMatch(
      /node 1 of 3 in the compiled graph[\s\S]*Elemwise\{log\} \[id A\]\n *\|x \[id B\]\n *It is your expression as you built it, at .*modes\.test\.ts/,
    );
  });

  it('checks inputs and shared values, Inf, and big values when asked', () => {
    const x = T.dvector('x');
    const s = T.shared(f64([1, NaN]), 's');
    const f = theanoFunction([x], x.mul(s), { mode: new NanGuardMode() });
    expect(() => f([1, 1])).toThrow(
      /shared variable 's' contains NaN at \[1\] before any node ran/,
    );
    s.setValue(f64([1, 1]));
    expect(() => f([Infinity, 1])).toThrow(/input 0 'x' contains Infinity at \[0\]/);
    const g = theanoFunction([x], x.mul(1e6), {
      mode: new NanGuardMode({ bigIsError: true, bigThreshold: 1e9 }),
    });
    expect(() => g([1, 1e4])).toThrow(
      /produced 10000000000 \(above bigThreshold 1000000000\) at \[1\]/,
    );
    const h = theanoFunction([x], T.exp(x), { mode: new NanGuardMode({ infIsError: false }) });
    expect(h([1000]).item()).toBe(Infinity);
  });
});

describe('Mode objects', () => {
  it('including / excluding rewrites by name or tag, copying the mode', () => {
    const x = T.dvector('x');
    const expr = x.mul(2).add(1).exp();
    expect(opsOf(theanoFunction([x], expr))).toEqual(['Elemwise{Composite{exp(((i0 * 2) + 1))}}']);
    const noFusion = getMode('FAST_RUN').excluding('fusion');
    expect(noFusion).not.toBe(getMode('FAST_RUN'));
    expect(noFusion.exclude).toEqual(['fusion']);
    // x is the caller's: mul allocates; add and exp then reuse the dead product's buffer
    expect(opsOf(theanoFunction([x], expr, { mode: noFusion }))).toEqual([
      'Elemwise{mul}',
      'Elemwise{add}[inplace 0←0]',
      'Elemwise{exp}[inplace 0←0]',
    ]);
    expect(opsOf(theanoFunction([x], expr, { mode: noFusion.excluding('inplace') }))).toEqual([
      'Elemwise{mul}',
      'Elemwise{add}',
      'Elemwise{exp}',
    ]);
    const none = new Mode({ optimizer: 'none' });
    expect(
      opsOf(theanoFunction([x], expr, { mode: none.including('elemwise_fusion') })),
    ).toHaveLength(1);
    expect(new DebugMode().excluding('fusion')).toBeInstanceOf(DebugMode);
    expect(() =>
      theanoFunction([x], expr, { mode: new Mode({ including: ['no_such_rewrite'] }) }),
    ).toThrow(/no_such_rewrite/);
  });

  it('FAST_COMPILE skips fusion and canonicalization but keeps every stabilization', () => {
    const x = T.dmatrix('x');
    const f = theanoFunction([x], T.log(T.softmax(x)).mul(1), { mode: 'FAST_COMPILE' });
    const ops = opsOf(f);
    expect(ops).toContain('LogSoftmax{axis=1}');
    expect(ops.some((o) => o.includes('Composite'))).toBe(false);
    expect(f.maker.report.phases.map((p) => p.phase)).not.toContain('fusion');
  });

  it('chooses the backend by name or object, and names unknown ones', () => {
    const x = T.dvector('x');
    const custom = { ...createCpuBackend(), name: 'mine' };
    const f = theanoFunction([x], x.mul(2), { mode: new Mode({ backend: custom }) });
    expect(f.maker.mode.backendName).toBe('mine');
    expect(f([1]).toArray()).toEqual([2]);
    expect(() => new Mode({ backend: 'nope' })).toThrow(/unknown backend 'nope'; registered: cpu/);
    expect(() => new Mode({ optimizer: 'o9' as never })).toThrow(/unknown optimizer 'o9'/);
    expect(String(getMode('FAST_COMPILE'))).toBe(
      'FAST_COMPILE(optimizer=fast_compile, backend=cpu)',
    );
  });

  it("fuses a reduction with its elemwise only when the backend's supports hook says so", () => {
    const x = T.dvector('x');
    const expr = T.sum(T.exp(x.mul(2)));
    const cpu = createCpuBackend();
    expect(opsOf(theanoFunction([x], expr))).toEqual([
      'CAReduce{add, axes=[0], elemwise=Composite{exp((i0 * 2))}}',
    ]);
    // a backend without the hook (as gpujs) and one that refuses keep the two nodes
    const { supports: _, ...noHook } = cpu;
    const refuses = { ...cpu, supports: () => false };
    for (const backend of [noHook, refuses]) {
      const f = theanoFunction([x], expr, { mode: new Mode({ backend }) });
      expect(opsOf(f)).toEqual(['Elemwise{Composite{exp((i0 * 2))}}', 'CAReduce{add, axes=[0]}']);
      expect(f([0.5, -1]).item()).toBeCloseTo(Math.exp(1) + Math.exp(-2), 14);
    }
    expect(theanoFunction([x], expr)([0.5, -1]).item()).toBeCloseTo(Math.exp(1) + Math.exp(-2), 14);
  });
});

describe('theano.config: mode, floatX and THEANO_TS_FLAGS', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('config.mode is the default mode', () => {
    const x = T.dscalar('x');
    const before = T.config.mode;
    try {
      T.config.mode = 'FAST_COMPILE';
      expect(theanoFunction([x], x.mul(2)).maker.mode.name).toBe('FAST_COMPILE');
      T.config.mode = 'DebugMode';
      expect(theanoFunction([x], x.mul(2)).maker.mode).toBeInstanceOf(DebugMode);
    } finally {
      T.config.mode = before;
    }
    expect(theanoFunction([x], x.mul(2)).maker.mode.name).toBe('FAST_RUN');
  });

  it('THEANO_TS_FLAGS sets floatX and mode when the packages load', async () => {
    vi.stubEnv('THEANO_TS_FLAGS', 'floatX=float64, mode=FAST_COMPILE');
    vi.resetModules();
    const sym = await import('@theano-ts/symbolic');
    const compile = await import('./index');
    expect(sym.config.floatX).toBe('float64');
    expect(sym.config.mode).toBe('FAST_COMPILE');
    const x = sym.matrix('x');
    expect(x.dtype).toBe('float64');
    const f = compile.function([x], x.mul(2));
    expect(f.maker.mode.name).toBe('FAST_COMPILE');
  });

  it('THEANO_TS_FLAGS: a bad value throws, an unknown flag warns', async () => {
    vi.stubEnv('THEANO_TS_FLAGS', 'mode=FAST');
    vi.resetModules();
    await expect(import('@theano-ts/symbolic')).rejects.toThrow(
      /THEANO_TS_FLAGS: invalid value 'FAST' for mode; expected one of FAST_RUN, FAST_COMPILE, DebugMode, NanGuardMode/,
    );
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubEnv('THEANO_TS_FLAGS', 'floatx=float64');
    vi.resetModules();
    const sym = await import('@theano-ts/symbolic');
    expect(sym.config.floatX).toBe('float32');
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /unknown flag 'floatx' ignored; known flags: floatX, mode, traceRewrites/,
      ),
    );
    warn.mockRestore();
  });
});

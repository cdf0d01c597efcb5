import { describe, expect, it } from 'vitest';
import { NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import {
  DebugMode,
  In,
  MissingInputError,
  Mode,
  NanGuardMode,
  Out,
  UnusedInputError,
  function as theanoFunction,
  type FunctionOptions,
} from './index';
import { createDeviceBackend } from './device-backend.test-helper';

const f64 = (x: number[] | number[][]) => array(x, { dtype: 'float64' });

/** The semantics below must hold whatever the mode: each case runs under all of these. */
const MODES: [string, () => Pick<FunctionOptions, 'mode' | 'profile'>][] = [
  ['FAST_RUN', () => ({ mode: 'FAST_RUN' })],
  ['FAST_COMPILE', () => ({ mode: 'FAST_COMPILE' })],
  ["Mode({ optimizer: 'none' })", () => ({ mode: new Mode({ optimizer: 'none' }) })],
  ['DebugMode', () => ({ mode: 'DebugMode' })],
  ['NanGuardMode', () => ({ mode: new NanGuardMode() })],
  ['FAST_RUN with profile', () => ({ mode: 'FAST_RUN', profile: true })],
  // shared variables kept in the backend's storage (Backend.loadShared / storeShared)
  [
    'FAST_RUN on a backend with residency hooks',
    () => ({ mode: new Mode({ backend: createDeviceBackend() }) }),
  ],
  [
    'DebugMode on a backend with residency hooks',
    () => ({ mode: new DebugMode({ backend: createDeviceBackend() }) }),
  ],
];

describe.each(MODES)('theano.function semantics in %s', (_label, modeOpts) => {
  it("the tutorial's accumulator: updates, setValue, givens", () => {
    const state = T.shared(0, 'state');
    const inc = T.iscalar('inc');
    const acc = theanoFunction([inc], state, {
      updates: [[state, state.add(inc)]],
      ...modeOpts(),
    });
    expect(acc(1).toString()).toBe('array(0, dtype=int32)');
    expect(acc(300).item()).toBe(1);
    expect(state.getValue().item()).toBe(301);
    state.setValue(-1);
    expect(acc(3).item()).toBe(-1);
    expect(state.getValue().item()).toBe(2);
    const foo = T.iscalar('foo');
    const skip = theanoFunction([inc, foo], state.mul(2).add(inc), {
      givens: [[state, foo]],
      ...modeOpts(),
    });
    expect(skip(1, 3).item()).toBe(7);
    expect(state.getValue().item()).toBe(2);
  });

  it("the tutorial's defaults: f(33)=68, f(33,2)=70, f(33,0,1)=33, f(33,{wByName:1})=34", () => {
    const [x, y, w] = T.dscalars('x', 'y', 'w');
    const f = theanoFunction(
      [x, new In(y, { value: 1 }), new In(w, { value: 2, name: 'wByName' })],
      x.add(y).mul(w),
      modeOpts(),
    );
    expect(f(33).item()).toBe(68);
    expect(f(33, 2).item()).toBe(70);
    expect(f(33, 0, 1).item()).toBe(33);
    expect(f(33, { wByName: 1 }).item()).toBe(34);
    expect(f({ x: 1, y: 2, wByName: 3 }).item()).toBe(9);
    expect(f(33, { y: 0 }).item()).toBe(66);
  });

  it('outputs see the values from before the call; updates apply together', () => {
    const a = T.shared(f64([1, 2]), 'a');
    const b = T.shared(f64([10, 20]), 'b');
    const f = theanoFunction([], [a, b, a.add(b)], {
      updates: [
        [a, b],
        [b, a],
      ],
      ...modeOpts(),
    });
    const [ra, rb, s] = f();
    expect(ra.toArray()).toEqual([1, 2]);
    expect(rb.toArray()).toEqual([10, 20]);
    expect(s.toArray()).toEqual([11, 22]);
    expect(a.getValue().toArray()).toEqual([10, 20]);
    expect(b.getValue().toArray()).toEqual([1, 2]);
    // the swap left no storage shared between a and b
    a.getValue({ borrow: true }).data[0] = 99;
    expect(b.getValue().toArray()).toEqual([1, 2]);
  });

  it('updates given as a Map, with values, and defaultUpdate (off with noDefaultUpdates)', () => {
    const a = T.shared(f64([1, 2]), 'a');
    const c = T.shared(5, 'c');
    c.defaultUpdate = c.add(1);
    const f = theanoFunction([], a.mul(c), { updates: new Map([[a, f64([0, 0])]]), ...modeOpts() });
    expect(f().toArray()).toEqual([5, 10]);
    expect(a.getValue().toArray()).toEqual([0, 0]);
    expect(c.getValue().item()).toBe(6);
    expect(f.maker.updates.map((u) => u.isDefault)).toEqual([false, true]);
    const g = theanoFunction([], c.mul(1), { noDefaultUpdates: true, ...modeOpts() });
    g();
    expect(c.getValue().item()).toBe(6);
    const h = theanoFunction([], c.mul(1), { noDefaultUpdates: [c], ...modeOpts() });
    h();
    expect(c.getValue().item()).toBe(6);
  });

  it('an In with value and update keeps state between calls', () => {
    const n = T.dscalar('n');
    const f = theanoFunction(
      [new In(n, { value: 0, update: n.add(1), name: 'n' })],
      n.mul(10),
      modeOpts(),
    );
    expect(f().item()).toBe(0);
    expect(f().item()).toBe(10);
    expect(f(5).item()).toBe(50); // explicit value: used, then updated from it
    expect(f().item()).toBe(60);
    const g = f.copy();
    expect(g().item()).toBe(70);
    expect(f().item()).toBe(70); // the copy has its own state
  });

  it('givens replace in outputs and updates alike', () => {
    const s = T.shared(f64([1, 2]), 's');
    const t = T.shared(f64([0, 0]), 't');
    const x = T.dvector('x');
    const f = theanoFunction([x], s.sum(), {
      givens: [[s, x.mul(2)]],
      updates: [[t, s.add(1)]],
      ...modeOpts(),
    });
    expect(f([3, 4]).item()).toBe(14);
    expect(t.getValue().toArray()).toEqual([7, 9]);
    expect(s.getValue().toArray()).toEqual([1, 2]);
  });

  it('a call that throws mid-way leaves every shared variable (and In state) as it was', () => {
    const a = T.shared(f64([1, 2]), 'a');
    const b = T.shared(f64([5, 6]), 'b');
    const c = T.shared(0, 'c');
    const m = T.dmatrix('m');
    const k = T.dscalar('k');
    const f = theanoFunction(
      [m, new In(k, { value: 1, update: k.add(1) })],
      [a.add(b).mul(k)], // computed first
      {
        updates: [
          [a, a.add(1)],
          [b, T.dot(m, b)], // fails when m has the wrong number of columns
          [c, c.add(1)],
        ],
        ...modeOpts(),
      },
    );
    expect(() => f([[1, 2, 3]])).toThrow(/Dot/);
    expect(a.getValue().toArray()).toEqual([1, 2]);
    expect(b.getValue().toArray()).toEqual([5, 6]);
    expect(c.getValue().item()).toBe(0);
    expect(
      f([
        [1, 0],
        [0, 1],
      ])[0].toArray(),
    ).toEqual([6, 8]); // k still 1
    expect(a.getValue().toArray()).toEqual([2, 3]);
    expect(b.getValue().toArray()).toEqual([5, 6]);
    expect(c.getValue().item()).toBe(1);
    expect(
      f([
        [1, 0],
        [0, 1],
      ])[0].toArray(),
    ).toEqual([14, 18]); // k became 2
  });

  it('outputs never alias inputs, shared values or constants unless borrowed', () => {
    const x = T.dvector('x');
    const s = T.shared(f64([1, 2]), 's');
    const c = T.constant(f64([7, 8]));
    const f = theanoFunction([x], [x, s, c, x.dimshuffle(0, 'x')], modeOpts());
    const inp = f64([5, 6]);
    const [ox, os, oc, ov] = f(inp);
    for (const o of [ox, os, oc, ov]) o.data[0] = 99;
    expect(inp.toArray()).toEqual([5, 6]);
    expect(s.getValue().toArray()).toEqual([1, 2]);
    expect(f(inp)[2].toArray()).toEqual([7, 8]);
    const scalar = T.dscalar('y');
    const g = theanoFunction([scalar], scalar, modeOpts());
    const first = g(1);
    g(2); // the preallocated scalar input buffer is reused, the output is not
    expect(first.item()).toBe(1);
    const borrowed = theanoFunction([x], new Out(x, { borrow: true }), modeOpts());
    expect(borrowed(inp).data).toBe(inp.data);
  });

  it('each output is its own array: one variable asked twice, or two merged into one (Theano copies)', () => {
    const x = T.dvector('x');
    const y = T.exp(x);
    const f = theanoFunction([x], [y, y, T.exp(x)], modeOpts());
    const [a, b, c] = f(f64([0, 1]));
    a.data[0] = 42;
    expect(b.toArray()).toEqual([1, Math.E]);
    expect(c.toArray()).toEqual([1, Math.E]);
    b.data[1] = 7;
    expect(c.toArray()).toEqual([1, Math.E]);
    // a borrowed output may share the function's buffer; the unborrowed one after it may not
    const g = theanoFunction([x], [new Out(y, { borrow: true }), y], modeOpts());
    const [p, q] = g(f64([0, 1]));
    expect(p.data).not.toBe(q.data);
    expect(q.toArray()).toEqual([1, Math.E]);
  });

  it('inputs are never modified; getValue/setValue copy unless borrow', () => {
    const x = T.dvector('x');
    const s = T.shared(f64([1, 2]), 's');
    const f = theanoFunction([x], x.mul(2), { updates: [[s, s.add(x)]], ...modeOpts() });
    const inp = f64([1, 1]);
    f(inp);
    expect(inp.toArray()).toEqual([1, 1]);
    expect(s.getValue().toArray()).toEqual([2, 3]);
    const v = s.getValue();
    v.data[0] = 100;
    expect(s.getValue().toArray()).toEqual([2, 3]);
    const mine = f64([7, 7]);
    s.setValue(mine);
    mine.data[0] = 0;
    expect(s.getValue().toArray()).toEqual([7, 7]);
    s.setValue(mine, { borrow: true });
    expect(s.getValue({ borrow: true })).toBe(mine);
    f(inp); // the update stores a new array; the borrowed one is left alone
    expect(mine.toArray()).toEqual([0, 7]);
    expect(s.getValue().toArray()).toEqual([1, 8]);
  });

  it('outputs: one variable gives one NDArray, a list gives a list, none gives []', () => {
    const x = T.dscalar('x');
    const s = T.shared(0, 's');
    const one = theanoFunction([x], x.add(1), modeOpts());
    expect(one(1)).toBeInstanceOf(NDArray);
    const list = theanoFunction([x], [x.add(1)], modeOpts());
    expect(Array.isArray(list(1))).toBe(true);
    const none = theanoFunction([], [], { updates: [[s, s.add(1)]], ...modeOpts() });
    expect(none()).toEqual([]);
    expect(s.getValue().item()).toBe(1);
  });
});

describe('compile-time errors', () => {
  it('unused and missing inputs', () => {
    const [x, y] = T.dscalars('x', 'y');
    expect(() => theanoFunction([x, y], x.mul(2))).toThrow(UnusedInputError);
    expect(() => theanoFunction([x, y], x.mul(2))).toThrow(
      /input 1 'y' is not used.*onUnusedInput: 'ignore'/,
    );
    expect(() => theanoFunction([x], x.mul(y))).toThrow(MissingInputError);
    expect(() => theanoFunction([x], x.mul(y))).toThrow(
      /needs 'y' \(float64 scalar\), which is not an input[\s\S]*used by Elemwise\{mul\}[\s\S]*function\.test\.ts/,
    );
    expect(() => theanoFunction([x, y], x.mul(2), { onUnusedInput: 'ignore' })).not.toThrow();
  });

  it('two updates of one variable, and updates of the wrong type, say which', () => {
    const a = T.shared(f64([1, 2]), 'a');
    const x = T.dvector('x');
    expect(() =>
      theanoFunction([], [], {
        updates: [
          [a, a.add(1)],
          [a, a.sub(1)],
        ],
      }),
    ).toThrow(/shared variable 'a' has two updates \(updates 0 and 1\)/);
    expect(() => theanoFunction([], [], { updates: [[a, a.astype('float32')]] })).toThrow(
      /update of shared variable 'a' has type float32 vector, but the variable is float64 vector; cast the update: expr.astype\('float64'\)/,
    );
    expect(() => theanoFunction([], [], { updates: [[a, a.sum()]] })).toThrow(
      /the update has 0 dimensions and the variable 1/,
    );
    expect(() => theanoFunction([x], [], { updates: [[x as never, x]] })).toThrow(
      /update 0 targets 'x' \(float64 vector\), which is not a shared variable.*In\(x, \{ value, update \}\)/,
    );
    const b = T.shared(f64([1, 2]), 'b');
    b.defaultUpdate = b.sum();
    expect(() => theanoFunction([], b.mul(1))).toThrow(
      /defaultUpdate of shared variable 'b' has type float64 scalar/,
    );
  });

  it('givens must keep the type unless rebuildStrict is false', () => {
    const x = T.fvector('x');
    const d = T.dvector('d');
    const r = T.drow('r');
    expect(() => theanoFunction([d], x.mul(2), { givens: [[x, d]] })).toThrow(
      /givens replaces 'x' \(float32 vector\) by 'd' \(float64 vector\): the dtypes differ.*rebuildStrict: false/,
    );
    expect(() => theanoFunction([r], x.mul(2), { givens: [[x, r]] })).toThrow(/the ranks differ/);
    const f = theanoFunction([d], x.mul(2), { givens: [[x, d]], rebuildStrict: false });
    const out = f([1.5, 2]);
    expect(out.dtype).toBe('float64');
    expect(out.toArray()).toEqual([3, 4]);
  });

  it('inputs must be free, distinct, non-shared variables; options are checked', () => {
    const x = T.dscalar('x');
    const s = T.shared(1, 's');
    expect(() => theanoFunction([s], s.mul(2))).toThrow(/input 0 's' is a shared variable/);
    expect(() => theanoFunction([x.add(1)], x)).toThrow(
      /is computed by Elemwise\{add\}; inputs must be free variables/,
    );
    expect(() => theanoFunction([x, x], x)).toThrow(/input 'x' is given twice \(inputs 0 and 1\)/);
    expect(() => theanoFunction([x], x, { upadtes: [] } as never)).toThrow(
      /unknown option 'upadtes'/,
    );
    expect(() => theanoFunction([x], x, { mode: 'FAST' as never })).toThrow(/unknown mode 'FAST'/);
    expect(() => new In(x, { update: x.add(1) })).toThrow(/an update needs a value/);
  });
});

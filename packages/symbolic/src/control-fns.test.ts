import { describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from './index';

const ev = (outs: T.Variable[], givens: [T.Variable, unknown][] = []) =>
  T.evaluate(outs, new Map(givens)).map((a) => a.toArray());

describe('scan (reference perform)', () => {
  it('polynomial coefficients [1,0,2] at 3 = 19 (Theano tutorial)', () => {
    const coefficients = T.dvector('coefficients');
    const x = T.dscalar('x');
    const maxPower = T.constant(100, undefined, 'int32');
    const [components] = T.scan(
      (c: T.Variable, power: T.Variable, freeVar: T.Variable) => c.mul(freeVar.pow(power)),
      { sequences: [coefficients, T.arange(maxPower)], nonSequences: x },
    );
    const poly = (components as T.Variable).sum();
    expect(
      ev(
        [poly],
        [
          [coefficients, [1, 0, 2]],
          [x, 3],
        ],
      )[0],
    ).toBe(19);
  });
  it('until: powers of 3 below 100, the step that crosses kept', () => {
    const [values] = T.scan((prev: T.Variable) => [prev.mul(3), T.until(prev.mul(3).ge(100))], {
      outputsInfo: T.constant(1, undefined, 'float64'),
      nSteps: 50,
    });
    expect(ev([values as T.Variable])[0]).toEqual([3, 9, 27, 81, 243]);
  });
  it('taps on sequences and outputs (fibonacci-like)', () => {
    const x = T.dvector('x');
    const [r] = T.scan(
      (xm2: T.Variable, x0: T.Variable, ym2: T.Variable, ym1: T.Variable) =>
        xm2.add(x0).add(ym2).add(ym1),
      {
        sequences: { input: x, taps: [-2, 0] },
        outputsInfo: { initial: T.constant(array([0, 1]), undefined, 'float64'), taps: [-2, -1] },
      },
    );
    // steps t=0..len-3; xm2 = x[t], x0 = x[t+2]
    const xs = [1, 2, 3, 4, 5];
    const ys = [0, 1];
    for (let t = 0; t < 3; t++) ys.push(xs[t] + xs[t + 2] + ys[t] + ys[t + 1]);
    expect(ev([r as T.Variable], [[x, xs]])[0]).toEqual(ys.slice(2));
  });
  it('shared-variable updates', () => {
    const a = T.shared(1, 'a');
    const [, updates] = T.scan(() => new Map([[a, a.add(1)]]), { nSteps: 10 });
    expect(ev([updates.get(a)!])[0]).toBe(11);
  });
});

describe('scan and ifelse build-time errors name scan, the variable and the line', () => {
  it('a mismatched initial value points at the user line', () => {
    const h0 = T.dvector('h0');
    let msg = '';
    try {
      T.scan((h: T.Variable) => h.sum(), { outputsInfo: h0, nSteps: 3, name: 'acc' });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^scan 'acc': output 0 of fn has 0 dimensions/);
    expect(msg).toMatch(/outputsInfo\[0\]/);
    expect(msg).toMatch(/built at .*control-fns\.test\.ts:\d+/);
  });
  it('a step that changes the state dtype is an inconsistent-type error, not an upcast', () => {
    const cases: [T.Variable, (h: T.Variable) => T.Variable, string, string][] = [
      [T.ivector('h0'), (h) => h.mul(0.5), 'int32', 'float64'],
      [T.fvector('h0'), (h) => h.add(T.dscalar('w')), 'float32', 'float64'],
    ];
    for (const [h0, step, init, out] of cases) {
      let msg = '';
      try {
        T.scan(step, { outputsInfo: h0, nSteps: 3, name: 'acc' });
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toContain(
        `scan 'acc': output 0 of fn has dtype ${out} but its initial value outputsInfo[0] has ${init}: inconsistent types`,
      );
      expect(msg).toMatch(
        new RegExp(`cast one of them \\(e\\.g\\. initial\\.astype\\('${out}'\\)`),
      );
      expect(msg).toMatch(/built at .*control-fns\.test\.ts:\d+/);
    }
  });
  it('a JS number or int constant initial value takes the step dtype (the documented exception)', () => {
    const w = T.dscalar('w');
    for (const initial of [0, T.constant(0, undefined, 'int32')]) {
      const [r] = T.scan((h: T.Variable) => h.add(w), { outputsInfo: initial, nSteps: 3 });
      expect((r as T.Variable).dtype).toBe('float64');
      expect(ev([r as T.Variable], [[w, 0.5]])[0]).toEqual([0.5, 1, 1.5]);
    }
  });
  it('an update of something that is not a shared variable', () => {
    const x = T.dscalar('x');
    expect(() =>
      T.scan(() => new Map([[x as unknown as T.SharedVariable, x]]), { nSteps: 1 }),
    ).toThrow(/scan: fn returned an update of .*only shared variables can be updated/);
  });
  it('ifelse lists of different lengths', () => {
    expect(() =>
      T.ifelse(T.iscalar('c'), [T.dscalar('a')], [T.dscalar('b'), T.dscalar('d')]),
    ).toThrow(/ifelse: then has 1 value and else 2/);
  });
});

describe('scan outputsInfo as a JS list', () => {
  it('[0, 1] is two outputs with initial values 0 and 1 (as a Python list in Theano)', () => {
    const [outs] = T.scan((a: T.Variable, b: T.Variable) => [b, a.add(b)], {
      outputsInfo: [0, 1],
      nSteps: 5,
    });
    // Fibonacci: (a, b) -> (b, a + b)
    expect(ev(outs as T.Variable[])).toEqual([
      [1, 1, 2, 3, 5],
      [1, 2, 3, 5, 8],
    ]);
  });
});

describe('scan and random draws', () => {
  const rowsOf = (a: { shape: readonly number[]; toFlat(): ArrayLike<number> }) => {
    const f = Array.from(a.toFlat());
    const w = f.length / a.shape[0];
    return Array.from({ length: a.shape[0] }, (_, t) => f.slice(t * w, (t + 1) * w));
  };

  it("a draw built in fn: its RNG state is a loop state, in scan's updates and the Scan's innerDefaults; one built outside fn is one draw", () => {
    const srng = new T.RandomStreams(1);
    const [noise, updates] = T.scan(() => srng.uniform([2], 0, 1, 'float64'), { nSteps: 3 });
    const rng = srng.stateUpdates[0][0];
    expect([...updates.keys()]).toEqual([rng]);
    const scanNode = (noise as T.Variable).owner!;
    expect(scanNode.op.kind).toBe('Scan');
    const { info } = (scanNode as T.Apply<'Scan'>).op.params;
    expect(info.innerDefaults).toEqual([rng]);
    expect(info.lastOnly).toEqual([true]);
    expect(T.loopDefaults([noise as T.Variable])).toEqual(new Set([rng]));
    const [v] = T.evaluate([noise as T.Variable]);
    const r = rowsOf(v);
    expect(r[1]).not.toEqual(r[0]);
    expect(r[2]).not.toEqual(r[1]);
    // a draw built outside fn and used in it is one draw: the same at every step
    const u = srng.uniform([2], 0, 1, 'float64');
    const [out, upd2] = T.scan(() => u.mul(1), { nSteps: 3 });
    expect(upd2.size).toBe(0);
    const r2 = rowsOf(T.evaluate([out as T.Variable])[0]);
    expect(r2[1]).toEqual(r2[0]);
    expect(r2[2]).toEqual(r2[0]);
  });

  it("an explicit update of the state wins over its defaultUpdate; noDefaultUpdates' bad value is an error", () => {
    const rng = T.shared(T.rngStateFromSeed(3), 'rng', { shape: [4] });
    const [, updates] = T.scan(
      () => {
        const [next, x] = T.randomDraw('RandomUniform', rng, [2], [0, 1], { dtype: 'float64' });
        rng.defaultUpdate = next;
        return [x, new Map([[rng, rng]])]; // the user keeps the state fixed
      },
      { nSteps: 2 },
    );
    const [s] = T.evaluate([updates.get(rng)!]);
    expect(Array.from(s.toFlat())).toEqual(Array.from(T.rngStateFromSeed(3).toFlat()));
    expect(() =>
      T.scan(() => T.constant(1), { nSteps: 1, noDefaultUpdates: 'yes' as never }),
    ).toThrow(/scan: noDefaultUpdates must be true, false or a list of shared variables/);
  });
});

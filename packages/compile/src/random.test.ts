import { describe, expect, it } from 'vitest';
import { NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { Mode, NanGuardMode, function as theanoFunction, type FunctionOptions } from './index';

const MODES: [string, () => Pick<FunctionOptions, 'mode'>][] = [
  ['FAST_RUN', () => ({ mode: 'FAST_RUN' })],
  ['FAST_COMPILE', () => ({ mode: 'FAST_COMPILE' })],
  ["Mode({ optimizer: 'none' })", () => ({ mode: new Mode({ optimizer: 'none' }) })],
  ['DebugMode', () => ({ mode: 'DebugMode' })],
  ['NanGuardMode', () => ({ mode: new NanGuardMode() })],
];

const flat = (a: NDArray) => Array.from(a.toFlat());

describe.each(MODES)('RandomStreams through theano.function in %s', (_label, modeOpts) => {
  it('each call draws fresh numbers (the default update advances the state)', () => {
    const srng = new T.RandomStreams(234);
    const u = srng.uniform([2, 2], 0, 1, 'float64');
    const f = theanoFunction([], u, modeOpts());
    const a = flat(f() as NDArray);
    const b = flat(f() as NDArray);
    expect(a).not.toEqual(b);
    a.concat(b).forEach((v) => expect(v >= 0 && v < 1).toBe(true));
  });

  it('noDefaultUpdates freezes the numbers', () => {
    const srng = new T.RandomStreams(234);
    const n = srng.normal([3]);
    const g = theanoFunction([], n, { noDefaultUpdates: true, ...modeOpts() });
    expect(flat(g() as NDArray)).toEqual(flat(g() as NDArray));
    const rng = srng.stateUpdates[0][0];
    const h = theanoFunction([], n, { noDefaultUpdates: [rng], ...modeOpts() });
    expect(flat(h() as NDArray)).toEqual(flat(g() as NDArray));
  });

  it("one call draws once per variable: u + u - 2 * u is exactly 0 (Theano's tutorial)", () => {
    const srng = new T.RandomStreams(234);
    const u = srng.uniform([5], 0, 1, 'float64');
    const f = theanoFunction([], u.add(u).sub(u.mul(2)), modeOpts());
    expect(flat(f() as NDArray)).toEqual([0, 0, 0, 0, 0]);
    const both = theanoFunction([], [u, u.mul(1)], modeOpts());
    const [a, b] = both() as NDArray[];
    expect(flat(a)).toEqual(flat(b));
  });

  it('the same seed gives the same numbers; seed() reseeds every state; getState/setState replay', () => {
    const s1 = new T.RandomStreams(7);
    const s2 = new T.RandomStreams(7);
    const f1 = theanoFunction([], [s1.uniform([4]), s1.randint([3], 0, 100)], modeOpts());
    const f2 = theanoFunction([], [s2.uniform([4]), s2.randint([3], 0, 100)], modeOpts());
    const first = (f1() as NDArray[]).map(flat);
    expect((f2() as NDArray[]).map(flat)).toEqual(first);
    const saved = s1.getState();
    const second = (f1() as NDArray[]).map(flat);
    expect(second).not.toEqual(first);
    s1.setState(saved);
    expect((f1() as NDArray[]).map(flat)).toEqual(second);
    s1.seed(7);
    expect((f1() as NDArray[]).map(flat)).toEqual(first);
    s1.seed(8);
    expect((f1() as NDArray[]).map(flat)).not.toEqual(first);
  });

  it('srng.updates() passed explicitly is the same as the default updates', () => {
    const s1 = new T.RandomStreams(5);
    const s2 = new T.RandomStreams(5);
    const f1 = theanoFunction([], s1.normal([3]), { updates: s1.updates(), ...modeOpts() });
    const f2 = theanoFunction([], s2.normal([3]), modeOpts());
    for (let k = 0; k < 2; k++) expect(flat(f1() as NDArray)).toEqual(flat(f2() as NDArray));
  });

  it('symbolic sizes: an int vector variable or a list of int scalars', () => {
    const srng = new T.RandomStreams(1);
    const shp = T.ivector('shp');
    const n = T.iscalar('n');
    const a = srng.uniform(shp, 0, 1, { ndim: 2 });
    const b = srng.normal([n, 3]);
    const f = theanoFunction([shp, n], [a, b], modeOpts());
    const [ya, yb] = f([2, 5], 4) as NDArray[];
    expect(ya.shape).toEqual([2, 5]);
    expect(yb.shape).toEqual([4, 3]);
    expect(() => f([2, -1], 1)).toThrow(
      /RandomUniform: size must be non-negative integers, got \[2, -1\]/,
    );
  });

  it('parameters known only at run time are checked then, naming the op and the user line', () => {
    const srng = new T.RandomStreams(1);
    const lo = T.dscalar('lo');
    const f = theanoFunction([lo], srng.uniform([2], lo, 1), modeOpts());
    expect(flat(f(0.5) as NDArray).every((v) => v >= 0.5 && v < 1)).toBe(true);
    expect(() => f(3)).toThrow(/RandomUniform: low must be <= high .*got low = 3 > high = 1/);
    expect(() => f(3)).toThrow(/random\.test\.ts/);
    const pv = T.dvector('p');
    const g = theanoFunction([pv], srng.choice([2], 3, { p: pv }), modeOpts());
    expect(() => g([0.5, 0.2, 0.2])).toThrow(/RandomChoice: probabilities do not sum to 1/);
    const k = T.iscalar('k');
    const h = theanoFunction([k], srng.choice([k], 4, { replace: false }), modeOpts());
    expect(() => h(5)).toThrow(/RandomChoice: cannot take a larger sample than population/);
    const m = T.iscalar('m');
    const b = theanoFunction([m], srng.binomial([2], m, 0.5), modeOpts());
    expect(() => b(-1)).toThrow(/RandomBinomial: n must be a non-negative integer, got n = -1/);
  });
});

describe('random ops and gradients', () => {
  it('a sample is not differentiable w.r.t. its parameters (grad raises)', () => {
    const srng = new T.RandomStreams(3);
    const lo = T.dscalar('lo');
    expect(() => grad(T.sum(srng.uniform([3], lo, 2)), lo)).toThrow(
      /RandomUniform\{float\d+\} is not differentiable/,
    );
  });

  it('a sample multiplying x passes the gradient to x (the mask is a constant)', () => {
    const srng = new T.RandomStreams(3);
    const x = T.dvector('x');
    const mask = srng.binomial(T.shape(x), 1, 0.5, 'float64');
    const [y, gx] = theanoFunction([x], [x.mul(mask), grad(T.sum(x.mul(mask)), x)], {
      noDefaultUpdates: true,
    })([1, 2, 3, 4, 5, 6]) as NDArray[];
    const m = flat(y).map((v, i) => v / (i + 1));
    expect(flat(gx)).toEqual(m);
    m.forEach((v) => expect(v === 0 || v === 1).toBe(true));
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { cosineDecay, exponentialDecay, learningRate, stepDecay } from './schedules';

const floatX = T.config.floatX;
afterEach(() => {
  T.config.floatX = floatX;
});

describe('schedules', () => {
  it('stepDecay: lr0·γ^⌊t / stepSize⌋', () => {
    const s = stepDecay(0.1, { stepSize: 3, gamma: 0.5 });
    expect([0, 1, 2, 3, 5, 6, 9].map(s)).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
    expect(stepDecay(1, { stepSize: 1 })(2)).toBeCloseTo(0.01, 15);
  });
  it('exponentialDecay: lr0·γᵗ', () => {
    const s = exponentialDecay(2, { gamma: 0.5 });
    expect([0, 1, 3].map(s)).toEqual([2, 1, 0.25]);
  });
  it('cosineDecay: from lr0 at 0 to etaMin at tMax, half way at tMax / 2', () => {
    const s = cosineDecay(1, { tMax: 10, etaMin: 0.1 });
    expect(s(0)).toBe(1);
    expect(s(5)).toBeCloseTo(0.55, 15);
    expect(s(10)).toBeCloseTo(0.1, 15);
    expect(cosineDecay(1, { tMax: 4 })(4)).toBeCloseTo(0, 15);
  });
  it('check their arguments', () => {
    expect(() => stepDecay(0.1, { stepSize: 0 })).toThrow(/stepDecay: invalid stepSize 0/);
    expect(() => exponentialDecay(0.1, { gamma: 0 })).toThrow(/invalid gamma/);
    expect(() => cosineDecay(-1, { tMax: 3 })).toThrow(/invalid lr0/);
  });
});

describe('learningRate', () => {
  it('is a shared scalar of floatX (or the dtype given) named lr', () => {
    T.config.floatX = 'float32';
    const lr = learningRate(0.1);
    expect(lr.ndim).toBe(0);
    expect(lr.dtype).toBe('float32');
    expect(lr.name).toBe('lr');
    expect(learningRate(0.1, { dtype: 'float64', name: 'eta' }).getValue().item()).toBe(0.1);
  });
});

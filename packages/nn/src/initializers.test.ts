import { afterEach, describe, expect, it } from 'vitest';
import { Generator } from '@theano-ts/tensor';
import { config } from '@theano-ts/symbolic';
import { fans, glorotNormal, glorotUniform, heUniform, zerosInit } from './initializers';

const floatX = config.floatX;
afterEach(() => {
  config.floatX = floatX;
});

const stats = (xs: ArrayLike<number>) => {
  const a = Array.from(xs);
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / (a.length - 1);
  return { mean, std: Math.sqrt(variance), min: Math.min(...a), max: Math.max(...a) };
};

describe('fans (Keras / PyTorch conventions)', () => {
  it('dense weights [in, out]', () => {
    expect(fans([784, 128])).toEqual([784, 128]);
  });

  it('conv weights [out, in, kh, kw] multiply by the receptive field', () => {
    expect(fans([16, 3, 5, 5])).toEqual([3 * 25, 16 * 25]);
  });

  it('vectors and scalars', () => {
    expect(fans([10])).toEqual([10, 10]);
    expect(fans([])).toEqual([1, 1]);
  });
});

describe('glorotUniform', () => {
  it('draws from U(-l, l) with l = sqrt(6 / (fan_in + fan_out)): for [784, 128], sqrt(6 / 912)', () => {
    const w = glorotUniform([784, 128], new Generator(0), 'float64');
    expect(w.shape).toEqual([784, 128]);
    const l = Math.sqrt(6 / 912);
    const s = stats(w.data);
    expect(s.min).toBeGreaterThanOrEqual(-l);
    expect(s.max).toBeLessThan(l);
    // the extremes come close to the bound with 100352 draws
    expect(s.min).toBeLessThan(-0.999 * l);
    expect(s.max).toBeGreaterThan(0.999 * l);
    // U(-l, l): mean 0, std l / sqrt(3); standard errors ≈ 1.6e-4 and 1.2e-4
    expect(Math.abs(s.mean)).toBeLessThan(1e-3);
    expect(Math.abs(s.std - l / Math.sqrt(3))).toBeLessThan(1e-3);
  });

  it('uses floatX unless given a dtype, and the generator for reproducibility', () => {
    config.floatX = 'float32';
    expect(glorotUniform([3, 4], new Generator(1)).dtype).toBe('float32');
    config.floatX = 'float64';
    expect(glorotUniform([3, 4], new Generator(1)).dtype).toBe('float64');
    expect(glorotUniform([3, 4], new Generator(1), 'float32').dtype).toBe('float32');
    const a = glorotUniform([3, 4], new Generator(5));
    const b = glorotUniform([3, 4], new Generator(5));
    const c = glorotUniform([3, 4], new Generator(6));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });
});

describe('other initializers', () => {
  it('glorotNormal has std sqrt(2 / (fan_in + fan_out))', () => {
    const w = glorotNormal([300, 200], new Generator(3), 'float64');
    const s = stats(w.data);
    const std = Math.sqrt(2 / 500);
    expect(Math.abs(s.mean)).toBeLessThan((5 * std) / Math.sqrt(60000));
    expect(Math.abs(s.std - std) / std).toBeLessThan(0.02);
  });

  it('heUniform draws from U(-l, l) with l = sqrt(6 / fan_in)', () => {
    const w = heUniform([50, 400], new Generator(4), 'float64');
    const l = Math.sqrt(6 / 50);
    const s = stats(w.data);
    expect(s.min).toBeGreaterThanOrEqual(-l);
    expect(s.max).toBeLessThan(l);
    expect(s.max).toBeGreaterThan(0.99 * l);
  });

  it('zerosInit gives zeros of floatX', () => {
    config.floatX = 'float32';
    const z = zerosInit([4], new Generator(0));
    expect(z.dtype).toBe('float32');
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0]);
  });
});

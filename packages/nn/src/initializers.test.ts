import { afterEach, describe, expect, it } from 'vitest';
import { Generator } from '@theano-ts/tensor';
import { config } from '@theano-ts/symbolic';
import {
  constantInit,
  fans,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  onesInit,
  orthogonal,
  zerosInit,
} from './initializers';

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

describe('more initializers', () => {
  it('heNormal has std sqrt(2 / fan_in); lecunNormal sqrt(1 / fan_in); lecunUniform bound sqrt(3 / fan_in)', () => {
    const he = stats(heNormal([200, 300], new Generator(7), 'float64').data);
    expect(Math.abs(he.std - Math.sqrt(2 / 200)) / Math.sqrt(2 / 200)).toBeLessThan(0.02);
    const le = stats(lecunNormal([200, 300], new Generator(8), 'float64').data);
    expect(Math.abs(le.std - Math.sqrt(1 / 200)) / Math.sqrt(1 / 200)).toBeLessThan(0.02);
    const lu = stats(lecunUniform([48, 500], new Generator(9), 'float64').data);
    expect(lu.max).toBeLessThan(Math.sqrt(3 / 48));
    expect(lu.max).toBeGreaterThan(0.99 * Math.sqrt(3 / 48));
    expect(lu.min).toBeGreaterThanOrEqual(-Math.sqrt(3 / 48));
  });

  it('onesInit and constantInit fill, in floatX or the given dtype', () => {
    config.floatX = 'float64';
    expect(onesInit([2], new Generator(0)).toArray()).toEqual([1, 1]);
    const c = constantInit(0.25)([2, 2], new Generator(0), 'float32');
    expect(c.dtype).toBe('float32');
    expect(c.toArray()).toEqual([
      [0.25, 0.25],
      [0.25, 0.25],
    ]);
    expect(() => constantInit(NaN)).toThrow(/constantInit: value must be a number/);
  });
});

/** aᵀ·a for an m×n row-major matrix. */
const gram = (a: ArrayLike<number>, m: number, n: number, rows: boolean): number[][] => {
  const k = rows ? m : n;
  const len = rows ? n : m;
  const at = (i: number, j: number) => (rows ? a[i * n + j] : a[j * n + i]);
  return Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => {
      let s = 0;
      for (let t = 0; t < len; t++) s += at(i, t) * at(j, t);
      return s;
    }),
  );
};
const maxEyeError = (g: number[][], scale = 1) =>
  Math.max(...g.flatMap((r, i) => r.map((v, j) => Math.abs(v - (i === j ? scale : 0)))));

describe('orthogonal', () => {
  it('tall [in, out] weights have orthonormal columns; wide ones orthonormal rows; gain scales', () => {
    const tall = orthogonal()([50, 20], new Generator(1), 'float64');
    expect(tall.shape).toEqual([50, 20]);
    expect(maxEyeError(gram(tall.data, 50, 20, false))).toBeLessThan(1e-12);
    const wide = orthogonal(2)([10, 30], new Generator(2), 'float64');
    expect(maxEyeError(gram(wide.data, 10, 30, true), 4)).toBeLessThan(1e-12);
  });

  it('views conv kernels [out, in, kh, kw] as out × (in·kh·kw) (PyTorch orthogonal_)', () => {
    const w = orthogonal()([8, 2, 3, 3], new Generator(3), 'float64');
    expect(w.shape).toEqual([8, 2, 3, 3]);
    expect(maxEyeError(gram(w.data, 8, 18, true))).toBeLessThan(1e-12);
  });

  it('is reproducible, uses floatX, and needs two dimensions', () => {
    config.floatX = 'float32';
    const a = orthogonal()([4, 4], new Generator(5));
    expect(a.dtype).toBe('float32');
    expect(Array.from(a.data)).toEqual(Array.from(orthogonal()([4, 4], new Generator(5)).data));
    expect(() => orthogonal()([4], new Generator(5))).toThrow(
      /orthogonal: needs at least 2 dimensions/,
    );
  });
});

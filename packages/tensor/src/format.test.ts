/**
 * repr strings printed by NumPy itself (numpy.array_repr, default print options, legacy=False),
 * from packages/tensor/fixtures/tensor.json (tools/fixtures/generate_tensor.py).
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { arange, array } from './creation';
import { formatArray } from './format';
import { fixture, num, type ReprCase } from './fixture.test-helper';

function build(c: ReprCase) {
  if (c.arange)
    return arange(...c.arange)
      .astype(c.dtype)
      .reshape(c.shape);
  const vals = c.values!;
  const data = c.dtype === 'bool' ? vals.map((v) => v === true) : vals.map(num);
  return array(data.length ? data : [], { dtype: c.dtype }).reshape(c.shape);
}

describe('toString is numpy.array_repr', () => {
  it('uses a fixture made by NumPy', () => {
    expect(fixture.versions.numpy).toMatch(/^\d+\.\d+/);
    expect(fixture.repr.length).toBeGreaterThan(30);
  });

  for (const c of fixture.repr) {
    it(`${c.name}: ${c.repr.split('\n')[0]}`, () => {
      const a = build(c);
      expect(a.dtype).toBe(c.dtype);
      expect(a.toString()).toBe(c.repr);
      expect(formatArray(a)).toBe(c.repr);
    });
  }

  it('prints the same for a non-contiguous view as for its copy', () => {
    const a = array([
      [1.5, 2.25],
      [3, 4],
    ]).T;
    expect(a.toString()).toBe(a.copy().toString());
    expect(a.toString()).toBe('array([[1.5 , 3.  ],\n       [2.25, 4.  ]])');
  });

  it('is what Node prints for console.log', () => {
    expect(inspect(array([1, 2]))).toBe('array([1, 2], dtype=int32)');
  });
});

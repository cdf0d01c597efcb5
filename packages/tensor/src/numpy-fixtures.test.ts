/**
 * Behaviour checked against NumPy 1.24 through packages/tensor/fixtures/tensor.json
 * (tools/fixtures/generate_tensor.py): broadcasting edge cases, slicing with negative steps,
 * advanced indexing, reshape as a view or a copy, every reduction with every axis/keepdims
 * combination on a 3-D array, ufunc result dtypes and integer semantics, linear algebra.
 */
import { describe, expect, it } from 'vitest';
import { NDArray, type BasicIndex } from './ndarray';
import { array, eye } from './creation';
import { elemwise } from './math';
import { broadcastShapes } from './shape';
import { getItem, type Index } from './indexing';
import * as R from './reductions';
import * as U from './ufuncs';
import * as L from './linalg';
import { fixture, num, type FixtureIndex, type FixtureValue } from './fixture.test-helper';
import { assertAllclose } from './testing';
import type { DType } from './dtype';

const iota = (shape: number[], dtype: DType = 'float64'): NDArray =>
  array(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
    { dtype },
  ).reshape(shape);

const vals = (v: FixtureValue[]): number[] => v.map(num);
const fmt = (s: readonly number[]) => `(${s.join(',')})`;

function toIndex(e: FixtureIndex): Index {
  if (e === 'newaxis') return null;
  if (e === 'ellipsis') return '...';
  if (typeof e === 'number') return e;
  if ('slice' in e) return { start: e.slice[0], stop: e.slice[1], step: e.slice[2] };
  return array(e.array as never, { dtype: e.dtype });
}

describe('broadcasting (numpy: a + b)', () => {
  for (const c of fixture.broadcast) {
    const name = c.shapes.map(fmt).join(' + ');
    if (c.error) {
      it(`${name} is an error naming every shape`, () => {
        const arrays = c.shapes.map((s) => iota(s));
        expect(() => elemwise(arrays, 'float64', (...x) => x[0])).toThrow(RangeError);
        const shapesText = c.shapes
          .map((s) => `(${s.join(', ')}${s.length === 1 ? ',' : ''})`)
          .join(' ')
          .replace(/[()]/g, '\\$&');
        expect(() => broadcastShapes(...c.shapes)).toThrow(
          new RegExp(
            `^broadcastShapes: operands could not be broadcast together with shapes ${shapesText}: expected`,
          ),
        );
      });
      continue;
    }
    it(`${name} → ${fmt(c.shape!)}`, () => {
      expect(broadcastShapes(...c.shapes)).toEqual(c.shape);
      const arrays = c.shapes.map((s, i) => elemwise([iota(s)], 'float64', (v) => v * 10 ** i));
      const out = elemwise(arrays, 'float64', (...x) => x.reduce((a, b) => a + b, 0));
      expect(out.shape).toEqual(c.shape);
      expect(Array.from(out.data)).toEqual(vals(c.values!));
    });
  }
});

describe('basic slicing: views with negative steps (numpy a[...])', () => {
  for (const c of fixture.slicing) {
    it(`${fmt(c.base)}[${JSON.stringify(c.index)}]`, () => {
      const base = iota(c.base);
      const v = base.slice(...(c.index.map(toIndex) as BasicIndex[]));
      expect(v.shape).toEqual(c.shape);
      expect(Array.from(v.toFlat())).toEqual(vals(c.values));
      // a view, sharing the data, with NumPy's strides and offset
      expect(v.data).toBe(base.data);
      expect(c.view).toBe(true);
      if (v.size > 0) {
        expect(v.strides).toEqual(c.strides);
        expect(v.offset).toBe(c.offset);
      }
      // getItem gives the same view for basic indices
      expect(Array.from(getItem(base, ...c.index.map(toIndex)).toFlat())).toEqual(vals(c.values));
    });
  }
});

describe('advanced indexing (numpy a[int arrays / masks])', () => {
  for (const c of fixture.advancedIndexing) {
    it(`${fmt(c.base)}[${JSON.stringify(c.index)}] → ${fmt(c.shape)}`, () => {
      const r = getItem(iota(c.base), ...c.index.map(toIndex));
      expect(r.shape).toEqual(c.shape);
      expect(Array.from(r.toFlat())).toEqual(vals(c.values));
    });
  }
});

describe('reshape: a view exactly where NumPy gives one', () => {
  for (const c of fixture.reshape) {
    it(`${JSON.stringify(c.ops)} → reshape ${fmt(c.target)}: ${c.view ? 'view' : 'copy'}`, () => {
      let a = iota([2, 3, 4]);
      for (const [op, arg] of c.ops) {
        if (op === 'transpose') a = a.transpose(arg as number[]);
        else if (op === 'reshape') a = a.reshape(arg as number[]);
        else
          a = a.slice(
            ...(arg as [number | null, number | null, number | null][]).map(
              ([start, stop, step]) => ({
                start,
                stop,
                step,
              }),
            ),
          );
      }
      const r = a.reshape(c.target);
      expect(r.shape).toEqual(c.shape);
      expect(Array.from(r.toFlat())).toEqual(vals(c.values));
      expect(r.data === a.data).toBe(c.view);
      if (c.view) expect(r.strides).toEqual(c.strides);
    });
  }
});

describe('reductions on a 3-D array, every axis and keepdims (numpy)', () => {
  const inputs = Object.fromEntries(
    Object.entries(fixture.reductionInputs).map(([k, v]) => [
      k,
      array(k === 'bool' ? (v.values as boolean[]) : vals(v.values), { dtype: k as DType }).reshape(
        v.shape,
      ),
    ]),
  ) as Record<string, NDArray>;
  const ops: Record<string, (x: NDArray, o: never) => NDArray> = {
    sum: R.sum,
    prod: R.prod,
    max: R.max,
    min: R.min,
    mean: R.mean,
    var: R.variance,
    std: R.std,
    all: R.all,
    any: R.any,
    ptp: R.ptp,
    logsumexp: R.logsumexp,
    argmax: R.argmax as never,
    argmin: R.argmin as never,
    cumsum: R.cumsum as never,
    cumprod: R.cumprod as never,
  };
  it('covers every reduction with every axis/keepdims combination', () => {
    const seen = new Set(
      fixture.reductions.map((c) => `${c.op} ${JSON.stringify(c.axis)} ${c.keepdims}`),
    );
    for (const op of ['sum', 'prod', 'max', 'min', 'mean', 'var', 'std', 'all', 'any', 'logsumexp'])
      for (const axis of [null, 0, 1, 2, -1, [0, 1], [0, 2], [1, 2], [0, 1, 2]])
        for (const k of [false, true])
          expect(seen.has(`${op} ${JSON.stringify(axis)} ${k}`)).toBe(true);
  });
  for (const c of fixture.reductions) {
    const label = `${c.op}(${c.input}, axis=${JSON.stringify(c.axis)}, keepdims=${c.keepdims}${c.ddof ? `, ddof=${c.ddof}` : ''})`;
    it(`${label} → ${c.dtype} ${fmt(c.shape)}`, () => {
      const x = inputs[c.input];
      const opts = { axis: c.axis, keepdims: c.keepdims, ...(c.ddof ? { ddof: c.ddof } : {}) };
      const r = ops[c.op](x, opts as never);
      expect(r.shape).toEqual(c.shape);
      expect(r.dtype).toBe(c.dtype);
      if (c.dtype === 'float64' || c.dtype === 'float32')
        assertAllclose(r, array(vals(c.values)).reshape(c.shape), { rtol: 1e-12, atol: 1e-12 });
      else expect(Array.from(r.toFlat())).toEqual(vals(c.values));
    });
  }
});

describe('ufunc result dtypes (numpy, float16 → float32)', () => {
  const binary: Record<string, (a: NDArray, b: NDArray) => NDArray> = {
    add: U.add,
    subtract: U.subtract,
    multiply: U.multiply,
    divide: U.divide,
    floorDivide: U.floorDivide,
    remainder: U.remainder,
    power: U.power,
    maximum: U.maximum,
    minimum: U.minimum,
    equal: U.equal,
    less: U.less,
    logicalAnd: U.logicalAnd,
    arctan2: U.arctan2,
    hypot: U.hypot,
  };
  const unary: Record<string, (a: NDArray) => NDArray> = {
    exp: U.exp,
    log: U.log,
    sqrt: U.sqrt,
    sin: U.sin,
    tanh: U.tanh,
    floor: U.floor,
    negative: U.negative,
    absolute: U.absolute,
    sign: U.sign,
    square: U.square,
    logicalNot: U.logicalNot,
    rint: U.rint,
  };
  for (const [op, a, b, want] of fixture.ufuncTypes) {
    it(`${op}(${a}${b ? `, ${b}` : ''}) → ${want ?? 'TypeError'}`, () => {
      const x = array([1], { dtype: a });
      const run = () => (b ? binary[op](x, array([1], { dtype: b })) : unary[op](x));
      if (want === null) expect(run).toThrow(TypeError);
      else expect(run().dtype).toBe(want);
    });
  }
});

describe('ufunc values: integer wrap, floor division and remainder signs, rint ties (numpy)', () => {
  const fns = U as unknown as Record<string, (...a: NDArray[]) => NDArray>;
  for (const c of fixture.ufuncValues) {
    it(`${c.op} on ${c.dtype}`, () => {
      const a = array(vals(c.a), { dtype: c.dtype });
      const r = c.b ? fns[c.op](a, array(vals(c.b), { dtype: c.dtype })) : fns[c.op](a);
      expect(r.dtype).toBe(c.dtype_out);
      const got = Array.from(r.toFlat());
      const want = vals(c.expected);
      // Object.is semantics: NaN and the sign of zero count; Math.pow is not correctly rounded
      // in V8, so power on floats may differ from C's pow in the last bit
      if (c.op === 'power' && c.dtype === 'float64') assertAllclose(r, want, { rtol: 4e-16 });
      else expect(got).toEqual(want);
    });
  }
});

describe('linear algebra (numpy.linalg)', () => {
  const f = fixture.linalg;
  const A = array(vals(f.A as FixtureValue[])).reshape([4, 4]);
  const M = array(vals(f.M as FixtureValue[])).reshape([3, 4]);
  const b = array(vals(f.b as FixtureValue[]));
  const close = (x: NDArray, key: string, shape?: number[]) =>
    assertAllclose(
      x,
      shape ? array(vals(f[key] as FixtureValue[])).reshape(shape) : (f[key] as number),
      { rtol: 1e-10, atol: 1e-12 },
    );
  it('det, slogdet, inv, solve, cholesky, eigvalsh', () => {
    close(L.det(A), 'det');
    const { sign, logabsdet } = L.slogdet(A);
    expect([sign.item(), logabsdet.item()][0]).toBe((f.slogdet as number[])[0]);
    assertAllclose(logabsdet, (f.slogdet as number[])[1], { rtol: 1e-12 });
    close(L.inv(A), 'inv', [4, 4]);
    close(L.solve(A, b), 'solve', [4]);
    close(L.cholesky(A), 'cholesky', [4, 4]);
    close(L.eigvalsh(A), 'eigvalsh', [4]);
  });
  it('svd values, pinv, qr (LAPACK sign convention)', () => {
    close(L.svdvals(M), 'svdvalsM', [3]);
    close(L.pinv(M), 'pinvM', [4, 3]);
    const { q, r } = L.qr(M.T);
    close(r, 'qrM_T_r', [3, 3]);
    close(q, 'qrM_T_q', [4, 3]);
  });
  it('norms, matrix powers, matmul with batches, tensordot, N-d dot', () => {
    close(L.norm(M), 'normFro');
    close(L.norm(M, { ord: 1 }), 'norm1');
    close(L.norm(M, { ord: Infinity }), 'normInf');
    close(L.norm(M, { ord: 2 }), 'norm2');
    close(L.norm(M, { ord: 'nuc' }), 'normNuc');
    close(L.norm(M, { axis: 1 }), 'normAxis1', [3]);
    close(L.norm(M, { ord: 3, axis: 0 }), 'normOrd3Axis0', [4]);
    close(L.matrixPower(A, 3), 'matrixPower3', [4, 4]);
    close(L.matrixPower(A, -2), 'matrixPowerNeg2', [4, 4]);
    close(L.matmul(iota([2, 3, 4]), iota([4, 2])), 'matmulBatch', [2, 3, 2]);
    close(
      L.tensordot(iota([2, 3, 4]), iota([4, 3]), [
        [1, 2],
        [1, 0],
      ]),
      'tensordot',
      [2],
    );
  });
  it('svd and eigh reconstruct their input, with orthonormal vectors', () => {
    for (const full of [true, false])
      for (const X of [M, M.T]) {
        const { u, s, vh } = L.svd(X, { fullMatrices: full });
        const k = s.shape[0];
        const us = U.multiply(u.slice(':', { stop: k }), s.reshape([1, k]));
        assertAllclose(L.matmul(us, vh.slice({ stop: k })), X, { atol: 1e-12 });
        assertAllclose(L.matmul(u.T, u), eye(u.shape[1]), { atol: 1e-12 });
        assertAllclose(L.matmul(vh, vh.T), eye(vh.shape[0]), { atol: 1e-12 });
      }
    const { eigenvalues: w, eigenvectors: v } = L.eigh(A);
    assertAllclose(L.matmul(A, v), U.multiply(v, w.reshape([1, 4])), { atol: 1e-12 });
    assertAllclose(L.matmul(v.T, v), eye(4), { atol: 1e-12 });
  });
});

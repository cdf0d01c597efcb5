import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray } from '@theano-ts/tensor';
import {
  EXTREME,
  countOps,
  equalComputations,
  evalOnOff,
  expectClose,
  expectSameValue,
  opLabels,
  only,
  optimized,
  rand,
  vec,
} from './test-helpers';

const f64 = (v: number) => T.constant(v, undefined, 'float64');
/** Finite extreme values, as a matrix row, next to random ones. */
const extremeRow = () => vec(EXTREME).reshape([1, EXTREME.length]);
const withExtremes = (seed = 1): NDArray => {
  const r = rand([3, EXTREME.length], { seed, lo: -5, hi: 5 });
  const e = EXTREME;
  const d = r.toFlat() as Float64Array;
  e.forEach((v, i) => (d[i] = v));
  return new NDArray(d, [3, e.length]);
};

describe('local_sub_self', () => {
  test('structure: x − x → zeros of x’s shape; x − y is kept', () => {
    const [x, y] = T.dmatrices('x', 'y');
    const fg = optimized([x, y], [T.sub(x, x), T.sub(x, y)], only('local_sub_self'));
    expect(equalComputations(fg.outputs[0], T.second(x, f64(0)))).toBe(true);
    expect(T.opLabel(fg.outputs[1].owner!.op)).toBe('Elemwise{sub}');
  });

  test('value: same with the rewrite on and off (extreme finite values, int8)', () => {
    const x = T.dmatrix('x');
    const b = T.bvector('b');
    const fg = expectSameValue(
      [x, b],
      [T.sub(x, x), T.sub(b, b)],
      [withExtremes(), [-128, 0, 127]],
      { mode: 'fast_run', rewrite: 'local_sub_self', rtol: 0, atol: 0 },
    );
    expect(fg.outputs[0].owner?.op.kind).not.toBe('Elemwise{sub}');
  });
});

describe('local_add_sub_cancel', () => {
  test('structure: (a+b)−b → a, (a+b)−a → b, (a−b)+b → a, b+(a−b) → a', () => {
    const [a, b] = T.dmatrices('a', 'b');
    const fg = optimized(
      [a, b],
      [T.sub(T.add(a, b), b), T.sub(T.add(a, b), a), T.add(T.sub(a, b), b), T.add(b, T.sub(a, b))],
      only('local_add_sub_cancel'),
    );
    expect(fg.outputs).toEqual([a, b, a, a]);
  });

  test('structure: a broadcast survivor is filled to the result’s shape', () => {
    const a = T.drow('a');
    const b = T.dmatrix('b');
    const out = T.sub(T.add(a, b), b);
    const fg = optimized([a, b], [out], only('local_add_sub_cancel'));
    expect(equalComputations(fg.outputs[0], T.second(b, a))).toBe(true);
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
  });

  test('int sums are left alone (they may have wrapped around)', () => {
    const [a, b] = [T.bvector('a'), T.bvector('b')];
    const fg = optimized([a, b], [T.sub(T.add(a, b), b)], only('local_add_sub_cancel'));
    expect(countOps(fg, /Elemwise/)).toBe(2);
  });

  test('value: same on random inputs; on extreme ones the rewrite is exact where the original cancels', () => {
    const [a, b] = T.dmatrices('a', 'b');
    const outs = [T.sub(T.add(a, b), b), T.add(b, T.sub(a, b))];
    expectSameValue([a, b], outs, [rand([3, 4]), rand([3, 4], { seed: 5 })], {
      mode: 'fast_run',
      rewrite: 'local_add_sub_cancel',
      rtol: 1e-12,
      atol: 1e-15,
    });
    const big = vec([1e308, 1, -1e300, 1e-20]).reshape([1, 4]);
    const ones = vec([1e308, 1, 1e300, 1]).reshape([1, 4]);
    const { on, off } = evalOnOff([a, b], outs, [big, ones], {
      mode: 'fast_run',
      rewrite: 'local_add_sub_cancel',
    });
    expectClose(on[0], big, 0, 0);
    expect(off[0].toFlat()[0]).toBe(Infinity); // 1e308 + 1e308 overflows
    expect(off[0].toFlat()[3]).toBe(0); // (1e-20 + 1) − 1 cancels
  });
});

describe('local_mul_div_cancel', () => {
  test('structure: (x·y)/x → y, (y·x)/x → y, (y/x)·x → y, x·(y/x) → y', () => {
    const [x, y] = T.dmatrices('x', 'y');
    const fg = optimized(
      [x, y],
      [T.div(T.mul(x, y), x), T.div(T.mul(y, x), x), T.mul(T.div(y, x), x), T.mul(x, T.div(y, x))],
      only('local_mul_div_cancel'),
    );
    expect(fg.outputs).toEqual([y, y, y, y]);
  });

  test('structure: through one + or −: (a/x − o)·x → a − o·x, (o − a/x)·x → o·x − a, x·(a/x + o) → a + o·x', () => {
    const [a, x, o] = T.dmatrices('a', 'x', 'o');
    const fg = optimized(
      [a, x, o],
      [
        T.mul(T.sub(T.div(a, x), o), x),
        T.mul(T.sub(o, T.div(a, x)), x),
        T.mul(x, T.add(T.div(a, x), o)),
      ],
      only('local_mul_div_cancel'),
    );
    expect(equalComputations(fg.outputs[0], T.sub(a, T.mul(o, x)))).toBe(true);
    expect(equalComputations(fg.outputs[1], T.sub(T.mul(o, x), a))).toBe(true);
    expect(equalComputations(fg.outputs[2], T.add(a, T.mul(o, x)))).toBe(true);
  });

  test('structure: an int y is cast to the float result; a row y is filled', () => {
    const x = T.fmatrix('x');
    const y = T.tensor('y', { dtype: 'int8', shape: [1, null] });
    const out = T.div(T.mul(x, y), x);
    const fg = optimized([x, y], [out], only('local_mul_div_cancel'));
    expect(equalComputations(fg.outputs[0], T.cast(T.second(x, y), 'float32'))).toBe(true);
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
  });

  test('value: same on random inputs; exact where the original overflows', () => {
    const [x, y] = T.dmatrices('x', 'y');
    const outs = [
      T.div(T.mul(x, y), x),
      T.mul(T.div(y, x), x),
      T.mul(T.sub(T.div(y, x), T.exp(y)), x),
    ];
    expectSameValue([x, y], outs, [rand([3, 4], { lo: 0.5, hi: 3 }), rand([3, 4], { seed: 4 })], {
      mode: 'fast_run',
      rewrite: 'local_mul_div_cancel',
      rtol: 1e-14,
    });
    const { on, off } = evalOnOff(
      [x, y],
      outs,
      [vec([1e200, 1e-200, 3]).reshape([1, 3]), vec([1e200, 1e-200, 1e-300]).reshape([1, 3])],
      // local_mul_canonizer (stabilize) also cancels these
      { mode: 'fast_run', rewrite: 'local_mul_div_cancel', exclude: ['local_mul_canonizer'] },
    );
    expectClose(on[0], vec([1e200, 1e-200, 1e-300]).reshape([1, 3]), 0, 0);
    expect(off[0].toFlat()[0]).toBe(Infinity);
    expect(off[0].toFlat()[1]).toBe(0);
  });
});

describe('local_mul_canonizer', () => {
  test('structure: −(1/s)·t·s → −t, (a·b·c)/(c·a) → b, a/(b·(1/a)) with two a in the numerator', () => {
    const [s, t, a, b, c] = T.dmatrices('s', 't', 'a', 'b', 'c');
    const fg = optimized(
      [s, t, a, b, c],
      [
        T.mul(T.mul(T.neg(T.reciprocal(s)), t), s),
        T.div(T.mul(T.mul(a, b), c), T.mul(c, a)),
        T.div(a, T.mul(b, T.reciprocal(a))),
      ],
      only('local_mul_canonizer'),
    );
    expect(equalComputations(fg.outputs[0], T.neg(t))).toBe(true);
    expect(fg.outputs[1]).toBe(b);
    // a / (b · a⁻¹) = a · a / b: nothing common to numerator and denominator
    expect(opLabels(fg)).toContain('Elemwise{reciprocal}');
  });

  test('structure: the survivor is filled to the product’s shape; an int product is left', () => {
    const s = T.dmatrix('s');
    const t = T.dscalar('t');
    const out = T.mul(T.div(t, s), s);
    const fg = optimized([s, t], [out], only('local_mul_canonizer'));
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
    expect(equalComputations(fg.outputs[0], T.second(s, T.dimshuffle(t, ['x', 'x'])))).toBe(true);
    const [i, j] = T.imatrices('i', 'j');
    const iout = T.mul(T.neg(i), T.mul(j, i));
    const ifg = optimized([i, j], [iout], only('local_mul_canonizer'));
    expect(equalComputations(ifg.outputs[0], iout)).toBe(true);
  });

  test('value: on and off agree on finite inputs; no inf·0 at extreme inputs', () => {
    const x = T.dvector('x');
    const sx = T.sigmoid(x);
    const sm = T.sigmoid(T.neg(x));
    // the gradient of log(1 − sigmoid(x)) after log1msigm_to_softplus
    const out = T.mul(T.mul(T.neg(T.reciprocal(sm)), sx), sm);
    const rewrite = { ...only('local_mul_canonizer'), rewrite: 'local_mul_canonizer' };
    expectSameValue([x], [out], [rand([7], { lo: -10, hi: 10 })], { ...rewrite, rtol: 1e-12 });
    const { on } = evalOnOff([x], [out], [vec([...EXTREME])], rewrite);
    expectClose(on[0], vec(EXTREME.map((e) => -1 / (1 + Math.exp(-e)))), 1e-15, 0);
    // unoptimized: sigmoid(−1000) underflows to 0, −(1/0)·1·0 = NaN
    const original = T.evaluate([out], new Map([[x, vec([...EXTREME])]]))[0];
    expect(original.toFlat()[EXTREME.indexOf(1000)]).toBeNaN();
  });
});

describe('local_add_neg_to_sub', () => {
  test('structure: a + (−b) → a − b, (−b) + a → a − b', () => {
    const [a, b] = T.dmatrices('a', 'b');
    const fg = optimized(
      [a, b],
      [T.add(a, T.neg(b)), T.add(T.neg(b), a)],
      only('local_add_neg_to_sub'),
    );
    expect(equalComputations(fg.outputs[0], T.sub(a, b))).toBe(true);
    expect(equalComputations(fg.outputs[1], T.sub(a, b))).toBe(true);
  });

  test('value: same with the rewrite on and off, extreme inputs', () => {
    const [a, b] = T.dvectors('a', 'b');
    const vals = [vec([...EXTREME]), vec([...EXTREME].reverse())];
    const { on, off } = evalOnOff([a, b], [T.add(a, T.neg(b))], vals, {
      mode: 'fast_compile',
      rewrite: 'local_add_neg_to_sub',
    });
    expectClose(on[0], off[0], 0, 0);
  });
});

describe('local_div_self', () => {
  test('structure: x / x → ones of x’s shape', () => {
    const x = T.fmatrix('x');
    const fg = optimized([x], [T.div(x, x)], only('local_div_self'));
    expect(equalComputations(fg.outputs[0], T.second(x, T.constant(1, undefined, 'float32')))).toBe(
      true,
    );
  });

  test('structure: an int x / x gives float ones', () => {
    const x = T.ivector('x');
    const out = T.div(x, x);
    const fg = optimized([x], [out], only('local_div_self'));
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
    expect(T.evaluate(fg.outputs, new Map([[x, [3, -7]]]))[0].toFlat()).toEqual(
      Float64Array.of(1, 1),
    );
  });

  test('value: same with the rewrite on and off (nonzero extreme values)', () => {
    const x = T.dmatrix('x');
    // x / x is NaN at 0 (the rewrite gives 1)
    const v = new NDArray(
      withExtremes()
        .toFlat()
        .map((e) => (e === 0 ? 2 : e)),
      [3, EXTREME.length],
    );
    expectSameValue([x], [T.div(x, x)], [v], {
      mode: 'fast_run',
      rewrite: 'local_div_self',
      rtol: 0,
      atol: 0,
    });
  });
});

describe('local_mul_zero', () => {
  test('structure: 0·x and x·0 → zeros of the product’s shape', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.mul(0, x), T.mul(x, 0)], only('local_mul_zero'));
    for (const o of fg.outputs) expect(equalComputations(o, T.second(x, f64(0)))).toBe(true);
  });

  test('structure: a zeros matrix times a row keeps the matrix shape', () => {
    const r = T.drow('r');
    const z = T.constant(new NDArray(new Float64Array(6), [3, 2]));
    const out = T.mul(r, z);
    const fg = optimized([r], [out], only('local_mul_zero'));
    expect(fg.outputs[0].type.equals(out.type)).toBe(true);
    expect([...T.evaluate(fg.outputs, new Map([[r, [[1, 2]]]]))[0].shape]).toEqual([3, 2]);
  });

  test('value: same with the rewrite on and off (finite extreme values, int8)', () => {
    const x = T.dmatrix('x');
    const b = T.bvector('b');
    expectSameValue([x, b], [T.mul(x, 0), T.mul(0, b)], [withExtremes(), [-128, 3, 127]], {
      mode: 'fast_run',
      rewrite: 'local_mul_zero',
      rtol: 0,
      atol: 0,
    });
  });
});

describe('local_mul_switch_sink / local_div_switch_sink', () => {
  test('structure: a·switch(c, 0, y) → switch(c, 0, a·y), both orders and branches', () => {
    const [a, y] = T.dmatrices('a', 'y');
    const c = T.tensor('c', { dtype: 'bool', shape: [null, null] });
    const fg = optimized(
      [a, y, c],
      [T.mul(T.switch_(c, 0, y), a), T.mul(a, T.switch_(c, y, 0)), T.div(T.switch_(c, 0, y), a)],
      only('local_mul_switch_sink', 'local_div_switch_sink'),
    );
    expect(equalComputations(fg.outputs[0], T.switch_(c, f64(0), T.mul(y, a)))).toBe(true);
    expect(equalComputations(fg.outputs[1], T.switch_(c, T.mul(y, a), f64(0)))).toBe(true);
    expect(equalComputations(fg.outputs[2], T.switch_(c, f64(0), T.div(y, a)))).toBe(true);
  });

  test('value: same on random inputs; 0 (not NaN) where c selects 0 and a is inf', () => {
    const [a, y] = T.dvectors('a', 'y');
    const outs = [T.mul(T.switch_(T.gt(y, 0), 0, y), a), T.div(T.switch_(T.gt(y, 0), 0, y), a)];
    expectSameValue([a, y], outs, [rand([6], { lo: 0.5, hi: 2 }), rand([6], { seed: 9 })], {
      mode: 'fast_run',
      rewrite: 'local_mul_switch_sink',
      exclude: ['local_div_switch_sink'],
      rtol: 0,
      atol: 0,
    });
    const args = [vec([Infinity, 2, 0]), vec([1, -3, 1])];
    const { on, off } = evalOnOff([a, y], [outs[0]], args, {
      mode: 'fast_run',
      rewrite: 'local_mul_switch_sink',
    });
    expect([...on[0].toFlat()]).toEqual([0, -6, 0]);
    expect(Number.isNaN(off[0].toFlat()[0])).toBe(true);
    const d = evalOnOff([a, y], [outs[1]], args, {
      mode: 'fast_run',
      rewrite: 'local_div_switch_sink',
    });
    expect([...d.on[0].toFlat()]).toEqual([0, -1.5, 0]);
    expect(Number.isNaN(d.off[0].toFlat()[2])).toBe(true); // 0 / 0
  });
});

describe('fills in the switch sinks (the zero branch of a gradient is second(g, 0))', () => {
  test('structure: w · switch(c, y, second(g, 0)) → switch(c, y · w, 0), and the quotient', () => {
    const [w, y, g] = T.dvectors('w', 'y', 'g');
    const cond = T.gt(y, 0);
    const zero = T.zerosLike(g);
    const fg = optimized(
      [w, y, g],
      [T.mul(w, T.switch_(cond, y, zero)), T.trueDiv(T.switch_(cond, zero, y), w)],
      only('local_mul_switch_sink', 'local_div_switch_sink'),
    );
    expect(equalComputations(fg.outputs[0], T.switch_(cond, T.mul(y, w), f64(0)))).toBe(true);
    expect(equalComputations(fg.outputs[1], T.switch_(cond, f64(0), T.trueDiv(y, w)))).toBe(true);
  });

  test('structure and value: a fill that broadcasts the switch keeps its shape', () => {
    const [w, y] = [T.drow('w'), T.drow('y')];
    const m = T.dmatrix('m');
    const zero = T.second(m, 0); // (3, n), the switch's other inputs are rows
    const outs = [
      T.mul(T.switch_(T.gt(y, 0), y, zero), w),
      T.trueDiv(T.switch_(T.gt(y, 0), zero, y), w),
    ];
    const fg = optimized([w, y, m], outs, only('local_mul_switch_sink', 'local_div_switch_sink'));
    expect(
      equalComputations(fg.outputs[0], T.second(zero, T.switch_(T.gt(y, 0), T.mul(y, w), f64(0)))),
    ).toBe(true);
    const args = [vec([Infinity, 2, 0, NaN]).reshape([1, 4]), vec([-1, -3, 1, 0]).reshape([1, 4])];
    const mv = rand([3, 4]);
    const mul = evalOnOff([w, y, m], [outs[0]], [...args, mv], {
      mode: 'fast_run',
      rewrite: 'local_mul_switch_sink',
    });
    const div = evalOnOff([w, y, m], [outs[1]], [...args, mv], {
      mode: 'fast_run',
      rewrite: 'local_div_switch_sink',
    });
    const rows = (row: number[]) =>
      new NDArray(Float64Array.from([...row, ...row, ...row]), [3, 4]);
    // w = [inf, 2, 0, NaN], y = [−1, −3, 1, 0]: where y ≤ 0 the product picks the 0, which
    // the rewrite keeps 0 (0 · inf and 0 · NaN were NaN)
    expectClose(mul.on[0], rows([0, 0, 0, 0]), 0, 0);
    expect([0, 3].map((i) => Number.isNaN(mul.off[0].toFlat()[i]))).toEqual([true, true]);
    // the quotient picks its 0 where y > 0: 0 (0 / 0 was NaN); y / w elsewhere
    expectClose(div.on[0], rows([-0, -1.5, 0, NaN]), 0, 0);
    expect(Number.isNaN(div.off[0].toFlat()[2])).toBe(true);
  });
});

describe('local_useless_switch', () => {
  test('structure: constant conditions pick a branch; switch(c, a, a) → a', () => {
    const [a, b] = T.dmatrices('a', 'b');
    const c = T.tensor('c', { dtype: 'bool', shape: [null, null] });
    const fg = optimized(
      [a, b, c],
      [T.switch_(1, a, b), T.switch_(0, a, b), T.switch_(c, a, a)],
      only('local_useless_switch'),
    );
    expect(fg.outputs).toEqual([a, b, a]);
  });

  test('structure: the chosen branch is filled to the other’s shape', () => {
    const a = T.drow('a');
    const b = T.dmatrix('b');
    const out = T.switch_(1, a, b);
    const fg = optimized([a, b], [out], only('local_useless_switch'));
    expect(equalComputations(fg.outputs[0], T.second(b, a))).toBe(true);
  });

  test('value: same with the rewrite on and off (NaN condition counts as true)', () => {
    const [a, b] = T.dmatrices('a', 'b');
    const r = T.drow('r');
    const c = T.tensor('c', { dtype: 'bool', shape: [null, null] });
    expectSameValue(
      [a, b, r, c],
      [T.switch_(NaN, a, b), T.switch_(0, r, b), T.switch_(c, a, a)],
      [
        withExtremes(),
        rand([3, EXTREME.length]),
        extremeRow(),
        rand([3, EXTREME.length]).astype('bool'),
      ],
      { mode: 'fast_run', rewrite: 'local_useless_switch', rtol: 0, atol: 0 },
    );
  });
});

describe('local_useless_cast / local_cast_cast', () => {
  test('structure: cast(cast(int8 x, float32), float64) → cast(x, float64); back to x when lossless', () => {
    const x = T.bvector('x');
    const fg = optimized(
      [x],
      [T.cast(T.cast(x, 'float32'), 'float64'), T.cast(T.cast(x, 'int32'), 'int8')],
      only('local_cast_cast'),
    );
    expect(equalComputations(fg.outputs[0], T.cast(x, 'float64'))).toBe(true);
    expect(fg.outputs[1]).toBe(x);
  });

  test('a lossy first cast is kept (float64 → int8 → float64 truncates)', () => {
    const x = T.dvector('x');
    const fg = optimized([x], [T.cast(T.cast(x, 'int8'), 'float64')], only('local_cast_cast'));
    expect(countOps(fg, /cast/)).toBe(2);
  });

  test('structure: a cast to its own dtype (as rewrites can leave) is removed', () => {
    const x = T.dvector('x');
    const c = T.applyOp('Elemwise', { scalarOp: { name: 'cast', dtype: 'float64' } }, [x]);
    const fg = optimized([x], [T.exp(c.outputs[0])], only('local_useless_cast'));
    expect(equalComputations(fg.outputs[0], T.exp(x))).toBe(true);
  });

  test('value: same with the rewrites on and off', () => {
    const x = T.bvector('x');
    const d = T.dvector('d');
    const outs = [
      T.cast(T.cast(x, 'float32'), 'float64'),
      T.cast(T.cast(x, 'int16'), 'int8'),
      T.cast(T.cast(d, 'float32'), 'float64'),
    ];
    const vals = [[-128, 0, 127, 5], vec([1e-300, 1e300, 1 / 3, -0])];
    for (const rewrite of ['local_cast_cast', 'local_useless_cast'])
      expectSameValue([x, d], outs, vals, { mode: 'fast_run', rewrite, rtol: 0, atol: 0 });
  });
});

describe('dimshuffles: local_useless_dimshuffle, local_dimshuffle_merge, local_dimshuffle_lift', () => {
  test('structure: x.T.T → x; merged orders compose', () => {
    const x = T.tensor3('x', { dtype: 'float64' });
    const fg = optimized(
      [x],
      [T.transpose(T.transpose(x)), T.dimshuffle(T.dimshuffle(x, [2, 0, 'x', 1]), [1, 3, 0, 'x'])],
      only('local_dimshuffle_merge'),
    );
    expect(fg.outputs[0]).toBe(x);
    expect(equalComputations(fg.outputs[1], T.dimshuffle(x, [0, 1, 2, 'x']))).toBe(true);
  });

  test('structure: an identity DimShuffle (as rewrites can leave) is removed', () => {
    const x = T.dmatrix('x');
    const ds = T.applyOp('DimShuffle', { order: [0, 1], inputNdim: 2 }, [x]).outputs[0];
    const fg = optimized([x], [T.exp(ds)], only('local_useless_dimshuffle'));
    expect(equalComputations(fg.outputs[0], T.exp(x))).toBe(true);
  });

  test('structure: DimShuffle(exp(x) + y) → exp(x.T) + y.T; with merge, (x.T + 1).T → x + 1', () => {
    const [x, y] = T.dmatrices('x', 'y');
    let fg = optimized([x, y], [T.transpose(T.add(T.exp(x), y))], only('local_dimshuffle_lift'));
    expect(equalComputations(fg.outputs[0], T.add(T.exp(T.transpose(x)), T.transpose(y)))).toBe(
      true,
    );
    fg = optimized(
      [x],
      [T.transpose(T.add(T.transpose(x), 1))],
      only('local_dimshuffle_lift', 'local_dimshuffle_merge', 'constant_folding'),
    );
    expect(fg.outputs[0].owner!.inputs[0]).toBe(x);
    expect(opLabels(fg)).toEqual(['Elemwise{add}']);
  });

  test('an Elemwise used elsewhere is not lifted through (it would be computed twice)', () => {
    const x = T.dmatrix('x');
    const e = T.exp(x);
    const fg = optimized([x], [T.transpose(e), e], only('local_dimshuffle_lift'));
    expect(countOps(fg, 'Elemwise{exp}')).toBe(1);
  });

  test('value: same with the rewrites on and off (broadcast dims, dropped dims)', () => {
    const x = T.dmatrix('x');
    const r = T.drow('r');
    const outs = [
      T.transpose(T.add(T.exp(x), r)),
      T.dimshuffle(T.mul(r, 2), [1]),
      T.transpose(T.transpose(T.sqr(x))),
      T.dimshuffle(T.sigmoid(T.dimshuffle(r, [1, 0])), ['x', 1, 0]),
      T.dimshuffle(T.exp(x), [0, 1]),
    ];
    for (const rewrite of [
      'local_dimshuffle_lift',
      'local_dimshuffle_merge',
      'local_useless_dimshuffle',
    ])
      expectSameValue([x, r], outs, [withExtremes(), extremeRow()], {
        mode: 'fast_run',
        rewrite,
        rtol: 0,
        atol: 0,
      });
  });
});

describe('local_useless_reshape / local_reshape_chain', () => {
  test('structure: reshape to x.shape, to [x.shape[0], -1], to its static shape → x', () => {
    const x = T.dmatrix('x');
    const s = T.tensor('s', { dtype: 'float64', shape: [2, 3] });
    const v = T.dvector('v');
    const fg = optimized(
      [x, s, v],
      [
        T.reshape(x, T.shape(x)),
        T.reshape(x, T.makeVector([T.shapeI(x, 0), -1])),
        T.reshape(s, [2, 3]),
        T.reshape(s, [-1, 3]),
        T.reshape(v, [-1]),
        T.reshape(x, T.makeVector([T.shapeI(x, 1), T.shapeI(x, 0)])),
      ],
      only('local_useless_reshape'),
    );
    expect(fg.outputs.slice(0, 5)).toEqual([x, x, s, s, v]);
    expect(fg.outputs[5].owner?.op.kind).toBe('Reshape');
  });

  test('structure: reshape(reshape(x, s1), s2) → reshape(x, s2)', () => {
    const x = T.dmatrix('x');
    const fg = optimized(
      [x],
      [T.reshape(T.reshape(x, [-1]), [3, -1])],
      only('local_reshape_chain'),
    );
    expect(equalComputations(fg.outputs[0], T.reshape(x, [3, -1]))).toBe(true);
  });

  test('value: same with the rewrites on and off', () => {
    const x = T.dmatrix('x');
    const outs = [
      T.reshape(x, T.shape(x)),
      T.reshape(T.reshape(x, [-1]), [EXTREME.length, 3]),
      T.exp(T.reshape(T.reshape(T.reshape(x, [-1]), [2, -1]), [-1])),
    ];
    for (const rewrite of ['local_useless_reshape', 'local_reshape_chain'])
      expectSameValue([x], outs, [withExtremes()], { mode: 'fast_run', rewrite, rtol: 0, atol: 0 });
  });
});

describe('local_sum_prod_mul_by_scalar', () => {
  test('structure: sum(a·X) → a·sum(X), sum(X/a) → sum(X)/a, sum(−X) → −sum(X)', () => {
    const X = T.dmatrix('X');
    const a = T.dscalar('a');
    const fg = optimized(
      [X, a],
      [T.sum(T.mul(a, X)), T.sum(T.div(X, a), { axis: 1 }), T.sum(T.neg(X), { axis: 0 })],
      only('local_sum_prod_mul_by_scalar'),
    );
    expect(equalComputations(fg.outputs[0], T.mul(a, T.sum(X)))).toBe(true);
    expect(
      equalComputations(fg.outputs[1], T.div(T.sum(X, { axis: 1 }), T.dimshuffle(a, ['x']))),
    ).toBe(true);
    expect(equalComputations(fg.outputs[2], T.neg(T.sum(X, { axis: 0 })))).toBe(true);
  });

  test('a non-scalar factor, an int product or a dtype change leave the sum alone', () => {
    const X = T.dmatrix('X');
    const r = T.drow('r');
    const b = T.bmatrix('b');
    const f = T.fscalar('f');
    const fg = optimized(
      [X, r, b, f],
      [T.sum(T.mul(r, X)), T.sum(T.mul(b, 2)), T.sum(T.mul(f, b))],
      only('local_sum_prod_mul_by_scalar'),
    );
    expect(countOps(fg, 'Elemwise{mul}')).toBe(3);
  });

  test('value: same with the rewrite on and off', () => {
    const X = T.dmatrix('X');
    const a = T.dscalar('a');
    const F = T.fmatrix('F');
    expectSameValue(
      [X, a, F],
      [
        T.sum(T.mul(a, X)),
        T.sum(T.div(X, a), { axis: 1 }),
        T.sum(T.neg(X), { axis: 0 }),
        T.mean(F, { axis: 0 }),
        T.sum(T.mul(F, 3)),
      ],
      [rand([3, 5]), 1.5, rand([4, 3], { dtype: 'float32' })],
      { mode: 'fast_run', rewrite: 'local_sum_prod_mul_by_scalar', rtol: 1e-6 },
    );
    const { on, off } = evalOnOff(
      [X, a, F],
      [T.sum(T.mul(a, X), { axis: 1 })],
      [withExtremes(), 1e-300, rand([1, 1], { dtype: 'float32' })],
      {
        mode: 'fast_run',
        rewrite: 'local_sum_prod_mul_by_scalar',
      },
    );
    expectClose(on[0], off[0], 1e-12, 1e-300);
  });
});

describe('local_reduce_chain', () => {
  test('structure: sum(sum(x, 1), 0) → sum(x, [0, 1]); max(max(x, 0), 1) → max over [0, 2]', () => {
    const x = T.tensor3('x', { dtype: 'float64' });
    const fg = optimized(
      [x],
      [
        T.sum(T.sum(x, { axis: 1 }), { axis: 0 }),
        T.max(T.max(x, { axis: 0 }), { axis: 1 }),
        T.max(T.sum(x, { axis: 0 }), { axis: 0 }),
      ],
      only('local_reduce_chain'),
    );
    expect(equalComputations(fg.outputs[0], T.sum(x, { axis: [0, 1] }))).toBe(true);
    expect(equalComputations(fg.outputs[1], T.max(x, { axis: [0, 2] }))).toBe(true);
    expect(countOps(fg, /CAReduce/)).toBe(4);
  });

  test('value: same with the rewrite on and off (int8 sums accumulate in int32)', () => {
    const x = T.tensor3('x', { dtype: 'float64' });
    const b = T.tensor('b', { dtype: 'int8', shape: [null, null, null] });
    const big = rand([2, 3, 4], { lo: -100, hi: 100 });
    const ints = new NDArray(
      Int8Array.from({ length: 24 }, (_, i) => ((i * 37) % 256) - 128),
      [2, 3, 4],
    );
    expectSameValue(
      [x, b],
      [
        T.sum(T.sum(x, { axis: 1 }), { axis: 0 }),
        T.max(T.max(x, { axis: 2 }), { axis: 0 }),
        T.sum(T.sum(b, { axis: 2 }), { axis: 1 }),
        T.prod(T.prod(x, { axis: 0 }), { axis: 0 }),
      ],
      [big, ints],
      { mode: 'fast_run', rewrite: 'local_reduce_chain', rtol: 1e-13 },
    );
  });
});

describe('local_reduce_broadcastable', () => {
  test('structure: a reduction over length-1 dims drops them; over none it is a cast', () => {
    const c = T.dcol('c');
    const b = T.tensor('b', { dtype: 'int8', shape: [1, null] });
    const fg = optimized(
      [c, b],
      [T.sum(c, { axis: 1 }), T.sum(c), T.max(b, { axis: 0 })],
      only('local_reduce_broadcastable'),
    );
    expect(equalComputations(fg.outputs[0], T.dimshuffle(c, [0]))).toBe(true);
    expect(equalComputations(fg.outputs[1], T.sum(T.dimshuffle(c, [0])))).toBe(true);
    expect(equalComputations(fg.outputs[2], T.dimshuffle(b, [1]))).toBe(true);
  });

  test('value: same with the rewrite on and off', () => {
    const c = T.dcol('c');
    const b = T.tensor('b', { dtype: 'int8', shape: [1, null] });
    expectSameValue(
      [c, b],
      [T.sum(c, { axis: 1 }), T.sum(c), T.prod(c, { axis: 1 }), T.sum(b, { axis: 0 }), T.min(b)],
      [vec([...EXTREME].filter((e) => Math.abs(e) < 1e299)).reshape([14, 1]), [[-128, 127, 3]]],
      { mode: 'fast_run', rewrite: 'local_reduce_broadcastable', rtol: 1e-15 },
    );
  });
});

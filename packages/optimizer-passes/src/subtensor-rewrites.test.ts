import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray } from '@theano-ts/tensor';
import { grad } from '@theano-ts/autodiff';
import {
  EXTREME,
  countOps,
  equalComputations,
  expectSameValue,
  opLabels,
  optimized,
  only,
  rand,
} from './test-helpers';

const S = T.slice;
/** A float64 vector holding the extreme values (16 elements). */
const extremes = () => new NDArray(Float64Array.from(EXTREME), [EXTREME.length]);

describe('local_useless_subtensor', () => {
  test('structure: x[:], x[0:n:1], x[0:x.shape[0]] on every dimension → x; a real slice stays', () => {
    const x = T.dmatrix('x');
    const fixed = T.tensor('f', { dtype: 'float64', shape: [3, 4] });
    for (const [inp, out] of [
      [x, x.get(S(null, null), S(null, null))],
      [x, x.get(S(0, null, 1))],
      [fixed, fixed.get(S(0, 3), S(null, 10))],
      [x, x.get(S(0, T.shapeI(x, 0)))],
      [x, x.get(S(null, x.shape.get(0)), S(null, T.shapeI(x, 1)))],
    ] as const) {
      const fg = optimized([inp], [out], only('local_useless_subtensor'));
      expect(fg.outputs[0]).toBe(inp);
    }
    for (const out of [x.get(S(1, null)), x.get(0), x.get(S(null, null, -1)), fixed.get(S(0, 2))]) {
      const fg = optimized([x, fixed], [out], only('local_useless_subtensor'));
      expect(countOps(fg, /^Subtensor/)).toBe(1);
    }
  });

  test('value: same with the rewrite on and off (extreme values)', () => {
    const x = T.dvector('x');
    expectSameValue([x], [T.exp(x.get(S(0, null))), x.get(S(null, 100))], [extremes()], {
      ...only('local_useless_subtensor'),
      rewrite: 'local_useless_subtensor',
    });
  });
});

describe('local_subtensor_merge', () => {
  test('structure: x[1:][::2] → x[1::2]; x[2:8][1] on a static length → x[3]', () => {
    const x = T.dvector('x');
    const fg = optimized(
      [x],
      [x.get(S(1, null)).get(S(null, null, 2))],
      only('local_subtensor_merge'),
    );
    expect(opLabels(fg)).toEqual(['Subtensor{1::2}']);
    expect(fg.outputs[0].owner!.inputs[0]).toBe(x);
    const f = T.tensor('f', { dtype: 'float64', shape: [10] });
    const fg2 = optimized([f], [f.get(S(2, 8)).get(1)], only('local_subtensor_merge'));
    expect(opLabels(fg2)).toEqual(['Subtensor{3}']);
    // x[::-1][1:3] on a static length 10: indices 8, 7
    const fg3 = optimized(
      [f],
      [f.get(S(null, null, -1)).get(S(1, 3))],
      only('local_subtensor_merge'),
    );
    expect(opLabels(fg3)).toEqual(['Subtensor{8:6:-1}']);
    // through an int of the first and into a later dimension
    const m = T.dmatrix('m');
    const fg4 = optimized([m], [m.get(1).get(S(2, null))], only('local_subtensor_merge'));
    expect(opLabels(fg4)).toEqual(['Subtensor{1, 2:}']);
  });

  test('structure: left alone where the length matters and is unknown, or a bound is symbolic', () => {
    const x = T.dvector('x');
    const i = T.iscalar('i');
    for (const out of [
      x.get(S(null, null, -1)).get(S(1, 3)), // negative step, unknown length
      x.get(S(-3, null)).get(S(1, null)), // negative start, unknown length
      x.get(S(2, null)).get(0), // an int whose range error must stay
      x.get(S(i, null)).get(S(1, null)), // symbolic start
    ]) {
      const fg = optimized([x, i], [out], only('local_subtensor_merge'));
      expect(countOps(fg, /^Subtensor/)).toBe(2);
    }
  });

  test('value: every slice pair over static and unknown lengths, negative steps and indices', () => {
    const bounds = [null, -12, -7, -1, 0, 1, 3, 6, 12];
    const steps = [null, 1, 2, 3, -1, -2, -4];
    const xv = rand([7], { seed: 4 });
    const known = T.tensor('k', { dtype: 'float64', shape: [7] });
    const unknown = T.dvector('u');
    let merged = 0;
    let n = 0;
    for (const x of [known, unknown])
      for (let t = 0; t < 400; t++) {
        const pick = <V>(a: readonly V[]) => a[(t * 7919 + n++ * 104729) % a.length];
        const s1 = S(pick(bounds), pick(bounds), pick(steps));
        const second =
          t % 5 === 0 ? pick([-3, -1, 0, 2]) : S(pick(bounds), pick(bounds), pick(steps));
        let out: T.Variable;
        try {
          out = x.get(s1).get(second);
        } catch {
          continue; // out of range at build time
        }
        const opts = { ...only('local_subtensor_merge'), rewrite: 'local_subtensor_merge' };
        let fg: T.FunctionGraph;
        try {
          fg = expectSameValue([x], [out], [xv], opts);
        } catch (e) {
          // an int out of range at run time: both graphs must throw
          if (!(e instanceof RangeError)) throw e;
          expect(() => T.evaluate([out], new Map([[x, xv]]))).toThrow(RangeError);
          continue;
        }
        if (countOps(fg, /^Subtensor/) === 1) merged++;
      }
    expect(merged).toBeGreaterThan(300);
  });

  test('value: extreme values through a merged 2-d index', () => {
    const m = T.tensor('m', { dtype: 'float64', shape: [4, 8] });
    const mv = new NDArray(Float64Array.from([...EXTREME, ...EXTREME]), [4, 8]);
    const fg = expectSameValue([m], [m.get(S(1, null), S(null, null, 2)).get(S(1, 3), 1)], [mv], {
      ...only('local_subtensor_merge'),
      rewrite: 'local_subtensor_merge',
    });
    expect(countOps(fg, /^Subtensor/)).toBe(1);
  });
});

describe('local_subtensor_lift', () => {
  test('structure: exp(x)[0] → exp(x[0]); (x + row)[1:, 2] keeps the row whole where it broadcasts', () => {
    const x = T.dmatrix('x');
    const fg = optimized([x], [T.exp(x).get(0)], only('local_subtensor_lift'));
    expect(equalComputations(fg.outputs[0], T.exp(x.get(0)))).toBe(true);
    const r = T.drow('r');
    const fg2 = optimized([x, r], [T.add(x, r).get(S(1, null), 2)], only('local_subtensor_lift'));
    expect(
      equalComputations(fg2.outputs[0], T.add(x.get(S(1, null), 2), r.get(S(null, null), 2))),
    ).toBe(true);
  });

  test('structure: not when the elemwise has another user', () => {
    const x = T.dmatrix('x');
    const e = T.exp(x);
    const fg = optimized([x], [e.get(0), T.sum(e)], only('local_subtensor_lift'));
    expect(fg.outputs[0].owner!.op.kind).toBe('Subtensor');
  });

  test('value: random and extreme inputs, broadcasting operands', () => {
    const [x, c] = [T.dmatrix('x'), T.dcol('c')];
    const xv = new NDArray(Float64Array.from([...EXTREME, ...EXTREME]), [4, 8]);
    const cv = rand([4, 1], { seed: 9, lo: -700, hi: 700 });
    const fg = expectSameValue(
      [x, c],
      [T.mul(T.exp(x), c).get(S(null, null, -1), 3), T.tanh(T.sub(x, c)).get(S(1, 3))],
      [xv, cv],
      { ...only('local_subtensor_lift'), rewrite: 'local_subtensor_lift' },
    );
    expect(
      fg.toposort().every((n) => n.op.kind !== 'Subtensor' || n.inputs[0].owner === null),
    ).toBe(true);
  });
});

describe('local_useless_inc_subtensor', () => {
  test('structure: setSubtensor(x[:], y) → y; incSubtensor(x[1:], 0) → x', () => {
    const [x, y] = T.dmatrices('x', 'y');
    const fg = optimized(
      [x, y],
      [T.setSubtensor(x.get(S(null, null)), y)],
      only('local_useless_inc_subtensor'),
    );
    expect(fg.outputs[0]).toBe(y);
    const fg2 = optimized(
      [x],
      [T.incSubtensor(x.get(S(1, null)), 0)],
      only('local_useless_inc_subtensor'),
    );
    expect(fg2.outputs[0]).toBe(x);
  });

  test('structure: kept when y broadcasts, the slice is partial, or the increment is not zero', () => {
    const [x, y] = T.dmatrices('x', 'y');
    const r = T.drow('r');
    for (const out of [
      T.setSubtensor(x.get(S(null, null)), r),
      T.setSubtensor(x.get(S(1, null)), y.get(S(1, null))),
      T.incSubtensor(x.get(S(1, null)), 1),
    ]) {
      const fg = optimized([x, y, r], [out], only('local_useless_inc_subtensor'));
      expect(countOps(fg, /^(Set|Inc)Subtensor/)).toBe(1);
    }
  });

  test('value: same with the rewrite on and off', () => {
    const [x, y] = T.dvectors('x', 'y');
    expectSameValue(
      [x, y],
      [
        T.setSubtensor(x.get(S(0, null)), y),
        T.incSubtensor(x.get(S(2, 5)), T.zerosLike(y.get(S(2, 5)))),
      ],
      [extremes(), rand([16], { seed: 2 })],
      { ...only('local_useless_inc_subtensor'), rewrite: 'local_useless_inc_subtensor' },
    );
  });
});

describe('local_incsubtensor_serialize', () => {
  test('structure: inc(z, a, i) + inc(z, b, j) → inc(inc(z + z, a, i), b, j)', () => {
    const [z, a, b] = [T.dvector('z'), T.dscalar('a'), T.dvector('b')];
    const out = T.add(T.incSubtensor(z.get(0), a), T.incSubtensor(z.get(S(1, 3)), b));
    const fg = optimized([z, a, b], [out], only('local_incsubtensor_serialize'));
    expect(opLabels(fg)).toEqual(['Elemwise{add}', 'IncSubtensor{0}', 'IncSubtensor{1:3}']);
    const top = fg.outputs[0].owner!;
    expect(top.inputs[1]).toBe(b);
    expect(top.inputs[0].owner!.inputs[1]).toBe(a);
  });

  test('value: the gradient of x[0]² + x[2:4]·x[1:3] sums, extreme values included', () => {
    const x = T.dvector('x');
    const cost = T.add(T.sqr(x.get(0)), T.sum(T.mul(x.get(S(2, 4)), x.get(S(1, 3)))));
    const [g] = grad(cost, [x]);
    const fg = expectSameValue(
      [x],
      [g],
      [new NDArray(Float64Array.from([3, -1e300, 1e-300, 700, -0, 5]), [6])],
      {
        mode: 'fast_run',
        exclude: ['fusion', 'inplace'],
        rewrite: 'local_incsubtensor_serialize',
      },
    );
    expect(countOps(fg, /^IncSubtensor/)).toBeGreaterThan(0);
  });
});

/**
 * The stability cases and fusion through the real pipeline: `theanoFunction` from
 * @theano-ts/compile, FAST_RUN and FAST_COMPILE, CPU backend.
 */
import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { grad, verifyGrad } from '@theano-ts/autodiff';
import { setWasmSimdDisabled } from '@theano-ts/backend-cpu';
import { Mode, theanoFunction } from './index';
import { type DType, Generator, NDArray, array } from '@theano-ts/tensor';
import { assertAllclose } from '@theano-ts/tensor/testing';

/** Op labels of a compiled graph, in topological order. */
const opLabels = (fg: T.FunctionGraph): string[] => fg.toposort().map((n) => T.opLabel(n.op));
/** Seeded uniform values in [lo, hi). */
const rand = (
  shape: readonly number[],
  opts: { seed?: number; lo?: number; hi?: number; dtype?: DType } = {},
): NDArray =>
  new Generator(opts.seed ?? 1).uniform(
    opts.lo ?? -1,
    opts.hi ?? 1,
    shape,
    opts.dtype ?? 'float64',
  );
/** Same dtype and shape, values within atol + rtol·|want| (NaN equal to NaN). */
function expectClose(got: NDArray, want: NDArray, rtol = 1e-10, atol = 1e-12): void {
  expect(got.dtype).toBe(want.dtype);
  assertAllclose(got, want, { rtol, atol, equalNan: true });
}

/** softmax(arange(1, 10) * 13) as a 1×9 float32 matrix, and label 0. */
const logits = () =>
  new NDArray(
    Float32Array.from({ length: 9 }, (_, i) => (i + 1) * 13),
    [1, 9],
  );
const label0 = () => array([0], { dtype: 'int32' });
/** -log(softmax(13..117)[0]) = 104 + log(1 + e^-13 + …) ≈ 104.0000023, 104 in float32. */
const XENT_WANT =
  104 +
  Math.log1p(Array.from({ length: 8 }, (_, i) => Math.exp(-13 * (i + 1))).reduce((a, b) => a + b));

describe.each(['fast_run', 'fast_compile'] as const)(
  'stability cases through theanoFunction (%s)',
  (optimizer) => {
    const mode = new Mode({ optimizer });

    test('d/dx log(sigmoid(x)) at x = −1000 is 1 (float64 and float32)', () => {
      for (const x of [T.dscalar('x'), T.fscalar('x')]) {
        const f = theanoFunction([x], grad(T.log(T.sigmoid(x)), x), { mode });
        expect(f(-1000).item()).toBe(1);
        expect(f(0).item()).toBeCloseTo(0.5, 6);
        expect(f(1000).item()).toBe(0);
      }
      const v = T.dvector('v');
      const g = theanoFunction([v], grad(T.sum(T.log(T.sigmoid(v))), v), { mode });
      expect([...g([-1000, -30, 0, 30]).toFlat()].map((e) => +e.toFixed(12))).toEqual([
        1,
        +(1 - T.scalarSigmoid(-30)).toFixed(12),
        0.5,
        +T.scalarSigmoid(-30).toFixed(12),
      ]);
    });

    test('log(1 − sigmoid(x)) and log1p(−sigmoid(x)) and their gradients at x = ±1000 (float64 and float32)', () => {
      const builds = [
        (x: T.Variable) => T.log(T.sub(1, T.sigmoid(x))),
        (x: T.Variable) => T.log1p(T.neg(T.sigmoid(x))),
      ];
      for (const x of [T.dscalar('x'), T.fscalar('x')])
        for (const build of builds) {
          const y = build(x);
          const f = theanoFunction([x], [y, grad(y, x)], { mode });
          // −softplus(x) and its derivative −sigmoid(x)
          const at = (v: number) => f(v).map((a: NDArray) => a.item());
          expect(at(1000)).toEqual([-1000, -1]);
          expect(at(-1000)).toEqual([-0, -0]);
          const [v0, g0] = at(0);
          expect(v0).toBeCloseTo(-Math.LN2, 6);
          expect(g0).toBe(-0.5);
        }
    });

    test('the gradient of log(softmax(x)) stays finite where softmax underflows', () => {
      const x = T.dmatrix('x');
      const t = T.constant([[1, 0, 0]], undefined, 'float64');
      const f = theanoFunction([x], grad(T.sum(T.mul(T.log(T.softmax(x)), t)), x), { mode });
      expectClose(f([[0, 1000, -1000]]), new NDArray(Float64Array.of(1, -1, 0), [1, 3]), 1e-15);
    });

    test('log(1 + x) at x = 1e-20 is 1e-20', () => {
      const x = T.dvector('x');
      const f = theanoFunction([x], T.log(T.add(1, x)), { mode });
      expect([...f([1e-20, -1e-20, 0]).toFlat()]).toEqual([1e-20, -1e-20, 0]);
    });

    test('mean cross-entropy of softmax(arange(1, 10)·13) against label 0 is 104, logits an input or a constant', () => {
      const x = T.fmatrix('x');
      const y = T.ivector('y');
      const cost = (p: T.Variable, labels: T.Variable) =>
        T.mean(T.categoricalCrossentropy(T.softmax(p), labels));
      const asInput = theanoFunction([x, y], cost(x, y), { mode });
      expect(asInput(logits(), label0()).item()).toBeCloseTo(XENT_WANT, 4);
      // constant logits (also written as arange · 13), labels an input or a constant
      const constLogits = theanoFunction([y], cost(T.constant(logits()), y), { mode });
      expect(constLogits(label0()).item()).toBeCloseTo(XENT_WANT, 4);
      const arange13 = T.mul(
        T.constant(
          new NDArray(
            Float32Array.from({ length: 9 }, (_, i) => i + 1),
            [1, 9],
          ),
        ),
        13,
      );
      const allConst = theanoFunction([], cost(arange13, T.constant(label0())), { mode });
      expect(allConst().item()).toBeCloseTo(XENT_WANT, 4);
      expect(allConst.maker.fgraph.applyNodes.size).toBe(0); // folded, after stabilization
      expect(Math.fround(XENT_WANT)).toBe(104);
    });

    test('log(sum(exp(x))) for x = [1000, 1000] is 1000 + log 2 (float64 and float32)', () => {
      for (const x of [T.dvector('x'), T.fvector('x')]) {
        const f = theanoFunction([x], T.log(T.sum(T.exp(x))), { mode });
        const want = x.dtype === 'float64' ? 1000 + Math.log(2) : Math.fround(1000 + Math.log(2));
        expect(f([1000, 1000]).item()).toBe(want);
      }
      const m = T.dmatrix('m');
      const g = theanoFunction([m], T.log(T.sum(T.exp(m), { axis: 1, keepdims: true })), { mode });
      expectClose(
        g([
          [1000, 1000],
          [-1000, -1000],
        ]),
        new NDArray(Float64Array.of(1000 + Math.log(2), -1000 + Math.log(2)), [2, 1]),
        1e-15,
      );
    });
  },
);

describe('the stability cases need the stabilizations', () => {
  test('without them, each case overflows, underflows or cancels', () => {
    const mode = new Mode({ optimizer: 'fast_run', excluding: ['stabilize', 'canonicalize'] });
    const x = T.dscalar('x');
    expect(
      Number.isNaN(theanoFunction([x], grad(T.log(T.sigmoid(x)), x), { mode })(-1000).item()),
    ).toBe(true);
    const v = T.dvector('v');
    expect(theanoFunction([v], T.log(T.add(1, v)), { mode })([1e-20]).item()).toBe(0);
    expect(theanoFunction([v], T.log(T.sum(T.exp(v))), { mode })([1000, 1000]).item()).toBe(
      Infinity,
    );
    const xm = T.fmatrix('x');
    const y = T.ivector('y');
    const ce = T.mean(T.categoricalCrossentropy(T.softmax(xm), y));
    expect(theanoFunction([xm, y], ce, { mode })(logits(), label0()).item()).toBe(Infinity);
  });
});

describe('gradients through switch(x > 0, f(x), 0): no 0·inf NaN (local_mul/div_switch_sink)', () => {
  // d/dx log x = 1/x, d/dx sqrt x = 1/(2 sqrt x) where x > 0; 0 where the switch picks its 0
  // (Theano and PyTensor: the switch sinks see the 0 through the fill grad makes of it)
  const cases = [
    { name: 'log', f: T.log, df: (x: number) => 1 / x },
    { name: 'sqrt', f: T.sqrt, df: (x: number) => 0.5 / Math.sqrt(x) },
  ] as const;
  const gradOf = (f: (v: T.Variable) => T.Variable, x: T.Variable) =>
    grad(T.sum(T.switch_(T.gt(x, 0), f(x), 0)), x);

  test.each(cases)(
    'FAST_RUN: the gradient of sum(switch(x > 0, $name(x), 0)) at [0, 4, −1] is [0, 0.25, 0]',
    ({ f }) => {
      const x = T.dvector('x');
      const g = theanoFunction([x], gradOf(f, x), { mode: 'FAST_RUN' });
      const got = [...g([0, 4, -1]).toFlat()];
      expect(got).toEqual([0, 0.25, 0]);
      // the graph no longer computes switch(x > 0, f(x), 0) just for its shape (useless fills)
      expect(opLabels(g.maker.fgraph).join(' ')).not.toMatch(/second/);
    },
  );

  test.each(cases)(
    'FAST_RUN matches the closed form and finite differences away from 0 ($name)',
    ({ f, df }) => {
      const pts = [-3, -1e-3, 1e-3, 0.5, 4, 1e3];
      const x = T.dvector('x');
      const g = theanoFunction([x], gradOf(f, x), { mode: 'FAST_RUN' });
      expectClose(g(pts), array(pts.map((p) => (p > 0 ? df(p) : 0))), 1e-14, 0);
      // central differences of the compiled cost, element by element
      const cost = theanoFunction([x], T.sum(T.switch_(T.gt(x, 0), f(x), 0)), { mode: 'FAST_RUN' });
      const gv = g(pts).toFlat();
      pts.forEach((p, i) => {
        const h = 1e-6 * Math.max(1, Math.abs(p)) * (Math.abs(p) < 1e-2 ? 1e-2 : 1);
        const at = (d: number) => cost(pts.map((q, j) => (j === i ? q + d : q))).item();
        expect(gv[i]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 4);
      });
      // verifyGrad evaluates the unoptimized graph (reference implementations), where the
      // gradient of sqrt at x < 0 is 0 · NaN: its points are positive
      verifyGrad((v) => T.switch_(T.gt(v, 0), f(v), 0), [array([0.5, 1.5, 4])], {
        method: 'central',
      });
    },
  );

  test.each(cases)('extreme inputs: 0, ±inf, NaN, subnormal ($name)', ({ f, df }) => {
    const pts = [0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324];
    const x = T.dvector('x');
    const got = [...theanoFunction([x], gradOf(f, x), { mode: 'FAST_RUN' })(pts).toFlat()];
    // NaN > 0 is false: the 0 branch; 5e-324 > 0: 1/x overflows to inf as it does in NumPy
    expect(got).toEqual(pts.map((p) => (p > 0 ? df(p) : 0)));
  });

  test('FAST_COMPILE (no canonicalize, so no switch sink, as in Theano) keeps the NaN at x = 0', () => {
    const x = T.dvector('x');
    const g = theanoFunction([x], gradOf(T.log, x), { mode: 'FAST_COMPILE' });
    const got = [...g([0, 4, -1]).toFlat()];
    expect(Number.isNaN(got[0])).toBe(true);
    expect(got.slice(1)).toEqual([0.25, -0]);
  });
});

describe('elementwise fusion through theanoFunction', () => {
  test('sigmoid(x·w + b)·2 − 1 on a 1e6 vector compiles to ONE fused node, same bits as unfused', () => {
    const [x, w, b] = T.fvectors('x', 'w', 'b');
    const out = T.sub(T.mul(T.sigmoid(T.add(T.mul(x, w), b)), 2), 1);
    const f = theanoFunction([x, w, b], out);
    const nodes = f.maker.fgraph.toposort();
    expect(nodes).toHaveLength(1);
    expect(opLabels(f.maker.fgraph)).toEqual([
      'Elemwise{Composite{((sigmoid(((i0 * i1) + i2)) * 2) - 1)}}',
    ]);
    const unfused = theanoFunction([x, w, b], out, {
      mode: new Mode({ excluding: ['elemwise_fusion'] }),
    });
    expect(unfused.maker.fgraph.toposort().length).toBe(5);
    const n = 1_000_000;
    const args = [1, 2, 3].map((seed) => rand([n], { dtype: 'float32', seed, lo: -4, hi: 4 }));
    const got = f(...args) as NDArray;
    expect([...got.shape]).toEqual([n]);
    expectClose(got, unfused(...args) as NDArray, 0, 0);
  });

  test('FAST_COMPILE does not fuse', () => {
    const [x, w] = T.fvectors('x', 'w');
    const f = theanoFunction([x, w], T.tanh(T.mul(x, w)), { mode: 'FAST_COMPILE' });
    expect(f.maker.fgraph.toposort()).toHaveLength(2);
  });

  test('an MLP step compiles to Gemm + fused elementwise nodes and matches FAST_COMPILE', () => {
    const x = T.fmatrix('x');
    const y = T.ivector('y');
    const W1 = T.fmatrix('W1');
    const b1 = T.fvector('b1');
    const W2 = T.fmatrix('W2');
    const b2 = T.fvector('b2');
    const h = T.tanh(T.add(T.dot(x, W1), b1));
    const cost = T.mean(T.categoricalCrossentropy(T.softmax(T.add(T.dot(h, W2), b2)), y));
    const outs = [cost, ...grad(cost, [W1, b1, W2, b2])];
    const fast = theanoFunction([x, y, W1, b1, W2, b2], outs);
    const labels = opLabels(fast.maker.fgraph);
    expect(labels).toContain('Gemm');
    expect(labels).toContain('CrossentropySoftmax1Hot');
    expect(labels.some((l) => l.includes('Composite'))).toBe(true);
    const slow = theanoFunction([x, y, W1, b1, W2, b2], outs, { mode: 'FAST_COMPILE' });
    const args = [
      rand([5, 4], { dtype: 'float32' }),
      array([0, 2, 1, 2, 0], { dtype: 'int32' }),
      rand([4, 6], { dtype: 'float32', seed: 2 }),
      rand([6], { dtype: 'float32', seed: 3 }),
      rand([6, 3], { dtype: 'float32', seed: 4 }),
      rand([3], { dtype: 'float32', seed: 5 }),
    ];
    const a = fast(...args) as NDArray[];
    const b = slow(...args) as NDArray[];
    a.forEach((v, i) => expectClose(v, b[i], 1e-5, 1e-6));
  });
});

describe('gemm through the compiled pipeline', () => {
  test('the CPU kernel gives the reference’s bits (compiled with and without the rewrite)', () => {
    const [x, W] = T.fmatrices('x', 'W');
    const b = T.fvector('b');
    const out = T.tanh(T.add(T.dot(x, W), b));
    const f = theanoFunction([x, W, b], out);
    expect(opLabels(f.maker.fgraph)).toContain('Gemm');
    const g = theanoFunction([x, W, b], out, {
      mode: new Mode({ excluding: ['local_dot_to_gemm'] }),
    });
    expect(opLabels(g.maker.fgraph)).not.toContain('Gemm');
    const args = [
      rand([6, 7], { dtype: 'float32' }),
      rand([7, 3], { dtype: 'float32', seed: 2 }),
      rand([3], { dtype: 'float32', seed: 3 }),
    ];
    // bits: on the JS loops (a float32 tanh on the WebAssembly SIMD path is within 1 ulp,
    // tested in backend-cpu, and only one of the two graphs would take it)
    const simdWas = setWasmSimdDisabled(true);
    try {
      expectClose(f(...args) as never, g(...args) as never, 0, 0);
    } finally {
      setWasmSimdDisabled(simdWas);
    }
    expect(() => f(args[0], args[1], rand([4], { dtype: 'float32' }))).toThrow(/Gemm|shape/);
  });
});

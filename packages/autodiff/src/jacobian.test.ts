import { describe, expect, it } from 'vitest';
import { Generator, type NDArray, array, full, ones } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import {
  DisconnectedInputError,
  DisconnectedType,
  GradientError,
  Lop,
  Rop,
  grad,
  hessian,
  jacobian,
  verifyGrad,
} from './index';

const ev = (outs: T.Variable[], givens: [T.Variable, unknown][]) =>
  T.evaluate(outs, new Map(givens));
const close = (got: unknown, want: unknown, digits = 10) => {
  const g = (got as number[]).flat(4) as number[];
  const w = (want as number[]).flat(4) as number[];
  expect(g.length).toBe(w.length);
  g.forEach((v, i) => expect(v).toBeCloseTo(w[i], digits));
};

describe('Theano tutorial values (gradients tutorial)', () => {
  it('jacobian of x**2 at [4, 4] is [[8, 0], [0, 8]]', () => {
    const x = T.dvector('x');
    const J = jacobian(T.pow(x, 2), x);
    expect(J.type.toString()).toBe('float64 matrix');
    const [v] = ev([J], [[x, [4, 4]]]);
    expect(v.toArray()).toEqual([
      [8, 0],
      [0, 8],
    ]);
  });
  it('hessian of sum(x**2) is [[2, 0], [0, 2]]', () => {
    const x = T.dvector('x');
    const H = hessian(T.sum(T.pow(x, 2)), x);
    const [v] = ev([H], [[x, [4, 4]]]);
    expect(v.toArray()).toEqual([
      [2, 0],
      [0, 2],
    ]);
  });
  it('Rop(dot(x, W), W, V) with W = ones(2, 2), V = 2·ones(2, 2), x = [0, 1] is [2, 2]', () => {
    const W = T.dmatrix('W');
    const V = T.dmatrix('V');
    const x = T.dvector('x');
    const y = T.dot(x, W);
    const JV = Rop(y, W, V);
    const [v] = ev(
      [JV],
      [
        [W, ones([2, 2])],
        [V, full([2, 2], 2)],
        [x, [0, 1]],
      ],
    );
    expect(v.toArray()).toEqual([2, 2]);
  });
  it('Lop(dot(x, W), W, v = [2, 2]) at x = [0, 1] is [[0, 0], [2, 2]]', () => {
    const W = T.dmatrix('W');
    const v = T.dvector('v');
    const x = T.dvector('x');
    const VJ = Lop(T.dot(x, W), W, v);
    const [r] = ev(
      [VJ],
      [
        [v, [2, 2]],
        [x, [0, 1]],
      ],
    );
    expect(r.toArray()).toEqual([
      [0, 0],
      [2, 2],
    ]);
  });
});

const rng = new Generator(11);
const num = (v: NDArray) => Array.from(v.toFlat());

describe('jacobian', () => {
  it('has shape (n, ...wrt.shape) and matches finite differences (matrix wrt)', () => {
    const x = T.dvector('x');
    const W = T.dmatrix('W');
    const y = T.tanh(T.dot(W, x));
    const [Jw, Jx] = jacobian(y, [W, x]);
    expect(Jw.ndim).toBe(3);
    expect(Jx.ndim).toBe(2);
    const wv = rng.uniform(-1, 1, [3, 2]);
    const xv = rng.uniform(-1, 1, [2]);
    const [jw, jx] = ev(
      [Jw, Jx],
      [
        [W, wv],
        [x, xv],
      ],
    );
    expect(jw.shape).toEqual([3, 3, 2]);
    // J[i, j, k] = d y_i / d W_jk = [i == j] (1 - y_i²) x_k
    const [yv] = ev(
      [y],
      [
        [W, wv],
        [x, xv],
      ],
    );
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 2; k++)
          expect(jw.get(i, j, k)).toBeCloseTo(i === j ? (1 - yv.get(i) ** 2) * xv.get(k) : 0, 12);
    expect(jx.shape).toEqual([3, 2]);
  });
  it('flattens an N-d expression and gives grad for a scalar one', () => {
    const X = T.dmatrix('X');
    const J = jacobian(T.sqr(X), X);
    const [j] = ev(
      [J],
      [
        [
          X,
          [
            [1, 2],
            [3, 4],
          ],
        ],
      ],
    );
    expect(j.shape).toEqual([4, 2, 2]);
    expect(j.get(3, 1, 1)).toBe(8);
    expect(j.get(1, 0, 1)).toBe(4);
    expect(j.get(1, 1, 1)).toBe(0);
    const x = T.dvector('x');
    expect(jacobian(T.sum(x), x).owner?.op.kind).not.toBe('Jacobian');
  });
  it('the Jacobian op reports its inner graph in debugprint and says it has no gradient', () => {
    const x = T.dvector('x');
    const J = jacobian(T.exp(x), x);
    expect(T.debugprint(J)).toMatch(/Inner graphs:\n\nJacobian\{\d+\} \[id A\]\n >Elemwise\{mul\}/);
    expect(() => grad(T.sum(J), x)).toThrow(
      /Jacobian\{\d+\} is not differentiable: .*third derivatives/,
    );
  });
  it('merges: two jacobians of one graph are one op only when built once', () => {
    const x = T.dvector('x');
    const a = jacobian(T.exp(x), x);
    const b = jacobian(T.exp(x), x);
    expect(a.owner!.op.equals(b.owner!.op)).toBe(false);
    expect(a.owner!.op.equals(a.owner!.op)).toBe(true);
  });
});

describe('hessian', () => {
  it('matches the analytic Hessian of a non-quadratic cost', () => {
    const x = T.dvector('x');
    const cost = T.sum(T.mul(T.exp(x), T.sum(T.sqr(x))));
    const H = hessian(cost, x);
    const xv = [0.3, -0.5, 1.1];
    const [h] = ev([H], [[x, xv]]);
    // c = (Σ e^{x_i}) (Σ x_j²): H_ij = 2 x_j e^{x_i} + 2 x_i e^{x_j} + [i == j] (e^{x_i} Σ x² + 2 Σ e^x)
    const s2 = xv.reduce((p, v) => p + v * v, 0);
    const se = xv.reduce((p, v) => p + Math.exp(v), 0);
    xv.forEach((xi, i) =>
      xv.forEach((xj, j) =>
        expect(h.get(i, j)).toBeCloseTo(
          2 * xj * Math.exp(xi) +
            2 * xi * Math.exp(xj) +
            (i === j ? Math.exp(xi) * s2 + 2 * se : 0),
          10,
        ),
      ),
    );
  });
  it('is symmetric for a cost through linear algebra and convolution ops', () => {
    const x = T.dvector('x');
    const A = T.constant(rng.uniform(-1, 1, [3, 3]));
    const M = T.add(
      T.outer(x, x),
      T.constant(
        array(
          [
            [4, 0, 0],
            [0, 5, 0],
            [0, 0, 6],
          ],
          { dtype: 'float64' },
        ),
      ),
    );
    const cost = T.add(T.log(T.det(M)), T.sum(T.sqr(T.dot(A, T.inv(M)))));
    const [h] = ev([hessian(cost, x)], [[x, [0.2, -0.4, 0.7]]]);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) expect(h.get(i, j)).toBeCloseTo(h.get(j, i), 9);
  });
  it('requires a scalar cost', () => {
    const x = T.dvector('x');
    expect(() => hessian(T.sqr(x), x)).toThrow(/hessian: cost must be a scalar/);
  });
});

describe('Lop and Rop', () => {
  it('Rop equals the Jacobian times the vector, Lop the vector times the Jacobian', () => {
    const x = T.dvector('x');
    const W = T.dmatrix('W');
    const y = T.tanh(T.dot(W, x));
    const v = T.dvector('v');
    const w = T.dvector('w');
    const J = jacobian(y, x);
    const givens: [T.Variable, unknown][] = [
      [W, rng.uniform(-1, 1, [3, 2])],
      [x, rng.uniform(-1, 1, [2])],
      [v, rng.uniform(-1, 1, [2])],
      [w, rng.uniform(-1, 1, [3])],
    ];
    const [jv, wj, rop, lop] = ev([T.dot(J, v), T.dot(w, J), Rop(y, x, v), Lop(y, x, w)], givens);
    close(rop.toArray(), jv.toArray(), 12);
    close(lop.toArray(), wj.toArray(), 12);
  });
  it('Rop takes several wrt and returns one result per f, without the placeholder', () => {
    const a = T.dvector('a');
    const b = T.dvector('b');
    const f1 = T.mul(a, b);
    const f2 = T.sum(T.sqr(a));
    const [r1, r2] = Rop(
      [f1, f2],
      [a, b],
      [
        T.constant(array([1, 0], { dtype: 'float64' })),
        T.constant(array([0, 2], { dtype: 'float64' })),
      ],
    );
    expect(
      T.graphInputs([r1, r2])
        .filter((v) => !(v instanceof T.Constant))
        .map((v) => v.name)
        .sort(),
    ).toEqual(['a', 'b']);
    const [v1, v2] = ev(
      [r1, r2],
      [
        [a, [3, 5]],
        [b, [7, 11]],
      ],
    );
    expect(v1.toArray()).toEqual([7, 10]); // b·da + a·db = [7·1 + 3·0, 11·0 + 5·2]
    expect(v2.item()).toBe(6); // 2 a·da
  });
  it('check eval points against the variables', () => {
    const x = T.dvector('x');
    expect(() => Rop(T.sqr(x), x, T.dmatrix('m'))).toThrow(
      /Rop: eval point 0 \(float64 matrix\) must have the type of 'x'/,
    );
    expect(() => Lop([T.sqr(x)], [x], [T.dvector('u'), T.dvector('v')])).toThrow(
      /Lop: 1 outputs but 2 eval points/,
    );
    expect(() => Rop(T.sqr(T.dvector('y')), x, T.dvector('v'))).toThrow(DisconnectedInputError);
  });
});

describe('grad options', () => {
  it("returnDisconnected: 'zero' (default), 'none', 'disconnected'", () => {
    const x = T.dscalar('x');
    const y = T.dscalar('y');
    const c = T.mul(x, 2);
    const [, gz] = grad(c, [x, y], { disconnectedInputs: 'ignore' });
    expect(ev([gz], [[y, 1]])[0].item()).toBe(0);
    expect(
      grad(c, [x, y], { disconnectedInputs: 'ignore', returnDisconnected: 'none' })[1],
    ).toBeNull();
    expect(
      grad(c, y, { disconnectedInputs: 'ignore', returnDisconnected: 'disconnected' }),
    ).toBeInstanceOf(DisconnectedType);
    // disconnectedInputs still decides first, as Theano
    expect(() => grad(c, y, { returnDisconnected: 'none' })).toThrow(DisconnectedInputError);
  });
  it('grad with a null cost and knownGrads (Theano cost=None)', () => {
    const x = T.dvector('x');
    const y = T.exp(x);
    const g = grad(null, x, {
      knownGrads: new Map([[y, T.constant(array([1, 2], { dtype: 'float64' }))]]),
    });
    close(ev([g], [[x, [0, 1]]])[0].toArray(), [1, 2 * Math.E]);
    expect(() => grad(null, x)).toThrow(/give a cost, or knownGrads/);
  });
});

describe('gradient modifiers', () => {
  const x = T.dvector('x');
  const at = (g: T.Variable) => num(ev([g], [[x, [0.5, -2]]])[0]);
  it('zeroGrad: zero gradient, still connected', () => {
    expect(at(grad(T.sum(T.sqr(T.zeroGrad(x))), x))).toEqual([0, 0]);
    expect(at(grad(T.sum(T.add(T.sqr(T.zeroGrad(x)), x)), x))).toEqual([1, 1]);
  });
  it('disconnectedGrad: nothing flows (DisconnectedInputError when no other path)', () => {
    expect(() => grad(T.sum(T.sqr(T.disconnectedGrad(x))), x)).toThrow(DisconnectedInputError);
    expect(at(grad(T.sum(T.mul(T.disconnectedGrad(x), x)), x))).toEqual([0.5, -2]);
  });
  it('gradClip and gradScale', () => {
    expect(at(grad(T.sum(T.sqr(T.gradClip(x, -1, 0.5))), x))).toEqual([0.5, -1]);
    expect(at(grad(T.sum(T.mul(T.gradScale(x, -3), 2)), x))).toEqual([-6, -6]);
    // forward values are untouched
    expect(
      num(ev([T.gradScale(T.gradClip(T.zeroGrad(x), -1, 1), 5)], [[x, [0.5, -2]]])[0]),
    ).toEqual([0.5, -2]);
  });
  it('second derivatives through the modifiers', () => {
    const g = grad(T.sum(T.pow(T.gradScale(x, 2), 3)), x); // 2 · 3x²
    expect(at(grad(T.sum(g), x))).toEqual([12 * 0.5 * 2, 12 * -2 * 2]); // d/dx 6x² = 12x ... scaled again by 2
  });
});

describe('verifyGrad (PyTensor method)', () => {
  it('uses one-sided differences by default and central ones on request', () => {
    // a strongly curved function with a loose step: the one-sided estimate is off by ~eps·f''/2
    const pt = [array([2.0], { dtype: 'float64' })];
    const f = (a: T.Variable) => T.exp(T.mul(a, 3));
    expect(() => verifyGrad(f, pt, { eps: 1e-3, absTol: 1e-3, relTol: 1e-4 })).toThrow(
      GradientError,
    );
    expect(() =>
      verifyGrad(f, pt, { eps: 1e-3, absTol: 1e-3, relTol: 1e-4, method: 'central' }),
    ).not.toThrow();
  });
  it('fails only where both tolerances are exceeded, reporting the worst element', () => {
    const pt = [array([1e-6, 3], { dtype: 'float64' })];
    // a wrong gradient only at the large element
    const f = (a: T.Variable) =>
      T.add(T.gradScale(T.mul(a, T.constant(array([0, 1], { dtype: 'float64' }))), 2), a);
    try {
      verifyGrad(f, pt);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GradientError);
      expect((e as GradientError).index).toBe(1);
      expect((e as GradientError).message).toMatch(/gradient of input 0 at flat index 1/);
    }
  });
  it('rejects non-float inputs', () => {
    expect(() => verifyGrad((a) => a, [array([1, 2], { dtype: 'int32' })])).toThrow(
      /input 0 must be a float NDArray, got dtype int32/,
    );
  });
});

describe('hessians through the loss ops', () => {
  /** Central differences of the symbolic gradient. */
  function numericHessian(cost: T.Variable, x: T.Variable, at: number[]): number[][] {
    const g = grad(cost, x);
    const h = 1e-6;
    return at.map((_, j) => {
      const plus = [...at];
      const minus = [...at];
      plus[j] += h;
      minus[j] -= h;
      const [gp] = ev([g], [[x, plus]]);
      const [gm] = ev([g], [[x, minus]]);
      return num(gp).map((v, i) => (v - num(gm)[i]) / (2 * h));
    });
  }
  const labels = T.constant(array([1, 0, 2], { dtype: 'int32' }));
  const W = T.constant(
    array(
      [
        [0.3, -1.2, 0.5],
        [0.8, 0.1, -0.7],
      ],
      { dtype: 'float64' },
    ),
  );
  for (const [name, lossOf] of [
    ['crossentropySoftmax1Hot', (z: T.Variable) => T.crossentropySoftmax1Hot(z, labels)],
    [
      'categoricalCrossentropy(softmax)',
      (z: T.Variable) => T.categoricalCrossentropy(T.softmax(z), labels),
    ],
  ] as const)
    it(`${name}: hessian equals differences of the gradient`, () => {
      const x = T.dvector('x');
      const z = T.dot(T.outer(T.constant(array([1, -0.5, 2], { dtype: 'float64' })), x), W);
      const cost = T.sum(lossOf(z));
      const at = [0.4, -0.9];
      const [H] = ev([hessian(cost, x)], [[x, at]]);
      const want = numericHessian(cost, x, at);
      (H.toArray() as number[][]).forEach((r, i) =>
        r.forEach((v, j) => expect(v).toBeCloseTo(want[j][i], 6)),
      );
    });
});

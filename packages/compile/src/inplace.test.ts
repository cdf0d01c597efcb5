/**
 * Inplace elementwise through the real pipeline (the `inplace` phase of optimizer-passes and
 * backend-cpu's Elemwise kernels writing into a dead input's buffer): same values with it on and
 * off, the caller's arrays untouched, DebugMode agreeing, and the allocations it saves.
 */
import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { type DType, Generator, NDArray } from '@theano-ts/tensor';
import { assertAllclose } from '@theano-ts/tensor/testing';
import { type TheanoFunction, getMode, theanoFunction } from './index';

const rand = (shape: readonly number[], seed = 1, dtype: DType = 'float64'): NDArray =>
  new Generator(seed).uniform(-1, 1, shape, dtype);

/** Elemwise outputs of a compiled graph that reuse an input's buffer (allocations saved per call). */
const reusedOutputs = (f: TheanoFunction): number =>
  f.maker.fgraph.toposort().reduce((n, node) => n + T.destroyedInputs(node).size, 0);

const noInplace = () => getMode('FAST_RUN').excluding('inplace');
/** Without fusion each Elemwise stays a node, so that several reuse buffers. */
const unfused = () => getMode('FAST_RUN').excluding('fusion');

/** A two-layer tanh MLP trained by SGD: the cost, and updates of every parameter. */
function mlpTraining(dtype: 'float32' | 'float64') {
  const x = dtype === 'float32' ? T.fmatrix('x') : T.dmatrix('x');
  const y = T.ivector('y');
  const W1 = T.shared(rand([4, 8], 2, dtype), 'W1');
  const b1 = T.shared(rand([8], 3, dtype), 'b1');
  const W2 = T.shared(rand([8, 3], 4, dtype), 'W2');
  const b2 = T.shared(rand([3], 5, dtype), 'b2');
  const h = T.tanh(T.add(T.dot(x, W1), b1));
  const p = T.softmax(T.add(T.dot(h, W2), b2));
  const cost = T.mean(T.categoricalCrossentropy(p, y));
  const params = [W1, b1, W2, b2];
  const grads = grad(cost, params);
  const updates = params.map((w, i) => [w, T.sub(w, T.mul(0.1, grads[i]))] as const);
  return { x, y, params, cost, updates };
}

describe('inplace elementwise (compiled, CPU)', () => {
  test('values equal with inplace on and off; inputs and shared values unchanged by a call', () => {
    const [x, y] = T.dvectors('x', 'y');
    const s = T.shared(rand([6], 9), 's');
    const outs = [
      T.exp(T.neg(T.mul(x, s))),
      T.sqr(T.sub(T.tanh(T.add(x, y)), T.sigmoid(s))),
      T.add(T.exp(x).T, 1),
    ];
    const f = theanoFunction([x, y], outs, { mode: unfused() });
    const g = theanoFunction([x, y], outs, { mode: unfused().excluding('inplace') });
    expect(reusedOutputs(f)).toBeGreaterThan(0);
    expect(reusedOutputs(g)).toBe(0);
    const xs = new NDArray(new Float64Array([0, -0, 1e-300, 700, -1000, NaN]), [6]);
    for (const xv of [rand([6], 7), xs]) {
      const yv = rand([6], 8);
      const [x0, y0, s0] = [xv.copy(), yv.copy(), s.getValue()];
      const on = f(xv, yv) as NDArray[];
      const off = g(xv, yv) as NDArray[];
      on.forEach((o, i) => assertAllclose(o, off[i], { rtol: 0, atol: 0, equalNan: true }));
      assertAllclose(xv, x0, { rtol: 0, atol: 0, equalNan: true });
      assertAllclose(yv, y0, { rtol: 0, atol: 0 });
      assertAllclose(s.getValue(), s0, { rtol: 0, atol: 0 });
      // a second call sees the same inputs
      (f(xv, yv) as NDArray[]).forEach((o, i) =>
        assertAllclose(o, off[i], { rtol: 0, atol: 0, equalNan: true }),
      );
    }
  });

  test('an unfused chain: two of three nodes reuse a buffer, values exact', () => {
    const x = T.dvector('x');
    const f = theanoFunction([x], T.exp(T.tanh(T.neg(x))), { mode: unfused() });
    const nodes = f.maker.fgraph.toposort();
    expect(nodes.map((n) => T.destroyedInputs(n).size)).toEqual([0, 1, 1]);
    const xv = rand([5], 4);
    const out = f(xv) as NDArray;
    assertAllclose(
      out,
      new NDArray(
        Float64Array.from(xv.toFlat(), (v) => Math.exp(Math.tanh(-v))),
        [5],
      ),
      { rtol: 1e-15, atol: 0 },
    );
  });

  test('DebugMode passes on an MLP training step with inplace nodes', () => {
    const { x, y, params, cost, updates } = mlpTraining('float64');
    const start = params.map((p) => p.getValue().copy());
    const dbg = theanoFunction([x, y], cost, { mode: 'DebugMode', updates });
    expect(reusedOutputs(dbg)).toBeGreaterThan(0);
    const xv = rand([5, 4], 11);
    const yv = new NDArray(Int32Array.from([0, 2, 1, 1, 0]), [5]);
    const c1 = dbg(xv, yv) as NDArray;
    // the same step without inplace, from the same parameters
    const after = params.map((p) => p.getValue().copy());
    params.forEach((p, i) => p.setValue(start[i]));
    const plain = theanoFunction([x, y], cost, { mode: noInplace(), updates });
    assertAllclose(plain(xv, yv) as NDArray, c1, { rtol: 1e-12, atol: 0 });
    params.forEach((p, i) => assertAllclose(p.getValue(), after[i], { rtol: 1e-12, atol: 1e-15 }));
  });

  test('allocations saved per call on the MLP training graph', () => {
    const { x, y, cost, updates } = mlpTraining('float32');
    const f = theanoFunction([x, y], cost, { updates });
    const off = theanoFunction([x, y], cost, { updates, mode: noInplace() });
    const elemwiseOutputs = f.maker.fgraph
      .toposort()
      .filter((n) => n.op.kind === 'Elemwise')
      .reduce((n, node) => n + node.outputs.length, 0);
    const saved = reusedOutputs(f);
    // every Elemwise whose operand is a dead intermediate of its shape reuses it; the rest
    // (reading parameters, inputs or broadcast rows) allocate
    expect(saved).toBeGreaterThan(0);
    expect(saved).toBeLessThanOrEqual(elemwiseOutputs);
    expect(reusedOutputs(off)).toBe(0);
    console.log(
      `MLP training step: ${saved} of ${elemwiseOutputs} Elemwise outputs reuse an input buffer (${f.maker.fgraph.applyNodes.size} nodes)`,
    );
  });
});

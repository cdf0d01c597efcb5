import { describe, expect, test } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { NDArray } from '@theano-ts/tensor';
import {
  EXTREME,
  expectClose,
  expectSameValue,
  opLabels,
  optimized,
  rand,
  vec,
} from './test-helpers';

const all = () => true;
/** fast_run with a backend that runs every op (the CPU backend's answer). */
const fastRun = { mode: 'fast_run' as const, supports: all };
const only = {
  mode: 'none' as const,
  include: ['elemwise_fusion', 'reduce_fusion'],
  supports: all,
};

const fusedParams = (v: T.Variable) => {
  const node = v.owner!;
  expect(node.op.kind).toBe('CAReduce');
  return (node.op as T.Op<'CAReduce'>).params;
};

describe('reduce_fusion', () => {
  test('structure: sum(exp(x)) becomes one CAReduce{add} with elemwise exp on x', () => {
    const x = T.dvector('x');
    const fg = optimized([x], [T.sum(T.exp(x))], only);
    expect(opLabels(fg)).toEqual(['CAReduce{add, axes=[0], elemwise=exp}']);
    expect(fg.outputs[0].owner!.inputs).toEqual([x]);
    expect(T.pp(fg.outputs[0])).toBe('sum(exp(x), axis=[0])');
  });

  test('structure: a fused Composite with broadcast inputs is absorbed whole (fast_run)', () => {
    const x = T.dmatrix('x');
    const b = T.dvector('b');
    const out = T.max(T.tanh(T.add(T.mul(x, 2), b.dimshuffle('x', 0))), { axis: 1 });
    const fg = optimized([x, b], [out], fastRun);
    const labels = opLabels(fg);
    expect(labels.filter((l) => l.startsWith('CAReduce'))).toEqual([
      'CAReduce{maximum, axes=[1], elemwise=Composite{tanh(((i0 * 2) + i1))}}',
    ]);
    expect(labels.filter((l) => l.startsWith('Elemwise'))).toEqual([]);
    const p = fusedParams(fg.outputs[0]);
    expect(p.elemwise?.name).toBe('composite');
  });

  test('prod and min fuse; mean fuses through its sum', () => {
    const x = T.dvector('x');
    for (const [out, kind] of [
      [T.prod(T.sqr(x)), 'mul'],
      [T.min(T.abs(x)), 'minimum'],
      [T.mean(T.exp(x)), 'add'],
    ] as const) {
      const fg = optimized([x], [out], fastRun);
      const red = fg.toposort().filter((n) => n.op.kind === 'CAReduce');
      expect(red.length).toBe(1);
      const p = (red[0].op as T.Op<'CAReduce'>).params;
      expect(p.scalarOp).toBe(kind);
      expect(p.elemwise).toBeDefined();
    }
  });

  test('no fusion when the elemwise result has another user or is an output', () => {
    const x = T.dvector('x');
    const e = T.exp(x);
    for (const outs of [
      [T.sum(e), e],
      [T.sum(e), T.max(e)],
    ]) {
      const fg = optimized([x], outs, only);
      expect(opLabels(fg).some((l) => l.includes('elemwise='))).toBe(false);
    }
  });

  test('no fusion unless the backend supports the fused op (gpujs has no supports hook)', () => {
    const x = T.dvector('x');
    const out = T.sum(T.exp(x));
    for (const supports of [undefined, () => false]) {
      const fg = optimized([x], [out], { mode: 'fast_run', supports });
      expect(opLabels(fg)).toEqual(['Elemwise{exp}', 'CAReduce{add, axes=[0]}']);
    }
    // the hook is asked about the op it would create
    const asked: T.Op[] = [];
    optimized([x], [out], { mode: 'fast_run', supports: (op) => (asked.push(op), false) });
    expect(asked.map((o) => o.key)).toEqual([
      new T.Op('CAReduce', { scalarOp: 'add', axes: [0], elemwise: { name: 'exp' } }).key,
    ]);
  });

  test('values: on and off agree on random and extreme inputs, all reductions and axes', () => {
    const x = T.dmatrix('x');
    const b = T.dvector('b');
    const ext = new NDArray(Float64Array.from([...EXTREME, NaN, Infinity, -Infinity, 3]), [4, 5]);
    const inputs: [NDArray, NDArray][] = [
      [rand([7, 5], { seed: 4, lo: -3, hi: 3 }), rand([5], { seed: 5 })],
      [ext, vec([0, -0, 1e-300, 700, -1])],
    ];
    const bx = b.dimshuffle('x', 0);
    const outs = [
      T.sum(T.exp(T.add(x, bx))),
      T.sum(T.mul(T.sigmoid(x), bx), { axis: 0 }),
      T.prod(T.add(T.tanh(x), bx), { axis: 1 }),
      T.max(T.sub(T.log1p(T.abs(x)), bx), { axis: 1 }),
      T.min(T.softplus(T.add(x, bx)), { axis: [0, 1] }),
      T.mean(T.sqr(x), { axis: 0 }),
    ];
    for (const vals of inputs) {
      const fg = expectSameValue([x, b], outs, vals, {
        ...fastRun,
        rewrite: 'reduce_fusion',
        rtol: 1e-14,
        atol: 0,
      });
      expect(opLabels(fg).filter((l) => l.includes('elemwise=')).length).toBe(outs.length);
    }
  });

  test('values: float32 elemwise rounds each value to float32 before the float64 sum', () => {
    const x = T.fvector('x');
    const v = rand([1001], { seed: 9, lo: -20, hi: 20, dtype: 'float32' });
    const fg = optimized([x], [T.sum(T.exp(x))], fastRun);
    const [got] = T.evaluate(fg.outputs, new Map([[x, v]]));
    // independent: NumPy's rule, float32 exp then a float64 sum rounded to float32
    let s = 0;
    for (const a of v.toFlat()) s += Math.fround(Math.exp(a));
    expectClose(got, new NDArray(Float32Array.of(s), []), 0, 0);
  });

  test('errors: a fused CAReduce checks its inputs as Elemwise does', () => {
    const x = T.dvector('x');
    const m = T.dmatrix('m');
    expect(() =>
      T.applyOp('CAReduce', { scalarOp: 'add', axes: [0], elemwise: { name: 'add' } }, [x, m]),
    ).toThrow(/same number of dimensions/);
    expect(() =>
      T.applyOp('CAReduce', { scalarOp: 'add', axes: [1], elemwise: { name: 'exp' } }, [x]),
    ).toThrow(/axes \[1\] out of range/);
  });
});

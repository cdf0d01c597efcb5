import { afterAll, describe, expect, it } from 'vitest';
import { NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { Mode, debugprint, theanoFunction } from '@theano-ts/compile';
import { expectClose, makeBackend, rand } from './test-utils';

const backend = makeBackend();
afterAll(() => backend.destroy());

describe(`theano.function with Mode({ backend: createGpujsBackend() }) (gpu.js ${backend.kernelClass})`, () => {
  it('an MLP forward pass with the default rewrites matches the CPU backend', () => {
    const x = T.fmatrix('x');
    const w1 = T.shared(rand([6, 8], -0.5, 0.5, 'float32', 1), 'w1');
    const b1 = T.shared(rand([8], -0.1, 0.1, 'float32', 2), 'b1');
    const w2 = T.shared(rand([8, 3], -0.5, 0.5, 'float32', 3), 'w2');
    const h = T.relu(T.add(T.dot(x, w1), b1));
    const p = T.softmax(T.add(T.dot(h, w2), 0.1));
    const vx = rand([5, 6], -1, 1, 'float32', 4);
    const onGpu = theanoFunction([x], [p, h], { mode: new Mode({ backend }) })(vx) as NDArray[];
    const onCpu = theanoFunction([x], [p, h], { mode: new Mode({ backend: 'cpu' }) })(
      vx,
    ) as NDArray[];
    onGpu.forEach((g, i) => expectClose(g, onCpu[i], 1e-4, 1e-6));
    expect(backend.fallbackOps).toEqual([]); // Gemm, relu, Softmax: all on the GPU
  });

  it('sum(exp(x)) stays two nodes: gpujs has no fused-reduce kernel (no supports hook)', () => {
    const x = T.fvector('x');
    const out = T.sum(T.exp(x));
    const onGpu = theanoFunction([x], out, { mode: new Mode({ backend }) });
    const onCpu = theanoFunction([x], out, { mode: new Mode({ backend: 'cpu' }) });
    const kinds = (f: typeof onGpu) => f.maker.fgraph.toposort().map((n) => T.opLabel(n.op));
    expect(kinds(onGpu)).toEqual(['Elemwise{exp}', 'CAReduce{add, axes=[0]}']);
    expect(kinds(onCpu)).toEqual(['CAReduce{add, axes=[0], elemwise=exp}']);
    const vx = rand([37], -2, 2, 'float32', 5);
    expectClose(onGpu(vx) as NDArray, onCpu(vx) as NDArray, 1e-5, 1e-6);
  });

  it('updates of shared variables stay on the GPU; getValue() reads them back', () => {
    const x = T.fvector('x');
    const w = T.shared(new NDArray(new Float32Array([1, 2, 3]), [3]), 'w');
    const step = theanoFunction([x], T.mul(w, x), {
      updates: [[w, T.sub(w, T.mul(x, 0.5))]],
      mode: new Mode({ backend }),
    });
    const vx = new NDArray(new Float32Array([2, 2, 2]), [3]);
    expect(Array.from((step(vx) as NDArray).data)).toEqual([2, 4, 6]);
    backend.resetStats();
    expect(Array.from(w.getValue().data)).toEqual([0, 1, 2]);
    expect(backend.stats.readbacks).toBe(backend.isGpu ? 1 : 0);
    expect(Array.from((step(vx) as NDArray).data)).toEqual([0, 2, 4]);
    expect(Array.from(w.getValue().data)).toEqual([-1, 0, 1]);
  });

  it('updates that are other shared variables, inputs or outputs never share storage with them', () => {
    const x = T.fvector('x');
    const a = T.shared(new NDArray(new Float32Array([1, 2]), [2]), 'a');
    const b = T.shared(new NDArray(new Float32Array([10, 20]), [2]), 'b');
    const c = T.shared(new NDArray(new Float32Array([0, 0]), [2]), 'c');
    const d = T.shared(new NDArray(new Float32Array([0, 0]), [2]), 'd');
    const out = T.add(a, x);
    const f = theanoFunction([x], out, {
      updates: [
        [a, b], // a swap: each takes the other's texture
        [b, a],
        [c, x], // an input
        [d, out], // the output
      ],
      mode: new Mode({ backend }),
    });
    const vx = new NDArray(new Float32Array([5, 6]), [2]);
    const o1 = f(vx) as NDArray;
    const o2 = f(vx) as NDArray;
    f(vx);
    expect(Array.from(o1.data)).toEqual([6, 8]);
    expect(Array.from(o2.data)).toEqual([15, 26]);
    expect(Array.from(a.getValue().data)).toEqual([10, 20]); // three swaps
    expect(Array.from(b.getValue().data)).toEqual([1, 2]);
    vx.data[0] = -1;
    o1.data[0] = -1;
    expect(Array.from(c.getValue().data)).toEqual([5, 6]);
    expect(Array.from(d.getValue().data)).toEqual([6, 8]); // the third call's output
    b.setValue(new NDArray(new Float32Array([7, 7]), [2]));
    f(vx);
    expect(Array.from(a.getValue().data)).toEqual([7, 7]);
    expect(Array.from(b.getValue().data)).toEqual([10, 20]);
  });

  it('debugprint marks the nodes that fall back to the CPU', () => {
    const b = makeBackend();
    const x = T.fvector('x');
    const nz = T.applyOp('Nonzero', {}, [T.gt(x, 0)]).outputs[0];
    const f = theanoFunction([x], [T.exp(x), nz], { mode: new Mode({ backend: b }) });
    const printed = debugprint(f);
    expect(printed).toMatch(/Nonzero.*\(cpu fallback\)/);
    expect(printed).toMatch(new RegExp(`exp.*\\(gpu\\.js ${b.kernelClass}\\)`));
    void b.destroy();
  });

  it('an output that is an input is returned as a copy', () => {
    const x = T.fvector('x');
    const f = theanoFunction([x], [x, T.exp(x)], { mode: new Mode({ backend }) });
    const vx = new NDArray(new Float32Array([0, 1]), [2]);
    const [same, e] = f(vx) as NDArray[];
    expect(same.data).not.toBe(vx.data);
    expectClose(e, new NDArray(new Float32Array([1, Math.E]), [2]));
  });
});

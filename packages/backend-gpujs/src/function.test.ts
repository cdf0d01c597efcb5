import { afterAll, describe, expect, it } from 'vitest';
import { NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { Mode, theanoFunction } from '@theano-ts/compile';
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

  it('updates of shared variables are read back from the GPU after every call', () => {
    const x = T.fvector('x');
    const w = T.shared(new NDArray(new Float32Array([1, 2, 3]), [3]), 'w');
    const step = theanoFunction([x], T.mul(w, x), {
      updates: [[w, T.sub(w, T.mul(x, 0.5))]],
      mode: new Mode({ backend }),
    });
    const vx = new NDArray(new Float32Array([2, 2, 2]), [3]);
    expect(Array.from((step(vx) as NDArray).data)).toEqual([2, 4, 6]);
    expect(Array.from(w.getValue().data)).toEqual([0, 1, 2]);
    expect(Array.from((step(vx) as NDArray).data)).toEqual([0, 2, 4]);
    expect(Array.from(w.getValue().data)).toEqual([-1, 0, 1]);
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

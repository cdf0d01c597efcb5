import { afterAll, describe, expect, it } from 'vitest';
import { NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { GPU, Texture } from 'gpu.js';
import { createCpuBackend } from '@theano-ts/backend-cpu';
import { GpuTensor, createGpujsBackend, isGpuKernelClass } from './index';
import {
  GPU_AVAILABLE,
  PROBE_KERNEL_CLASS,
  REQUIRE_GPU,
  SKIP_REASON,
  checkAgainstReference,
  expectClose,
  gpuFunction,
  makeBackend,
  rand,
} from './test-utils';

const backend = makeBackend();
afterAll(() => backend.destroy());

/** Run the nodes of `outputs` through `b.makeThunk` in topological order (no compile package). */
function runByHand(
  b: { makeThunk: (n: T.Apply) => T.Thunk; fromHost: (a: NDArray) => unknown },
  outputs: T.Variable[],
  givens: Map<T.Variable, NDArray>,
) {
  const vals = new Map<T.Variable, unknown>([...givens].map(([v, a]) => [v, b.fromHost(a)]));
  const valueOf = (v: T.Variable) => {
    if (!vals.has(v) && v instanceof T.Constant) vals.set(v, b.fromHost(v.data));
    return vals.get(v);
  };
  const perNode: { node: T.Apply; outs: unknown[] }[] = [];
  for (const node of T.toposort(outputs)) {
    const outs = b.makeThunk(node)(node.inputs.map(valueOf));
    node.outputs.forEach((o, i) => vals.set(o, outs[i]));
    perNode.push({ node, outs });
  }
  return { outputs: outputs.map(valueOf), perNode };
}

describe('which gpu.js kernel class runs', () => {
  it(`reports gpu.js' mode and kernel class (here: ${PROBE_KERNEL_CLASS})`, () => {
    expect(typeof backend.gpuMode).toBe('string');
    expect(backend.kernelClass).toMatch(/Kernel$/);
    expect(backend.isGpu).toBe(isGpuKernelClass(backend.kernelClass));
    expect(backend.name).toBe('gpujs');
  });

  it.skipIf(!REQUIRE_GPU)(
    'THEANO_TS_REQUIRE_GPU=1: gpu.js runs on a GPU kernel class (HeadlessGL / WebGL), not on WebAssembly or the CPU',
    () => {
      expect(
        backend.kernelClass,
        `gpu.js chose ${backend.kernelClass} in mode ${backend.gpuMode}; headless-gl needs an X display (xvfb-run)`,
      ).toMatch(/^(HeadlessGLKernel|WebGLKernel|WebGL2Kernel)$/);
    },
  );

  it.skipIf(!GPU_AVAILABLE && !REQUIRE_GPU)(
    `kernels actually run on the GPU kernel class ${SKIP_REASON}`,
    () => {
      const x = T.fmatrix('x');
      checkAgainstReference(backend, [x], [T.exp(x)], [rand([3, 3])]);
      expect(backend.kernelClassesUsed.length).toBeGreaterThan(0);
      expect(
        backend.kernelClassesUsed.every(isGpuKernelClass),
        `kernel classes used: ${backend.kernelClassesUsed.join(', ')}`,
      ).toBe(true);
    },
  );

  it('asynchronous gpu.js modes are refused', () => {
    expect(() => createGpujsBackend({ gpu: new GPU({ mode: 'dev' }) })).toThrow(
      /gpu.js mode 'dev' is not supported/,
    );
  });

  it("mode 'cpu' selects gpu.js' CPUKernel, reported as not a GPU", async () => {
    const b = createGpujsBackend({ mode: 'cpu', warn: () => {} });
    expect(b.kernelClass).toBe('CPUKernel');
    expect(b.isGpu).toBe(false);
    const x = T.fvector('x');
    checkAgainstReference(b, [x], [T.tanh(T.mul(x, 2))], [rand([10])]);
    expect(b.kernelClassesUsed).toEqual(['CPUKernel']);
    await b.destroy();
  });
});

describe('values stay on the GPU between kernels (pipeline mode)', () => {
  it.skipIf(!GPU_AVAILABLE && !REQUIRE_GPU)(
    `an elemwise thunk returns a gpu.js Texture that feeds the next kernel ${SKIP_REASON}`,
    () => {
      const [x, w] = [T.fmatrix('x'), T.fmatrix('w')];
      const h = T.tanh(T.dot(x, w));
      const out = T.mul(h, T.sigmoid(h));
      const [vx, vw] = [rand([4, 3]), rand([3, 5], -1, 1, 'float32', 2)];
      const { outputs, perNode } = runByHand(
        backend,
        [out],
        new Map([
          [x, vx],
          [w, vw],
        ]),
      );
      for (const { outs } of perNode) {
        const t = outs[0] as GpuTensor;
        expect(t).toBeInstanceOf(GpuTensor);
        expect(t.location).toBe('gpu');
        expect(t.texture).toBeInstanceOf(Texture);
      }
      expectClose(
        backend.toHost(outputs[0]),
        T.evaluate(
          [out],
          new Map([
            [x, vx],
            [w, vw],
          ]),
        )[0],
        1e-4,
        1e-5,
      );
    },
  );

  it('pipeline: false reads every kernel result back (Float32Array values)', async () => {
    const b = makeBackend({ pipeline: false });
    const x = T.fvector('x');
    const y = T.exp(T.neg(x));
    const { perNode } = runByHand(b, [y], new Map([[x, rand([6])]]));
    expect(perNode.map(({ outs }) => (outs[0] as GpuTensor).location)).toEqual(['array', 'array']);
    checkAgainstReference(b, [x], [y], [rand([6])]);
    await b.destroy();
  });

  it('a kernel output is reused by the next run of the same node; an overwritten value is an error, not wrong data', () => {
    const x = T.fvector('x');
    const node = T.exp(x).owner!;
    const thunk = backend.makeThunk(node);
    const [first] = thunk([backend.fromHost(array([0, 1], { dtype: 'float32' }))]) as GpuTensor[];
    const firstHost = backend.toHost(first); // read back: stays valid
    const [second] = thunk([backend.fromHost(array([2, 3], { dtype: 'float32' }))]) as GpuTensor[];
    expectClose(firstHost, array([1, Math.E], { dtype: 'float32' }));
    expectClose(backend.toHost(second), array([Math.exp(2), Math.exp(3)], { dtype: 'float32' }));
    const [third] = thunk([second]) as GpuTensor[]; // a node fed its own earlier output
    expectClose(
      backend.toHost(third),
      array([Math.exp(Math.exp(2)), Math.exp(Math.exp(3))], { dtype: 'float32' }),
      1e-4,
    );
    const [fourth] = thunk([backend.fromHost(array([0, 0], { dtype: 'float32' }))]) as GpuTensor[];
    expect(backend.warnings).toEqual([]);
    expect(fourth.stale).toBe(false);
    thunk([backend.fromHost(array([5, 5], { dtype: 'float32' }))]);
    expect(fourth.stale).toBe(true);
    expect(() => backend.toHost(fourth)).toThrow(/overwritten by a later run of the same node/);
  });

  it('fromHost / toHost round-trip every dtype; GpuTensor values and plain NDArrays are both accepted', () => {
    for (const dtype of [
      'float32',
      'float64',
      'int32',
      'int16',
      'int8',
      'uint8',
      'bool',
    ] as const) {
      const a = array(
        [
          [1, 0],
          [3, 4],
        ],
        { dtype },
      );
      const back = backend.toHost(backend.fromHost(a));
      expect(back.dtype).toBe(dtype);
      expect(back.toArray()).toEqual(a.toArray());
      // host values are handed back as they are: the compile package copies what must not alias
      expect(back).toBe(a);
    }
    const x = T.fvector('x');
    const [y] = backend.makeThunk(T.add(x, x).owner!)([
      array([1, 2], { dtype: 'float32' }),
      array([3, 4], { dtype: 'float32' }),
    ]);
    expect(Array.from(backend.toHost(y).data)).toEqual([4, 6]);
    expect(() => backend.toHost(42)).toThrow(/not a GpuTensor or NDArray/);
  });
});

describe('CPU fallback', () => {
  /** numpy.nonzero: its output shape depends on the data, so it has no GPU kernel. */
  const nonzero = (v: T.Variable) => T.applyOp('Nonzero', {}, [v]).outputs[0];

  it('Nonzero (no gpu.js kernel) runs the CPU backend thunk, reports "cpu fallback" and warns once', () => {
    const b = makeBackend();
    const x = T.fmatrix('x');
    const h = T.gt(T.exp(x), 1.5);
    const nz = nonzero(h);
    const out = T.mul(T.cast(nz, 'float32'), 2);
    const s = T.sum(out, { axis: 1 });
    expect(b.describeNode(nz.owner!)).toBe('cpu fallback');
    expect(b.placement(nz.owner!)).toBe('cpu');
    expect(b.describeNode(h.owner!)).toBe(`gpu.js ${b.kernelClass}`);
    expect(b.describeNode(s.owner!)).toBe(`gpu.js ${b.kernelClass}`);
    const vx = rand([3, 4]);
    checkAgainstReference(b, [x], [out, s], [vx]);
    checkAgainstReference(b, [x], [out, s], [vx]);
    expect(b.fallbackOps).toEqual(['Nonzero']);
    expect(b.fallbacks[0].reason).toMatch(/output shape depends on the data/);
    expect(b.warnings).toHaveLength(1);
    expect(b.warnings[0]).toMatch(/1 op run on the CPU backend.*Nonzero/);
    void b.destroy();
  });

  it('warns through console.warn by default, and logs the kernel class once through console.info', () => {
    const warned: unknown[][] = [];
    const infos: unknown[][] = [];
    const [origWarn, origInfo] = [console.warn, console.info];
    console.warn = (...a: unknown[]) => void warned.push(a);
    console.info = (...a: unknown[]) => void infos.push(a);
    let b: ReturnType<typeof createGpujsBackend> | undefined;
    try {
      b = createGpujsBackend();
      const x = T.fmatrix('x');
      const f = gpuFunction(b, [x], [T.softmax(x), nonzero(x)]);
      f(rand([2, 3]));
      f(rand([2, 3]));
    } finally {
      console.warn = origWarn;
      console.info = origInfo;
    }
    const ours = (w: unknown[][]) =>
      w.filter((m) => String(m[0]).includes('theano-ts gpujs backend'));
    expect(ours(warned)).toHaveLength(b.isGpu ? 1 : 2);
    if (b.isGpu) {
      expect(ours(infos)).toHaveLength(1);
      expect(String(ours(infos)[0][0])).toMatch(
        new RegExp(`kernels run on gpu.js ${b.kernelClass}`),
      );
    }
    void b.destroy();
  });

  it("float64 nodes run on the CPU by default (one warning), on the GPU in float32 with { float64: 'float32' }", async () => {
    const [x, y] = [T.dmatrix('x'), T.dmatrix('y')];
    const out = T.add(T.mul(x, y), T.exp(x));
    const vals = [rand([3, 5], -1, 1, 'float64', 1), rand([3, 5], -1, 1, 'float64', 2)];

    const b = makeBackend();
    expect(b.describeNode(out.owner!)).toBe('cpu fallback');
    const exact = checkAgainstReference(b, [x, y], [out], vals, { rtol: 0, atol: 0 });
    expect(exact[0].dtype).toBe('float64');
    expect(b.warnings).toHaveLength(1);
    expect(b.warnings[0]).toMatch(/float64 nodes run on the CPU backend.*float64: 'float32'/);

    const b32 = makeBackend({ float64: 'float32' });
    expect(b32.placement(out.owner!)).toBe('gpu');
    const approx = checkAgainstReference(b32, [x, y], [out], vals, { rtol: 1e-6, atol: 1e-6 });
    expect(approx[0].data).toBeInstanceOf(Float64Array);
    expect(b32.warnings).toEqual([]);
    await b.destroy();
    await b32.destroy();
  });

  it('hand-compiled with makeThunk, a mixed graph matches the CPU backend', () => {
    const [x, w] = [T.fmatrix('x'), T.fmatrix('w')];
    const logits = T.add(T.dot(x, w), 0.5);
    const out = T.mul(T.logSoftmax(logits), -1);
    const givens = new Map([
      [x, rand([5, 4])],
      [w, rand([4, 3], -1, 1, 'float32', 2)],
    ]);
    const gpuRun = runByHand(backend, [out], givens);
    const cpuRun = runByHand(createCpuBackend(), [out], givens);
    expectClose(backend.toHost(gpuRun.outputs[0]), cpuRun.outputs[0] as NDArray, 1e-4, 1e-5);
    expect(gpuRun.perNode.map(({ node }) => backend.describeNode(node))).toEqual([
      `gpu.js ${backend.kernelClass}`, // Dot
      'gpu.js view', // DimShuffle of the constant
      `gpu.js ${backend.kernelClass}`, // add
      `gpu.js ${backend.kernelClass}`, // LogSoftmax
      'gpu.js view', // DimShuffle of -1
      `gpu.js ${backend.kernelClass}`, // mul
    ]);
  });

  it('an array larger than a kernel can address is refused with an error naming the node, the array and the limit', async () => {
    const b = makeBackend();
    const n = b.maxElements + 1;
    const x = T.fvector('x');
    const node = T.exp(x).owner!;
    const big = GpuTensor.fromHost(new NDArray(new Float32Array(n), [n]));
    expect(() => b.makeThunk(node)([big])).toThrow(
      new RegExp(`Elemwise\\{exp\\}: the output has ${n} elements, more than the ${b.maxElements}`),
    );
    const lenient = makeBackend({ oversize: 'cpu' });
    const [y] = lenient.makeThunk(node)([big]) as GpuTensor[];
    expect(y.location).toBe('host');
    expect(lenient.warnings[0]).toMatch(/runs on the CPU: the output has/);
    await b.destroy();
    await lenient.destroy();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DType, Generator, NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { roundExpr, scalarBody } from './elemwise-codegen';
import { setWasmSimdDisabled } from './wasm';
import {
  backend,
  expectKernelMatchesReference,
  randomArray,
  runKernel,
} from './test-helpers.test-helper';

// these tests are of the JS codegen, bit for bit: the WebAssembly SIMD loops that float32
// kernels use when the engine has SIMD are tested against the reference in wasm-elemwise.test.ts
let simdWas = false;
beforeAll(() => {
  simdWas = setWasmSimdDisabled(true);
});
afterAll(() => {
  setWasmSimdDisabled(simdWas);
});

const rng = new Generator(20240611);
const PRIMITIVES = T.SCALAR_OP_NAMES.filter((n) => n !== 'cast');
const DTYPES: DType[] = ['float32', 'float64', 'int32', 'int8', 'uint8'];

/** An Elemwise node of `op` on fresh matrix inputs of the given dtypes. */
function elemwiseNode(
  scalarOp: T.ScalarOp,
  dtypes: readonly DType[],
  shapes?: readonly (readonly (number | null)[])[],
): T.Apply<'Elemwise'> {
  const inputs = dtypes.map((d, i) =>
    T.tensor(`in${i}`, { dtype: d, shape: shapes?.[i] ?? [null, null] }),
  );
  return T.applyOp('Elemwise', { scalarOp }, inputs);
}

describe('generated Elemwise kernels equal the reference perform bit for bit', () => {
  for (const name of PRIMITIVES) {
    const nin = T.SCALAR_OPS[name].nin;
    for (const dtype of DTYPES) {
      // switch takes its condition as a bool (from a comparison) and its branches in `dtype`
      const dtypes =
        name === 'switch' ? (['bool', dtype, dtype] as DType[]) : Array<DType>(nin).fill(dtype);
      // ops that refuse a dtype at build time (bitwise ops on floats) have no kernel to compare
      const refused = (() => {
        try {
          T.SCALAR_OPS[name].outDtype(dtypes, { name });
          return false;
        } catch {
          return true;
        }
      })();
      if (refused) {
        it(`${name} on ${dtype} is refused at build time`, () => {
          expect(() => elemwiseNode({ name }, dtypes)).toThrow(T.TheanoTypeError);
        });
        continue;
      }
      it(`${name} on ${dtype}`, () => {
        const node = elemwiseNode({ name }, dtypes);
        const inputs = dtypes.map((d) => randomArray(rng, d, [7, 9]));
        expectKernelMatchesReference(node, inputs, `${name}(${dtypes.join(', ')})`);
      });
    }
  }

  it('mixed input dtypes upcast the same way', () => {
    for (const [a, b] of [
      ['int8', 'float32'],
      ['int32', 'float32'],
      ['uint8', 'int8'],
      ['float32', 'float64'],
    ] as DType[][]) {
      for (const name of ['add', 'mul', 'trueDiv', 'maximum', 'pow'] as const) {
        const node = elemwiseNode({ name }, [a, b]);
        expectKernelMatchesReference(
          node,
          [randomArray(rng, a, [4, 5]), randomArray(rng, b, [4, 5])],
          `${name}(${a}, ${b})`,
        );
      }
    }
  });

  for (const to of ['bool', 'int8', 'uint8', 'int16', 'int32', 'float32', 'float64'] as DType[]) {
    it(`cast float64 and int32 to ${to}`, () => {
      for (const from of ['float64', 'int32'] as DType[]) {
        const node = elemwiseNode({ name: 'cast', dtype: to }, [from]);
        expect(node.outputs[0].dtype).toBe(to);
        expectKernelMatchesReference(
          node,
          [randomArray(rng, from, [6, 6])],
          `cast ${from} → ${to}`,
        );
      }
    });
  }

  it('casting NaN to bool gives true, as NumPy', () => {
    const node = elemwiseNode({ name: 'cast', dtype: 'bool' }, ['float64']);
    const [out] = expectKernelMatchesReference(node, [
      array([[NaN, 0, -0, 2]], { dtype: 'float64' }),
    ]);
    expect(out.toArray()).toEqual([[true, false, false, true]]);
  });

  it('maximum keeps numpy.maximum signed zeros and NaN', () => {
    const node = elemwiseNode({ name: 'maximum' }, ['float64', 'float64']);
    const [out] = expectKernelMatchesReference(node, [
      array([[-0, 0, NaN, 1]], { dtype: 'float64' }),
      array([[0, -0, 1, NaN]], { dtype: 'float64' }),
    ]);
    expect(Object.is(out.get(0, 0), 0)).toBe(true);
    expect(Object.is(out.get(0, 1), -0)).toBe(true);
    expect(out.get(0, 2)).toBeNaN();
    expect(out.get(0, 3)).toBeNaN();
  });
});

describe('broadcasting', () => {
  const f64 = 'float64';

  it('matrix + row', () => {
    const node = elemwiseNode(
      { name: 'add' },
      [f64, f64],
      [
        [null, null],
        [1, null],
      ],
    );
    const [out] = expectKernelMatchesReference(node, [
      randomArray(rng, f64, [5, 4], false),
      randomArray(rng, f64, [1, 4], false),
    ]);
    expect(out.shape).toEqual([5, 4]);
    const m = array(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: f64 },
    );
    expect(runKernel(node, [m, array([[10, 20]], { dtype: f64 })])[0].toArray()).toEqual([
      [11, 22],
      [13, 24],
    ]);
  });

  it('col + row makes an outer table', () => {
    const node = elemwiseNode(
      { name: 'mul' },
      [f64, f64],
      [
        [null, 1],
        [1, null],
      ],
    );
    const [out] = expectKernelMatchesReference(node, [
      randomArray(rng, f64, [6, 1]),
      randomArray(rng, f64, [1, 3]),
    ]);
    expect(out.shape).toEqual([6, 3]);
    expect(
      runKernel(node, [
        array([[1], [2]], { dtype: f64 }),
        array([[3, 4, 5]], { dtype: f64 }),
      ])[0].toArray(),
    ).toEqual([
      [3, 4, 5],
      [6, 8, 10],
    ]);
  });

  it('3-d with broadcasting in the middle dimension', () => {
    const node = elemwiseNode(
      { name: 'sub' },
      [f64, f64],
      [
        [null, null, null],
        [null, 1, null],
      ],
    );
    const [out] = expectKernelMatchesReference(node, [
      randomArray(rng, f64, [3, 4, 5]),
      randomArray(rng, f64, [3, 1, 5]),
    ]);
    expect(out.shape).toEqual([3, 4, 5]);
    const b = node.inputs[1];
    expect(b.broadcastable).toEqual([false, true, false]);
  });

  it('a broadcast scalar and all-broadcast inputs', () => {
    const node = elemwiseNode(
      { name: 'pow' },
      [f64, f64],
      [
        [null, null],
        [1, 1],
      ],
    );
    expectKernelMatchesReference(node, [
      randomArray(rng, f64, [3, 3]),
      array([[2]], { dtype: f64 }),
    ]);
    const zeroD = T.applyOp('Elemwise', { scalarOp: { name: 'add' } }, [
      T.dscalar('a'),
      T.dscalar('b'),
    ]);
    expect(runKernel(zeroD, [array(1.5), array(2)])[0].item()).toBe(3.5);
  });

  it('empty arrays give empty outputs', () => {
    const node = elemwiseNode({ name: 'add' }, [f64, f64]);
    expect(
      runKernel(node, [
        new NDArray(new Float64Array(0), [0, 3]),
        new NDArray(new Float64Array(0), [0, 3]),
      ])[0].shape,
    ).toEqual([0, 3]);
  });

  it("rejects a run-time length-1 dimension that is not declared broadcastable, naming the input (Theano's rule)", () => {
    const node = elemwiseNode({ name: 'add' }, [f64, f64]);
    const x = randomArray(rng, f64, [2, 3]);
    const col = randomArray(rng, f64, [2, 1]);
    const msg =
      "Elemwise{add}: input 1 'in1' has shape (2, 1) but the output needs 3 in dimension 1 (dimension 1 of that input is not declared broadcastable)";
    expect(() => runKernel(node, [x, col])).toThrow(RangeError);
    expect(() => runKernel(node, [x, col])).toThrow(msg);
    expect(() => T.performNode(node, [x, col])).toThrow(msg);
  });
});

describe('non-contiguous inputs', () => {
  it('a transposed view made by DimShuffle', () => {
    const m = T.dmatrix('m');
    const t = m.T;
    const other = T.dmatrix('o');
    const node = T.add(t, other).owner!;
    const mv = randomArray(rng, 'float64', [4, 6]);
    const [view] = T.performNode(t.owner!, [mv]);
    expect(view.isContiguous).toBe(false);
    expect(view.data).toBe(mv.data);
    const ov = randomArray(rng, 'float64', [6, 4], false);
    const [out] = expectKernelMatchesReference(node, [view, ov]);
    expect(out.get(5, 3)).toBe(mv.get(3, 5) + ov.get(5, 3));
    expect(out.get(1, 2)).toBe(mv.get(2, 1) + ov.get(1, 2));
  });

  it('transposed float32 views broadcast against a column', () => {
    const node = elemwiseNode(
      { name: 'mul' },
      ['float32', 'float32'],
      [
        [null, null],
        [null, 1],
      ],
    );
    const a = randomArray(rng, 'float32', [5, 3]).T;
    expectKernelMatchesReference(node, [a, randomArray(rng, 'float32', [3, 1])]);
  });

  it('views with an offset and a 3-d permutation', () => {
    const data = Float64Array.from({ length: 61 }, (_, i) => Math.sin(i));
    const shifted = new NDArray(data, [3, 4, 5], { offset: 1 });
    const perm = shifted.transpose([2, 0, 1]);
    const node = elemwiseNode({ name: 'tanh' }, ['float64'], [[null, null, null]]);
    const [out] = expectKernelMatchesReference(node, [perm]);
    expect(out.get(4, 2, 3)).toBe(Math.tanh(data[1 + 2 * 20 + 3 * 5 + 4]));
  });
});

describe('Composite (fused) kernels', () => {
  const composite = (nodes: T.CompositeNode[], outputs: number[]): T.ScalarOp => ({
    name: 'composite',
    nin: 2,
    nodes,
    outputs,
  });

  it('equal the reference on a hand-built Composite, with float32 rounding after every node', () => {
    // out0 = sigmoid(a * b + 1) + exp(a) * -0.5, out1 = a * b   (all float32)
    const op = composite(
      [
        { op: { name: 'mul' }, args: [0, 1], dtype: 'float32' }, // 2
        { op: { name: 'constant', value: 1, dtype: 'float32' }, args: [], dtype: 'float32' }, // 3
        { op: { name: 'add' }, args: [2, 3], dtype: 'float32' }, // 4
        { op: { name: 'sigmoid' }, args: [4], dtype: 'float32' }, // 5
        { op: { name: 'exp' }, args: [0], dtype: 'float32' }, // 6
        { op: { name: 'constant', value: -0.5, dtype: 'float32' }, args: [], dtype: 'float32' }, // 7
        { op: { name: 'mul' }, args: [6, 7], dtype: 'float32' }, // 8
        { op: { name: 'add' }, args: [5, 8], dtype: 'float32' }, // 9
      ],
      [9, 2],
    );
    const node = elemwiseNode(
      op,
      ['float32', 'float32'],
      [
        [null, null],
        [1, null],
      ],
    );
    const a = randomArray(rng, 'float32', [6, 7], false);
    const b = randomArray(rng, 'float32', [1, 7], false);
    const [out, prod] = expectKernelMatchesReference(node, [a, b]);
    // by hand, rounding to float32 after each step
    const fr = Math.fround;
    for (const [i, j] of [
      [0, 0],
      [3, 5],
      [5, 6],
    ]) {
      const ab = fr(a.get(i, j) * b.get(0, j));
      const s = fr(T.scalarSigmoid(fr(ab + 1)));
      expect(out.get(i, j)).toBe(fr(s + fr(fr(Math.exp(a.get(i, j))) * -0.5)));
      expect(prod.get(i, j)).toBe(ab);
    }
  });

  it('rounds intermediates to their own dtype (float32 inside a float64 output)', () => {
    // out = float64(float32(a + b)) * 3, with a, b float64: the float32 rounding must show
    const op = composite(
      [
        { op: { name: 'add' }, args: [0, 1], dtype: 'float32' },
        { op: { name: 'cast', dtype: 'float64' }, args: [2], dtype: 'float64' },
        { op: { name: 'constant', value: 3, dtype: 'float64' }, args: [], dtype: 'float64' },
        { op: { name: 'mul' }, args: [3, 4], dtype: 'float64' },
      ],
      [5],
    );
    const node = elemwiseNode(op, ['float64', 'float64']);
    const a = array([[0.1, 1e10]], { dtype: 'float64' });
    const b = array([[0.2, 1]], { dtype: 'float64' });
    const [out] = expectKernelMatchesReference(node, [a, b]);
    expect(out.get(0, 0)).toBe(Math.fround(0.1 + 0.2) * 3);
    expect(out.get(0, 0)).not.toBe((0.1 + 0.2) * 3);
    expect(out.get(0, 1)).toBe(Math.fround(1e10 + 1) * 3);
  });

  it('int8 intermediates wrap, and a -0 constant keeps its sign', () => {
    const op = composite(
      [
        { op: { name: 'mul' }, args: [0, 1], dtype: 'int8' },
        { op: { name: 'cast', dtype: 'float64' }, args: [2], dtype: 'float64' },
        { op: { name: 'constant', value: -0, dtype: 'float64' }, args: [], dtype: 'float64' },
        { op: { name: 'mul' }, args: [3, 4], dtype: 'float64' },
      ],
      [2, 5],
    );
    const node = elemwiseNode(op, ['int8', 'int8']);
    const [w, z] = expectKernelMatchesReference(node, [
      array([[100, 3]], { dtype: 'int8' }),
      array([[3, 5]], { dtype: 'int8' }),
    ]);
    expect(w.toArray()).toEqual([[300 - 256, 15]]);
    expect(Object.is(z.get(0, 1), -0)).toBe(true);
  });

  it('random inputs through a Composite of every binary op', () => {
    const binary = PRIMITIVES.filter((n) => T.SCALAR_OPS[n].nin === 2);
    const nodes: T.CompositeNode[] = [];
    let last = 0;
    for (const name of binary) {
      const dtype = ['gt', 'ge', 'lt', 'le', 'eq', 'neq'].includes(name) ? 'bool' : 'float64';
      nodes.push({ op: { name }, args: [last, 1], dtype });
      last = 2 + nodes.length - 1;
      if (dtype === 'bool') {
        nodes.push({ op: { name: 'cast', dtype: 'float64' }, args: [last], dtype: 'float64' });
        last++;
      }
    }
    const node = elemwiseNode(composite(nodes, [last]), ['float64', 'float64']);
    expectKernelMatchesReference(node, [
      randomArray(rng, 'float64', [8, 8]),
      randomArray(rng, 'float64', [8, 8]),
    ]);
  });
});

describe('code generation pieces', () => {
  it('roundExpr rounds like castScalar', () => {
    const cases: [DType, number][] = [
      ['int8', 300],
      ['uint8', -1],
      ['int16', 40000],
      ['int32', 2 ** 31 + 0.5],
      ['float32', 0.1],
      ['bool', NaN],
      ['bool', -0],
      ['float64', 0.1],
    ];
    for (const [d, v] of cases) {
      const f = new Function('x', `return ${roundExpr('x', d)};`) as (x: number) => number;
      expect([d, v, f(v)]).toEqual([d, v, d === 'float64' ? v : expectedCast(d, v)]);
    }
  });

  it('scalarBody emits one rounded const per Composite node', () => {
    const body = scalarBody(
      {
        name: 'composite',
        nin: 1,
        nodes: [{ op: { name: 'exp' }, args: [0], dtype: 'float32' }],
        outputs: [1],
      },
      ['float32'],
      ['float32'],
    );
    expect(body.lines).toEqual(['const t0 = Math.fround(Math.exp(x0));']);
    expect(body.outs).toEqual(['t0']);
  });

  it('reports the kernel for every Elemwise node', () => {
    expect(backend.hasKernel(elemwiseNode({ name: 'add' }, ['float64', 'float64']))).toBe(true);
  });
});

/** castScalar's definition, written out: wrap modulo 2^bits after truncation, bool = != 0. */
function expectedCast(d: DType, v: number): number {
  if (d === 'bool') return v !== 0 ? 1 : 0;
  if (d === 'float32') return Math.fround(v);
  const bits = { int8: 8, uint8: 8, int16: 16, int32: 32 }[d as 'int8']!;
  const m = 2 ** bits;
  let w = ((Math.trunc(v) % m) + m) % m;
  if (d !== 'uint8' && w >= m / 2) w -= m;
  return w;
}

describe('inplacePattern: the output is written into the dead input', () => {
  const node = (pattern: Record<number, number>, shapes?: (number | null)[][]) => {
    const inputs = (
      shapes ?? [
        [null, null],
        [null, null],
      ]
    ).map((shape, i) => T.tensor(`in${i}`, { dtype: 'float64', shape }));
    return T.applyOp('Elemwise', { scalarOp: { name: 'add' }, inplacePattern: pattern }, inputs);
  };

  it('returns that input NDArray, holding the sum (contiguous and broadcast loops)', () => {
    const a = rng.uniform(-1, 1, [3, 4], 'float64');
    const b = rng.uniform(-1, 1, [3, 4], 'float64');
    const want = a.toFlat().map((v, i) => v + b.toFlat()[i]);
    const [out] = backend.makeThunk(node({ 0: 1 }))([a, b]) as NDArray[];
    expect(out).toBe(b);
    expect([...out.toFlat()]).toEqual([...want]);
    // a broadcast row: the strided loop writes the matrix operand in place
    const row = rng.uniform(-1, 1, [1, 4], 'float64');
    const m = rng.uniform(-1, 1, [3, 4], 'float64');
    const want2 = m.toFlat().map((v, i) => v + row.toFlat()[i % 4]);
    const [out2] = backend.makeThunk(
      node({ 0: 1 }, [
        [1, null],
        [null, null],
      ]),
    )([row, m]) as NDArray[];
    expect(out2).toBe(m);
    expect([...out2.toFlat()]).toEqual([...want2]);
  });

  it('allocates instead when the input at run time is a strided view', () => {
    const a = rng.uniform(-1, 1, [4, 3], 'float64').transpose();
    const b = rng.uniform(-1, 1, [3, 4], 'float64');
    const before = a.copy();
    const [out] = backend.makeThunk(node({ 0: 0 }))([a, b]) as NDArray[];
    expect(out).not.toBe(a);
    expect([...a.toFlat()]).toEqual([...before.toFlat()]);
    expect([...out.toFlat()]).toEqual([...a.toFlat().map((v, i) => v + b.toFlat()[i])]);
  });
});

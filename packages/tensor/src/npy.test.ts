/**
 * .npy / .npz both ways, through committed files: fixtures/npy/numpy/ holds files written by
 * NumPy (np.save, savez, savez_compressed); fixtures/npy/ts/ holds files written by writeNpy /
 * writeNpz, which tools/fixtures/generate_tensor.py loaded back with NumPy, recording what
 * NumPy saw in `npyFromTs` / `npzFromTs`.
 */
import { describe, expect, it } from 'vitest';
import { array } from './creation';
import { NDArray } from './ndarray';
import { NPY_DESCR, readNpy, readNpz, writeNpy, writeNpz } from './npy';
import { fixture, fixtureBytes, num, type FixtureValue } from './fixture.test-helper';
import type { DType } from './dtype';

const build = (dtype: DType, shape: number[], values: FixtureValue[]): NDArray =>
  array(
    values.map((v) => (typeof v === 'boolean' ? v : num(v))),
    { dtype },
  ).reshape(shape);

const flat = (a: NDArray) => Array.from(a.toFlat());

describe('readNpy: files written by NumPy', () => {
  for (const c of fixture.npyFromNumpy) {
    it(`${c.name} (${c.numpyDtype}, shape (${c.shape.join(', ')})) loads as ${c.dtype}`, () => {
      const a = readNpy(fixtureBytes(`npy/numpy/${c.name}.npy`));
      expect(a.dtype).toBe(c.dtype);
      expect(a.shape).toEqual(c.shape);
      expect(flat(a)).toEqual(flat(build(c.dtype, c.shape, c.values)));
    });
  }

  it('covers every storage dtype, both byte orders, int64, a 0-d and an empty array', () => {
    const names = fixture.npyFromNumpy.map((c) => c.numpyDtype);
    for (const d of Object.values(NPY_DESCR)) expect(names).toContain(d);
    expect(names).toEqual(expect.arrayContaining(['>f8', '>f4', '>i4', '>i2', '<i8', '>i8']));
  });

  it('accepts a Buffer, a Uint8Array at an offset and an ArrayBuffer', () => {
    const bytes = fixtureBytes('npy/numpy/float64.npy');
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(flat(readNpy(shifted.subarray(3)))).toEqual(flat(readNpy(bytes)));
    expect(flat(readNpy(bytes.slice().buffer))).toEqual(flat(readNpy(bytes)));
  });
});

describe('writeNpy: files NumPy loads', () => {
  for (const c of fixture.npyFromTs) {
    const src = fixture.npyWrite.find((w) => w.name === c.name)!;
    it(`${c.name}: the committed file is what writeNpy writes, and NumPy loaded it as ${c.dtype} (${c.shape.join(', ')})`, () => {
      const a = build(src.dtype, src.shape, src.values);
      const bytes = writeNpy(a);
      expect(bytes).toEqual(fixtureBytes(`npy/ts/${c.name}.npy`));
      // what NumPy saw when it loaded the committed file
      expect(c.dtype).toBe(src.dtype);
      expect(c.shape).toEqual(src.shape);
      expect(c.values).toEqual(src.values);
      // byte for byte what numpy.save writes for the same array
      expect(c.sameBytesAsNumpySave).toBe(true);
    });
  }

  it('was checked by NumPy for every storage dtype', () => {
    const dtypes = new Set(fixture.npyFromTs.map((c) => c.dtype));
    for (const d of Object.keys(NPY_DESCR)) expect(dtypes.has(d as DType)).toBe(true);
  });

  it('round-trips views in C order (transposed, negative strides)', () => {
    const a = array([
      [1, 2, 3],
      [4, 5, 6],
    ]).T.slice('::-1');
    const b = readNpy(writeNpy(a));
    expect(b.shape).toEqual([3, 2]);
    expect(b.toArray()).toEqual(a.toArray());
  });

  it('round-trips every dtype, NaN and infinities', () => {
    const f = array([NaN, Infinity, -Infinity, -0, 1e-310]);
    expect(flat(readNpy(writeNpy(f)))).toEqual(flat(f));
    for (const d of Object.keys(NPY_DESCR) as DType[]) {
      const a = array([0, 1, 1, 0], { dtype: d }).reshape([2, 2]);
      const b = readNpy(writeNpy(a));
      expect(b.dtype).toBe(d);
      expect(b.toArray()).toEqual(a.toArray());
    }
  });
});

describe('readNpz / writeNpz', () => {
  it('loads numpy.savez (stored) and numpy.savez_compressed (deflated) archives', () => {
    const z = readNpz(fixtureBytes('npy/numpy/savez.npz'));
    expect(Object.keys(z).sort()).toEqual(['n', 'x']);
    expect(z.n.dtype).toBe('int32');
    expect(z.n.toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(z.x.shape).toEqual([2, 3]);
    const c = readNpz(fixtureBytes('npy/numpy/savez-compressed.npz'));
    expect(Object.keys(c).sort()).toEqual(['arr_0', 'arr_1']);
    expect(flat(c.arr_0)).toEqual(flat(z.x));
    expect(c.arr_1.toArray()).toEqual([true, false]);
  });

  it('writes archives NumPy loads (checked by the generator), stored or compressed', () => {
    const z = readNpz(fixtureBytes('npy/ts/writeNpz.npz'));
    const seen = fixture.npzFromTs;
    expect(Object.keys(seen).sort()).toEqual(['a', 'b', 'c']);
    for (const [k, v] of Object.entries(seen)) {
      expect(z[k].dtype).toBe(v.dtype);
      expect(z[k].shape).toEqual(v.shape);
      expect(flat(z[k])).toEqual(flat(build(v.dtype, v.shape, v.values)));
    }
    const arrays = { w: array([[1.5, 2]]), i: array([1, 2, 3]) };
    for (const compressed of [false, true]) {
      const back = readNpz(writeNpz(arrays, { compressed }));
      expect(back.w.toArray()).toEqual([[1.5, 2]]);
      expect(back.i.dtype).toBe('int32');
    }
    expect(Object.keys(readNpz(writeNpz([array([1]), array([2])])))).toEqual(['arr_0', 'arr_1']);
  });
});

describe('bad .npy / .npz input names the function, what was expected and what was given', () => {
  const good = fixtureBytes('npy/numpy/float64.npy');

  it('an unsupported dtype', () => {
    for (const [name, descr] of [
      ['complex128', '<c16'],
      ['unicode', '<U2'],
    ]) {
      const run = () => readNpy(fixtureBytes(`npy/numpy/${name}.npy`));
      expect(run).toThrow(TypeError);
      expect(run).toThrow(
        new RegExp(
          `^readNpy: unsupported dtype '${descr}' in \\.npy file; expected one of b1, i1, u1, i2, i4, f4, f8`,
        ),
      );
    }
  });

  it('a truncated file: data, header, preamble', () => {
    expect(() => readNpy(good.subarray(0, good.length - 8))).toThrow(RangeError);
    expect(() => readNpy(good.subarray(0, good.length - 8))).toThrow(
      "readNpy: truncated .npy file: shape (2, 3) of dtype '<f8' needs 48 data bytes, got 40",
    );
    expect(() => readNpy(good.subarray(0, 50))).toThrow(
      'readNpy: truncated .npy file: the header announces 118 bytes (data from byte 128), got only 50 bytes in all',
    );
    expect(() => readNpy(good.subarray(0, 5))).toThrow(
      'readNpy: truncated .npy file: expected at least 10 bytes (magic string, version, header length), got 5',
    );
  });

  it('int64 values that do not fit int32', () => {
    const run = () => readNpy(fixtureBytes('npy/numpy/int64-overflow.npy'));
    expect(run).toThrow(RangeError);
    expect(run).toThrow(
      'readNpy: int64 value 1099511627776 at flat index 1 does not fit int32 (expected values in [-2147483648, 2147483647])',
    );
  });

  it('not a .npy file, a malformed header, a wrong argument', () => {
    expect(() => readNpy(new TextEncoder().encode('PK\x03\x04 not numpy at all'))).toThrow(
      /^readNpy: not a \.npy file: expected the magic string \\x93NUMPY, got "PK/,
    );
    const broken = good.slice();
    broken.set(new TextEncoder().encode("{'descx'"), 10);
    expect(() => readNpy(broken)).toThrow(
      /readNpy: malformed \.npy header: no 'descr' key; expected a dict/,
    );
    expect(() => readNpy('file.npy' as never)).toThrow(
      "readNpy: argument 'bytes' must be a Uint8Array, an ArrayBuffer or a Node Buffer, got the string 'file.npy'",
    );
    expect(() => writeNpy([1, 2] as never)).toThrow(
      "writeNpy: argument 'a' must be an NDArray, got an array of length 2",
    );
    expect(() => readNpz(good)).toThrow(/^readNpz: not a \.npz \(zip\) archive/);
    expect(() => writeNpz({ x: 3 } as never)).toThrow(
      "writeNpz: arrays['x'] must be an NDArray, got 3",
    );
  });
});

/**
 * NumPy's .npy and .npz file formats, on bytes (the caller reads or writes the file):
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * - {@link readNpy}: format versions 1.0, 2.0 and 3.0; C or Fortran order; little-, big- and
 *   native-endian data. dtypes bool, int8, uint8, int16, int32, float32, float64 load as
 *   themselves; int64, uint16, uint32 and uint64 load as int32 (a value that does not fit
 *   throws a RangeError); float16 loads as float32 (exactly). Anything else (complex, strings,
 *   objects, structured dtypes, datetimes, long double) is a TypeError.
 * - {@link writeNpy}: version 1.0 (2.0 for a header over 65535 bytes), C order, little-endian,
 *   with NumPy 1.24's header layout (so the bytes equal `numpy.save`'s for the same array).
 * - {@link readNpz} / {@link writeNpz}: zip archives of .npy files (numpy.savez /
 *   savez_compressed / load), through the fflate zip library.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { type DType, type TypedArray, typedArrayFor } from './dtype';
import { NDArray } from './ndarray';
import { formatShape, shapeSize } from './shape';
import { describeValue } from './errors';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The .npy descr NumPy writes for each storage dtype. */
export const NPY_DESCR: Readonly<Record<DType, string>> = {
  bool: '|b1',
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  int32: '<i4',
  float32: '<f4',
  float64: '<f8',
};

const SUPPORTED =
  "b1, i1, u1, i2, i4, f4, f8 (and i8, u2, u4, u8 as int32, f2 as float32), in '<', '>', '|' or '=' byte order";

function toBytes(fn: string, bytes: unknown): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes))
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError(
    `${fn}: argument 'bytes' must be a Uint8Array, an ArrayBuffer or a Node Buffer, got ${describeValue(bytes)}`,
  );
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Parse the Python dict literal of a .npy header. */
function parseHeader(fn: string, text: string): Header {
  const bad = (why: string): never => {
    throw new TypeError(
      `${fn}: malformed .npy header: ${why}; expected a dict like {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }, got ${JSON.stringify(text.trim().slice(0, 120))}`,
    );
  };
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) bad('not a dict literal');
  const descrM = /'descr'\s*:\s*('([^']*)'|"([^"]*)"|\[)/.exec(t);
  if (!descrM) bad("no 'descr' key");
  if (descrM![1] === '[')
    throw new TypeError(
      `${fn}: unsupported dtype in .npy file: structured dtype ${t.slice(descrM!.index, descrM!.index + 80)}...; expected one of ${SUPPORTED}`,
    );
  const descr = descrM![2] ?? descrM![3];
  const fo = /'fortran_order'\s*:\s*(True|False)/.exec(t);
  if (!fo) bad("no 'fortran_order' key");
  const sh = /'shape'\s*:\s*\(([^)]*)\)/.exec(t);
  if (!sh) bad("no 'shape' key");
  const parts = sh![1]
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s !== '');
  const shape = parts.map((p) => {
    if (!/^\d+$/.test(p)) bad(`shape entry '${p}' is not a non-negative integer`);
    return Number(p);
  });
  return { descr, fortranOrder: fo![1] === 'True', shape };
}

type Reader = (dv: DataView, byteOffset: number, little: boolean) => number;

interface Kind {
  dtype: DType;
  size: number;
  read: Reader;
  /** int64-like kinds are read as bigint and range-checked. */
  big?: 'i8' | 'u8';
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const KINDS: Record<string, Kind> = {
  b1: { dtype: 'bool', size: 1, read: (d, o) => (d.getUint8(o) !== 0 ? 1 : 0) },
  i1: { dtype: 'int8', size: 1, read: (d, o) => d.getInt8(o) },
  u1: { dtype: 'uint8', size: 1, read: (d, o) => d.getUint8(o) },
  i2: { dtype: 'int16', size: 2, read: (d, o, l) => d.getInt16(o, l) },
  u2: { dtype: 'int32', size: 2, read: (d, o, l) => d.getUint16(o, l) },
  i4: { dtype: 'int32', size: 4, read: (d, o, l) => d.getInt32(o, l) },
  u4: { dtype: 'int32', size: 4, read: (d, o, l) => d.getUint32(o, l) },
  i8: { dtype: 'int32', size: 8, read: (d, o, l) => Number(d.getBigInt64(o, l)), big: 'i8' },
  u8: { dtype: 'int32', size: 8, read: (d, o, l) => Number(d.getBigUint64(o, l)), big: 'u8' },
  f2: { dtype: 'float32', size: 2, read: (d, o, l) => halfToFloat(d.getUint16(o, l)) },
  f4: { dtype: 'float32', size: 4, read: (d, o, l) => d.getFloat32(o, l) },
  f8: { dtype: 'float64', size: 8, read: (d, o, l) => d.getFloat64(o, l) },
};

/**
 * Read a .npy file's bytes into an NDArray (numpy.load for one array). See the module note for
 * the dtypes; int64 values outside int32 throw rather than wrap.
 * @param bytes the whole file (Uint8Array, Node Buffer or ArrayBuffer)
 * @throws TypeError when the bytes are not a .npy file (bad magic, malformed header) or hold an
 *   unsupported dtype; RangeError when the file is truncated (header or data shorter than
 *   announced) or an int64/uint32/uint64 value does not fit int32.
 */
export function readNpy(bytes: Uint8Array | ArrayBuffer): NDArray {
  const fn = 'readNpy';
  const b = toBytes(fn, bytes);
  if (b.length < 10)
    throw new RangeError(
      `${fn}: truncated .npy file: expected at least 10 bytes (magic string, version, header length), got ${b.length}`,
    );
  if (!MAGIC.every((m, i) => b[i] === m))
    throw new TypeError(
      `${fn}: not a .npy file: expected the magic string \\x93NUMPY, got ${JSON.stringify(String.fromCharCode(...b.subarray(0, 6)))}`,
    );
  const major = b[6];
  const minor = b[7];
  if (![1, 2, 3].includes(major) || minor !== 0)
    throw new TypeError(
      `${fn}: unsupported .npy format version ${major}.${minor}; expected 1.0, 2.0 or 3.0`,
    );
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const hlenSize = major === 1 ? 2 : 4;
  if (b.length < 8 + hlenSize)
    throw new RangeError(
      `${fn}: truncated .npy file: expected ${8 + hlenSize} bytes of preamble, got ${b.length}`,
    );
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const dataStart = 8 + hlenSize + hlen;
  if (b.length < dataStart)
    throw new RangeError(
      `${fn}: truncated .npy file: the header announces ${hlen} bytes (data from byte ${dataStart}), got only ${b.length} bytes in all`,
    );
  const headerBytes = b.subarray(8 + hlenSize, dataStart);
  const text =
    major === 3
      ? new TextDecoder('utf-8').decode(headerBytes)
      : String.fromCharCode(...headerBytes);
  const h = parseHeader(fn, text);
  const m = /^([<>|=]?)([a-zA-Z]\d*)$/.exec(h.descr);
  const kind = m ? KINDS[m[2]] : undefined;
  if (!m || !kind)
    throw new TypeError(
      `${fn}: unsupported dtype '${h.descr}' in .npy file; expected one of ${SUPPORTED}`,
    );
  const little = m[1] === '>' ? false : m[1] === '=' ? LITTLE_ENDIAN_HOST : true;
  const n = shapeSize(h.shape);
  const need = n * kind.size;
  if (b.length - dataStart < need)
    throw new RangeError(
      `${fn}: truncated .npy file: shape ${formatShape(h.shape)} of dtype '${h.descr}' needs ${need} data bytes, got ${b.length - dataStart}`,
    );
  const out = new (typedArrayFor(kind.dtype))(n);
  for (let i = 0; i < n; i++) {
    const o = dataStart + i * kind.size;
    if (kind.big) {
      const v = kind.big === 'i8' ? dv.getBigInt64(o, little) : dv.getBigUint64(o, little);
      if (v < -2147483648n || v > 2147483647n)
        throw new RangeError(
          `${fn}: ${kind.big === 'i8' ? 'int64' : 'uint64'} value ${v} at flat index ${i} does not fit int32 (expected values in [-2147483648, 2147483647]); theano-ts stores integers as int32 at most`,
        );
      out[i] = Number(v);
    } else {
      const v = kind.read(dv, o, little);
      if (m[2] === 'u4' && v > 2147483647)
        throw new RangeError(
          `${fn}: uint32 value ${v} at flat index ${i} does not fit int32 (expected values in [0, 2147483647])`,
        );
      out[i] = v;
    }
  }
  if (!h.fortranOrder) return new NDArray(out, h.shape, { dtype: kind.dtype });
  const rev = [...h.shape].reverse();
  return new NDArray(out, rev, { dtype: kind.dtype }).transpose().copy();
}

/** repr() of a shape tuple, as Python writes it. */
const pyShape = (s: readonly number[]): string =>
  s.length === 1 ? `(${s[0]},)` : `(${s.join(', ')})`;

/**
 * The bytes of a .npy file holding `a` (numpy.save): C order, little-endian, NumPy 1.24's header
 * (keys sorted, 21 characters of room to grow the first dimension, padded with spaces and a
 * newline to a multiple of 64 bytes).
 * @throws TypeError when `a` is not an NDArray.
 */
export function writeNpy(a: NDArray): Uint8Array {
  if (!(a instanceof NDArray))
    throw new TypeError(`writeNpy: argument 'a' must be an NDArray, got ${describeValue(a)}`);
  let header = `{'descr': '${NPY_DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${pyShape(a.shape)}, }`;
  if (a.ndim > 0) header += ' '.repeat(Math.max(0, 21 - String(a.shape[0]).length));
  let major = 1;
  let hlen = header.length + 1;
  let pad = 64 - ((8 + 2 + hlen) % 64);
  if (hlen + pad > 65535) {
    major = 2;
    pad = 64 - ((8 + 4 + hlen) % 64);
  }
  if (pad === 64) pad = 0;
  const hlenSize = major === 1 ? 2 : 4;
  const full = header + ' '.repeat(pad) + '\n';
  hlen = full.length;
  const flat: TypedArray = a.toFlat();
  const dataBytes = flat.length * flat.BYTES_PER_ELEMENT;
  const out = new Uint8Array(8 + hlenSize + hlen + dataBytes);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, hlen, true);
  else dv.setUint32(8, hlen, true);
  for (let i = 0; i < hlen; i++) out[8 + hlenSize + i] = full.charCodeAt(i);
  const start = 8 + hlenSize + hlen;
  const raw = new Uint8Array(flat.buffer, flat.byteOffset, dataBytes);
  if (LITTLE_ENDIAN_HOST || flat.BYTES_PER_ELEMENT === 1) out.set(raw, start);
  else {
    const w = flat.BYTES_PER_ELEMENT;
    for (let i = 0; i < flat.length; i++)
      for (let j = 0; j < w; j++) out[start + i * w + j] = raw[i * w + (w - 1 - j)];
  }
  return out;
}

/**
 * Read the arrays of a .npz archive (numpy.load of a file written by numpy.savez or
 * savez_compressed): a record from name (without `.npy`) to array, in archive order.
 * @throws TypeError when the bytes are not a zip archive; errors of {@link readNpy} name the member.
 */
export function readNpz(bytes: Uint8Array | ArrayBuffer): Record<string, NDArray> {
  const b = toBytes('readNpz', bytes);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(b);
  } catch (e) {
    throw new TypeError(
      `readNpz: not a .npz (zip) archive: ${(e as Error).message}; expected the bytes of a file written by numpy.savez or writeNpz`,
    );
  }
  const out: Record<string, NDArray> = {};
  for (const [name, data] of Object.entries(files)) {
    if (!name.endsWith('.npy')) continue;
    try {
      out[name.slice(0, -4)] = readNpy(data);
    } catch (e) {
      const E = e instanceof RangeError ? RangeError : TypeError;
      throw new E(`readNpz: member '${name}': ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * The bytes of a .npz archive (numpy.savez; with `compressed`, numpy.savez_compressed): a zip
 * of one .npy per array, named by the record's keys or `arr_0`, `arr_1`, … for a list.
 * @throws TypeError for a value that is not an NDArray or an invalid name.
 */
export function writeNpz(
  arrays: Record<string, NDArray> | readonly NDArray[],
  opts: { compressed?: boolean } = {},
): Uint8Array {
  if (arrays === null || typeof arrays !== 'object')
    throw new TypeError(
      `writeNpz: argument 'arrays' must be a record of NDArrays or a list of NDArrays, got ${describeValue(arrays)}`,
    );
  const entries: [string, NDArray][] = Array.isArray(arrays)
    ? arrays.map((a, i) => [`arr_${i}`, a])
    : Object.entries(arrays);
  const files: Zippable = {};
  for (const [name, a] of entries) {
    if (name === '' || name.includes('/'))
      throw new TypeError(
        `writeNpz: array name ${JSON.stringify(name)} must be non-empty and contain no '/'`,
      );
    if (!(a instanceof NDArray))
      throw new TypeError(
        `writeNpz: arrays['${name}'] must be an NDArray, got ${describeValue(a)}`,
      );
    files[`${name}.npy`] = [writeNpy(a), { level: opts.compressed ? 6 : 0 }];
  }
  return zipSync(files, { mtime: new Date(1980, 0, 1, 0, 0, 0) });
}

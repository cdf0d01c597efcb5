import { type DType, castScalar, typedArrayFor } from './dtype';
import { NDArray } from './ndarray';
import { type Shape, shapeSize } from './shape';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High and low 32 bits of the 64-bit product of two uint32. */
function mulhilo(a: number, b: number): [number, number] {
  const lo = Math.imul(a, b) >>> 0;
  const aH = a >>> 16;
  const aL = a & 0xffff;
  const bH = b >>> 16;
  const bL = b & 0xffff;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const hi = aH * bH + Math.floor(lh / 65536) + Math.floor(hl / 65536) + Math.floor(mid / 65536);
  return [hi >>> 0, lo];
}

/**
 * Philox-4x32-10 block: 4 uint32 words of output for a 128-bit counter and a 64-bit key.
 * Source: Salmon et al., "Parallel random numbers: as easy as 1, 2, 3" (SC'11), the generator
 * behind numpy.random.Philox and JAX's threefry/philox family. Pure integer arithmetic, so the
 * same seed gives the same numbers on every platform.
 */
export function philox4x32(counter: readonly number[], key: readonly number[]): number[] {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let r = 0; r < 10; r++) {
    const [hi0, lo0] = mulhilo(M0, c0);
    const [hi1, lo1] = mulhilo(M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/**
 * A seeded, counter-based random generator (Philox-4x32-10). Draws are a pure function of
 * (seed, number of words drawn so far): `new Generator(42)` gives the same sequence everywhere.
 */
export class Generator {
  private key: [number, number];
  private counter = 0;
  private buf: number[] = [];

  /** @param seed a non-negative integer below 2^53. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER)
      throw new RangeError(`Generator: seed must be a non-negative integer, got ${seed}`);
    this.key = [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
  }

  /** Next uint32. */
  nextUint32(): number {
    if (this.buf.length === 0) {
      const c = this.counter++;
      this.buf = philox4x32([c >>> 0, Math.floor(c / 2 ** 32) >>> 0, 0, 0], this.key).reverse();
    }
    return this.buf.pop()!;
  }

  /** Next float64 uniform in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  private fill(shape: Shape, dtype: DType, f: () => number): NDArray {
    const n = shapeSize(shape);
    const data = new (typedArrayFor(dtype))(n);
    for (let i = 0; i < n; i++) data[i] = castScalar(f(), dtype);
    return new NDArray(data, shape, { dtype });
  }

  /** Uniform in [low, high) (numpy Generator.uniform). dtype default float64. */
  uniform(low = 0, high = 1, shape: Shape = [], dtype: DType = 'float64'): NDArray {
    return this.fill(shape, dtype, () => low + (high - low) * this.nextDouble());
  }

  /** Normal with mean `loc` and standard deviation `scale` (Box–Muller). dtype default float64. */
  normal(loc = 0, scale = 1, shape: Shape = [], dtype: DType = 'float64'): NDArray {
    let spare: number | null = null;
    return this.fill(shape, dtype, () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return loc + scale * s;
      }
      const u = 1 - this.nextDouble();
      const v = this.nextDouble();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return loc + scale * r * Math.cos(2 * Math.PI * v);
    });
  }

  /** Integers in [low, high) (numpy Generator.integers). dtype default int32. */
  randint(low: number, high: number, shape: Shape = [], dtype: DType = 'int32'): NDArray {
    if (!(high > low))
      throw new RangeError(`randint: high (${high}) must be greater than low (${low})`);
    return this.fill(shape, dtype, () => low + Math.floor(this.nextDouble() * (high - low)));
  }

  /** A random permutation of 0..n-1 (Fisher–Yates), int32. */
  permutation(n: number): NDArray {
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.nextDouble() * (i + 1));
      [data[i], data[j]] = [data[j], data[i]];
    }
    return new NDArray(data, [n], { dtype: 'int32' });
  }
}

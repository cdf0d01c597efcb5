import { type DType, castScalar, checkDType, checkedCast, typedArrayFor } from './dtype';
import { NDArray, type NestedArray } from './ndarray';
import { type Shape, formatShape, shapeSize, validateShape } from './shape';
import { array } from './creation';
import { checkInt, checkNumber, describeValue } from './errors';

/** Options of {@link Generator.choice}, as numpy.random.Generator.choice. */
export interface ChoiceOptions {
  /** Output shape (a number for 1-D); omitted: one draw, a 0-d result (or one row of an N-d population). */
  size?: Shape | number;
  /** Draw with replacement (default true). */
  replace?: boolean;
  /** Probabilities of each entry of the population: non-negative, summing to 1. Default uniform. */
  p?: NDArray | readonly number[];
}

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
 *
 * The stream: block c is `philox4x32([c mod 2^32, c div 2^32, 0, 0], [seed mod 2^32,
 * seed div 2^32])`, its four words used in order; a double is
 * `((w0 >>> 5) · 2^26 + (w1 >>> 6)) / 2^53`. `nextUint32`, `nextDouble`, `uniform`, `randint`,
 * `permutation`, `choice` and `shuffle` use only integer arithmetic and exactly rounded float
 * operations, so they are bit-identical on every platform, JavaScript engine and backend.
 * `normal` (Box–Muller) also calls Math.log / Math.cos / Math.sin, which ECMAScript does not
 * require to be correctly rounded: identical wherever the engine's math library is the same
 * (V8 everywhere: Node, Chrome, Deno), possibly differing in the last bit across engines.
 */
export class Generator {
  private key: [number, number];
  private counter = 0;
  private buf: number[] = [];

  /** @param seed a non-negative integer below 2^53. */
  constructor(seed: number) {
    this.key = Generator.keyOf(seed, 'Generator');
  }

  private static keyOf(seed: number, fn: string): [number, number] {
    if (!Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER)
      throw new RangeError(`${fn}: seed must be a non-negative integer, got ${seed}`);
    return [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
  }

  /**
   * Restart this generator at the stream of `seed` (as if built by `new Generator(seed)`;
   * numpy's RandomState.seed). @throws RangeError for a seed that is not an integer in [0, 2^53).
   */
  reseed(seed: number): void {
    this.key = Generator.keyOf(seed, 'Generator.reseed');
    this.counter = 0;
    this.buf = [];
  }

  /**
   * Rebuild a generator from a saved state (see {@link Generator.getState}): the key words and
   * the index of the next block to use.
   * @throws RangeError for key words that are not uint32 or a counter that is not an integer in
   *   [0, 2^53).
   */
  static fromState(key: readonly [number, number], counter: number): Generator {
    const bad = key.length !== 2 || key.some((k) => !Number.isInteger(k) || k < 0 || k >= 2 ** 32);
    if (bad)
      throw new RangeError(
        `Generator.fromState: key must be two uint32 words, got [${key.join(', ')}]`,
      );
    if (!Number.isInteger(counter) || counter < 0 || counter > Number.MAX_SAFE_INTEGER)
      throw new RangeError(
        `Generator.fromState: counter must be an integer in [0, 2^53), got ${counter}`,
      );
    const g = new Generator(0);
    g.key = [key[0], key[1]];
    g.counter = counter;
    return g;
  }

  /**
   * The state: the two key words (uint32) and the index of the next unused Philox block. The
   * unused words of a partly used block are not part of it: a generator rebuilt with
   * {@link Generator.fromState} continues at the next whole block.
   */
  getState(): {
    /** The two uint32 key words. */
    key: [number, number];
    /** Index of the next block of the stream. */
    counter: number;
  } {
    return { key: [this.key[0], this.key[1]], counter: this.counter };
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

  private fill(shape: Shape, dtype: DType, f: () => number, fn = 'Generator'): NDArray {
    shape = validateShape(shape, fn);
    checkDType(dtype, fn);
    const n = shapeSize(shape);
    const data = new (typedArrayFor(dtype))(n);
    for (let i = 0; i < n; i++) data[i] = castScalar(f(), dtype);
    return new NDArray(data, shape, { dtype });
  }

  /** Uniform in [low, high) (numpy Generator.uniform). dtype default float64. */
  uniform(low = 0, high = 1, shape: Shape = [], dtype: DType = 'float64'): NDArray {
    checkNumber('Generator.uniform', 'low', low);
    checkNumber('Generator.uniform', 'high', high);
    return this.fill(
      shape,
      dtype,
      () => low + (high - low) * this.nextDouble(),
      'Generator.uniform',
    );
  }

  /** Normal with mean `loc` and standard deviation `scale` (Box–Muller). dtype default float64. */
  normal(loc = 0, scale = 1, shape: Shape = [], dtype: DType = 'float64'): NDArray {
    checkNumber('Generator.normal', 'loc', loc);
    checkNumber('Generator.normal', 'scale', scale);
    if (scale < 0)
      throw new RangeError(`Generator.normal: argument 'scale' must be non-negative, got ${scale}`);
    let spare: number | null = null;
    return this.fill(
      shape,
      dtype,
      () => {
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
      },
      'Generator.normal',
    );
  }

  /** Integers in [low, high) (numpy Generator.integers). dtype default int32. */
  randint(low: number, high: number, shape: Shape = [], dtype: DType = 'int32'): NDArray {
    checkInt('Generator.randint', 'low', low);
    checkInt('Generator.randint', 'high', high);
    if (!(high > low))
      throw new RangeError(`Generator.randint: high (${high}) must be greater than low (${low})`);
    checkDType(dtype, 'Generator.randint');
    checkedCast(low, dtype, 'Generator.randint', 'low');
    checkedCast(high - 1, dtype, 'Generator.randint', 'high - 1');
    return this.fill(
      shape,
      dtype,
      () => low + Math.floor(this.nextDouble() * (high - low)),
      'Generator.randint',
    );
  }

  /** A uniform integer in [0, n) from one double (n <= 2^32). */
  private below(n: number): number {
    return Math.floor(this.nextDouble() * n);
  }

  /**
   * Draw from a population (numpy.random.Generator.choice): `a` is a number n (draws from
   * 0..n-1, int32) or an array whose entries along axis 0 are drawn (dtype kept).
   * Without replacement, a partial Fisher–Yates shuffle (uniform) or sequential draws from the
   * renormalised remaining probabilities (with `p`).
   * @throws RangeError for an empty population with draws, more draws than entries without
   *   replacement, or `p` of the wrong length, negative, non-finite or not summing to 1.
   */
  choice(a: number | NDArray | NestedArray, opts: ChoiceOptions = {}): NDArray {
    const fn = 'Generator.choice';
    const pop =
      typeof a === 'number'
        ? null
        : a instanceof NDArray
          ? a
          : Array.isArray(a)
            ? array(a)
            : (() => {
                throw new TypeError(
                  `${fn}: argument 'a' must be an integer, an NDArray or nested arrays, got ${describeValue(a)}`,
                );
              })();
    if (pop && pop.ndim === 0)
      throw new RangeError(
        `${fn}: argument 'a' must be a positive integer or an array with at least one dimension, got a 0-d array`,
      );
    const n = pop ? pop.shape[0] : checkInt(fn, 'a', a, 0);
    const sizeShape =
      opts.size === undefined
        ? []
        : typeof opts.size === 'number'
          ? validateShape([opts.size], fn, 'size')
          : validateShape(opts.size, fn, 'size');
    const k = shapeSize(sizeShape);
    const replace = opts.replace ?? true;
    if (n === 0 && k > 0)
      throw new RangeError(
        `${fn}: a cannot be empty unless no samples are taken (expected a non-empty population for ${k} draws)`,
      );
    let cdf: Float64Array | null = null;
    let p: Float64Array | null = null;
    if (opts.p !== undefined) {
      p = Float64Array.from(opts.p instanceof NDArray ? opts.p.toFlat() : (opts.p as number[]));
      if (p.length !== n)
        throw new RangeError(
          `${fn}: 'a' and 'p' must have same size: expected ${n} probabilities, got ${p.length}`,
        );
      let total = 0;
      p.forEach((v, i) => {
        if (!Number.isFinite(v) || v < 0)
          throw new RangeError(
            `${fn}: probabilities must be finite and non-negative, got p[${i}] = ${v}`,
          );
        total += v;
      });
      if (Math.abs(total - 1) > Math.sqrt(Number.EPSILON))
        throw new RangeError(
          `${fn}: probabilities do not sum to 1: expected a sum of 1, got ${total}`,
        );
      cdf = new Float64Array(n);
      let acc = 0;
      p.forEach((v, i) => (cdf![i] = acc += v));
    }
    const idx = new Int32Array(k);
    if (replace) {
      for (let i = 0; i < k; i++) {
        if (!cdf) idx[i] = this.below(n);
        else {
          const u = this.nextDouble() * cdf[n - 1];
          let lo = 0;
          let hi = n - 1;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (cdf[mid] > u) hi = mid;
            else lo = mid + 1;
          }
          idx[i] = lo;
        }
      }
    } else {
      if (k > n)
        throw new RangeError(
          `${fn}: cannot take a larger sample than population when replace is false: expected at most ${n} draws, got ${k}`,
        );
      if (!p) {
        const perm = Int32Array.from({ length: n }, (_, i) => i);
        for (let i = 0; i < k; i++) {
          const j = i + this.below(n - i);
          [perm[i], perm[j]] = [perm[j], perm[i]];
          idx[i] = perm[i];
        }
      } else {
        const w = Float64Array.from(p);
        if (w.filter((v) => v > 0).length < k)
          throw new RangeError(
            `${fn}: fewer non-zero entries in p than size: expected at least ${k}, got ${w.filter((v) => v > 0).length}`,
          );
        for (let i = 0; i < k; i++) {
          let total = 0;
          for (const v of w) total += v;
          let u = this.nextDouble() * total;
          let j = 0;
          while (j < n - 1 && (w[j] === 0 || u >= w[j])) {
            u -= w[j];
            j++;
          }
          while (w[j] === 0) j--;
          idx[i] = j;
          w[j] = 0;
        }
      }
    }
    const ids = new NDArray(idx, sizeShape, { dtype: 'int32' });
    if (!pop) return ids;
    const rows = pop.reshape([n, -1]).contiguous();
    const m = rows.shape[1];
    const out = new (typedArrayFor(pop.dtype))(k * m);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < m; j++) out[i * m + j] = rows.data[rows.offset + idx[i] * m + j];
    return new NDArray(out, [...sizeShape, ...pop.shape.slice(1)], { dtype: pop.dtype });
  }

  /**
   * Shuffle an array in place along axis 0 (numpy.random.Generator.shuffle; Fisher–Yates with
   * the same draws as {@link permutation}). Returns the array.
   * @throws RangeError for a 0-d array or a broadcast view.
   */
  shuffle(x: NDArray): NDArray {
    if (!(x instanceof NDArray))
      throw new TypeError(
        `Generator.shuffle: argument 'x' must be an NDArray, got ${describeValue(x)}`,
      );
    if (x.ndim === 0)
      throw new RangeError(
        `Generator.shuffle: expected an array with at least one dimension, got shape ${formatShape(x.shape)}`,
      );
    x.assertWritable('Generator.shuffle');
    const n = x.shape[0];
    const perm = this.permutation(n).data;
    const copy = x.copy();
    for (let i = 0; i < n; i++) {
      const dst = x.slice(i);
      const src = copy.slice(perm[i]).toFlat();
      let k = 0;
      dst.forEachPosition((p) => {
        dst.data[p] = src[k++];
      });
    }
    return x;
  }

  /** A random permutation of 0..n-1 (Fisher–Yates), int32. */
  permutation(n: number): NDArray {
    checkInt('Generator.permutation', 'n', n, 0);
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.nextDouble() * (i + 1));
      [data[i], data[j]] = [data[j], data[i]];
    }
    return new NDArray(data, [n], { dtype: 'int32' });
  }
}

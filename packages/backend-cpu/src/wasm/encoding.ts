/**
 * Byte-level encoding for WebAssembly binaries: LEB128 integers, IEEE-754 little-endian floats,
 * UTF-8 names and length-prefixed vectors (WebAssembly Core Specification 2.0, §5.1–5.2).
 */

/** A growable little-endian byte buffer with the WebAssembly binary encodings. */
export class ByteWriter {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  private n = 0;

  /** Number of bytes written so far. */
  get length(): number {
    return this.n;
  }

  private reserve(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  /** One byte (0..255). */
  u8(b: number): this {
    this.reserve(1);
    this.buf[this.n++] = b & 0xff;
    return this;
  }

  /** Raw bytes. */
  bytes(bs: ArrayLike<number>): this {
    this.reserve(bs.length);
    for (let i = 0; i < bs.length; i++) this.buf[this.n++] = bs[i]! & 0xff;
    return this;
  }

  /**
   * Unsigned LEB128 of a non-negative integer up to 2^53 − 1 (u32 fields need < 2^32).
   * @throws RangeError for negative, fractional or unsafe integers.
   */
  uleb(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new RangeError(`wasm uleb: expected a non-negative safe integer, got ${v}`);
    do {
      let byte = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) byte |= 0x80;
      this.u8(byte);
    } while (v !== 0);
    return this;
  }

  /**
   * Signed LEB128 of an integer (a number within ±2^53, or a bigint for full i64 range).
   * @throws RangeError for a fractional or unsafe number.
   */
  sleb(v: number | bigint): this {
    let x: bigint;
    if (typeof v === 'bigint') x = v;
    else {
      if (!Number.isSafeInteger(v))
        throw new RangeError(`wasm sleb: expected a safe integer, got ${v}`);
      x = BigInt(v);
    }
    for (;;) {
      const byte = Number(x & 0x7fn);
      x >>= 7n;
      const signBit = (byte & 0x40) !== 0;
      if ((x === 0n && !signBit) || (x === -1n && signBit)) {
        this.u8(byte);
        return this;
      }
      this.u8(byte | 0x80);
    }
  }

  /** f32, little-endian IEEE-754 (the value is rounded to float32). */
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.bytes(b);
  }

  /** f64, little-endian IEEE-754. */
  f64(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    return this.bytes(b);
  }

  /** A name: byte length (uleb) then UTF-8 bytes. */
  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.uleb(b.length).bytes(b);
  }

  /** A length-prefixed byte string (section or function body): size (uleb) then the bytes. */
  sized(inner: ByteWriter): this {
    const b = inner.finish();
    return this.uleb(b.length).bytes(b);
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.n);
  }
}

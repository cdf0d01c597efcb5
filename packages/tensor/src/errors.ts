/**
 * Error helpers: every public function throws a TypeError or RangeError whose message names the
 * function, the argument, what was expected and what was given. Internal to the package.
 */

/** A short description of a value for an error message: `3`, `'abc'`, `null`, `a Uint16Array of length 4`. */
export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'string') return `the string '${x.length > 40 ? x.slice(0, 37) + '...' : x}'`;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'function') return 'a function';
  if (typeof x === 'symbol') return 'a symbol';
  if (ArrayBuffer.isView(x))
    return `a ${x.constructor.name} of length ${(x as unknown as { length: number }).length}`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x instanceof ArrayBuffer) return `an ArrayBuffer of ${x.byteLength} bytes`;
  const ctor = (x as object).constructor;
  if (ctor && ctor.name === 'NDArray') {
    const a = x as { shape: readonly number[]; dtype: string };
    return `an NDArray of shape (${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''}) and dtype ${a.dtype}`;
  }
  return ctor && ctor.name && ctor.name !== 'Object' ? `a ${ctor.name}` : 'an object';
}

/** `fn: argument 'arg' must be <expected>, got <given>` as a TypeError. */
export function typeError(fn: string, arg: string, expected: string, given: unknown): TypeError {
  return new TypeError(`${fn}: argument '${arg}' must be ${expected}, got ${describeValue(given)}`);
}

/** Validate an integer argument. @throws TypeError when not a (safe) integer, RangeError when below `min`. */
export function checkInt(fn: string, arg: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw typeError(fn, arg, 'an integer', v);
  if (v < min)
    throw new RangeError(
      `${fn}: argument '${arg}' must be an integer >= ${min}, got ${describeValue(v)}`,
    );
  return v;
}

/** Validate a number argument (any finite or infinite number, not NaN unless allowed). */
export function checkNumber(fn: string, arg: string, v: unknown, allowNaN = false): number {
  if (typeof v !== 'number' || (!allowNaN && Number.isNaN(v)))
    throw typeError(fn, arg, allowNaN ? 'a number' : 'a number (not NaN)', v);
  return v;
}

/**
 * Binding call arguments to inputs and converting them: a fast path that accepts, without
 * allocating, the values that need no conversion (NDArrays of the right dtype and shape,
 * numbers for scalar inputs), and a slow path that converts everything else with Theano's
 * rules, or throws an error that names the input, says what was expected and what was given,
 * and how to fix it.
 */
import {
  NDArray,
  canCastSafely,
  castScalar,
  dtypeRange,
  formatShape,
  isFloat,
  isInteger,
  array,
  typedArrayFor,
} from '@theano-ts/tensor';
import { type TensorType, type Variable, filterValue } from '@theano-ts/symbolic';

/** A stored input value: a default, or the state of an input with an update. */
export interface Container {
  value: NDArray;
}

/** What the call path knows about one input. */
export interface InputSpec {
  readonly index: number;
  readonly variable: Variable;
  readonly type: TensorType;
  /** Keyword name (In's name, else the variable's). */
  readonly name: string | undefined;
  readonly allowDowncast: boolean;
  readonly strict: boolean;
  readonly mutable: boolean;
  /** Default value / state, when the input has one. */
  readonly container: Container | undefined;
}

/** `input 1 'y'` or `input 1 (unnamed)`. */
export const inputLabel = (s: InputSpec): string =>
  `input ${s.index} ${s.name !== undefined ? `'${s.name}'` : '(unnamed)'}`;

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** `float32 matrix (2 dimensions)`, `float64 row (2 dimensions, shape (1, ?))`. */
export function expectedText(t: TensorType): string {
  const statics = t.shape.some((d) => d !== null);
  const shape = statics
    ? `, shape (${t.shape.map((d) => d ?? '?').join(', ')}${t.ndim === 1 ? ',' : ''})`
    : '';
  return `${`${t}`.replace(/ shape \(.*\)$/, '')} (${plural(t.ndim, 'dimension')}${shape})`;
}

/** What the caller gave, in words. */
export function givenText(v: unknown): string {
  if (v instanceof NDArray)
    return `an NDArray of dtype ${v.dtype} and shape ${formatShape(v.shape)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  if (Array.isArray(v)) {
    const json = JSON.stringify(v);
    return `the JS array ${json.length > 40 ? json.slice(0, 37) + '...' : json}`;
  }
  if (ArrayBuffer.isView(v))
    return `a ${v.constructor.name} of length ${(v as unknown as { length: number }).length}`;
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string '${v.slice(0, 30)}'`;
  return `a ${typeof v} (${Object.prototype.toString.call(v)})`;
}

/** True for a trailing `{ name: value }` argument. */
export function isKeywordObject(v: unknown): v is Record<string, unknown> {
  if (
    v === null ||
    typeof v !== 'object' ||
    Array.isArray(v) ||
    v instanceof NDArray ||
    ArrayBuffer.isView(v)
  )
    return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

const downcastFix = (s: InputSpec) =>
  `or compile with allowInputDowncast: true (or In(${s.name ?? 'x'}, { allowDowncast: true }))`;

/**
 * Convert `v` for input `s` with Theano's rules: exact conversions are accepted (numbers into
 * float inputs, integers in range into int inputs, safe dtype casts), lossy ones only with
 * allowDowncast; rank and every static (broadcastable) dimension must match.
 * @throws TypeError naming the function, the input (position and name), the expected type,
 *   what was given and how to fix it.
 */
export function convertInput(
  s: InputSpec,
  v: unknown,
  fnName: string,
  compiledAt: string,
): NDArray {
  const t = s.type;
  const head = `${fnName}: ${inputLabel(s)}: expected ${expectedText(t)}, got ${givenText(v)}`;
  const fail = (why: string): never => {
    throw new TypeError(`${head}${why}${compiledAt}`);
  };
  if (s.strict) {
    if (!(v instanceof NDArray))
      fail(
        `. The input is strict (In(${s.name ?? 'x'}, { strict: true })): pass an NDArray of dtype ${t.dtype}, e.g. array(value, { dtype: '${t.dtype}' }), or drop strict`,
      );
    if ((v as NDArray).dtype !== t.dtype)
      fail(
        `. The input is strict (In(${s.name ?? 'x'}, { strict: true })), so no dtype conversion is made: convert it first (a.astype('${t.dtype}')) or drop strict`,
      );
  }
  let arr: NDArray;
  const fromNumbers = typeof v === 'number' || typeof v === 'boolean' || Array.isArray(v);
  if (v instanceof NDArray) arr = v;
  else if (fromNumbers) {
    try {
      arr = array(v as never, { dtype: 'float64' });
    } catch (e) {
      return fail(
        `, which is not a rectangular array of numbers (${(e as Error).message}); every row must have the same length and hold numbers`,
      );
    }
  } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    try {
      arr = array(v as never);
    } catch (e) {
      return fail(`: ${(e as Error).message}`);
    }
  } else
    return fail(
      `; pass an NDArray, a number, or nested arrays of numbers${v === undefined ? ' (undefined is not a value; omit the argument to use a default)' : ''}`,
    );
  if (arr.ndim !== t.ndim) {
    const what =
      fromNumbers || !(v instanceof NDArray)
        ? ` with ${plural(arr.ndim, 'dimension')} (shape ${formatShape(arr.shape)})`
        : ` with ${plural(arr.ndim, 'dimension')}`;
    fail(
      `${what}; pass a value with ${plural(t.ndim, 'dimension')}` +
        (t.ndim === 0
          ? ' (a single number)'
          : arr.ndim < t.ndim
            ? ' (wrap it in more brackets, or reshape it)'
            : ' (reshape or index it)') +
        `, or declare the variable with ${plural(arr.ndim, 'dimension')}`,
    );
  }
  t.shape.forEach((d, ax) => {
    if (d !== null && arr.shape[ax] !== d)
      fail(
        `: dimension ${ax} has length ${arr.shape[ax]} but must have length ${d}` +
          (d === 1
            ? ` because it is declared broadcastable; pass length 1 there, or declare the variable without broadcasting (e.g. T.matrix instead of T.row)`
            : `, as the variable's static shape says; pass that shape, or declare the dimension as null`),
      );
  });
  if (fromNumbers || ArrayBuffer.isView(v)) {
    // JS numbers: float inputs take any (rounded to their precision); others only exact values
    if (fromNumbers && !isFloat(t.dtype) && !s.allowDowncast) {
      const flat = arr.data;
      const [lo, hi] = dtypeRange(t.dtype);
      for (let i = 0; i < flat.length; i++) {
        const x = flat[i];
        if (castScalar(x, t.dtype) !== x)
          fail(
            `: ${t.dtype} cannot store ${x} exactly (${!Number.isFinite(x) ? 'not a finite number' : Number.isInteger(x) ? `out of range [${lo}, ${hi}]` : 'not an integer'}); pass ${isInteger(t.dtype) ? 'integers in range' : '0/1 or booleans'}, round them first, ${downcastFix(s)}`,
          );
      }
    }
  }
  if (!fromNumbers && !canCastSafely(arr.dtype, t.dtype) && !s.allowDowncast)
    fail(
      `: ${arr.dtype} → ${t.dtype} may lose precision; convert it first (a.astype('${t.dtype}')), ${downcastFix(s)}`,
    );
  return filterValue(t, fromNumbers ? v : arr, {
    what: `${fnName}: ${inputLabel(s)}`,
    allowDowncast: s.allowDowncast || canCastSafely(arr.dtype, t.dtype),
  });
}

/** The fast path of one input: the array to use, or undefined when the slow path must decide. */
export interface FastConverter {
  convert(v: unknown): NDArray | undefined;
  /** Drop the preallocated scalar buffer (made again on next use). */
  free(): void;
}

/**
 * Accepts without copying an NDArray of the input's dtype, rank and static dimensions; writes a
 * number for a scalar input into a buffer allocated once (the linker never lets an output or
 * a shared value keep that buffer). Everything else goes to {@link convertInput}.
 */
export function fastConverter(s: InputSpec): FastConverter {
  const { dtype, ndim } = s.type;
  const statics: number[] = [];
  s.type.shape.forEach((d, ax) => {
    if (d !== null) statics.push(ax, d);
  });
  const nStatic = statics.length;
  const scalarOk = ndim === 0 && !s.strict && dtype !== 'bool';
  const intLike = !isFloat(dtype);
  const [lo, hi] = dtypeRange(dtype);
  let buf: NDArray | undefined;
  return {
    convert(v) {
      if (v instanceof NDArray) {
        if (v.dtype !== dtype) return undefined;
        const sh = v.shape;
        if (sh.length !== ndim) return undefined;
        for (let k = 0; k < nStatic; k += 2)
          if (sh[statics[k]] !== statics[k + 1]) return undefined;
        return v;
      }
      if (typeof v === 'number' && scalarOk) {
        if (intLike && !(Number.isInteger(v) && v >= lo && v <= hi)) return undefined;
        if (buf === undefined) buf = new NDArray(new (typedArrayFor(dtype))(1), [], { dtype });
        buf.data[0] = v;
        return buf;
      }
      return undefined;
    },
    free() {
      buf = undefined;
    },
  };
}

/**
 * Positional arguments, then an optional trailing `{ name: value }` object, to one value per
 * input (`undefined` where the default applies).
 * @throws TypeError for too many arguments, unknown or ambiguous names, an input given twice,
 *   and a missing input without default.
 */
export function bindArguments(
  specs: readonly InputSpec[],
  args: ArrayLike<unknown>,
  fnName: string,
): unknown[] {
  const nIn = specs.length;
  let n = args.length;
  const names = () =>
    specs
      .map((s) => (s.name !== undefined ? `${s.name} (#${s.index})` : `#${s.index}`))
      .join(', ') || 'none';
  let kw: Record<string, unknown> | undefined;
  if (n > 0 && isKeywordObject(args[n - 1])) {
    kw = args[n - 1] as Record<string, unknown>;
    n--;
  }
  if (n > nIn)
    throw new TypeError(
      `${fnName}: takes ${plural(nIn, 'input')} (${names()}), but got ${plural(n, 'positional argument')}; remove the extra ones`,
    );
  const values = new Array<unknown>(nIn);
  for (let i = 0; i < n; i++) values[i] = args[i];
  if (kw)
    for (const key of Object.keys(kw)) {
      const hits = specs.filter((s) => s.name === key);
      if (hits.length === 0)
        throw new TypeError(
          `${fnName}: got a value for '${key}', but no input has that name; inputs: ${names()}` +
            (specs.some((s) => s.name === undefined)
              ? ' (name an input with In(x, { name }))'
              : ''),
        );
      if (hits.length > 1)
        throw new TypeError(
          `${fnName}: the name '${key}' is ambiguous (inputs ${hits.map((h) => h.index).join(' and ')} have it); give them distinct names with In(x, { name })`,
        );
      const idx = hits[0].index;
      if (idx < n)
        throw new TypeError(
          `${fnName}: ${inputLabel(hits[0])} is given both by position (argument ${idx + 1}) and by name; give it once`,
        );
      values[idx] = kw[key];
    }
  for (let i = 0; i < nIn; i++)
    if (values[i] === undefined && !specs[i].container) {
      const s = specs[i];
      throw new TypeError(
        `${fnName}: missing ${inputLabel(s)} (${expectedText(s.type)}); pass it as argument ${i + 1}` +
          (s.name !== undefined ? ` or as { ${s.name}: value }` : '') +
          `, or give it a default with In(${s.name ?? 'x'}, { value })`,
      );
    }
  return values;
}

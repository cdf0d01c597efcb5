import type { NDArray } from './ndarray';
import { isFloat } from './dtype';

/**
 * NumPy-style repr (numpy.array_repr with the default print options: precision 8, threshold
 * 1000, edgeitems 3, linewidth 75, floatmode 'maxprec', legacy False).
 * Source: https://numpy.org/doc/stable/reference/generated/numpy.set_printoptions.html; the
 * layout follows numpy/core/arrayprint.py (FloatingFormat, _formatArray, _array_repr_implementation).
 */
export const printOptions = {
  /** Digits after the decimal point, at most (NumPy's precision). */
  precision: 8,
  /** Arrays with more elements than this are summarised with '...'. */
  threshold: 1000,
  /** Elements shown at each end of a summarised axis. */
  edgeitems: 3,
  /** Characters per line before wrapping. */
  linewidth: 75,
};

type Formatter = (v: number) => string;

/** True when the exact decimal expansion `digits` (no point) is a tie when cut after `n` digits. */
const isTie = (digits: string, n: number): boolean =>
  digits[n] === '5' && /^0*$/.test(digits.slice(n + 1));
const lastDigitEven = (s: string): boolean => Number(s[s.length - 1]) % 2 === 0;

/**
 * x.toFixed(n) for x >= 0, but rounding exact ties to even, as Dragon4 (NumPy) does where
 * JavaScript rounds them up. toFixed(100) is exact for every value printed positionally.
 */
function toFixedHalfEven(x: number, n: number): string {
  const exact = x.toFixed(100);
  const point = exact.indexOf('.');
  const digits = exact.slice(0, point) + exact.slice(point + 1);
  if (!isTie(digits, point + n)) return x.toFixed(n);
  const trunc = exact.slice(0, n === 0 ? point : point + 1 + n);
  return lastDigitEven(trunc) ? trunc : x.toFixed(n);
}

/** x.toExponential(n) for x >= 0, rounding exact ties to even (Dragon4). */
function toExponentialHalfEven(x: number, n: number): string {
  const [m, e] = x.toExponential(100).split('e');
  const digits = m.replace('.', '');
  if (!isTie(digits, n + 1)) return x.toExponential(n);
  const trunc = n === 0 ? digits[0] : `${digits[0]}.${digits.slice(1, n + 1)}`;
  return lastDigitEven(trunc) ? `${trunc}e${e}` : x.toExponential(n);
}

/** The shortest decimal (exponential form) that reads back as float32 `x` >= 0: NumPy prints float32 with float32 digits. */
function shortestFloat32(x: number): string {
  for (let p = 0; p < 9; p++) {
    const s = toExponentialHalfEven(x, p);
    if (Math.fround(Number(s)) === x) return s;
  }
  return x.toExponential(8);
}

const trimZeros = (frac: string): string => frac.replace(/0+$/, '');
const signOf = (v: number): string => (v < 0 || Object.is(v, -0) ? '-' : '');

/**
 * Positional digits of a finite value as Dragon4 (unique, trim '.') writes them: the shortest
 * digits that identify the value, rounded to `precision` fractional digits when longer. Returns
 * [int part with sign, fraction without trailing zeros].
 */
function positionalParts(v: number, f32: boolean, precision: number): [string, string] {
  const x = Math.abs(v);
  // Dragon4 never stops inside the integer part: float32 integers above 2^24 print exactly
  if (Number.isInteger(x)) return [signOf(v) + x.toFixed(0), ''];
  let [i, f = ''] = (f32 ? String(Number(shortestFloat32(x))) : String(x)).split('.');
  if (f.length > precision) [i, f = ''] = toFixedHalfEven(x, precision).split('.');
  return [signOf(v) + i, trimZeros(f)];
}

/**
 * Scientific digits as Dragon4 writes them: [int part with sign, fraction, exponent]. With
 * `minDigits`, exactly that many fractional digits of the exact value (rounded), as NumPy's
 * second pass does; otherwise the shortest unique digits cut at `precision`.
 */
function scientificParts(
  v: number,
  f32: boolean,
  precision: number,
  minDigits?: number,
): [string, string, number] {
  const x = Math.abs(v);
  let s: string;
  if (minDigits !== undefined) s = toExponentialHalfEven(x, minDigits);
  else {
    s = f32 ? shortestFloat32(x) : x.toExponential();
    if ((s.split('e')[0].split('.')[1] ?? '').length > precision)
      s = toExponentialHalfEven(x, precision);
  }
  const [m, e] = s.split('e');
  const [i, f = ''] = m.split('.');
  return [signOf(v) + i, minDigits === undefined ? trimZeros(f) : f, Number(e)];
}

/** Exponent text as Dragon4 writes it: sign and at least `digits` digits. */
const expText = (e: number, digits: number): string =>
  `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(digits, '0')}`;

/** numpy's FloatingFormat (floatmode 'maxprec', sign '-'), built from the values shown. */
function floatFormatter(values: readonly number[], f32: boolean): Formatter {
  const p = printOptions.precision;
  const finite = values.filter(Number.isFinite);
  const absNonZero = finite.filter((v) => v !== 0).map(Math.abs);
  let expFormat = false;
  if (absNonZero.length) {
    const maxVal = Math.max(...absNonZero);
    const minVal = Math.min(...absNonZero);
    expFormat = maxVal >= 1e8 || minVal < 0.0001 || maxVal / minVal > 1000;
  }
  let padLeft = 0;
  let padRight = 0;
  let fmtFinite: Formatter;
  if (finite.length === 0) {
    fmtFinite = () => '';
  } else if (expFormat) {
    const parts = finite.map((v) => scientificParts(v, f32, p));
    const expSize = Math.max(
      ...parts.map(([, , e]) => String(Math.abs(e)).padStart(2, '0').length),
    );
    const prec = Math.max(...parts.map(([, f]) => f.length));
    padLeft = Math.max(...parts.map(([i]) => i.length));
    padRight = expSize + 2 + prec;
    fmtFinite = (v) => {
      const [i, f, e] = scientificParts(v, f32, prec, prec);
      return `${i.padStart(padLeft)}.${f}e${expText(e, expSize)}`;
    };
  } else {
    const parts = finite.map((v) => positionalParts(v, f32, p));
    padLeft = Math.max(...parts.map(([i]) => i.length));
    padRight = Math.max(...parts.map(([, f]) => f.length));
    fmtFinite = (v) => {
      const [i, f] = positionalParts(v, f32, p);
      return `${i.padStart(padLeft)}.${f.padEnd(padRight)}`;
    };
  }
  if (finite.length !== values.length) {
    const negInf = values.some((v) => v === -Infinity);
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, 3 - offset, 3 + (negInf ? 1 : 0) - offset);
  }
  return (v) => {
    if (Number.isFinite(v)) return fmtFinite(v);
    const s = Number.isNaN(v) ? 'nan' : v < 0 ? '-inf' : 'inf';
    return s.padStart(padLeft + padRight + 1);
  };
}

/** Format an array like NumPy's repr. */
export function formatArray(a: NDArray): string {
  const flat = Array.from(a.toFlat());
  const { edgeitems: ei, threshold } = printOptions;
  const summarize = a.size > threshold;
  const showSummary = (n: number) => summarize && 2 * ei < n;
  const strides = a.shape.map((_, i) => a.shape.slice(i + 1).reduce((x, y) => x * y, 1));
  // the values shown (numpy's _leading_trailing) decide the format
  const shown: number[] = [];
  const collect = (ax: number, base: number): void => {
    if (ax === a.ndim) {
      shown.push(flat[base]);
      return;
    }
    const n = a.shape[ax];
    const list = showSummary(n)
      ? [...Array(ei).keys(), ...Array.from({ length: ei }, (_, k) => n - ei + k)]
      : [...Array(n).keys()];
    for (const i of list) collect(ax + 1, base + i * strides[ax]);
  };
  if (a.size > 0) collect(0, 0);

  let fmt: Formatter;
  if (a.dtype === 'bool') {
    const t = a.ndim === 0 ? 'True' : ' True';
    fmt = (v) => (v ? t : 'False');
  } else if (isFloat(a.dtype)) fmt = floatFormatter(shown, a.dtype === 'float32');
  else {
    const width = Math.max(...shown.map((v) => String(v).length));
    fmt = (v) => String(v).padStart(width);
  }

  // dtype is implied (not printed) for float64 and bool arrays that are not empty
  const skipDtype = (a.dtype === 'float64' || a.dtype === 'bool') && a.size > 0;
  const prefix = 'array(';
  const suffix = skipDtype ? ')' : ',';
  let body: string;
  if (a.size === 0) body = a.ndim === 1 ? '[]' : `[], shape=(${a.shape.join(', ')})`;
  else if (a.ndim === 0) body = fmt(flat[0]);
  else
    body = formatNested(
      a.shape,
      strides,
      flat,
      fmt,
      printOptions.linewidth - suffix.length,
      ' '.repeat(prefix.length + 1),
      showSummary,
    );
  const arrStr = prefix + body + suffix;
  if (skipDtype) return arrStr;
  const dtypeStr = `dtype=${a.dtype})`;
  const lastLineLen = arrStr.length - (arrStr.lastIndexOf('\n') + 1);
  const spacer =
    lastLineLen + dtypeStr.length + 1 > printOptions.linewidth
      ? '\n' + ' '.repeat(prefix.length)
      : ' ';
  return arrStr + spacer + dtypeStr;
}

/** numpy's _formatArray (legacy=False): rows wrapped at `lineWidth`, nested rows separated by newlines. */
function formatNested(
  shape: readonly number[],
  strides: readonly number[],
  flat: readonly number[],
  fmt: Formatter,
  lineWidth: number,
  nextLinePrefix: string,
  showSummary: (n: number) => boolean,
): string {
  const ndim = shape.length;
  const sep = ', ';
  const extendLine = (
    s: string,
    line: string,
    word: string,
    width: number,
    indent: string,
  ): [string, string] => {
    let needsWrap = line.length + word.length > width;
    if (line.length <= indent.length) needsWrap = false; // don't wrap lines if it won't help
    if (needsWrap) {
      s += line.trimEnd() + '\n';
      line = indent;
    }
    return [s, line + word];
  };
  const recurser = (ax: number, base: number, hangingIndent: string, currWidth: number): string => {
    if (ax === ndim) return fmt(flat[base]);
    const nextIndent = hangingIndent + ' ';
    const nextWidth = currWidth - 1;
    const n = shape[ax];
    const summary = showSummary(n);
    const ei = printOptions.edgeitems;
    const leading = summary ? ei : 0;
    const trailing = summary ? ei : n;
    const at = (i: number) => base + (i < 0 ? n + i : i) * strides[ax];
    let s = '';
    if (ndim - ax === 1) {
      const elemWidth = currWidth - Math.max(sep.trimEnd().length, 1);
      let line = hangingIndent;
      for (let i = 0; i < leading; i++) {
        [s, line] = extendLine(
          s,
          line,
          recurser(ax + 1, at(i), nextIndent, nextWidth),
          elemWidth,
          hangingIndent,
        );
        line += sep;
      }
      if (summary) {
        [s, line] = extendLine(s, line, '...', elemWidth, hangingIndent);
        line += sep;
      }
      for (let i = trailing; i > 1; i--) {
        [s, line] = extendLine(
          s,
          line,
          recurser(ax + 1, at(-i), nextIndent, nextWidth),
          elemWidth,
          hangingIndent,
        );
        line += sep;
      }
      [s, line] = extendLine(
        s,
        line,
        recurser(ax + 1, at(-1), nextIndent, nextWidth),
        elemWidth,
        hangingIndent,
      );
      s += line;
    } else {
      const lineSep = sep.trimEnd() + '\n'.repeat(ndim - ax - 1);
      for (let i = 0; i < leading; i++)
        s += hangingIndent + recurser(ax + 1, at(i), nextIndent, nextWidth) + lineSep;
      if (summary) s += hangingIndent + '...' + lineSep;
      for (let i = trailing; i > 1; i--)
        s += hangingIndent + recurser(ax + 1, at(-i), nextIndent, nextWidth) + lineSep;
      s += hangingIndent + recurser(ax + 1, at(-1), nextIndent, nextWidth);
    }
    return '[' + s.slice(hangingIndent.length) + ']';
  };
  return recurser(0, 0, nextLinePrefix, lineWidth);
}

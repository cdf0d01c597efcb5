import type { NDArray } from './ndarray';
import { isFloat } from './dtype';

/**
 * NumPy-style repr (numpy.array_repr with the default print options: precision 8, threshold
 * 1000, edgeitems 3, linewidth 75). Source: https://numpy.org/doc/stable/reference/generated/numpy.set_printoptions.html
 */
export const printOptions = { precision: 8, threshold: 1000, edgeitems: 3, linewidth: 75 };

type Formatter = (v: number) => string;

function floatFormatter(values: number[]): Formatter {
  const finite = values.filter(Number.isFinite);
  const abs = finite.map(Math.abs).filter((v) => v !== 0);
  const maxAbs = abs.length ? Math.max(...abs) : 0;
  const minAbs = abs.length ? Math.min(...abs) : 0;
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  const p = printOptions.precision;
  if (maxAbs >= 1e8 || (minAbs > 0 && minAbs < 1e-4) || (minAbs > 0 && maxAbs / minAbs > 1e3 && minAbs < 1e-4)) {
    // scientific: shortest mantissa up to `precision` digits, common mantissa width
    const parts = finite.map((v) => {
      const [m, e] = v.toExponential(p).split('e');
      return [String(Number(m)), e] as const;
    });
    const frac = Math.max(1, ...parts.map(([m]) => (m.split('.')[1] ?? '').length));
    const expw = Math.max(2, ...parts.map(([, e]) => e.replace(/^[+-]/, '').length));
    return (v) => {
      if (!Number.isFinite(v)) return special(v);
      const [m, e] = v.toExponential(frac).split('e');
      return `${m}e${e.startsWith('-') ? '-' : '+'}${e.replace(/^[+-]/, '').padStart(expw, '0')}`;
    };
  }
  // positional: shortest representation of each value rounded to `precision` digits
  const strs = finite.map((v) => String(Number(v.toFixed(p))));
  const frac = Math.max(0, ...strs.map((s) => (s.split('.')[1] ?? '').length));
  return (v) => {
    if (!Number.isFinite(v)) return special(v);
    const s = String(Number(v.toFixed(p)));
    const [i, f = ''] = s.split('.');
    return `${i}.${f.padEnd(frac, ' ')}`;
  };
}

/** Format an array like NumPy's repr. */
export function formatArray(a: NDArray): string {
  const flat = Array.from(a.toFlat());
  const summarize = a.size > printOptions.threshold;
  const ei = printOptions.edgeitems;
  // values that will be shown decide the format
  const shown: number[] = [];
  const collect = (idx: number[], ax: number): void => {
    if (ax === a.ndim) {
      let p = 0;
      let m = 1;
      for (let i = a.ndim - 1; i >= 0; i--) {
        p += idx[i] * m;
        m *= a.shape[i];
      }
      shown.push(flat[p]);
      return;
    }
    const n = a.shape[ax];
    const list = summarize && n > 2 * ei ? [...Array(ei).keys(), ...Array.from({ length: ei }, (_, k) => n - ei + k)] : [...Array(n).keys()];
    for (const i of list) collect([...idx, i], ax + 1);
  };
  collect([], 0);
  let fmt: Formatter;
  if (a.dtype === 'bool') fmt = (v) => (v ? ' True' : 'False');
  else if (isFloat(a.dtype)) fmt = floatFormatter(shown);
  else fmt = (v) => String(v);
  const width = Math.max(1, ...shown.map((v) => fmt(v).length));
  const cell = (v: number) => fmt(v).padStart(width, ' ');
  const suffix = a.dtype === 'float64' || a.dtype === 'bool' ? '' : `, dtype=${a.dtype}`;
  if (a.ndim === 0) return `array(${fmt(flat[0]).trim()}${suffix})`;
  if (a.size === 0) return `array([], shape=(${a.shape.join(', ')}${a.ndim === 1 ? ',' : ''}), dtype=${a.dtype})`;
  const prefix = 'array(';
  const strides = a.shape.map((_, i) => a.shape.slice(i + 1).reduce((x, y) => x * y, 1));
  const render = (ax: number, base: number, indent: string): string => {
    const n = a.shape[ax];
    const idx = summarize && n > 2 * ei ? [...Array(ei).keys(), -1, ...Array.from({ length: ei }, (_, k) => n - ei + k)] : [...Array(n).keys()];
    if (ax === a.ndim - 1) {
      const items = idx.map((i) => (i < 0 ? '...' : cell(flat[base + i])));
      const lines: string[] = [];
      let line = '';
      for (const [k, it] of items.entries()) {
        const piece = it + (k < items.length - 1 ? ',' : '');
        if (line && indent.length + 1 + line.length + piece.length + 1 > printOptions.linewidth) {
          lines.push(line.trimEnd());
          line = '';
        }
        line += piece + (k < items.length - 1 ? ' ' : '');
      }
      lines.push(line);
      return '[' + lines.join('\n' + indent + ' ') + ']';
    }
    const sep = ',' + '\n'.repeat(a.ndim - 1 - ax) + indent + ' ';
    return '[' + idx.map((i) => (i < 0 ? '...' : render(ax + 1, base + i * strides[ax], indent + ' '))).join(sep) + ']';
  };
  return `${prefix}${render(0, 0, ' '.repeat(prefix.length))}${suffix})`;
}

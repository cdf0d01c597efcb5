/**
 * Source text of the gpu.js kernels. Every kernel has a 1-D output of n threads, one per element
 * of the (C-ordered) output; thread j decomposes j into a multi-index only when some input needs
 * it (broadcasting, transposition). Index arithmetic is in float, exact below 2^24; divisions are
 * corrected by one step because GPU division is not exactly rounded (9 / 3 = 2.9999…).
 */
import { lit, roundGpu } from './scalar-gpu';
import type { DType } from '@theano-ts/tensor';

/** Fresh-name generator for generated code. */
export function namer(prefix = 'v'): () => string {
  let k = 0;
  return () => `${prefix}${k++}`;
}

/** Contiguous (C order) strides of `shape`, in elements. */
export function cStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/**
 * Simplify an iteration space: drop length-1 dimensions, then merge adjacent dimensions that
 * every operand walks contiguously (stride[d] === stride[d+1] * shape[d+1], broadcast strides 0
 * included). `strides[i][d]` is operand i's stride along output dimension d.
 */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const keep = shape.map((d, k) => k).filter((k) => shape[k] !== 1);
  const sh = keep.map((k) => shape[k]);
  const st = strides.map((s) => keep.map((k) => s[k]));
  for (let d = sh.length - 2; d >= 0; d--) {
    if (st.every((s) => s[d] === s[d + 1] * sh[d + 1])) {
      sh[d] *= sh[d + 1];
      sh.splice(d + 1, 1);
      for (const s of st) {
        s[d] = s[d + 1];
        s.splice(d + 1, 1);
      }
    }
  }
  return { shape: sh, strides: st };
}

/** Statements computing `q = floor(j / d)` and `r = j - q * d` exactly (for j, d integers below 2^24). */
function divmod(
  j: string,
  d: number,
  fresh: () => string,
  lines: string[],
): { q: string; r: string } {
  const q = fresh();
  const r = fresh();
  const D = lit(d);
  lines.push(
    `let ${q} = Math.floor((${j} + 0.5) / ${D});`,
    `let ${r} = ${j} - ${q} * ${D};`,
    `if (${r} < 0.0) { ${q} = ${q} - 1.0; ${r} = ${r} + ${D}; }`,
    `if (${r} >= ${D}) { ${q} = ${q} + 1.0; ${r} = ${r} - ${D}; }`,
  );
  return { q, r };
}

/** Multi-index digits (outermost first) of flat index `j` over `shape`. */
function unravel(
  j: string,
  shape: readonly number[],
  fresh: () => string,
  lines: string[],
): string[] {
  const idx = new Array<string>(shape.length);
  let rem = j;
  for (let d = shape.length - 1; d >= 1; d--) {
    const { q, r } = divmod(rem, shape[d], fresh, lines);
    idx[d] = r;
    rem = q;
  }
  if (shape.length) idx[0] = rem;
  return idx;
}

/** Σ idx[d] * strides[d] as code ('0' when every stride is 0). */
function linear(idx: readonly string[], strides: readonly number[]): string {
  const terms = strides.flatMap((s, d) =>
    s === 0 ? [] : [s === 1 ? idx[d] : `${idx[d]} * ${lit(s)}`],
  );
  return terms.length ? terms.join(' + ') : '0';
}

/**
 * A kernel reading `strides.length` float32 operands `a0, a1, …` (operand i's element for output
 * multi-index I is at Σ I[d] * strides[i][d]) into `x0, x1, …`, computing `body` and returning
 * its value. `shape` is the output shape.
 */
export function gatherKernelSource(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  body: (xs: readonly string[], fresh: () => string) => { lines: string[]; out: string },
): string {
  const fresh = namer('v');
  const c = coalesce(shape, strides);
  const outStrides = cStrides(c.shape);
  const lines = ['const j = this.thread.x;'];
  const direct = (s: readonly number[]) =>
    s.every((v, d) => v === outStrides[d] || c.shape[d] === 1);
  const needsIndex = c.strides.some((s) => !direct(s) && s.some((v) => v !== 0));
  const idx = needsIndex ? unravel('j', c.shape, fresh, lines) : [];
  const xs = c.strides.map((s, i) => {
    const x = `x${i}`;
    const at = s.every((v) => v === 0) ? '0' : direct(s) ? 'j' : linear(idx, s);
    lines.push(`const ${x} = a${i}[${at}];`);
    return x;
  });
  const b = body(xs, fresh);
  lines.push(...b.lines, `return ${b.out};`);
  return `function (${xs.map((_, i) => `a${i}`).join(', ')}) {\n  ${lines.join('\n  ')}\n}`;
}

/**
 * numpy.dot of float32 operands `a` (shape `as`, rank 1 or 2) and `b` (shape `bs`): one thread
 * per output element, a loop over the K shared elements accumulating in float32; the result is
 * rounded to `dtype`.
 */
export function dotKernelSource(
  as: readonly number[],
  bs: readonly number[],
  dtype: DType,
): string {
  const fresh = namer('v');
  const K = as[as.length - 1];
  const N = bs.length === 2 ? bs[1] : 1;
  const lines = ['const j = this.thread.x;'];
  let row = '0.0';
  let col = '0.0';
  if (as.length === 2 && bs.length === 2) {
    const { q, r } = divmod('j', N, fresh, lines);
    row = q;
    col = r;
  } else if (as.length === 2) row = 'j';
  else if (bs.length === 2) col = 'j';
  const aAt = as.length === 2 ? `${row} * ${lit(K)} + p` : 'p';
  const bAt = bs.length === 2 ? `p * ${lit(N)} + ${col}` : 'p';
  lines.push(
    'let s = 0.0;',
    `for (let p = 0; p < ${K}; p++) {`,
    `  s += a[${aAt}] * b[${bAt}];`,
    '}',
  );
  const out = roundGpu('s', dtype, lines, fresh);
  lines.push(`return ${out};`);
  return `function (a, b) {\n  ${lines.join('\n  ')}\n}`;
}

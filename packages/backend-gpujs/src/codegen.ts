/**
 * Source text of the gpu.js kernels. Every kernel has a 1-D output of n threads, one per element
 * of the (C-ordered) output; thread j decomposes j into a multi-index only when some operand
 * needs it (broadcasting, transposition, strided views). Operands are flat float32 buffers
 * (`a0, a1, …`) addressed through a strided view: element I of operand i is at
 * offset_i + Σ I[d] * strides_i[d]. Index arithmetic is in float, exact below 2^24; divisions
 * are corrected by one step because GPU division is not exactly rounded (9 / 3 = 2.9999…).
 */
import { lit, roundGpu } from './scalar-gpu';
import { cStrides } from './gpu-tensor';
import type { DType } from '@theano-ts/tensor';

export { cStrides };

/** A strided view of an operand: element strides along each dimension and an offset. */
export interface ViewSpec {
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Fresh-name generator for generated code. */
export function namer(prefix = 'v'): () => string {
  let k = 0;
  return () => `${prefix}${k++}`;
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
export function divmod(
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
export function unravel(
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

/** offset + Σ idx[d] * strides[d] as code. */
export function linear(idx: readonly string[], strides: readonly number[], offset = 0): string {
  const terms = strides.flatMap((s, d) =>
    s === 0 ? [] : [s === 1 ? idx[d] : `${idx[d]} * ${lit(s)}`],
  );
  if (offset !== 0) terms.push(lit(offset));
  return terms.length ? terms.join(' + ') : '0';
}

const kernelFn = (params: readonly string[], lines: readonly string[]) =>
  `function (${params.join(', ')}) {\n  ${lines.join('\n  ')}\n}`;

/**
 * A kernel reading operands `a0, a1, …` (operand i's element for output multi-index I is at
 * views[i].offset + Σ I[d] * views[i].strides[d]) into `x0, x1, …`, computing `body` and
 * returning its value. `shape` is the output shape.
 */
export function gatherKernelSource(
  shape: readonly number[],
  views: readonly ViewSpec[],
  body: (xs: readonly string[], fresh: () => string) => { lines: string[]; out: string },
): string {
  const fresh = namer('v');
  const c = coalesce(
    shape,
    views.map((v) => v.strides),
  );
  const outStrides = cStrides(c.shape);
  const lines = ['const j = this.thread.x;'];
  const direct = (s: readonly number[]) =>
    s.every((v, d) => v === outStrides[d] || c.shape[d] === 1);
  const needsIndex = c.strides.some((s) => !direct(s) && s.some((v) => v !== 0));
  const idx = needsIndex ? unravel('j', c.shape, fresh, lines) : [];
  const xs = c.strides.map((s, i) => {
    const x = `x${i}`;
    const off = views[i].offset;
    const at = s.every((v) => v === 0)
      ? lit(off)
      : direct(s)
        ? off
          ? `j + ${lit(off)}`
          : 'j'
        : linear(idx, s, off);
    lines.push(`const ${x} = a${i}[${at}];`);
    return x;
  });
  const b = body(xs, fresh);
  lines.push(...b.lines, `return ${b.out};`);
  return kernelFn(
    xs.map((_, i) => `a${i}`),
    lines,
  );
}

/**
 * numpy.dot of float32 operands `a` (rank 1 or 2) and `b` (rank 1 or 2), both strided views:
 * one thread per output element, the K shared elements accumulated in float32 four at a time.
 * With `gemm`, the kernel is Theano's Gemm: `beta * z + alpha * dot(a, b)` with z a view
 * broadcast to the product (operand `z`), alpha and beta 0-d operands. Rounded to `dtype`.
 */
export function dotKernelSource(
  as: readonly number[],
  av: ViewSpec,
  bs: readonly number[],
  bv: ViewSpec,
  dtype: DType,
  gemm?: { z: ViewSpec; alpha: ViewSpec; beta: ViewSpec },
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
  // a's element (row, p) and b's element (p, col): base + p * step
  const aStep = av.strides[as.length - 1];
  const bStep = bv.strides[0];
  const aBase = as.length === 2 ? linear([row], [av.strides[0]], av.offset) : lit(av.offset);
  const bBase = bs.length === 2 ? linear([col], [bv.strides[1]], bv.offset) : lit(bv.offset);
  lines.push(`const ab = ${aBase};`, `const bb = ${bBase};`, 'let s = 0.0;');
  const at = (base: string, step: number, p: string) =>
    step === 0 ? base : `${base} + ${step === 1 ? p : `${p} * ${lit(step)}`}`;
  const K4 = Math.floor(K / 4);
  if (K4 > 0) {
    lines.push(
      `for (let q = 0; q < ${K4}; q++) {`,
      '  const p = q * 4.0;',
      ...[0, 1, 2, 3].map((u) => {
        const p = u === 0 ? 'p' : `(p + ${u}.0)`;
        return `  s += a[${at('ab', aStep, p)}] * b[${at('bb', bStep, p)}];`;
      }),
      '}',
    );
  }
  for (let p = K4 * 4; p < K; p++)
    lines.push(`s += a[${at('ab', aStep, `${p}.0`)}] * b[${at('bb', bStep, `${p}.0`)}];`);
  let out = 's';
  const params = ['a', 'b'];
  if (gemm) {
    const zAt = linear(
      as.length === 2 && bs.length === 2 ? [row, col] : [],
      gemm.z.strides,
      gemm.z.offset,
    );
    lines.push(
      `const alpha = al[${lit(gemm.alpha.offset)}];`,
      `const beta = be[${lit(gemm.beta.offset)}];`,
      `const zz = z[${zAt}];`,
      'const r = beta * zz + alpha * s;',
    );
    params.push('z', 'al', 'be');
    out = 'r';
  }
  const o = roundGpu(out, dtype, lines, fresh);
  lines.push(`return ${o};`);
  return kernelFn(params, lines);
}

/** Nested loops over `dims` ([length, stride] pairs) calling `visit(address)`; the first loop may be a chunk. */
function nestedLoops(
  dims: readonly (readonly [number, number])[],
  base: string,
  fresh: () => string,
  visit: (at: string, first: string) => string[],
  chunk?: { start: string; count: number; total: number },
): string[] {
  const out: string[] = [];
  const terms: string[] = [];
  const firsts: string[] = [];
  let depth = 0;
  const pad = () => '  '.repeat(depth);
  dims.forEach(([len, stride], k) => {
    const t = fresh();
    const i = fresh();
    if (k === 0 && chunk) {
      out.push(`${pad()}for (let ${t} = 0; ${t} < ${chunk.count}; ${t}++) {`);
      depth++;
      out.push(`${pad()}const ${i} = ${chunk.start} + ${t};`);
      out.push(`${pad()}if (${i} < ${lit(chunk.total)}) {`);
      depth++;
      firsts.push(`${t} == 0`);
    } else {
      out.push(`${pad()}for (let ${t} = 0; ${t} < ${len}; ${t}++) {`);
      depth++;
      out.push(`${pad()}const ${i} = ${t} + 0.0;`);
      firsts.push(`${t} == 0`);
    }
    if (stride !== 0) terms.push(stride === 1 ? i : `${i} * ${lit(stride)}`);
  });
  const at = [base, ...terms].join(' + ');
  const first = firsts.length ? firsts.map((f) => `(${f})`).join(' && ') : 'true';
  for (const l of visit(at, first)) out.push(pad() + l);
  while (depth > 0) {
    depth--;
    out.push(`${pad()}}`);
  }
  return out;
}

/** The accumulation of a CAReduce scalar op. */
const ACCUMULATE: Record<'add' | 'mul' | 'maximum' | 'minimum', (s: string, v: string) => string> =
  {
    add: (s, v) => `${s} = ${s} + ${v};`,
    mul: (s, v) => `${s} = ${s} * ${v};`,
    maximum: (s, v) => `${s} = Math.max(${s}, ${v});`,
    minimum: (s, v) => `${s} = Math.min(${s}, ${v});`,
  };

/** Kept and reduced dimensions of a view, each coalesced: [length, stride] pairs. */
export function splitAxes(
  shape: readonly number[],
  strides: readonly number[],
  axes: readonly number[],
): { kept: [number, number][]; reduced: [number, number][] } {
  const merge = (ax: number[]) => {
    const dims = ax
      .filter((a) => shape[a] !== 1)
      .map((a): [number, number] => [shape[a], strides[a]]);
    for (let d = dims.length - 2; d >= 0; d--)
      if (dims[d][1] === dims[d + 1][1] * dims[d + 1][0]) {
        dims[d] = [dims[d][0] * dims[d + 1][0], dims[d + 1][1]];
        dims.splice(d + 1, 1);
      }
    return dims;
  };
  const all = shape.map((_, i) => i);
  return {
    kept: merge(all.filter((a) => !axes.includes(a))),
    reduced: merge([...axes].sort((a, b) => a - b)),
  };
}

/**
 * A reduction: thread (o, p) reduces chunk p (of `parts`) of the reduced elements of output
 * element o; the output is (nOut, parts) in C order. `kept` / `reduced`: [length, stride] pairs
 * (see `splitAxes`); every reduced length is at least 1.
 */
export function reduceKernelSource(
  kept: readonly (readonly [number, number])[],
  reduced: readonly (readonly [number, number])[],
  offset: number,
  op: 'add' | 'mul' | 'maximum' | 'minimum',
  parts: number,
  dtype: DType,
): string {
  const fresh = namer('v');
  const lines = ['const j = this.thread.x;'];
  let o = 'j';
  let part = '0.0';
  if (parts > 1) {
    const { q, r } = divmod('j', parts, fresh, lines);
    o = q;
    part = r;
  }
  const idx = kept.length
    ? unravel(
        o,
        kept.map(([l]) => l),
        fresh,
        lines,
      )
    : [];
  lines.push(
    `const base = ${linear(
      idx,
      kept.map(([, s]) => s),
      offset,
    )};`,
  );
  const dims = reduced.length ? reduced : [[1, 0] as const];
  const chunk =
    parts > 1
      ? {
          count: Math.ceil(dims[0][0] / parts),
          start: `${part} * ${lit(Math.ceil(dims[0][0] / parts))}`,
          total: dims[0][0],
        }
      : undefined;
  const init = op === 'add' ? '0.0' : op === 'mul' ? '1.0' : '0.0';
  lines.push(`let s = ${init};`);
  const needsFirst = op === 'maximum' || op === 'minimum';
  lines.push(
    ...nestedLoops(
      dims,
      'base',
      fresh,
      (at, first) => {
        const v = fresh();
        const l = [`const ${v} = x[${at}];`];
        if (needsFirst) l.push(`if (${first}) { s = ${v}; } else { ${ACCUMULATE[op]('s', v)} }`);
        else l.push(ACCUMULATE[op]('s', v));
        return l;
      },
      chunk,
    ),
  );
  const r = roundGpu('s', dtype, lines, fresh);
  lines.push(`return ${r};`);
  return kernelFn(['x'], lines);
}

/** Argmax along one axis: output = the other dimensions (C order); the first maximum wins. */
export function argmaxKernelSource(shape: readonly number[], view: ViewSpec, axis: number): string {
  const fresh = namer('v');
  const lines = ['const j = this.thread.x;'];
  const keptAx = shape.map((_, i) => i).filter((i) => i !== axis);
  const idx = unravel(
    'j',
    keptAx.map((a) => shape[a]),
    fresh,
    lines,
  );
  lines.push(
    `const base = ${linear(
      idx,
      keptAx.map((a) => view.strides[a]),
      view.offset,
    )};`,
    'let best = x[base];',
    'let bi = 0.0;',
  );
  const st = view.strides[axis];
  lines.push(
    `for (let t = 1; t < ${shape[axis]}; t++) {`,
    '  const p = t + 0.0;',
    `  const v = x[base + p * ${lit(st)}];`,
    '  if (v > best) { best = v; bi = p; }',
    '}',
    'return bi;',
  );
  return kernelFn(['x'], lines);
}

/**
 * Per row (all dimensions but `axis`, C order): m + log Σ exp(x - m) with m the row maximum:
 * the log-sum-exp that softmax, log-softmax and the fused cross-entropies need.
 */
export function rowLseKernelSource(shape: readonly number[], view: ViewSpec, axis: number): string {
  const fresh = namer('v');
  const lines = ['const j = this.thread.x;'];
  const keptAx = shape.map((_, i) => i).filter((i) => i !== axis);
  const idx = unravel(
    'j',
    keptAx.map((a) => shape[a]),
    fresh,
    lines,
  );
  const st = lit(view.strides[axis]);
  lines.push(
    `const base = ${linear(
      idx,
      keptAx.map((a) => view.strides[a]),
      view.offset,
    )};`,
    'let m = x[base];',
    `for (let t = 1; t < ${shape[axis]}; t++) {`,
    `  m = Math.max(m, x[base + (t + 0.0) * ${st}]);`,
    '}',
    'let s = 0.0;',
    `for (let t = 0; t < ${shape[axis]}; t++) {`,
    `  s = s + Math.exp(x[base + (t + 0.0) * ${st}] - m);`,
    '}',
    'return m + Math.log(s);',
  );
  return kernelFn(['x'], lines);
}

/**
 * Fused -log(softmax(x))[i, y[i]] for a matrix x and labels y: one thread per row (the row's
 * log-sum-exp minus the label's logit).
 */
export function xentSoftmaxKernelSource(
  shape: readonly number[],
  x: ViewSpec,
  y: ViewSpec,
): string {
  const [, k] = shape;
  const [s0, s1] = x.strides;
  const lines = [
    'const i = this.thread.x;',
    `const base = ${linear(['i'], [s0], x.offset)};`,
    `const lab = y[${linear(['i'], [y.strides[0]], y.offset)}];`,
    'let m = x[base];',
    `for (let t = 1; t < ${k}; t++) {`,
    `  m = Math.max(m, x[base + (t + 0.0) * ${lit(s1)}]);`,
    '}',
    'let s = 0.0;',
    `for (let t = 0; t < ${k}; t++) {`,
    `  s = s + Math.exp(x[base + (t + 0.0) * ${lit(s1)}] - m);`,
    '}',
    `return m + Math.log(s) - x[base + lab * ${lit(s1)}];`,
  ];
  return kernelFn(['x', 'y'], lines);
}

/** Gradient of the fused cross-entropy: (softmax(x) - onehot(y)) * gy[:, None], from the row log-sum-exp `l`. */
export function xentSoftmaxDxKernelSource(
  shape: readonly number[],
  gy: ViewSpec,
  x: ViewSpec,
  y: ViewSpec,
): string {
  const fresh = namer('v');
  const [, k] = shape;
  const lines = ['const j = this.thread.x;'];
  const { q: i, r: c } = divmod('j', k, fresh, lines);
  lines.push(
    `const xv = x[${linear([i, c], x.strides, x.offset)}];`,
    `const lab = y[${linear([i], y.strides, y.offset)}];`,
    `const g = gy[${linear([i], gy.strides, gy.offset)}];`,
    `const sm = Math.exp(xv - l[${i}]);`,
    `return (sm - (${c} == lab ? 1.0 : 0.0)) * g;`,
  );
  return kernelFn(['gy', 'x', 'y', 'l'], lines);
}

/** -log(p[i, y[i]]): one thread per row. */
export function xentCategoricalKernelSource(p: ViewSpec, y: ViewSpec): string {
  const lines = [
    'const i = this.thread.x;',
    `const lab = y[${linear(['i'], y.strides, y.offset)}];`,
    `return -Math.log(p[${linear(['i'], [p.strides[0]], p.offset)} + lab * ${lit(p.strides[1])}]);`,
  ];
  return kernelFn(['p', 'y'], lines);
}

/** Gradient of -log(p[i, y[i]]) w.r.t. p: -gy[i] / p[i, y[i]] at the label, 0 elsewhere. */
export function xentCategoricalGradKernelSource(
  shape: readonly number[],
  gy: ViewSpec,
  p: ViewSpec,
  y: ViewSpec,
): string {
  const fresh = namer('v');
  const lines = ['const j = this.thread.x;'];
  const { q: i, r: c } = divmod('j', shape[1], fresh, lines);
  lines.push(
    `const lab = y[${linear([i], y.strides, y.offset)}];`,
    `const g = gy[${linear([i], gy.strides, gy.offset)}];`,
    `const pv = p[${linear([i, c], p.strides, p.offset)}];`,
    `return (${c} == lab ? -g / pv : 0.0);`,
  );
  return kernelFn(['gy', 'p', 'y'], lines);
}

/**
 * x[..., idx, ...] with one int index array on `axis` (numpy.take): the output is
 * x.shape[:axis] + idx.shape + x.shape[axis+1:]; negative indices count from the end.
 */
export function takeKernelSource(
  xShape: readonly number[],
  x: ViewSpec,
  idxShape: readonly number[],
  idx: ViewSpec,
  axis: number,
): string {
  const fresh = namer('v');
  const outShape = [...xShape.slice(0, axis), ...idxShape, ...xShape.slice(axis + 1)];
  const lines = ['const j = this.thread.x;'];
  const I = unravel('j', outShape, fresh, lines);
  const pre = I.slice(0, axis);
  const mid = I.slice(axis, axis + idxShape.length);
  const post = I.slice(axis + idxShape.length);
  const len = xShape[axis];
  lines.push(
    `const k0 = idx[${linear(mid, idx.strides, idx.offset)}];`,
    `const k = (k0 < 0.0 ? k0 + ${lit(len)} : k0);`,
  );
  const xIdx = [...pre, 'k', ...post];
  lines.push(`return x[${linear(xIdx, x.strides, x.offset)}];`);
  return kernelFn(['x', 'idx'], lines);
}

/**
 * x with x[..., idx, ...] incremented (or set) by y for one int index array on `axis`: each
 * output element loops over the M index entries. `inc`: repeated indices accumulate (np.add.at);
 * `set`: the last write wins; `incOnce`: x + the last y written (NumPy's buffered x[idx] += y).
 * y has the shape of x[..., idx, ...] (broadcast views allowed).
 */
export function advIncKernelSource(
  xShape: readonly number[],
  x: ViewSpec,
  idxShape: readonly number[],
  idx: ViewSpec,
  y: ViewSpec,
  axis: number,
  mode: 'inc' | 'set' | 'incOnce',
  dtype: DType,
): string {
  const fresh = namer('v');
  const lines = ['const j = this.thread.x;'];
  const I = unravel('j', xShape, fresh, lines);
  const M = idxShape.reduce((a, b) => a * b, 1);
  const len = xShape[axis];
  lines.push(
    `const xv = x[${linear(I, x.strides, x.offset)}];`,
    'let acc = xv;',
    'let last = 0.0;',
    'let found = 0.0;',
  );
  const body: string[] = [];
  const mIdx = unravel('m', idxShape, fresh, body);
  const yIdx = [...I.slice(0, axis), ...mIdx, ...I.slice(axis + 1)];
  const yAt = `y[${linear(yIdx, y.strides, y.offset)}]`;
  body.push(
    `const k0 = idx[${linear(mIdx, idx.strides, idx.offset)}];`,
    `const k = (k0 < 0.0 ? k0 + ${lit(len)} : k0);`,
    `if (k == ${I[axis]}) {`,
    mode === 'inc' ? `  acc = acc + ${yAt};` : `  last = ${yAt};`,
    '  found = 1.0;',
    '}',
  );
  lines.push(
    `for (let t = 0; t < ${M}; t++) {`,
    '  const m = t + 0.0;',
    ...body.map((l) => `  ${l}`),
    '}',
  );
  if (mode === 'set') lines.push('if (found > 0.5) { acc = last; }');
  if (mode === 'incOnce') lines.push('if (found > 0.5) { acc = xv + last; }');
  const r = roundGpu('acc', dtype, lines, fresh);
  lines.push(`return ${r};`);
  return kernelFn(['x', 'idx', 'y'], lines);
}

/**
 * x with the region x[idx] (a strided region: per dimension of x a start, a step and a count)
 * incremented or set by y (a view broadcast to the region's shape, dimensions `yDims` of x).
 */
export function incRegionKernelSource(
  xShape: readonly number[],
  x: ViewSpec,
  region: readonly { start: number; step: number; n: number; kept: boolean }[],
  y: ViewSpec,
  set: boolean,
  dtype: DType,
): string {
  const fresh = namer('v');
  const lines = ['const j = this.thread.x;'];
  const I = unravel('j', xShape, fresh, lines);
  const conds: string[] = [];
  const ks: string[] = [];
  region.forEach((r, d) => {
    const i = I[d] ?? '0.0';
    if (r.step === 1 && r.start === 0 && r.n === xShape[d]) {
      if (r.kept) ks.push(i);
      return;
    }
    const k = fresh();
    const rem = fresh();
    lines.push(
      `const ${k} = Math.floor((${i} - ${lit(r.start)}) / ${lit(r.step)} + 0.5);`,
      `const ${rem} = ${i} - ${lit(r.start)} - ${k} * ${lit(r.step)};`,
    );
    conds.push(`${rem} == 0.0 && ${k} >= 0.0 && ${k} < ${lit(r.n)}`);
    if (r.kept) ks.push(k);
  });
  lines.push(`const xv = x[${linear(I, x.strides, x.offset)}];`);
  const yAt = linear(ks, y.strides, y.offset);
  const inside = conds.map((c) => `(${c})`).join(' && ');
  if (conds.length)
    lines.push(
      'let r = xv;',
      `if (${inside}) {`,
      `  const yv = y[${yAt}];`,
      set ? '  r = yv;' : '  r = xv + yv;',
      '}',
    );
  else lines.push(`const yv = y[${yAt}];`, set ? 'const r = yv;' : 'const r = xv + yv;');
  const o = roundGpu('r', dtype, lines, fresh);
  lines.push(`return ${o};`);
  return kernelFn(['x', 'y'], lines);
}

/** A contiguous copy of a strided view (the output is the view's elements in C order). */
export function copyKernelSource(shape: readonly number[], view: ViewSpec): string {
  return gatherKernelSource(shape, [view], ([v]) => ({ lines: [], out: v }));
}

/** Geometry of a 2-d convolution (resolved padding). */
export interface ConvGeometry {
  pad: readonly [number, number];
  stride: readonly [number, number];
  dilation: readonly [number, number];
  flip: boolean;
  groups: number;
}

/**
 * Theano's conv2d (images (N, C, H, W) * filters (O, C/groups, kh, kw) → (N, O, oh, ow)): one
 * thread per output element, looping over the C/groups × kh × kw taps (zero padding by bounds
 * checks; `flip`: a true convolution). Accumulates in float32.
 */
export function conv2dKernelSource(
  xShape: readonly number[],
  x: ViewSpec,
  wShape: readonly number[],
  w: ViewSpec,
  outShape: readonly number[],
  g: ConvGeometry,
  dtype: DType,
): string {
  const fresh = namer('v');
  const [, , H, W] = xShape;
  const [O, cg, kh, kw] = wShape;
  const og = O / g.groups;
  const lines = ['const j = this.thread.x;'];
  const [n, o, i, jj] = unravel('j', outShape, fresh, lines);
  const grp = og === O ? '0.0' : divmod(o, og, fresh, lines).q;
  const [xs0, xs1, xs2, xs3] = x.strides.map(lit);
  const [ws0, ws1, ws2, ws3] = w.strides.map(lit);
  lines.push(
    'let s = 0.0;',
    `const r0 = ${i} * ${lit(g.stride[0])} - ${lit(g.pad[0])};`,
    `const c0 = ${jj} * ${lit(g.stride[1])} - ${lit(g.pad[1])};`,
    `const xb = ${lit(x.offset)} + ${n} * ${xs0} + ${grp} * ${lit(cg)} * ${xs1};`,
    `const wb = ${lit(w.offset)} + ${o} * ${ws0};`,
    `for (let ci = 0; ci < ${cg}; ci++) {`,
    '  const cf = ci + 0.0;',
    `  for (let a = 0; a < ${kh}; a++) {`,
    '    const af = a + 0.0;',
    `    const r = r0 + af * ${lit(g.dilation[0])};`,
    `    const wa = ${g.flip ? `${lit(kh - 1)} - af` : 'af'};`,
    `    for (let b = 0; b < ${kw}; b++) {`,
    '      const bf = b + 0.0;',
    `      const c = c0 + bf * ${lit(g.dilation[1])};`,
    `      const wbb = ${g.flip ? `${lit(kw - 1)} - bf` : 'bf'};`,
    `      if (r >= 0.0 && r < ${lit(H)} && c >= 0.0 && c < ${lit(W)}) {`,
    `        s += x[xb + cf * ${xs1} + r * ${xs2} + c * ${xs3}] * w[wb + cf * ${ws1} + wa * ${ws2} + wbb * ${ws3}];`,
    '      }',
    '    }',
    '  }',
    '}',
  );
  const out = roundGpu('s', dtype, lines, fresh);
  lines.push(`return ${out};`);
  return kernelFn(['x', 'w'], lines);
}

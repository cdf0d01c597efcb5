import type { DType } from '@theano-ts/tensor';
import { type ScalarOp, type ScalarOpName, SCALAR_OPS } from '@theano-ts/symbolic';

/**
 * GPU-safe code for one scalar op. Receives the argument names (always plain identifiers) and
 * a generator of fresh temporary names; returns an expression, or statements plus an expression.
 * The code is JavaScript in the subset gpu.js translates to GLSL (and that its CPU / WebAssembly
 * kernels run as well): `const` declarations, arithmetic, comparisons, `&&`, ternaries and the
 * Math functions listed in {@link GPU_MATH_FUNCTIONS}.
 */
export type GpuScalarTemplate = (
  args: readonly string[],
  fresh: () => string,
) =>
  | string
  | {
      /** Statements to run first (const declarations). */
      lines: string[];
      /** The result's expression. */
      expr: string;
    };

/** Math functions that every gpu.js kernel class implements faithfully enough to use. */
export const GPU_MATH_FUNCTIONS: ReadonlySet<string> = new Set([
  'abs',
  'exp',
  'log',
  'sqrt',
  'max',
  'min',
  'floor',
  'ceil',
  'trunc',
  'sign',
  'pow',
  'sin',
  'cos',
  'atan',
]);

/** A numeric literal that gpu.js types as a float (`2.0`, `(-0.5)`); throws for NaN and ±Infinity. */
export function lit(v: number): string {
  if (!Number.isFinite(v)) throw new UnsupportedOnGpu(`the constant ${v} has no GLSL literal`);
  let s = String(Math.abs(v));
  if (!/[.e]/.test(s)) s += '.0';
  return v < 0 || Object.is(v, -0) ? `(-${s})` : s;
}

/** Thrown by the code generator for what it cannot express on the GPU (the node falls back to the CPU). */
export class UnsupportedOnGpu extends Error {
  /** The error's name, as printed. */
  override name = 'UnsupportedOnGpu';
}

/**
 * log1p(x): log(1 + x) away from 0; near 0, 2 atanh(s) with s = x / (2 + x) as a series (|s| <= 0.2,
 * so six terms reach float32 precision). No identity like log(u) * x / (u - 1) is used: GPU shader
 * compilers may fold (1 + x) - 1 or log(exp(x)) algebraically, which would defeat it.
 */
const log1pCode = (x: string, fresh: () => string) => {
  const s = fresh();
  const s2 = fresh();
  return {
    lines: [`const ${s} = ${x} / (2.0 + ${x});`, `const ${s2} = ${s} * ${s};`],
    expr:
      `(${x} > -0.3 && ${x} < 0.5 ? 2.0 * ${s} * (1.0 + ${s2} * (1.0 / 3.0 + ${s2} * (1.0 / 5.0 + ${s2} * (1.0 / 7.0 + ${s2} * (1.0 / 9.0 + ${s2} * (1.0 / 11.0)))))) ` +
      `: Math.log(1.0 + ${x}))`,
  };
};

/** expm1(x): exp(x) - 1 away from 0; for |x| < 0.5 its Taylor series to x^10 (relative error < 1e-9). */
const expm1Code = (x: string) => {
  let poly = '1.0';
  for (let k = 10; k >= 2; k--) poly = `(1.0 + ${x} / ${k}.0 * ${poly})`;
  return { lines: [], expr: `(Math.abs(${x}) < 0.5 ? ${x} * ${poly} : Math.exp(${x}) - 1.0)` };
};

/**
 * The GPU overrides, keyed by scalar op name. An op without an entry here uses its `js`
 * template from symbolic's SCALAR_OPS when that template only uses {@link GPU_MATH_FUNCTIONS};
 * otherwise the node falls back to the CPU. gpu.js' GLSL versions of log1p / expm1 (log(1 + x),
 * exp(x) - 1) lose all precision near 0, its tanh ((e^2x - 1) / (e^2x + 1)) gives NaN for
 * |x| > 44, and GLSL's pow is undefined for a negative base: these are replaced. Comparisons,
 * switch and relu are rewritten with float literals and `!= 0.0` conditions (GLSL types).
 */
export const GPU_SCALAR_TEMPLATES: Partial<Record<ScalarOpName, GpuScalarTemplate>> = {
  pow: ([a, b], fresh) => {
    const m = fresh();
    const r = fresh();
    return {
      lines: [
        // |a| ** b with the sign of a negative base restored for integer exponents (GLSL pow is undefined for a < 0)
        `const ${m} = Math.pow(Math.abs(${a}), ${b});`,
        `const ${r} = (${a} < 0.0 ? (${b} == Math.floor(${b}) ? (${b} - 2.0 * Math.floor(${b} / 2.0) == 1.0 ? -${m} : ${m}) : Math.pow(${a}, ${b})) : ${m});`,
      ],
      // integer ** non-negative integer is an integer: undo exp2/log2 rounding (3 ** 3 = 26.99998 on GPUs)
      expr: `(${b} == 0.0 ? 1.0 : (${a} == Math.floor(${a}) && ${b} == Math.floor(${b}) && ${b} > 0.0 ? Math.floor(${r} + 0.5) : ${r}))`,
    };
  },
  log1p: ([x], fresh) => log1pCode(x, fresh),
  expm1: ([x]) => expm1Code(x),
  tanh: ([x], fresh) => {
    // tanh(|x|) = e / (e + 2) with e = expm1(2|x|); saturates instead of inf / inf
    const ax = fresh();
    const ax2 = fresh();
    const e = fresh();
    const em = expm1Code(ax2);
    return {
      lines: [
        `const ${ax} = Math.abs(${x});`,
        `const ${ax2} = 2.0 * ${ax};`,
        ...em.lines,
        `const ${e} = ${em.expr};`,
      ],
      expr: `(${ax} > 20.0 ? Math.sign(${x}) : Math.sign(${x}) * (${e} / (${e} + 2.0)))`,
    };
  },
  sigmoid: ([x], fresh) => {
    const e = fresh();
    return {
      lines: [`const ${e} = Math.exp(-Math.abs(${x}));`],
      expr: `(${x} >= 0.0 ? 1.0 / (1.0 + ${e}) : ${e} / (1.0 + ${e}))`,
    };
  },
  softplus: ([x], fresh) => {
    // max(x, 0) + log1p(exp(-|x|))
    const e = fresh();
    const l = log1pCode(e, fresh);
    return {
      lines: [`const ${e} = Math.exp(-Math.abs(${x}));`, ...l.lines],
      expr: `(Math.max(${x}, 0.0) + ${l.expr})`,
    };
  },
  relu: ([x]) => `(${x} > 0.0 ? ${x} : 0.0)`,
  sgn: ([x]) => `Math.sign(${x})`,
  gt: ([a, b]) => `(${a} > ${b} ? 1.0 : 0.0)`,
  ge: ([a, b]) => `(${a} >= ${b} ? 1.0 : 0.0)`,
  lt: ([a, b]) => `(${a} < ${b} ? 1.0 : 0.0)`,
  le: ([a, b]) => `(${a} <= ${b} ? 1.0 : 0.0)`,
  eq: ([a, b]) => `(${a} == ${b} ? 1.0 : 0.0)`,
  neq: ([a, b]) => `(${a} != ${b} ? 1.0 : 0.0)`,
  // GLSL's ternary needs a boolean condition; values are floats on the GPU
  switch: ([c, a, b]) => `(${c} != 0.0 ? ${a} : ${b})`,
  reciprocal: ([x]) => `(1.0 / ${x})`,
  sqr: ([x]) => `(${x} * ${x})`,
  log2: ([x]) => `(Math.log(${x}) * 1.4426950408889634)`,
  log10: ([x]) => `(Math.log(${x}) * 0.4342944819032518)`,
  sinh: ([x], fresh) => {
    // (expm1(x) - expm1(-x)) / 2: exact near 0
    const a = fresh();
    const b = fresh();
    const ea = expm1Code(x);
    const eb = expm1Code(`(-${x})`);
    return {
      lines: [`const ${a} = ${ea.expr};`, `const ${b} = ${eb.expr};`],
      expr: `((${a} - ${b}) * 0.5)`,
    };
  },
  cosh: ([x]) => `((Math.exp(${x}) + Math.exp(-${x})) * 0.5)`,
  arcsinh: ([x], fresh) => {
    // sign(x) log1p(|x| + x² / (1 + sqrt(1 + x²)))
    const a = fresh();
    const u = fresh();
    const l = log1pCode(u, fresh);
    return {
      lines: [
        `const ${a} = Math.abs(${x});`,
        `const ${u} = ${a} + ${a} * ${a} / (1.0 + Math.sqrt(1.0 + ${a} * ${a}));`,
        ...l.lines,
      ],
      expr: `(Math.sign(${x}) * ${l.expr})`,
    };
  },
  arccosh: ([x]) => `Math.log(${x} + Math.sqrt(${x} * ${x} - 1.0))`,
  arctanh: ([x], fresh) => {
    // log1p(2x / (1 - x)) / 2
    const u = fresh();
    const l = log1pCode(u, fresh);
    return {
      lines: [`const ${u} = 2.0 * ${x} / (1.0 - ${x});`, ...l.lines],
      expr: `(0.5 * ${l.expr})`,
    };
  },
  logicalAnd: ([a, b]) => `((${a} != 0.0 && ${b} != 0.0) ? 1.0 : 0.0)`,
  logicalOr: ([a, b]) => `((${a} != 0.0 || ${b} != 0.0) ? 1.0 : 0.0)`,
  logicalXor: ([a, b]) => `((${a} != 0.0 ? 1.0 : 0.0) != (${b} != 0.0 ? 1.0 : 0.0) ? 1.0 : 0.0)`,
  logicalNot: ([a]) => `(${a} == 0.0 ? 1.0 : 0.0)`,
  clip: ([x, lo, hi]) => `Math.min(Math.max(${x}, ${lo}), ${hi})`,
  intDiv: ([a, b], fresh) => {
    // floor(a / b), corrected by one step (GPU division is not exactly rounded)
    const q = fresh();
    const r = fresh();
    return {
      lines: [
        `let ${q} = Math.floor(${a} / ${b});`,
        `const ${r} = ${a} - ${q} * ${b};`,
        `if (${b} > 0.0 && ${r} >= ${b}) { ${q} = ${q} + 1.0; }`,
        `if (${b} > 0.0 && ${r} < 0.0) { ${q} = ${q} - 1.0; }`,
        `if (${b} < 0.0 && ${r} <= ${b}) { ${q} = ${q} + 1.0; }`,
        `if (${b} < 0.0 && ${r} > 0.0) { ${q} = ${q} - 1.0; }`,
      ],
      expr: q,
    };
  },
  mod: ([a, b], fresh) => {
    // a - b floor(a / b), with the sign of b (Python's %), corrected by one step
    const r = fresh();
    return {
      lines: [
        `let ${r} = ${a} - ${b} * Math.floor(${a} / ${b});`,
        `if (${b} > 0.0 && ${r} >= ${b}) { ${r} = ${r} - ${b}; }`,
        `if (${b} > 0.0 && ${r} < 0.0) { ${r} = ${r} + ${b}; }`,
        `if (${b} < 0.0 && ${r} <= ${b}) { ${r} = ${r} - ${b}; }`,
        `if (${b} < 0.0 && ${r} > 0.0) { ${r} = ${r} + ${b}; }`,
      ],
      expr: r,
    };
  },
  roundHalfAwayFromZero: ([x]) => `(Math.sign(${x}) * Math.floor(Math.abs(${x}) + 0.5))`,
  roundHalfToEven: ([x], fresh) => {
    const r = fresh();
    return {
      lines: [`const ${r} = Math.floor(${x} + 0.5);`],
      expr: `((${r} - ${x} == 0.5 && ${r} - 2.0 * Math.floor(${r} / 2.0) == 1.0) ? ${r} - 1.0 : ${r})`,
    };
  },
  erf: ([x], fresh) => {
    // |x| < 0.5: Taylor series (relative error < 1e-8); else Abramowitz & Stegun 7.1.26 (abs. error 1.5e-7)
    const a = fresh();
    const t = fresh();
    const x2 = fresh();
    return {
      lines: [
        `const ${a} = Math.abs(${x});`,
        `const ${x2} = ${x} * ${x};`,
        `const ${t} = 1.0 / (1.0 + 0.3275911 * ${a});`,
      ],
      expr:
        `(${a} < 0.5 ? 1.1283791670955126 * ${x} * (1.0 - ${x2} * (1.0 / 3.0 - ${x2} * (0.1 - ${x2} * (1.0 / 42.0 - ${x2} * (1.0 / 216.0 - ${x2} / 1320.0))))) ` +
        `: Math.sign(${x}) * (1.0 - ${t} * (0.254829592 + ${t} * (-0.284496736 + ${t} * (1.421413741 + ${t} * (-1.453152027 + ${t} * 1.061405429)))) * Math.exp(-${x2})))`,
    };
  },
  log1mexp: ([x], fresh) => {
    // log(1 - exp(x)) for x < 0: log(-expm1(x)) near 0, log1p(-exp(x)) below -ln 2
    const e = fresh();
    const m = fresh();
    const em = expm1Code(x);
    const l = log1pCode(m, fresh);
    return {
      lines: [`const ${e} = ${em.expr};`, `const ${m} = -Math.exp(${x});`, ...l.lines],
      expr: `(${x} > -0.6931471805599453 ? Math.log(-${e}) : ${l.expr})`,
    };
  },
};

/** The Math functions an expression calls. */
const mathCalls = (code: string): string[] => [...code.matchAll(/Math\.(\w+)/g)].map((m) => m[1]);

/** The GPU code of primitive op `name`, or a reason why there is none. */
function templateFor(name: ScalarOpName): GpuScalarTemplate | string {
  const own = GPU_SCALAR_TEMPLATES[name];
  if (own) return own;
  const spec = SCALAR_OPS[name];
  if (!spec) return `unknown scalar op '${name}'`;
  if (spec.helpers)
    return `scalar op '${name}' calls JavaScript helpers (${Object.keys(spec.helpers).join(', ')}), which have no GPU template`;
  const probe = spec.js(Array.from({ length: spec.nin }, (_, i) => `a${i}`));
  const bad = mathCalls(probe).filter((f) => !GPU_MATH_FUNCTIONS.has(f));
  if (bad.length) return `scalar op '${name}' uses Math.${bad[0]}, which has no GPU-safe template`;
  if (/[~^]|(^|[^&])&([^&]|$)|(^|[^|])\|([^|]|$)/.test(probe))
    return `scalar op '${name}' uses bitwise operators, which GLSL ES 1.0 lacks`;
  if (/===|!==|\?/.test(probe))
    return `scalar op '${name}' uses a construct without a GPU-safe template`;
  return (args) => spec.js(args);
}

/** Whether the GPU can compute scalar op `op`; a reason string when it cannot. */
export function gpuScalarSupport(op: ScalarOp): true | string {
  if (op.name !== 'composite') {
    const t = templateFor(op.name);
    return typeof t === 'string' ? t : true;
  }
  for (const n of op.nodes) {
    if (n.op.name === 'constant') {
      if (!Number.isFinite(n.op.value))
        return `Composite constant ${n.op.value} has no GLSL literal`;
      continue;
    }
    const t = templateFor(n.op.name);
    if (typeof t === 'string') return t;
  }
  return true;
}

/**
 * Statements turning float value `v` into how `dtype` stores it, in float arithmetic (values on
 * the GPU are float32: integers are exact up to 2^24). Returns the name holding the result.
 */
export function roundGpu(v: string, dtype: DType, lines: string[], fresh: () => string): string {
  if (dtype === 'float32' || dtype === 'float64') return v;
  const r = fresh();
  if (dtype === 'bool') {
    lines.push(`const ${r} = (${v} != 0.0 ? 1.0 : 0.0);`);
    return r;
  }
  const t = fresh();
  lines.push(`const ${t} = Math.trunc(${v});`);
  const wrap = (m: number, lo: number) =>
    `const ${r} = ${t} - ${lit(m)} * Math.floor((${t} - ${lit(lo)}) / ${lit(m)});`;
  if (dtype === 'int32') return t; // wrap-around beyond 2^31 is not emulated (float32 is exact only to 2^24 anyway)
  if (dtype === 'int16') lines.push(wrap(65536, -32768));
  else if (dtype === 'int8') lines.push(wrap(256, -128));
  else lines.push(wrap(256, 0)); // uint8
  return r;
}

/**
 * Statements computing scalar op `op` on input names `ins` (one per input, float values), each
 * result rounded to its dtype like backend-cpu's `scalarBody` does. Returns the statements and the
 * names of the outputs. @throws UnsupportedOnGpu for what has no GPU code.
 */
export function gpuScalarBody(
  op: ScalarOp,
  ins: readonly string[],
  outDtypes: readonly DType[],
  fresh: () => string,
): {
  /** Statements computing the outputs. */
  lines: string[];
  /** One expression per output. */
  outs: string[];
} {
  const support = gpuScalarSupport(op);
  if (support !== true) throw new UnsupportedOnGpu(support);
  const lines: string[] = [];
  const apply = (name: ScalarOpName, args: readonly string[], dtype: DType): string => {
    const t = templateFor(name) as GpuScalarTemplate;
    const code = t(args, fresh);
    const { lines: pre, expr } = typeof code === 'string' ? { lines: [], expr: code } : code;
    lines.push(...pre);
    const v = fresh();
    lines.push(`const ${v} = ${expr};`);
    return roundGpu(v, dtype, lines, fresh);
  };
  if (op.name !== 'composite') return { lines, outs: [apply(op.name, ins, outDtypes[0])] };
  const names = [...ins];
  for (const n of op.nodes) {
    if (n.op.name === 'constant') {
      const v = fresh();
      lines.push(`const ${v} = ${lit(n.op.value)};`);
      names.push(roundGpu(v, n.dtype, lines, fresh));
    } else
      names.push(
        apply(
          n.op.name,
          n.args.map((a) => names[a]),
          n.dtype,
        ),
      );
  }
  return { lines, outs: op.outputs.map((o) => names[o]) };
}

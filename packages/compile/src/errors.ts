/**
 * Error classes of compiled functions and the text that points a run-time failure at the node,
 * in debugprint form, at the line of user code that built it, and at the expression the user
 * wrote before rewrites.
 */
import { formatShape } from '@theano-ts/tensor';
import { type Apply, Constant, SharedVariable, type Variable, opLabel } from '@theano-ts/symbolic';

/** An input not used by any output or update (Theano's UnusedInputError). */
export class UnusedInputError extends Error {
  /** The error's name, as printed. */
  override name = 'UnusedInputError';
}
/** A variable the outputs need that is neither an input nor shared nor constant (Theano's MissingInputError). */
export class MissingInputError extends Error {
  /** The error's name, as printed. */
  override name = 'MissingInputError';
}
/** DebugMode found a node whose value disagrees with the reference (Theano's BadOptimization / BadThunkOutput). */
export class DebugModeError extends Error {
  /** The error's name, as printed. */
  override name = 'DebugModeError';
}
/** NanGuardMode found a NaN, an Infinity or a huge value. */
export class NanGuardError extends Error {
  /** The error's name, as printed. */
  override name = 'NanGuardError';
}

/** What a run-time error carries besides its message. */
export interface NodeErrorInfo {
  /** The failing node of the compiled graph. */
  node: Apply;
  /** The user's node it was cloned or rewritten from. */
  originalNode: Apply | undefined;
  /** Rewrites that produced the node, oldest first (empty when it is the user's node as built). */
  rewrites: readonly string[];
  /** The function's name. */
  functionName: string;
}

function idTag(n: number): string {
  let s = '';
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

const leafLabel = (v: Variable): string =>
  v instanceof Constant
    ? v.toString()
    : v.name
      ? v.name
      : `<${v.type}>${v instanceof SharedVariable ? ' (shared)' : ''}`;

/**
 * debugprint of the expression computing `v`, cut at `depth` levels (deeper inputs print as
 * `...`): the same `[id X]` and ` |` layout as symbolic's debugprint, sized for an error message.
 */
export function debugprintNode(v: Variable, depth = 3, indent = '    '): string {
  const ids = new Map<unknown, string>();
  const lines: string[] = [];
  const tag = (k: unknown) => {
    if (!ids.has(k)) ids.set(k, idTag(ids.size));
    return ids.get(k)!;
  };
  const walk = (x: Variable, prefix: string, childPrefix: string, level: number) => {
    const key = x.owner ?? x;
    const seen = ids.has(key);
    const id = tag(key);
    if (!x.owner) {
      lines.push(`${prefix}${leafLabel(x)} [id ${id}]`);
      return;
    }
    const outIdx = x.owner.outputs.length > 1 ? `.${x.index}` : '';
    const name = x.name ? ` '${x.name}'` : '';
    lines.push(`${prefix}${opLabel(x.owner.op)}${outIdx} [id ${id}]${name}`);
    if (seen) return;
    const inputs = x.owner.inputs;
    if (level >= depth) {
      if (inputs.length) lines.push(`${childPrefix} |...`);
      return;
    }
    inputs.forEach((inp, i) =>
      walk(
        inp,
        childPrefix + ' |',
        childPrefix + (i === inputs.length - 1 ? '  ' : ' |'),
        level + 1,
      ),
    );
  };
  walk(v, '', '', 0);
  return lines.map((l) => indent + l).join('\n');
}

/** One line per value: dtype and shape of what the node received. */
export function describeValues(node: Apply, values: readonly unknown[]): string {
  return node.inputs
    .map((v, i) => {
      const a = values[i] as { shape?: readonly number[]; dtype?: string } | undefined;
      const shape = a && Array.isArray(a.shape) ? formatShape(a.shape) : '?';
      const label = v.owner ? (v.name ?? `${opLabel(v.owner.op)}.out`) : leafLabel(v);
      return `#${i} ${label}: ${a?.dtype ?? v.dtype}, shape ${shape}`;
    })
    .join('; ');
}

/** The part of an error message that locates `node` and the user's expression it stands for. */
export function locateNode(
  node: Apply,
  original: Apply | undefined,
  rewrites: readonly string[],
  position: string,
): string {
  const lines = [
    `Apply node that caused the error (${position}):`,
    debugprintNode(node.outputs[0], 2),
  ];
  if (rewrites.length === 0 || !original) {
    lines.push(
      node.trace
        ? `  It is your expression as you built it, at ${node.trace}`
        : '  (where the expression was built is unknown)',
    );
    return lines.join('\n');
  }
  lines.push(
    node.trace
      ? `  The node was built at ${node.trace}`
      : '  (where the node was built is unknown)',
    `  It was produced by rewrite${rewrites.length > 1 ? 's' : ''} ${rewrites.map((r) => `'${r}'`).join(' → ')} from your expression:`,
    debugprintNode(original.outputs[0], 3),
    original.trace
      ? `  Your expression was built at ${original.trace}`
      : '  (where your expression was built is unknown)',
    "  To run it without rewrites: mode: new Mode({ optimizer: 'none' }) (or 'FAST_COMPILE': stabilizations only).",
  );
  return lines.join('\n');
}

/** A run-time failure in a node, rewritten to say which node and which user expression. */
export function nodeError(
  e: unknown,
  info: NodeErrorInfo,
  position: string,
  inputs: readonly unknown[] | undefined,
): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const Ctor = e instanceof RangeError ? RangeError : e instanceof TypeError ? TypeError : Error;
  const text =
    `${info.functionName}: ${msg}\n` +
    locateNode(info.node, info.originalNode, info.rewrites, position) +
    (inputs ? `\n  Inputs: ${describeValues(info.node, inputs)}` : '');
  return attachInfo(new Ctor(text, { cause: e }), info);
}

const INFO = new WeakMap<object, NodeErrorInfo>();

/**
 * Remember the node information of an error (kept beside it, not on it: graphs are large and
 * their variables have getters that build new nodes, which test runners and loggers that
 * serialize errors would walk forever). Read it back with {@link nodeErrorInfo}.
 */
export function attachInfo<E extends Error>(err: E, info: NodeErrorInfo): E {
  INFO.set(err, info);
  return err;
}

/**
 * The failing node, the user's original node, the rewrites that produced it and the function's
 * name, for an error thrown by a compiled function at run time (undefined for other errors).
 * @example
 * try { f(badValue) } catch (e) { const info = nodeErrorInfo(e); info?.originalNode?.trace }
 */
export function nodeErrorInfo(err: unknown): NodeErrorInfo | undefined {
  return err !== null && typeof err === 'object' ? INFO.get(err) : undefined;
}

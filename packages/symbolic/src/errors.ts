const INTERNAL =
  /[\\/]packages[\\/](tensor|symbolic|autodiff|optimizer-passes|backend-cpu|backend-gpujs|compile|nn|theano-ts)[\\/](src|dist)[\\/]|[\\/]node_modules[\\/](@theano-ts|theano-ts)[\\/]/;
const RUNTIME = /node:internal|\(native\)|^at <anonymous>$|[\\/]node_modules[\\/]/;
const TEST_FILE = /\.(test|cases)\.[cm]?[jt]s/;

/**
 * Where in the user's code an expression was built: the first stack frame outside theano-ts's
 * own packages and the JS runtime (test files count as user code).
 */
export function userStackLine(): string | undefined {
  // no frames to read (rewriters turn capture off: building the stack string costs more than
  // the node it is for)
  if (Error.stackTraceLimit === 0) return undefined;
  const frames = new Error().stack?.split('\n').slice(1) ?? [];
  for (const raw of frames) {
    const line = raw.trim();
    if (!line.startsWith('at ')) continue;
    if (!TEST_FILE.test(line) && (INTERNAL.test(line) || RUNTIME.test(line))) continue;
    // top-level module code prints as '<anonymous> (file:line:col)': keep the location
    return line.slice(3).replace(/^<anonymous> \((.*)\)$/, '$1');
  }
  return undefined;
}

/** Suffix naming where the expression was built, for error messages (empty when unknown). */
export const builtAt = (trace: string | undefined): string =>
  trace ? `\n  The expression was built at ${trace}` : '';

/** A graph-build-time type error: names the op, what was expected and what was given. */
export class TheanoTypeError extends TypeError {
  /** The error's name, as printed: 'TheanoTypeError'. */
  override name = 'TheanoTypeError';
}

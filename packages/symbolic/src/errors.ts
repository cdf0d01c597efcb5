const INTERNAL =
  /[\\/]packages[\\/](tensor|symbolic|autodiff|optimizer-passes|backend-cpu|backend-gpujs|compile|nn|theano-ts)[\\/](src|dist)[\\/]|[\\/]node_modules[\\/](@theano-ts|theano-ts)[\\/]/;
const RUNTIME = /node:internal|[\\/]node_modules[\\/]/;
// a frame's location: '(file:line:col)' at its end, else all of it after 'at '
const LOCATION = /\(([^()]*)\)$/;
const HAS_FILE = /:\d+:\d+$/;
const TEST_FILE = /\.(test|cases)\.[cm]?[jt]s/;

/**
 * Where in the user's code an expression was built: the first stack frame outside theano-ts's
 * own packages and the JS runtime (test files count as user code).
 */
export function userStackLine(): string | undefined {
  // no frames to read (rewriters turn capture off: building the stack string costs more than
  // the node it is for)
  const limit = Error.stackTraceLimit;
  if (limit === 0) return undefined;
  const stack = new Error().stack;
  const found = firstUserFrame(stack);
  const cut = (stack?.split('\n').length ?? 0) > limit; // the message line plus `limit` frames
  if (found !== null || !cut || !(limit < DEEP_STACK)) return found ?? undefined;
  // every frame read was the library's or the runtime's (a check deep inside the library, run
  // from a callback of Array.forEach): read further down the stack
  Error.stackTraceLimit = DEEP_STACK;
  try {
    return firstUserFrame(new Error().stack) ?? undefined;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Frames read when the default count holds no user frame. */
const DEEP_STACK = 100;

/** The first user frame of a stack, or null when there is none among its frames. */
function firstUserFrame(stack: string | undefined): string | null {
  const frames = stack?.split('\n').slice(1) ?? [];
  for (const raw of frames) {
    const line = raw.trim();
    if (!line.startsWith('at ')) continue;
    // frames without a file ('Array.forEach (<anonymous>)', '(native)', 'at <anonymous>') are
    // the runtime's: never the user's line
    if (!HAS_FILE.test(LOCATION.exec(line)?.[1] ?? line.slice(3))) continue;
    if (!TEST_FILE.test(line) && (INTERNAL.test(line) || RUNTIME.test(line))) continue;
    // top-level module code prints as '<anonymous> (file:line:col)': keep the location
    return line.slice(3).replace(/^<anonymous> \((.*)\)$/, '$1');
  }
  return null;
}

/** Suffix naming where the expression was built, for error messages (empty when unknown). */
export const builtAt = (trace: string | undefined): string =>
  trace ? `\n  The expression was built at ${trace}` : '';

/** A graph-build-time type error: names the op, what was expected and what was given. */
export class TheanoTypeError extends TypeError {
  /** The error's name, as printed: 'TheanoTypeError'. */
  override name = 'TheanoTypeError';
}

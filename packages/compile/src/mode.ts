import { type Backend, TheanoTypeError, config } from '@theano-ts/symbolic';
import { createCpuBackend } from '@theano-ts/backend-cpu';
import type { RewriteDatabase } from '@theano-ts/optimizer-passes';

/** Which rewrites run: all ('fast_run'), few but every stabilization ('fast_compile'), or none. */
export type OptimizerName = 'fast_run' | 'fast_compile' | 'none';

/** The predefined modes a string may name (`theano.config.mode` holds one). */
export type ModeName = 'FAST_RUN' | 'FAST_COMPILE' | 'DebugMode' | 'NanGuardMode';

const registry = new Map<string, () => Backend>([['cpu', createCpuBackend]]);

/**
 * Make a backend available by name for `new Mode({ backend: name })`. The umbrella package
 * registers 'gpujs'; a custom backend registers itself the same way.
 */
export function registerBackend(name: string, factory: () => Backend): void {
  registry.set(name, factory);
}

/** Names of the registered backends. */
export const backendNames = (): string[] => [...registry.keys()];

/** Options of `Mode`. */
export interface ModeOptions {
  /** Backend name ('cpu', 'gpujs', or registered) or a Backend object. Default 'cpu'. */
  backend?: string | Backend;
  /** Default 'fast_run'. */
  optimizer?: OptimizerName;
  /** Rewrite names or tags to add (Theano's optimizer_including). */
  including?: readonly string[];
  /** Rewrite names or tags to remove, e.g. 'fusion' (Theano's optimizer_excluding). */
  excluding?: readonly string[];
  /** Record which rewrites fired (see `fn.maker.fgraph.trace`). */
  trace?: boolean;
  /** A name for printing. */
  name?: string;
  /** The rewrite database to query (default: optimizer-passes' defaultDatabase()). */
  db?: RewriteDatabase;
}

const OPTIMIZERS: readonly OptimizerName[] = ['fast_run', 'fast_compile', 'none'];

/**
 * A compilation mode: which rewrites run, and the backend that runs the result (Theano's
 * Mode). `including` / `excluding` return adjusted copies, as in Theano:
 * `new Mode().excluding('fusion')`.
 */
export class Mode {
  /** Which rewrites run: 'fast_run', 'fast_compile' or 'none'. */
  readonly optimizer: OptimizerName;
  /** Rewrite names or tags added to the optimizer's. */
  readonly include: readonly string[];
  /** Rewrite names or tags removed. */
  readonly exclude: readonly string[];
  /** Record which rewrites fired. */
  readonly trace: boolean;
  /** The name printed by toString ('Mode', 'DebugMode', …). */
  readonly name: string;
  /** The rewrite database, when not the default one. */
  readonly db: RewriteDatabase | undefined;
  /** The backend as given: a registered name or a Backend object. */
  protected readonly backendSpec: string | Backend;
  private backendInstance: Backend | undefined;

  constructor(opts: ModeOptions = {}) {
    this.optimizer = opts.optimizer ?? 'fast_run';
    if (!OPTIMIZERS.includes(this.optimizer))
      throw new TheanoTypeError(
        `Mode: unknown optimizer '${String(this.optimizer)}'; expected 'fast_run', 'fast_compile' or 'none'`,
      );
    for (const [k, v] of [
      ['including', opts.including],
      ['excluding', opts.excluding],
    ] as const)
      if (v !== undefined && (!Array.isArray(v) || v.some((w) => typeof w !== 'string')))
        throw new TheanoTypeError(`Mode: ${k} must be an array of rewrite names or tags`);
    this.include = [...(opts.including ?? [])];
    this.exclude = [...(opts.excluding ?? [])];
    this.trace = opts.trace ?? false;
    this.backendSpec = opts.backend ?? 'cpu';
    this.name = opts.name ?? 'Mode';
    this.db = opts.db;
    if (typeof this.backendSpec === 'string' && !registry.has(this.backendSpec))
      throw new TheanoTypeError(
        `Mode: unknown backend '${this.backendSpec}'; registered: ${backendNames().join(', ')}` +
          (this.backendSpec === 'gpujs'
            ? " (import 'theano-ts' or call registerBackend('gpujs', createGpujsBackend) from @theano-ts/backend-gpujs)"
            : ''),
      );
  }

  /** The backend instance (created on first use, shared by functions compiled with this Mode). */
  get backend(): Backend {
    if (!this.backendInstance)
      this.backendInstance =
        typeof this.backendSpec === 'string' ? registry.get(this.backendSpec)!() : this.backendSpec;
    return this.backendInstance;
  }

  /** Name of the backend ('cpu', 'gpujs', …). */
  get backendName(): string {
    return typeof this.backendSpec === 'string' ? this.backendSpec : this.backendSpec.name;
  }

  /** A copy that also runs these rewrites or tags (Theano's Mode.including). */
  including(...names: string[]): Mode {
    return this.with({ including: [...this.include, ...names] });
  }
  /** A copy that leaves these rewrites or tags out (Theano's Mode.excluding). */
  excluding(...names: string[]): Mode {
    return this.with({ excluding: [...this.exclude, ...names] });
  }
  /** A copy with another backend (name or object). */
  withBackend(backend: string | Backend): Mode {
    return this.with({ backend });
  }
  /** A copy with another optimizer. */
  withOptimizer(optimizer: OptimizerName): Mode {
    return this.with({ optimizer });
  }
  /** @deprecated use {@link including} */
  includingRewrites(...names: string[]): Mode {
    return this.including(...names);
  }
  /** @deprecated use {@link excluding} */
  excludingRewrites(...names: string[]): Mode {
    return this.excluding(...names);
  }

  /** The options this mode was made with (for copies). */
  options(): ModeOptions {
    return {
      backend: this.backendSpec,
      optimizer: this.optimizer,
      including: this.include,
      excluding: this.exclude,
      trace: this.trace,
      name: this.name,
      db: this.db,
    };
  }

  /** A copy of this mode (same class, same checks) with some options changed. */
  protected with(change: ModeOptions): Mode {
    return new Mode({ ...this.options(), ...change });
  }

  /** Theano-like: `Mode(optimizer=fast_run, backend=cpu)`. */
  toString(): string {
    const parts = [`optimizer=${this.optimizer}`, `backend=${this.backendName}`];
    if (this.include.length) parts.push(`including=${this.include.join('+')}`);
    if (this.exclude.length) parts.push(`excluding=${this.exclude.join('+')}`);
    return `${this.name}(${parts.join(', ')})`;
  }
}

/** Options of DebugMode. */
export interface DebugModeOptions extends ModeOptions {
  /** Relative tolerance of float comparisons (default 1e-4 for float32, 1e-7 for float64). */
  rtol?: number;
  /** Absolute tolerance of float comparisons (default 1e-5 for float32, 1e-10 for float64). */
  atol?: number;
  /**
   * Compare each node's value with the same expression computed by the reference evaluator on
   * the unoptimized graph (catches a wrong rewrite). Default true.
   */
  checkRewrites?: boolean;
  /** Compare each node with its op's reference implementation on the same inputs. Default true. */
  checkKernels?: boolean;
  /** Check that no node modifies its inputs (unless the function input is mutable). Default true. */
  checkInputsUnchanged?: boolean;
}

/**
 * Theano's DebugMode: every call runs the compiled graph node by node, and next to it the
 * reference implementation of each node and the reference evaluator on the unoptimized graph;
 * the first disagreement throws a DebugModeError naming the node, the rewrite that produced it
 * and the expression you wrote. Slow; for finding bugs. Rewrites are traced.
 */
export class DebugMode extends Mode {
  /** Relative tolerance of float comparisons (undefined: per dtype). */
  readonly rtol: number | undefined;
  /** Absolute tolerance of float comparisons (undefined: per dtype). */
  readonly atol: number | undefined;
  /** Compare each node with the unoptimized graph's value. */
  readonly checkRewrites: boolean;
  /** Compare each node with its op's reference implementation. */
  readonly checkKernels: boolean;
  /** Check that no node modifies its inputs. */
  readonly checkInputsUnchanged: boolean;
  constructor(opts: DebugModeOptions = {}) {
    super({ name: 'DebugMode', ...opts, trace: true });
    this.rtol = opts.rtol;
    this.atol = opts.atol;
    this.checkRewrites = opts.checkRewrites ?? true;
    this.checkKernels = opts.checkKernels ?? true;
    this.checkInputsUnchanged = opts.checkInputsUnchanged ?? true;
  }
  override options(): DebugModeOptions {
    return {
      ...super.options(),
      rtol: this.rtol,
      atol: this.atol,
      checkRewrites: this.checkRewrites,
      checkKernels: this.checkKernels,
      checkInputsUnchanged: this.checkInputsUnchanged,
    };
  }
  protected override with(change: ModeOptions): Mode {
    return new DebugMode({ ...this.options(), ...change });
  }
}

/** Options of NanGuardMode. */
export interface NanGuardModeOptions extends ModeOptions {
  /** Throw on NaN (default true). */
  nanIsError?: boolean;
  /** Throw on ±Infinity (default true). */
  infIsError?: boolean;
  /** Throw on a magnitude above `bigThreshold` (default false). */
  bigIsError?: boolean;
  /** Default 1e10, as Theano. */
  bigThreshold?: number;
}

/**
 * Theano's NanGuardMode: checks the function's inputs and every node's outputs, and throws a
 * NanGuardError on the first NaN or Infinity (and, when asked, on huge values), naming the node
 * and the expression you wrote.
 */
export class NanGuardMode extends Mode {
  /** Throw on NaN. */
  readonly nanIsError: boolean;
  /** Throw on ±Infinity. */
  readonly infIsError: boolean;
  /** Throw on a magnitude above bigThreshold. */
  readonly bigIsError: boolean;
  /** The magnitude bigIsError refers to. */
  readonly bigThreshold: number;
  constructor(opts: NanGuardModeOptions = {}) {
    super({ name: 'NanGuardMode', ...opts });
    this.nanIsError = opts.nanIsError ?? true;
    this.infIsError = opts.infIsError ?? true;
    this.bigIsError = opts.bigIsError ?? false;
    this.bigThreshold = opts.bigThreshold ?? 1e10;
  }
  override options(): NanGuardModeOptions {
    return {
      ...super.options(),
      nanIsError: this.nanIsError,
      infIsError: this.infIsError,
      bigIsError: this.bigIsError,
      bigThreshold: this.bigThreshold,
    };
  }
  protected override with(change: ModeOptions): Mode {
    return new NanGuardMode({ ...this.options(), ...change });
  }
}

const predefined = new Map<ModeName, Mode>();

/**
 * Theano's predefined modes by name: 'FAST_RUN' (every rewrite), 'FAST_COMPILE' (merge,
 * constant folding and every stabilization), 'DebugMode', 'NanGuardMode'. A Mode object is
 * returned as is; `undefined` means `theano.config.mode`. One instance per name, so functions
 * compiled with the same named mode share its backend.
 * @throws TheanoTypeError for an unknown name.
 */
export function getMode(mode: string | Mode | undefined): Mode {
  if (mode instanceof Mode) return mode;
  const name = mode ?? config.mode;
  let m = predefined.get(name as ModeName);
  if (m) return m;
  switch (name) {
    case 'FAST_RUN':
      m = new Mode({ optimizer: 'fast_run', name: 'FAST_RUN' });
      break;
    case 'FAST_COMPILE':
      m = new Mode({ optimizer: 'fast_compile', name: 'FAST_COMPILE' });
      break;
    case 'DebugMode':
      m = new DebugMode();
      break;
    case 'NanGuardMode':
      m = new NanGuardMode();
      break;
    default:
      throw new TheanoTypeError(
        `function: unknown mode '${String(name)}'; expected 'FAST_RUN', 'FAST_COMPILE', 'DebugMode', 'NanGuardMode' or a Mode object`,
      );
  }
  predefined.set(name, m);
  return m;
}

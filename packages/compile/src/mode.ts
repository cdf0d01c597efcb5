import { type Backend, TheanoTypeError } from '@theano-ts/symbolic';
import { createCpuBackend } from '@theano-ts/backend-cpu';

/** Which rewrites run: all ('fast_run'), few but every stabilization ('fast_compile'), or none. */
export type OptimizerName = 'fast_run' | 'fast_compile' | 'none';

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
  /** Rewrites or tags to add / remove. */
  including?: readonly string[];
  excluding?: readonly string[];
  /** Record which rewrites fired (see `fn.maker.fgraph.trace`). */
  trace?: boolean;
}

/** A compilation mode: rewrites plus backend (Theano's Mode). */
export class Mode {
  readonly optimizer: OptimizerName;
  readonly including: readonly string[];
  readonly excluding: readonly string[];
  readonly trace: boolean;
  private readonly backendSpec: string | Backend;
  private backendInstance: Backend | undefined;

  constructor(opts: ModeOptions = {}) {
    this.optimizer = opts.optimizer ?? 'fast_run';
    if (!['fast_run', 'fast_compile', 'none'].includes(this.optimizer))
      throw new TheanoTypeError(`Mode: unknown optimizer '${this.optimizer}'; expected 'fast_run', 'fast_compile' or 'none'`);
    this.including = opts.including ?? [];
    this.excluding = opts.excluding ?? [];
    this.trace = opts.trace ?? false;
    this.backendSpec = opts.backend ?? 'cpu';
    if (typeof this.backendSpec === 'string' && !registry.has(this.backendSpec))
      throw new TheanoTypeError(
        `Mode: unknown backend '${this.backendSpec}'; registered: ${backendNames().join(', ')}` +
          (this.backendSpec === 'gpujs' ? " (import 'theano-ts' or call registerBackend('gpujs', createGpujsBackend) from @theano-ts/backend-gpujs)" : ''),
      );
  }

  /** The backend instance (created on first use, shared by functions compiled with this Mode). */
  get backend(): Backend {
    if (!this.backendInstance)
      this.backendInstance = typeof this.backendSpec === 'string' ? registry.get(this.backendSpec)!() : this.backendSpec;
    return this.backendInstance;
  }

  /** A copy with more rewrites enabled (Theano's Mode.including). */
  includingRewrites(...names: string[]): Mode {
    return new Mode({ ...this.options(), including: [...this.including, ...names] });
  }
  /** A copy with rewrites disabled (Theano's Mode.excluding). */
  excludingRewrites(...names: string[]): Mode {
    return new Mode({ ...this.options(), excluding: [...this.excluding, ...names] });
  }
  private options(): ModeOptions {
    return { backend: this.backendSpec, optimizer: this.optimizer, including: this.including, excluding: this.excluding, trace: this.trace };
  }
}

/** Theano's predefined modes by name. */
export function getMode(mode: string | Mode | undefined): Mode {
  if (mode instanceof Mode) return mode;
  switch (mode ?? 'FAST_RUN') {
    case 'FAST_RUN':
      return new Mode({ optimizer: 'fast_run' });
    case 'FAST_COMPILE':
      return new Mode({ optimizer: 'fast_compile' });
    default:
      throw new TheanoTypeError(`function: unknown mode '${mode}'; expected 'FAST_RUN', 'FAST_COMPILE' or a Mode object`);
  }
}

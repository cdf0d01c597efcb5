import type { DType } from '@theano-ts/tensor';

/** Names of the predefined compilation modes (`theano.function`'s `mode` when a string). */
export type ModeName = 'FAST_RUN' | 'FAST_COMPILE' | 'DebugMode' | 'NanGuardMode';
const MODE_NAMES: readonly ModeName[] = ['FAST_RUN', 'FAST_COMPILE', 'DebugMode', 'NanGuardMode'];

/**
 * Global configuration, as Theano's `theano.config`.
 * - `floatX`: dtype of bare constructors (`T.matrix()`) and of float literals; 'float32' by
 *   default (what GPUs run). Set 'float64' for Theano's old default.
 * - `mode`: the mode `theano.function` uses when none is given (default 'FAST_RUN').
 * - `traceRewrites`: record which rewrites fired (`fgraph.trace`).
 *
 * The environment variable `THEANO_TS_FLAGS` (Theano's THEANO_FLAGS) overrides the defaults when
 * the package is loaded: `THEANO_TS_FLAGS=floatX=float64,mode=FAST_COMPILE`.
 */
export const config: {
  /** dtype of bare constructors and float literals (default 'float32'). */
  floatX: 'float32' | 'float64';
  /** Record which rewrites fired in `fgraph.trace` (default false). */
  traceRewrites: boolean;
  /** The mode `theano.function` uses when none is given (default 'FAST_RUN'). */
  mode: ModeName;
} = {
  floatX: 'float32',
  traceRewrites: false,
  mode: 'FAST_RUN',
};

/**
 * Apply `key=value` pairs separated by commas (the THEANO_TS_FLAGS syntax) to `config`.
 * Unknown keys are ignored with a warning (as Theano does); invalid values throw.
 * @throws TypeError naming the flag, the value and the accepted values.
 */
export function applyConfigFlags(flags: string, source = 'THEANO_TS_FLAGS'): void {
  for (const item of flags.split(',')) {
    const pair = item.trim();
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    const value = eq < 0 ? '' : pair.slice(eq + 1).trim();
    const bad = (accepted: readonly string[]): never => {
      throw new TypeError(
        `${source}: invalid value '${value}' for ${key}; expected one of ${accepted.join(', ')}`,
      );
    };
    if (key === 'floatX') {
      if (value !== 'float32' && value !== 'float64') bad(['float32', 'float64']);
      config.floatX = value as 'float32' | 'float64';
    } else if (key === 'mode') {
      if (!(MODE_NAMES as readonly string[]).includes(value)) bad(MODE_NAMES);
      config.mode = value as ModeName;
    } else if (key === 'traceRewrites') {
      if (value !== 'true' && value !== 'false') bad(['true', 'false']);
      config.traceRewrites = value === 'true';
    } else
      console.warn(
        `${source}: unknown flag '${key}' ignored; known flags: floatX, mode, traceRewrites`,
      );
  }
}

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
if (env?.THEANO_TS_FLAGS) applyConfigFlags(env.THEANO_TS_FLAGS);

/** Theano's upgrade_to_float: the float dtype an integer input becomes under true division. */
export function upgradeToFloat(d: DType): DType {
  if (d === 'float32' || d === 'float64') return d;
  if (d === 'int32') return 'float64';
  return 'float32';
}

/**
 * Run-time feature detection for WebAssembly (cached). `THEANO_TS_NO_WASM=1` in the environment
 * (or {@link setWasmSimdDisabled}) forces the pure-JavaScript fallbacks.
 */
import { ModuleBuilder } from './module-builder';

let cached: boolean | undefined;
let disabled = typeof process !== 'undefined' && process.env?.['THEANO_TS_NO_WASM'] === '1';

/**
 * True when this engine validates a module using 128-bit SIMD (f32x4.add) and has not been
 * disabled. Never throws.
 */
export function hasWasmSimd(): boolean {
  if (disabled) return false;
  if (cached === undefined) {
    try {
      const m = new ModuleBuilder();
      m.addFunction('f', ['f32'], ['f32'], (f) =>
        f
          .get(f.param(0))
          .op('f32x4.splat')
          .get(f.param(0))
          .op('f32x4.splat')
          .op('f32x4.add')
          .lane('f32x4.extract_lane', 0),
      );
      cached = typeof WebAssembly === 'object' && WebAssembly.validate(m.toBytes());
    } catch {
      cached = false;
    }
  }
  return cached;
}

/**
 * Forces (true) or re-allows (false) the pure-JavaScript fallbacks; for tests and for engines
 * where WebAssembly is present but unwanted. Returns the previous setting.
 */
export function setWasmSimdDisabled(value: boolean): boolean {
  const prev = disabled;
  disabled = value;
  return prev;
}

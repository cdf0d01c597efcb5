/**
 * A test backend with the residency hooks (`loadShared` / `storeShared`), for the linker's tests
 * without a GPU: it runs the CPU backend's thunks, but its values are boxed "device" values
 * (`DeviceValue`) that the linker can only reach through `fromHost` / `toHost` / the hooks, and it
 * counts what crosses the device / host boundary. Like a GPU backend, it keeps shared variables
 * on the "device" between calls and reads an update back only when `getValue()` asks.
 *
 * Zero-copy like gpu.js without a GL context: `fromHost` wraps the host array and `toHost`
 * returns the array a value wraps, so the linker's aliasing rules (outputs never alias an input,
 * a shared variable or a constant) are what keeps the caller's arrays apart.
 */
import type { NDArray } from '@theano-ts/tensor';
import type { Apply, Backend, SharedVariable, Thunk } from '@theano-ts/symbolic';
import { createCpuBackend } from '@theano-ts/backend-cpu';

/** A value in the test backend's storage. */
export class DeviceValue {
  constructor(readonly a: NDArray) {}
}

/** What crossed the boundary. */
export interface DeviceStats {
  /** toHost calls, and device values read back by `getValue()` (through the syncer). */
  readbacks: number;
  /** Shared values copied to the device by loadShared. */
  sharedUploads: number;
  loadShared: number;
  storeShared: number;
}

export type DeviceBackend = Backend & {
  readonly stats: DeviceStats;
  resetStats(): void;
  loadShared(sv: SharedVariable): DeviceValue;
  storeShared(sv: SharedVariable, value: unknown): void;
};

const unbox = (v: unknown, what: string): NDArray => {
  if (!(v instanceof DeviceValue))
    throw new TypeError(`device backend: ${what} is not a DeviceValue (the linker bypassed it)`);
  return v.a;
};

/** Create the test backend (see the module comment). */
export function createDeviceBackend(): DeviceBackend {
  const cpu = createCpuBackend();
  const stats: DeviceStats = { readbacks: 0, sharedUploads: 0, loadShared: 0, storeShared: 0 };
  interface Resident {
    /** The device copy. */
    dev: DeviceValue | undefined;
    /** The host array the device copy was made from, or read back into. */
    host: NDArray | undefined;
    /** The device copy is newer than the host value. */
    newer: boolean;
  }
  const residents = new WeakMap<SharedVariable, Resident>();
  const resident = (sv: SharedVariable): Resident => {
    let r = residents.get(sv);
    if (r) return r;
    const state: Resident = { dev: undefined, host: undefined, newer: false };
    residents.set(sv, (r = state));
    sv.addSyncer({
      pull() {
        if (!state.newer) return undefined;
        state.newer = false;
        stats.readbacks++;
        state.host = state.dev!.a.copy();
        return state.host;
      },
      invalidate() {
        state.newer = false;
        state.dev = state.host = undefined;
      },
    });
    return r;
  };
  return {
    name: 'device',
    stats,
    resetStats() {
      stats.readbacks = stats.sharedUploads = stats.loadShared = stats.storeShared = 0;
    },
    makeThunk(node: Apply): Thunk {
      const run = cpu.makeThunk(node);
      return (inputs) =>
        run(inputs.map((v, i) => unbox(v, `input ${i} of ${node.op.kind}`))).map(
          (o) => new DeviceValue(o as NDArray),
        );
    },
    fromHost: (a) => new DeviceValue(a),
    toHost(v) {
      stats.readbacks++;
      return unbox(v, 'toHost argument');
    },
    loadShared(sv) {
      stats.loadShared++;
      const r = resident(sv);
      if (r.newer) return r.dev!;
      const h = sv.getValue({ borrow: true });
      if (!r.dev || r.host !== h) {
        stats.sharedUploads++;
        r.host = h;
        r.dev = new DeviceValue(h.copy());
      }
      return r.dev;
    },
    storeShared(sv, value) {
      stats.storeShared++;
      const r = resident(sv);
      // a device copy of its own: the value may be a view of an input, an output or a constant
      r.dev = new DeviceValue(unbox(value, `the update of '${sv.name}'`).copy());
      r.host = undefined;
      r.newer = true;
    },
  };
}

/**
 * Loads packages/tensor/fixtures/tensor.json, written by tools/fixtures/generate_tensor.py from
 * NumPy and the published Philox definition (regenerate with
 * `/usr/bin/python3 tools/fixtures/generate_tensor.py`). Test-only: not exported by the package.
 */
import fs from 'node:fs';
import type { DType } from './dtype';

/** A JSON element: numbers, booleans, or 'nan' / 'inf' / '-inf' for non-finite floats. */
export type FixtureValue = number | boolean | 'nan' | 'inf' | '-inf';

export interface ReprCase {
  name: string;
  dtype: DType;
  shape: number[];
  values?: FixtureValue[];
  arange?: [number, number, number];
  repr: string;
}

export interface TensorFixture {
  versions: { python: string; numpy: string };
  resultType: [DType, DType, DType][];
  canCast: [DType, DType, boolean][];
  casts: {
    from: 'int64' | 'float64';
    to: DType;
    values: FixtureValue[];
    expected: FixtureValue[];
  }[];
  repr: ReprCase[];
  arange: {
    start: number;
    stop: number;
    step: number;
    dtype: DType | null;
    expectedDtype: string;
    expected: number[];
  }[];
  linspace: { start: number; stop: number; num: number; expected: number[] }[];
  eye: { n: number; m: number; k: number; shape: [number, number]; expected: number[] }[];
  philox: {
    kat: { counter: number[]; key: number[]; expected: number[] }[];
    streams: { seed: number; uint32: number[]; doubles: number[] }[];
  };
}

export const fixture: TensorFixture = JSON.parse(
  fs.readFileSync(new URL('../fixtures/tensor.json', import.meta.url), 'utf8'),
);

/** A fixture element as a JS number (booleans as 0/1). */
export function num(v: FixtureValue): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

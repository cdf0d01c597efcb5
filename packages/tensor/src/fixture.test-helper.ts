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
  broadcast: { shapes: number[][]; shape?: number[]; values?: FixtureValue[]; error?: string }[];
  slicing: {
    base: number[];
    index: FixtureIndex[];
    shape: number[];
    values: FixtureValue[];
    strides: number[];
    offset: number | null;
    view: boolean;
  }[];
  advancedIndexing: {
    base: number[];
    index: FixtureIndex[];
    shape: number[];
    values: FixtureValue[];
  }[];
  reshape: {
    ops: ['transpose' | 'slice' | 'reshape', unknown][];
    target: number[];
    shape: number[];
    values: FixtureValue[];
    view: boolean;
    strides: number[];
  }[];
  reductionInputs: Record<
    'float64' | 'int32' | 'bool',
    { shape: number[]; values: FixtureValue[] }
  >;
  reductions: {
    op: string;
    input: 'float64' | 'int32' | 'bool';
    axis: number | number[] | null;
    keepdims: boolean;
    ddof?: number;
    shape: number[];
    dtype: DType;
    values: FixtureValue[];
  }[];
  ufuncTypes: [string, DType, DType | null, DType | null][];
  ufuncValues: {
    op: string;
    dtype: DType;
    a: FixtureValue[];
    b?: FixtureValue[];
    dtype_out: DType;
    expected: FixtureValue[];
  }[];
  linalg: Record<string, FixtureValue[] | number | number[]>;
  npyFromNumpy: {
    name: string;
    numpyDtype: string;
    dtype: DType;
    shape: number[];
    values: FixtureValue[];
  }[];
  npyWrite: { name: string; dtype: DType; shape: number[]; values: FixtureValue[] }[];
  npyFromTs: {
    name: string;
    dtype: DType;
    shape: number[];
    values: FixtureValue[];
    sameBytesAsNumpySave: boolean;
  }[];
  npzFromTs: Record<string, { dtype: DType; shape: number[]; values: FixtureValue[] }>;
}

/** An index entry as the generator writes it (see enc_index in generate_tensor.py). */
export type FixtureIndex =
  | number
  | 'newaxis'
  | 'ellipsis'
  | { slice: [number | null, number | null, number | null] }
  | { array: unknown; dtype: 'bool' | 'int32' };

export const fixture: TensorFixture = JSON.parse(
  fs.readFileSync(new URL('../fixtures/tensor.json', import.meta.url), 'utf8'),
);

/** The bytes of a committed fixture file under packages/tensor/fixtures/. */
export const fixtureBytes = (rel: string): Uint8Array =>
  new Uint8Array(fs.readFileSync(new URL(`../fixtures/${rel}`, import.meta.url)));

/** A fixture element as a JS number (booleans as 0/1). */
export function num(v: FixtureValue): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

import fs from 'node:fs';
import type { NestedArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import type { FixtureBuilder } from './types';

export interface FixtureArray {
  dtype: 'float64' | 'float32' | 'int32';
  shape: number[];
  values: NestedArray;
}
export interface FixtureInput extends FixtureArray {
  name: string;
}
export interface FixtureGrad extends FixtureArray {
  input: string;
}
export interface FixtureCase {
  name: string;
  op: string;
  params: Record<string, unknown>;
  inputs: FixtureInput[];
  expected: FixtureArray;
  differentiable: boolean;
  u?: FixtureArray;
  grads?: FixtureGrad[];
}
export interface Fixture {
  numpy: string;
  torch: string;
  cases: FixtureCase[];
}

/** Read a committed fixture file of packages/autodiff/fixtures/. */
export function readFixture(file: string): Fixture {
  return JSON.parse(
    fs.readFileSync(new URL(`../../fixtures/${file}`, import.meta.url), 'utf8'),
  ) as Fixture;
}

const dimsOf = (shape: number[]) => shape.map((d) => (d === 1 ? 1 : null));

/** The symbolic inputs and output of a fixture case (inputs typed from the case's arrays). */
export function buildCase(
  c: FixtureCase,
  builders: Record<string, FixtureBuilder>,
): { vars: T.Variable[]; out: T.Variable } {
  const build = builders[c.op];
  if (!build) throw new Error(`fixture op '${c.op}' has no theano-ts builder`);
  const vars = c.inputs.map((i) => T.tensor(i.name, { dtype: i.dtype, shape: dimsOf(i.shape) }));
  return { vars, out: build(c.params, vars) };
}

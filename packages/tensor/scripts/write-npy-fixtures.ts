/**
 * Writes packages/tensor/fixtures/npy/ts/*.npy and writeNpz.npz with theano-ts's writer, from the
 * `npyWrite` cases of fixtures/tensor.json. Run by tools/fixtures/generate_tensor.py, which then
 * loads the files with NumPy and records what NumPy sees (`npyFromTs`, `npzFromTs`):
 *
 *     npx tsx --conditions=@theano-ts/source packages/tensor/scripts/write-npy-fixtures.ts
 */
import fs from 'node:fs';
import { type DType, array, writeNpy, writeNpz } from '../src/index';

interface Case {
  name: string;
  dtype: DType;
  shape: number[];
  values: (number | boolean | string)[];
}

const root = new URL('../fixtures/', import.meta.url);
const fixture = JSON.parse(fs.readFileSync(new URL('tensor.json', root), 'utf8')) as {
  npyWrite: Case[];
};
const num = (v: number | boolean | string): number | boolean =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number | boolean);

export const build = (c: Case) =>
  array(c.values.map(num) as number[], { dtype: c.dtype }).reshape(c.shape);

fs.mkdirSync(new URL('npy/ts/', root), { recursive: true });
for (const c of fixture.npyWrite)
  fs.writeFileSync(new URL(`npy/ts/${c.name}.npy`, root), writeNpy(build(c)));
const byName = Object.fromEntries(fixture.npyWrite.map((c) => [c.name, build(c)]));
fs.writeFileSync(
  new URL('npy/ts/writeNpz.npz', root),
  writeNpz({ a: byName['float64'], b: byName['bool'], c: byName['int32-empty'] }),
);
console.log(`wrote ${fixture.npyWrite.length} .npy files and writeNpz.npz`);

/**
 * theano-ts benchmarks: `pnpm bench` at the repository root. Prints a table next to Theano
 * 1.0.5's figures and writes the results as JSON (default apps/bench/bench-results.json).
 *   pnpm bench [-- --only compile,call,training-loop,peers,gpujs] [-- --out file.json]
 *              [-- --workloads matmul-1024,mlp-sgd-step] [-- --skip tfjs-backend-cpu]
 * The peers group runs issue #10's workloads on theano-ts and on TF.js (cpu, wasm) and jax-js
 * (wasm) in the same process; the table gives theano-ts ÷ the best peer. The gpujs group runs
 * matmul, an MLP step and conv2d on the gpu.js backend and the CPU backend (see groups/gpujs.ts;
 * `pnpm bench` runs under xvfb-run when there is no display, for headless-gl).
 * No assertions: targets are reported as met or MISSED.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { type WorkloadGroup, checksums, runGroups, table } from './harness';
import { compileGroup } from './groups/compile-mlp';
import { callOverheadGroup } from './groups/call-overhead';
import { linearRegressionGroup } from './groups/linear-regression';
import { peersGroup } from './groups/peers';
import { gpujsGroup } from './groups/gpujs';
import { scanGroup } from './groups/scan';

/** Every group, in the order they run (compile first: its "first compile" is the process's first). */
export const GROUPS: readonly WorkloadGroup[] = [
  compileGroup,
  callOverheadGroup,
  linearRegressionGroup,
  peersGroup,
  gpujsGroup,
  scanGroup,
];

const { values } = parseArgs({
  // `pnpm bench -- --only call` passes the `--` through: drop it so the options still parse
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--')),
  options: {
    only: { type: 'string' },
    workloads: { type: 'string' },
    skip: { type: 'string' },
    out: { type: 'string', default: new URL('../bench-results.json', import.meta.url).pathname },
  },
  strict: true,
  // `pnpm bench -- --only call` passes the `--` through
  allowPositionals: true,
});
const only = values.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((id) => !GROUPS.some((g) => g.id === id)) ?? [];
if (unknown.length) {
  console.error(
    `bench: unknown group ${unknown.join(', ')}; groups: ${GROUPS.map((g) => g.id).join(', ')}`,
  );
  process.exit(2);
}
const list = (v: string | undefined) => v?.split(',').map((s) => s.trim());
const pick = list(values.workloads);
const skip = new Set(list(values.skip));
const groups = (only ? GROUPS.filter((g) => only.includes(g.id)) : GROUPS)
  .map((g) => ({
    ...g,
    workloads: g.workloads
      .filter((w) => !pick || pick.includes(w.id))
      .map((w) => ({
        ...w,
        impls: Object.fromEntries(Object.entries(w.impls).filter(([k]) => !skip.has(k))),
      })),
  }))
  .filter((g) => g.workloads.length > 0);

console.error(`theano-ts bench on ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);
const skipped: { group: string; reason: string }[] = [];
const results = await runGroups(groups, (s) => console.error(s), skipped);
console.log(table(results));
const sums = checksums(results);
if (sums.length) console.log(`\nchecksums:\n${sums.join('\n')}`);
const routine = new Set(['checksum', 'min (ms)', 'checksum tolerance', 'runs']);
for (const r of results.filter((r) => Object.keys(r.details ?? {}).some((k) => !routine.has(k))))
  console.log(
    `\n${r.title} — ${r.impl}:\n` +
      Object.entries(r.details!)
        .map(([k, v]) => `  ${k}: ${typeof v === 'number' ? +v.toPrecision(4) : v}`)
        .join('\n'),
  );
const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  skipped,
  results,
};
writeFileSync(values.out!, JSON.stringify(report, null, 2) + '\n');
console.error(`\nwrote ${values.out}`);

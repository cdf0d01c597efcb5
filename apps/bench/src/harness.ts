/**
 * The bench harness: workload groups (one file each under groups/), implementations measured
 * in this process, reference figures quoted from elsewhere, statistics and the table.
 *
 * A group lists workloads; a workload lists implementations (`impls`, measured here: theano-ts
 * now, TF.js or jax-js peers later) and `references` (figures measured elsewhere, printed
 * beside them: Theano 1.0.5). Adding a peer means adding an entry to `impls`.
 */

/** One measured figure. */
export interface Figure {
  /** The headline value, in the workload's unit (a median). */
  value: number;
  /** All samples, in the workload's unit. */
  samples?: number[];
  /** Extra named figures (first run, per-phase times…), in the workload's unit unless named. */
  details?: Record<string, number | string>;
}

/** A thing to measure, with its implementations. */
export interface Workload {
  id: string;
  title: string;
  /** 'ms', 'µs' or 's' */
  unit: string;
  /** The target the issue sets (lower is better), in `unit`. */
  target?: number;
  /** The target the issue sets for the ratio theano-ts ÷ best peer (lower is better). */
  ratioTarget?: number;
  /** Implementations measured in this process, by name. */
  impls: Record<string, () => Figure | Promise<Figure>>;
  /** Figures measured elsewhere, by name, in `unit`, with where they come from. */
  references?: Record<string, { value: number; note: string }>;
}

/** A file's worth of workloads. */
export interface WorkloadGroup {
  id: string;
  title: string;
  workloads: Workload[];
  /** Why the group cannot run here (it is skipped, saying so), or undefined when it can. */
  unavailable?: () => string | undefined;
}

/** One row of the results. */
export interface Result {
  group: string;
  workload: string;
  title: string;
  impl: string;
  unit: string;
  value: number;
  measured: boolean;
  target?: number;
  /** See {@link Workload.ratioTarget}. */
  ratioTarget?: number;
  samples?: number[];
  details?: Record<string, number | string>;
  note?: string;
}

/** Median of a list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Run `fn` `n` times; milliseconds of each run. */
export function timeRuns(n: number, fn: (i: number) => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

/** Format a value with its unit, 3 significant digits. */
export const fmt = (v: number, unit: string): string =>
  `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(3)} ${unit}`;

/** Measure every implementation of every workload of `groups` (those unavailable here are listed in `skipped`). */
export async function runGroups(
  groups: readonly WorkloadGroup[],
  log: (s: string) => void,
  skipped: { group: string; reason: string }[] = [],
): Promise<Result[]> {
  const results: Result[] = [];
  for (const g of groups) {
    const why = g.unavailable?.();
    if (why) {
      log(`  ${g.id}: skipped: ${why}`);
      skipped.push({ group: g.id, reason: why });
      continue;
    }
    for (const w of g.workloads) {
      for (const [impl, run] of Object.entries(w.impls)) {
        log(`  ${g.id} / ${w.id} / ${impl} …`);
        let fig: Figure;
        try {
          fig = await run();
        } catch (e) {
          // one failing implementation must not lose the others' figures
          log(`    FAILED: ${(e as Error).stack ?? String(e)}`);
          continue;
        }
        results.push({
          group: g.id,
          workload: w.id,
          title: w.title,
          impl,
          unit: w.unit,
          value: fig.value,
          measured: true,
          target: w.target,
          ratioTarget: w.ratioTarget,
          samples: fig.samples,
          details: fig.details,
        });
      }
      for (const [impl, ref] of Object.entries(w.references ?? {}))
        results.push({
          group: g.id,
          workload: w.id,
          title: w.title,
          impl,
          unit: w.unit,
          value: ref.value,
          measured: false,
          note: ref.note,
        });
    }
  }
  return results;
}

/** The results as a text table: one row per workload, measured figures then references, ratio to the first reference. */
export function table(results: readonly Result[]): string {
  const workloads = [...new Set(results.map((r) => `${r.group}/${r.workload}`))];
  const rows: string[][] = [
    [
      'workload',
      'implementation',
      'median',
      'min',
      'target',
      'vs reference',
      'theano-ts ÷ best peer',
    ],
  ];
  for (const key of workloads) {
    const rs = results.filter((r) => `${r.group}/${r.workload}` === key);
    const ref = rs.find((r) => !r.measured);
    // peers are other libraries; 'theano-ts gpujs' is theano-ts on another backend
    const peers = rs.filter((r) => r.measured && !r.impl.startsWith('theano-ts'));
    const best = peers.length ? peers.reduce((a, b) => (b.value < a.value ? b : a)) : undefined;
    for (const r of rs) {
      const ratio =
        r.measured && ref ? `${(ref.value / r.value).toFixed(1)}× faster than ${ref.impl}` : '';
      const target =
        r.measured && r.target !== undefined
          ? `${r.value <= r.target ? 'met' : 'MISSED'} (≤ ${fmt(r.target, r.unit)})`
          : '';
      rows.push([
        r === rs[0] ? r.title : '',
        r.measured ? r.impl : `${r.impl} (quoted)`,
        fmt(r.value, r.unit),
        r.samples?.length ? fmt(Math.min(...r.samples), r.unit) : '',
        target,
        ratio,
        r.measured && r.impl === 'theano-ts' && best
          ? `${(r.value / best.value).toFixed(2)} (best: ${best.impl})` +
            (r.ratioTarget !== undefined
              ? ` ${r.value / best.value <= r.ratioTarget ? 'met' : 'MISSED'} (≤ ${r.ratioTarget})`
              : '')
          : '',
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r, i) => {
      const line = r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd();
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

/** Checksum agreement per workload: each implementation's `details.checksum` vs theano-ts's (relative difference; tolerance 1e-3 unless theano-ts's details give a `checksum tolerance`). */
export function checksums(results: readonly Result[], tol = 1e-3): string[] {
  const out: string[] = [];
  const workloads = [...new Set(results.map((r) => `${r.group}/${r.workload}`))];
  for (const key of workloads) {
    const rs = results.filter(
      (r) => `${r.group}/${r.workload}` === key && typeof r.details?.checksum === 'number',
    );
    const base = rs.find((r) => r.impl === 'theano-ts');
    if (!base || rs.length < 2) continue;
    const b = base.details!.checksum as number;
    const t = (base.details!['checksum tolerance'] as number | undefined) ?? tol;
    const parts = rs.map((r) => {
      const c = r.details!.checksum as number;
      const rel = Math.abs(c - b) / Math.max(Math.abs(b), 1e-30);
      return `${r.impl} ${+c.toPrecision(7)}${r === base ? '' : rel <= t ? ' ok' : ` MISMATCH (rel ${rel.toExponential(1)})`}`;
    });
    out.push(`  ${key}: ${parts.join('; ')}`);
  }
  return out;
}

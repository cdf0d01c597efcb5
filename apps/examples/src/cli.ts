import { parseArgs } from 'node:util';
import { Mode } from 'theano-ts';
import { createGpujsBackend } from '@theano-ts/backend-gpujs';

type OptionSpec = { type: 'string' | 'boolean'; default?: string | boolean };

/**
 * Command-line options shared by the examples: --backend cpu|gpujs, --json, plus `extra`.
 * With --json, progress text goes to stderr so that stdout holds only the final JSON line.
 */
export function parseCli(extra: Record<string, OptionSpec>) {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'cpu' },
      json: { type: 'boolean', default: false },
      ...extra,
    },
    strict: true,
  });
  const opts = values as Record<string, string | boolean | undefined>;
  const backend = String(opts.backend);
  if (backend !== 'cpu' && backend !== 'gpujs') {
    console.error(`--backend must be 'cpu' or 'gpujs', got '${backend}'`);
    process.exit(2);
  }
  const json = opts.json === true;
  const log = (...a: unknown[]) => (json ? console.error(...a) : console.log(...a));
  // the gpu.js backend's one-time note of its kernel class goes where the progress goes
  const mode = new Mode({
    backend: backend === 'gpujs' ? createGpujsBackend({ log: (m) => log(m) }) : backend,
  });
  return { values: opts, backend, json, log, mode };
}

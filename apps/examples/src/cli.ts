import { parseArgs } from 'node:util';
import { Mode } from 'theano-ts';

/** Command-line options shared by the examples: --backend cpu|gpujs, --json, plus extras. */
export function parseCli<
  E extends Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>,
>(extra: E) {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'cpu' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      ...extra,
    },
    strict: true,
  });
  const backend = values.backend as string;
  if (backend !== 'cpu' && backend !== 'gpujs') {
    console.error(`--backend must be 'cpu' or 'gpujs', got '${backend}'`);
    process.exit(2);
  }
  const json = values.json as boolean;
  /** Progress text: stdout normally, stderr with --json (stdout then holds only the JSON line). */
  const log = (...a: unknown[]) => (json ? console.error(...a) : console.log(...a));
  return { values, backend, json, log, mode: new Mode({ backend }) };
}

/**
 * A character-level LSTM on the opening of Shakespeare's Coriolanus (data/shakespeare.txt):
 * prints samples while it trains and ends with
 * {"initialLoss":…,"finalLoss":…,"fall":…,"steps":…,"seconds":…,"sample":…}.
 *   pnpm --filter @theano-ts/examples char-lstm [--steps 300] [--seq 32] [--hidden 64] [--batch 32]
 */
import { readFileSync } from 'node:fs';
import { parseCli } from './cli';
import { trainCharRnn } from './char-rnn';

const { values, log, mode } = parseCli({
  steps: { type: 'string', default: '300' },
  seq: { type: 'string', default: '32' },
  hidden: { type: 'string', default: '64' },
  embed: { type: 'string', default: '16' },
  batch: { type: 'string', default: '32' },
  lr: { type: 'string', default: '0.01' },
  seed: { type: 'string', default: '1' },
  'sample-every': { type: 'string', default: '50' },
});
const text = readFileSync(new URL('../data/shakespeare.txt', import.meta.url), 'utf8');
const start = performance.now();
const r = trainCharRnn(text, {
  steps: Number(values.steps),
  seqLength: Number(values.seq),
  hidden: Number(values.hidden),
  embed: Number(values.embed),
  batchSize: Number(values.batch),
  lr: Number(values.lr),
  seed: Number(values.seed),
  sampleEvery: Number(values['sample-every']),
  sampleLength: 120,
  log,
  mode,
});
console.log(JSON.stringify({ ...r, seconds: (performance.now() - start) / 1000 }));

/**
 * The progress bar of `fit` (Node): one cli-progress bar per epoch on stderr, then a line with
 * the epoch's logs. Loaded by `fit` only when `verbose`, so that browsers never import it.
 */
import cliProgress from 'cli-progress';
import type { Callback, Logs } from './training';

const fmt = (logs: Logs): string =>
  Object.entries(logs)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3)}`)
    .join(' | ');

/** A callback drawing a progress bar per epoch on `stream` (default stderr). */
export function progressBar(stream: NodeJS.WritableStream = process.stderr): Callback {
  let bar: cliProgress.SingleBar | undefined;
  let epochs = 0;
  let batches = 0;
  let t0 = 0;
  return {
    onTrainBegin: (_s, info) => {
      epochs = info.epochs;
      batches = info.batches;
    },
    onEpochBegin: (epoch) => {
      t0 = performance.now();
      bar = new cliProgress.SingleBar(
        {
          format: `Epoch ${epoch + 1}/${epochs} [{bar}] {value}/{total} | {logs}`,
          stream,
          hideCursor: false,
          clearOnComplete: true,
          noTTYOutput: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(batches, 0, { logs: '' });
    },
    onBatchEnd: (batch, logs) => bar?.update(batch + 1, { logs: fmt(logs) }),
    onEpochEnd: (epoch, logs) => {
      bar?.stop();
      bar = undefined;
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      stream.write(`Epoch ${epoch + 1}/${epochs} (${s} s): ${fmt(logs)}\n`);
    },
  };
}

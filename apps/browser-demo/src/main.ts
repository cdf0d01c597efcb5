/**
 * The page: wires the controls, the chart and the digit pad to the model. `window.demo` holds
 * the page's state (read by the end-to-end test, handy in the console).
 */
import { TEST_SIZE, loadMnist } from './data';
import { createChart } from './chart';
import { createDigitPad, showMnist } from './draw';
import { backendLog, classify, createModel, gpujsBackend, train } from './train';

/** What the page did, for the end-to-end test and the console. */
export interface DemoState {
  phase: 'idle' | 'training' | 'done' | 'error';
  error?: string;
  /** The gpu.js kernel class the backend creates kernels with ('WebGL2Kernel' in a WebGL2 browser). */
  kernelClass: string;
  /** The kernel classes of the kernels that ran (gpu.js may replace one it cannot build by a CPUKernel). */
  kernelClassesUsed: readonly string[];
  renderer: string;
  /** Labels of the nodes that ran on the CPU backend instead. */
  fallbacks: string[];
  /** Per epoch: loss, accuracy, valLoss, valAccuracy. */
  epochs: Record<string, number>[];
  /** Minibatches in the chart. */
  chartPoints: number;
  trainSeconds: number;
  /** Seconds from the start of training (compilation included) to the end of each minibatch. */
  batchSeconds: number[];
  prediction: { digit: number; probabilities: number[] } | null;
  backendLog: string[];
}

const $ = <E extends HTMLElement>(id: string) => document.getElementById(id) as E;
const state: DemoState = {
  phase: 'idle',
  kernelClass: '',
  kernelClassesUsed: [],
  renderer: '',
  fallbacks: [],
  epochs: [],
  chartPoints: 0,
  trainSeconds: 0,
  batchSeconds: [],
  prediction: null,
  backendLog,
};
(globalThis as unknown as { demo: DemoState }).demo = state;

const status = $<HTMLSpanElement>('status');
const setStatus = (text: string, error = false) => {
  status.textContent = text;
  status.classList.toggle('error', error);
};
const chart = createChart($('chart'), Math.min(540, window.innerWidth - 40));
let model = createModel(0);

function showBackend() {
  const b = gpujsBackend();
  state.kernelClass = b.kernelClass;
  state.kernelClassesUsed = b.kernelClassesUsed;
  state.renderer = b.renderer;
  state.fallbacks = b.fallbacks.map((f) => f.label);
  const used = b.kernelClassesUsed.length ? b.kernelClassesUsed.join(', ') : 'no kernel yet';
  $('kernel-class').textContent = b.kernelClass;
  $('renderer').textContent = `(ran: ${used}${b.renderer ? `; renderer ${b.renderer}` : ''})`;
}

const pad = createDigitPad($('pad'), predictDrawing);
function predictDrawing() {
  const pixels = pad.toMnist();
  showMnist($('preview'), pixels);
  const probs = $('probabilities');
  probs.replaceChildren();
  if (!pixels) {
    state.prediction = null;
    $('prediction').textContent = '–';
    return;
  }
  const p = classify(model, pixels);
  const digit = p.indexOf(Math.max(...p));
  state.prediction = { digit, probabilities: p };
  $('prediction').textContent = String(digit);
  p.forEach((v, d) => {
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${(v * 100).toFixed(1)}%`;
    const cell = document.createElement('div');
    cell.append(bar);
    const text = (t: string) => Object.assign(document.createElement('span'), { textContent: t });
    probs.append(text(String(d)), cell, text(`${(v * 100).toFixed(1)}%`));
  });
  showBackend();
}
$('clear').addEventListener('click', () => {
  pad.clear();
  predictDrawing();
});

const num = (id: string) => Number($<HTMLInputElement>(id).value);
$('train').addEventListener('click', async () => {
  if (state.phase === 'training') return;
  const button = $<HTMLButtonElement>('train');
  button.disabled = true;
  state.phase = 'training';
  state.epochs = [];
  state.batchSeconds = [];
  chart.clear();
  try {
    const trainSize = num('train-size');
    const epochs = num('epochs');
    setStatus(`preparing ${trainSize} training and ${TEST_SIZE} test digits…`);
    await new Promise((r) => setTimeout(r, 0));
    const data = loadMnist(trainSize);
    model = createModel(0);
    setStatus('compiling…');
    const t0 = performance.now();
    const history = await train(model, data, {
      epochs,
      batchSize: num('batch-size'),
      lr: num('lr'),
      seed: 0,
      onBatch: (logs) => {
        state.batchSeconds.push((performance.now() - t0) / 1000);
        chart.addBatch(logs.loss, logs.accuracy);
        state.chartPoints = chart.steps.length;
        setStatus(`epoch ${state.epochs.length + 1}/${epochs}: loss ${logs.loss.toFixed(3)}`);
        if (chart.steps.length === 1) showBackend();
      },
      onEpoch: (epoch, logs) => {
        state.epochs.push({ ...logs });
        chart.addTestAccuracy(logs.valAccuracy);
        setStatus(
          `epoch ${epoch + 1}/${epochs}: loss ${logs.loss.toFixed(4)}, test accuracy ${logs.valAccuracy.toFixed(4)}`,
        );
      },
    });
    state.trainSeconds = history.trainSeconds;
    const last = state.epochs[state.epochs.length - 1];
    setStatus(
      `done: ${epochs} epochs in ${history.trainSeconds.toFixed(1)} s; test accuracy ${last.valAccuracy.toFixed(4)} on ${TEST_SIZE} held-out digits`,
    );
    showBackend();
    state.phase = 'done';
    predictDrawing();
  } catch (e) {
    state.phase = 'error';
    state.error = String((e as Error)?.stack ?? e);
    setStatus(String(e), true);
  } finally {
    button.disabled = false;
  }
});

try {
  showBackend();
  setStatus('ready: press Train');
} catch (e) {
  state.phase = 'error';
  state.error = String((e as Error)?.stack ?? e);
  setStatus(`the gpu.js backend failed to start: ${e}`, true);
}

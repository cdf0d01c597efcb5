/**
 * The training helper: `fit` compiles one training function (cost, metrics, updates from the
 * optimizer and from layers' state) and runs it over shuffled minibatches for some epochs,
 * with validation, early stopping, callbacks and an optional progress bar; `evaluate` and
 * `predict` compile (once per model and configuration) inference functions.
 */
import { Generator, NDArray, type DType, array, typedArrayFor } from '@theano-ts/tensor';
import {
  type SharedVariable,
  type Variable,
  TheanoTypeError,
  add,
  cast,
  tensor,
} from '@theano-ts/symbolic';
import { type Mode, type ModeName, type TheanoFunction, theanoFunction } from '@theano-ts/compile';
import { type CallContext, INFERENCE, type Layer, type Model, trainingContext } from './layers';
import { LOSSES, type Loss, type LossName, METRICS, type Metric, type MetricName } from './losses';
import { type Optimizer, adam } from './optimizers';
import type { Schedule } from './schedules';

/** Inputs (one array, or one per model input) and targets; the first dimension is the sample. */
export interface Data {
  /** The inputs: one array, or one per model input (sample first). */
  x: NDArray | readonly NDArray[];
  /** The targets (sample first). */
  y: NDArray;
}

/** Values of the loss and metrics: `loss`, `accuracy`, `valLoss`, `valAccuracy`, `lr`… */
export type Logs = Record<string, number>;

/** What callbacks see and may change. */
export interface TrainingState {
  /** The model being trained. */
  readonly model: Layer;
  /** Current epoch (0-based). */
  epoch: number;
  /** Set to true to stop after the current epoch (Keras's model.stop_training). */
  stopTraining: boolean;
}

/** Hooks called by `fit` (Keras callbacks); each may return a promise, which fit awaits. */
export interface Callback {
  /** Before the first epoch, with the epoch, batch and sample counts. */
  onTrainBegin?(
    state: TrainingState,
    info: { epochs: number; batches: number; samples: number },
  ): void | Promise<void>;
  /** At the start of every epoch (0-based). */
  onEpochBegin?(epoch: number, state: TrainingState): void | Promise<void>;
  /** After every minibatch, with its loss and metrics. */
  onBatchEnd?(batch: number, logs: Logs, state: TrainingState): void | Promise<void>;
  /**
   * After every epoch, with its mean loss and metrics (and validation values); may add to `logs`.
   */
  onEpochEnd?(epoch: number, logs: Logs, state: TrainingState): void | Promise<void>;
  /** After training, with the History. */
  onTrainEnd?(history: History, state: TrainingState): void | Promise<void>;
}

/** Options of early stopping (Keras EarlyStopping). */
export interface EarlyStoppingOptions {
  /** What to watch (default 'valLoss' with validation data, else 'loss'). */
  monitor?: string;
  /** Epochs without improvement after which training stops (0 and 1: the first such epoch). Default 0. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** 'min', 'max', or 'auto' (max for accuracies, else min). Default 'auto'. */
  mode?: 'min' | 'max' | 'auto';
  /** Put back the parameters and state of the best epoch at the end. Default false. */
  restoreBestWeights?: boolean;
}

/** A metric by name, or a named metric function. */
export type MetricSpec =
  | MetricName
  | {
      /** The key of its value in the logs. */
      name: string;
      /** The metric: (predictions, targets) → scalar. */
      fn: Metric;
    };

/** Options of fit. */
export interface FitOptions {
  /** The loss, by name or as a function (predictions, targets) → scalar. */
  loss: LossName | Loss;
  /** Update builder (default Adam with lr 1e-3): `(cost, params) => adam(cost, params, { lr })`. */
  optimizer?: Optimizer;
  /** Metrics reported per epoch (and for validation). */
  metrics?: readonly MetricSpec[];
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Shuffle the samples every epoch (default true), with a Generator seeded by `seed` (default 0). */
  shuffle?: boolean;
  /** Seed of the shuffling Generator (default 0). */
  seed?: number;
  /** Validation data, evaluated (in inference mode) after every epoch. */
  validation?: Data;
  /** Or: this fraction of the samples, taken from the end before shuffling (Keras). */
  validationSplit?: number;
  /** Stop when the monitored value stops improving (true: the defaults). */
  earlyStopping?: EarlyStoppingOptions | boolean;
  /** Hooks called during training (Keras callbacks). */
  callbacks?: readonly Callback[];
  /**
   * Show a progress bar (cli-progress, on stderr) and a line per epoch. Default: when stderr is
   * a terminal (Node). Off in tests and in browsers.
   */
  verbose?: boolean;
  /** Yield to the event loop after every 'epoch' (default), every 'batch', or 'never'. */
  yieldEvery?: 'epoch' | 'batch' | 'never';
  /** Compilation mode of the functions (default: theano's default mode). */
  mode?: ModeName | Mode;
}

/** What fit returns (Keras History): the logs of every epoch. */
export interface History {
  /** Epoch indices (0-based) that ran. */
  epoch: number[];
  /** Each log key → its value at every epoch. */
  history: Record<string, number[]>;
  /** The epoch (0-based) at which early stopping stopped training, if it did. */
  stoppedEpoch?: number;
  /** The best monitored value and its epoch, with early stopping. */
  best?: {
    /** The monitored log key. */
    monitor: string;
    /** Its best value. */
    value: number;
    /** The epoch (0-based) where it was reached. */
    epoch: number;
  };
  /** Seconds spent compiling the training function. */
  compileSeconds: number;
  /** Seconds spent training (all epochs, validation included). */
  trainSeconds: number;
}

const fail = (msg: string): never => {
  throw new TheanoTypeError(msg);
};

// ---------------------------------------------------------------- data helpers

const asList = (x: NDArray | readonly NDArray[]): NDArray[] =>
  x instanceof NDArray ? [x] : [...x];

function checkData(what: string, xs: readonly NDArray[], y: NDArray | undefined): number {
  if (xs.length === 0) fail(`${what}: no input arrays`);
  for (const [i, a] of [...xs, ...(y ? [y] : [])].entries()) {
    if (!(a instanceof NDArray))
      fail(`${what}: ${i < xs.length ? `x[${i}]` : 'y'} is not an NDArray`);
    if (a.ndim < 1)
      fail(`${what}: ${i < xs.length ? `x[${i}]` : 'y'} must have a sample dimension`);
  }
  const n = xs[0].shape[0];
  xs.forEach((a, i) => {
    if (a.shape[0] !== n) fail(`${what}: x[${i}] has ${a.shape[0]} samples, x[0] has ${n}`);
  });
  if (y && y.shape[0] !== n) fail(`${what}: y has ${y.shape[0]} samples, x has ${n}`);
  return n;
}

/** Rows `idx[from..to)` of `a` (all of them when idx is undefined), as a new contiguous array. */
export function takeRows(
  a: NDArray,
  idx: ArrayLike<number> | undefined,
  from: number,
  to: number,
): NDArray {
  const c = a.contiguous();
  const row = c.shape.slice(1).reduce((p, d) => p * d, 1);
  const shape = [to - from, ...c.shape.slice(1)];
  if (!idx)
    return new NDArray(c.data.slice(c.offset + from * row, c.offset + to * row), shape, {
      dtype: c.dtype,
    });
  const out = new (typedArrayFor(c.dtype))((to - from) * row);
  for (let i = from; i < to; i++) {
    const s = c.offset + idx[i] * row;
    out.set(c.data.subarray(s, s + row), (i - from) * row);
  }
  return new NDArray(out, shape, { dtype: c.dtype });
}

/** Rows concatenated (numpy.concatenate on axis 0). */
function concatRows(parts: readonly NDArray[]): NDArray {
  const first = parts[0];
  const n = parts.reduce((s, p) => s + p.shape[0], 0);
  const out = new (typedArrayFor(first.dtype))(parts.reduce((s, p) => s + p.size, 0));
  let k = 0;
  for (const p of parts) {
    const f = p.contiguous();
    out.set(f.data.subarray(f.offset, f.offset + f.size), k);
    k += f.size;
  }
  return new NDArray(out, [n, ...first.shape.slice(1)], { dtype: first.dtype });
}

/** A symbolic input for a batch of arrays like `a` (static feature dimensions). */
const inputFor = (a: NDArray, name: string): Variable =>
  tensor(name, { dtype: a.dtype as DType, shape: [null, ...a.shape.slice(1)] });

// ---------------------------------------------------------------- graph building

function outputsOf(model: Layer, xs: readonly Variable[], ctx: CallContext): Variable {
  if (xs.length === 1) return model.apply(xs[0], ctx);
  const m = model as Partial<Model>;
  if (typeof m.applyAll !== 'function')
    fail(`${model.name}: ${xs.length} input arrays given, but the model takes one`);
  const outs = m.applyAll!(xs, ctx);
  if (outs.length !== 1)
    fail(`${model.name}: fit supports models with one output, got ${outs.length}`);
  return outs[0];
}

function lossOf(loss: LossName | Loss): Loss {
  if (typeof loss === 'function') return loss;
  if (typeof loss === 'string' && Object.hasOwn(LOSSES, loss)) return LOSSES[loss];
  return fail(
    `unknown loss '${String(loss)}'; expected a function or one of ${Object.keys(LOSSES).join(', ')}`,
  );
}

function metricsOf(ms: readonly MetricSpec[] | undefined): { name: string; fn: Metric }[] {
  return (ms ?? []).map((m) => {
    if (typeof m === 'object' && m && typeof m.fn === 'function') return m;
    if (typeof m === 'string' && Object.hasOwn(METRICS, m)) return { name: m, fn: METRICS[m] };
    return fail(
      `unknown metric '${String(m)}'; expected { name, fn } or one of ${Object.keys(METRICS).join(', ')}`,
    );
  });
}

/** The cost: the loss plus the model's regularisation penalties. */
function costOf(model: Layer, loss: Variable): Variable {
  const pens = model.penalties?.() ?? [];
  return pens.reduce((c, p) => add(c, p.dtype === c.dtype ? p : cast(p, c.dtype)), loss);
}

// ---------------------------------------------------------------- compiled-function cache

const fnIds = new WeakMap<object, number>();
let nextId = 0;
const idOf = (f: object): number => {
  if (!fnIds.has(f)) fnIds.set(f, nextId++);
  return fnIds.get(f)!;
};
const modeKey = (m: ModeName | Mode | undefined): string =>
  m === undefined ? '' : typeof m === 'string' ? m : `#${idOf(m)}`;
const cache = new WeakMap<Layer, Map<string, TheanoFunction<NDArray[]>>>();
function cached(
  model: Layer,
  key: string,
  make: () => TheanoFunction<NDArray[]>,
): TheanoFunction<NDArray[]> {
  let m = cache.get(model);
  if (!m) cache.set(model, (m = new Map()));
  let f = m.get(key);
  if (!f) m.set(key, (f = make()));
  return f;
}
const sig = (as: readonly NDArray[]): string =>
  as.map((a) => `${a.dtype}[${a.shape.slice(1).join(',')}]`).join(';');

// ---------------------------------------------------------------- evaluate / predict

/** Options of evaluate. */
export interface EvaluateOptions {
  /** The loss, by name or as a function (predictions, targets) → scalar. */
  loss: LossName | Loss;
  /** Metrics to report with the loss. */
  metrics?: readonly MetricSpec[];
  /** Samples per batch (default 256). */
  batchSize?: number;
  /** Compilation mode of the function (default: theano's default mode). */
  mode?: ModeName | Mode;
}

function evalFunction(model: Layer, xs: readonly NDArray[], y: NDArray, o: EvaluateOptions) {
  const metrics = metricsOf(o.metrics);
  const key = `eval|${sig(xs)}|${sig([y])}|${typeof o.loss === 'string' ? o.loss : `#${idOf(o.loss)}`}|${metrics
    .map((m) => `${m.name}#${idOf(m.fn)}`)
    .join(',')}|${modeKey(o.mode)}`;
  const fn = cached(model, key, () => {
    const xv = xs.map((a, i) => inputFor(a, `x${i}`));
    const yv = inputFor(y, 'y');
    const out = outputsOf(model, xv, INFERENCE);
    const outs = [costOf(model, lossOf(o.loss)(out, yv)), ...metrics.map((m) => m.fn(out, yv))];
    return theanoFunction([...xv, yv], outs, { mode: o.mode, onUnusedInput: 'ignore' });
  });
  return { fn, names: ['loss', ...metrics.map((m) => m.name)] };
}

/** Run `fn` over batches and average its scalar outputs, weighting each batch by its size. */
function averaged(
  fn: TheanoFunction<NDArray[]>,
  names: string[],
  xs: NDArray[],
  y: NDArray,
  batchSize: number,
  prefix = '',
): Logs {
  const n = y.shape[0];
  const sums = names.map(() => 0);
  for (let from = 0; from < n; from += batchSize) {
    const to = Math.min(n, from + batchSize);
    const outs = fn(
      ...xs.map((a) => takeRows(a, undefined, from, to)),
      takeRows(y, undefined, from, to),
    );
    outs.forEach((v, i) => (sums[i] += v.item() * (to - from)));
  }
  const logs: Logs = {};
  names.forEach(
    (k, i) => (logs[prefix ? prefix + k[0].toUpperCase() + k.slice(1) : k] = sums[i] / n),
  );
  return logs;
}

/**
 * The loss (with the model's penalties) and metrics on `data`, in inference mode, averaged
 * over batches (Keras model.evaluate). The compiled function is cached per model and options.
 */
export function evaluate(model: Layer, data: Data, opts: EvaluateOptions): Logs {
  const xs = asList(data.x);
  const n = checkData('evaluate', xs, data.y);
  if (n === 0) fail('evaluate: no samples');
  const { fn, names } = evalFunction(model, xs, data.y, opts);
  return averaged(fn, names, xs, data.y, opts.batchSize ?? 256);
}

/**
 * The model's outputs for `x`, in inference mode, computed in batches and concatenated
 * (Keras model.predict). The compiled function is cached per model and input signature.
 */
export function predict(
  model: Layer,
  x: NDArray | readonly NDArray[],
  opts: { batchSize?: number; mode?: ModeName | Mode } = {},
): NDArray {
  const xs = asList(x);
  const n = checkData('predict', xs, undefined);
  const fn = cached(model, `predict|${sig(xs)}|${modeKey(opts.mode)}`, () => {
    const xv = xs.map((a, i) => inputFor(a, `x${i}`));
    return theanoFunction(xv, [outputsOf(model, xv, INFERENCE)], { mode: opts.mode });
  });
  const bs = opts.batchSize ?? 256;
  const parts: NDArray[] = [];
  for (let from = 0; from < n; from += bs) {
    const to = Math.min(n, from + bs);
    parts.push(fn(...xs.map((a) => takeRows(a, undefined, from, to)))[0]);
  }
  return parts.length === 1 ? parts[0] : concatRows(parts);
}

// ---------------------------------------------------------------- callbacks

/** A callback setting a shared learning rate from a schedule at the start of every epoch; logs it as `lr`. */
export function lrScheduler(lr: SharedVariable, schedule: Schedule): Callback {
  if (lr.ndim !== 0) fail(`lrScheduler: the learning rate must be a shared scalar, got ${lr.type}`);
  const set = (v: number) => lr.setValue(array(v, { dtype: lr.dtype }));
  return {
    onEpochBegin: (epoch) => set(schedule(epoch)),
    onEpochEnd: (_e, logs) => {
      logs.lr = lr.getValue({ borrow: true }).item();
    },
  };
}

const isBetter = (mode: 'min' | 'max', v: number, best: number, delta: number) =>
  mode === 'min' ? v < best - delta : v > best + delta;

const sleep0 = () => new Promise<void>((r) => setTimeout(r, 0));

function defaultVerbose(): boolean {
  const p = (globalThis as { process?: { stderr?: { isTTY?: boolean } } }).process;
  return p?.stderr?.isTTY === true;
}

// ---------------------------------------------------------------- fit

/**
 * Train `model` on `data` (Keras model.fit): the training function (inputs x and y; outputs
 * the cost and the metrics; updates from the optimizer and from layers' state, e.g. BatchNorm's
 * running averages) is compiled once; each epoch visits every sample once in minibatches of
 * `batchSize` (the last may be smaller), shuffled by a Generator seeded with `seed`. Returns the
 * History of per-epoch logs: `loss` and each metric averaged over the epoch's batches
 * (weighted by batch size), and `valLoss`, `valAccuracy`… with validation data.
 */
export async function fit(model: Layer, data: Data, opts: FitOptions): Promise<History> {
  if (!opts || opts.loss === undefined) fail('fit: the option `loss` is required');
  let xs = asList(data.x);
  let y = data.y;
  let n = checkData('fit', xs, y);
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 0)
    fail(`fit: epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    fail(`fit: batchSize must be a positive integer, got ${batchSize}`);

  let validation = opts.validation;
  if (opts.validationSplit !== undefined) {
    const s = opts.validationSplit;
    if (!(s > 0 && s < 1)) fail(`fit: validationSplit must be in (0, 1), got ${s}`);
    if (validation) fail('fit: give validation or validationSplit, not both');
    const nVal = Math.floor(n * s);
    if (nVal === 0 || nVal === n)
      fail(`fit: validationSplit ${s} of ${n} samples leaves an empty split`);
    validation = {
      x: xs.map((a) => takeRows(a, undefined, n - nVal, n)),
      y: takeRows(y, undefined, n - nVal, n),
    };
    xs = xs.map((a) => takeRows(a, undefined, 0, n - nVal));
    y = takeRows(y, undefined, 0, n - nVal);
    n -= nVal;
  }
  if (n === 0) fail('fit: no training samples');
  const valXs = validation ? asList(validation.x) : undefined;
  if (validation) checkData('fit (validation)', valXs!, validation.y);

  // --- compile once
  const t0 = performance.now();
  const metrics = metricsOf(opts.metrics);
  const xv = xs.map((a, i) => inputFor(a, `x${i}`));
  const yv = inputFor(y, 'y');
  const ctx = trainingContext();
  const out = outputsOf(model, xv, ctx);
  const cost = costOf(model, lossOf(opts.loss)(out, yv));
  if (cost.ndim !== 0) fail(`fit: the loss must be a scalar, got ${cost.type}`);
  const params = model.params;
  if (params.length === 0) fail(`fit: ${model.name} has no trainable parameters`);
  const optimizer =
    opts.optimizer ?? ((c: Variable, p: readonly SharedVariable[]) => adam(c, p, { lr: 1e-3 }));
  const updates = [...optimizer(cost, params), ...ctx.updates];
  const trainFn = theanoFunction([...xv, yv], [cost, ...metrics.map((m) => m.fn(out, yv))], {
    updates,
    mode: opts.mode,
    name: `${model.name}.train`,
  });
  const names = ['loss', ...metrics.map((m) => m.name)];
  const evalFn = validation
    ? evalFunction(model, valXs!, validation.y, {
        loss: opts.loss,
        metrics: opts.metrics,
        mode: opts.mode,
      })
    : undefined;
  const compileSeconds = (performance.now() - t0) / 1000;

  // --- callbacks
  const callbacks: Callback[] = [...(opts.callbacks ?? [])];
  const verbose = opts.verbose ?? defaultVerbose();
  if (verbose) {
    const { progressBar } = await import('./progress');
    callbacks.push(progressBar());
  }
  const es = opts.earlyStopping;
  const esOpts: EarlyStoppingOptions | undefined = es === true ? {} : es || undefined;
  const monitor = esOpts?.monitor ?? (validation ? 'valLoss' : 'loss');
  const esMode =
    esOpts?.mode && esOpts.mode !== 'auto' ? esOpts.mode : /acc/i.test(monitor) ? 'max' : 'min';
  const allShared = [...params, ...(model.state ?? [])];
  let best: { value: number; epoch: number; weights?: NDArray[] } | undefined;
  let wait = 0;

  const history: History = { epoch: [], history: {}, compileSeconds, trainSeconds: 0 };
  const state: TrainingState = { model, epoch: 0, stopTraining: false };
  const nBatches = Math.ceil(n / batchSize);
  const rng = new Generator(opts.seed ?? 0);
  const shuffle = opts.shuffle ?? true;
  const yieldEvery = opts.yieldEvery ?? 'epoch';
  const t1 = performance.now();
  for (const cb of callbacks)
    await cb.onTrainBegin?.(state, { epochs, batches: nBatches, samples: n });

  for (let epoch = 0; epoch < epochs && !state.stopTraining; epoch++) {
    state.epoch = epoch;
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, state);
    const order = shuffle ? rng.permutation(n).data : undefined;
    const sums = names.map(() => 0);
    for (let k = 0; k < nBatches; k++) {
      const from = k * batchSize;
      const to = Math.min(n, from + batchSize);
      const outs = trainFn(
        ...xs.map((a) => takeRows(a, order, from, to)),
        takeRows(y, order, from, to),
      );
      const logs: Logs = {};
      outs.forEach((v, i) => {
        const val = v.item();
        logs[names[i]] = val;
        sums[i] += val * (to - from);
      });
      for (const cb of callbacks) await cb.onBatchEnd?.(k, logs, state);
      if (yieldEvery === 'batch') await sleep0();
    }
    const logs: Logs = {};
    names.forEach((k, i) => (logs[k] = sums[i] / n));
    if (evalFn)
      Object.assign(logs, averaged(evalFn.fn, evalFn.names, valXs!, validation!.y, 256, 'val'));
    // early stopping sees this epoch's logs before the callbacks (which may add to them)
    if (esOpts) {
      const v = logs[monitor];
      if (v === undefined)
        fail(
          `fit: earlyStopping monitors '${monitor}', which is not among ${Object.keys(logs).join(', ')}`,
        );
      if (!best || isBetter(esMode, v, best.value, esOpts.minDelta ?? 0)) {
        best = {
          value: v,
          epoch,
          weights: esOpts.restoreBestWeights ? allShared.map((p) => p.getValue()) : undefined,
        };
        wait = 0;
      } else if (++wait >= Math.max(1, esOpts.patience ?? 0)) {
        state.stopTraining = true;
        history.stoppedEpoch = epoch;
      }
    }
    for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, state);
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
    if (yieldEvery !== 'never') await sleep0();
  }
  if (best) {
    history.best = { monitor, value: best.value, epoch: best.epoch };
    if (best.weights) allShared.forEach((p, i) => p.setValue(best!.weights![i]));
  }
  history.trainSeconds = (performance.now() - t1) / 1000;
  for (const cb of callbacks) await cb.onTrainEnd?.(history, state);
  return history;
}

/**
 * Optimizers as update builders: each is a function of (cost or gradients, params, options)
 * returning the `updates` that `theano.function` applies after each call (Lasagne's
 * `lasagne.updates`). State (velocities, moment estimates, step counts) lives in new shared
 * variables named after the parameter. The formulas are PyTorch's (torch.optim, 1.13), and a
 * committed fixture checks every optimizer against torch.optim in float64.
 */
import {
  type SharedVariable,
  type Variable,
  TheanoTypeError,
  add,
  cast,
  constant,
  eq,
  maximum,
  minimum,
  mul,
  pow,
  sqr,
  sqrt,
  sub,
  sum,
  switch_,
  trueDiv,
  shared,
  builtAt,
  userStackLine,
} from '@theano-ts/symbolic';
import { full, zeros } from '@theano-ts/tensor';
import { grad } from '@theano-ts/autodiff';

/** Updates as `theano.function` takes them: [shared variable, new value expression] pairs. */
export type UpdateList = [SharedVariable, Variable][];

/** A learning rate: a number, or a scalar variable (e.g. a shared one that a schedule sets). */
export type LearningRate = number | Variable;

/** A cost to differentiate, or the gradients themselves (one per parameter, as Lasagne's `loss_or_grads`). */
export type CostOrGrads = Variable | readonly Variable[];

/** An optimizer bound to its options: (cost, params) → updates. What `fit` takes. */
export type Optimizer = (cost: Variable, params: readonly SharedVariable[]) => UpdateList;

/** Options every optimizer takes. */
export interface CommonOptions {
  /** Learning rate: a number or a scalar variable. */
  lr: LearningRate;
  /** L2 penalty added to the gradient, g ← g + weightDecay·p (torch.optim's weight_decay). Default 0. */
  weightDecay?: number;
  /**
   * Clip the gradients by their global norm before the step, as torch.nn.utils.clip_grad_norm_:
   * g ← g · min(1, clipNorm / (‖(g₁, …, gₙ)‖₂ + 1e-6)).
   */
  clipNorm?: number;
  /** Clip every gradient entry to [-clipValue, clipValue] (torch.nn.utils.clip_grad_value_). */
  clipValue?: number;
}

const at = (): string => builtAt(userStackLine());

function fail(what: string, msg: string): never {
  throw new TheanoTypeError(`${what}: ${msg}${at()}`);
}

/** A hyper-parameter as a constant of the parameter's dtype, so updates keep the parameter's type. */
const hyper = (x: number, p: Variable): Variable => constant(x, undefined, p.dtype);

/** The learning rate in p's dtype. */
function lrFor(lr: LearningRate, p: Variable): Variable {
  return typeof lr === 'number' ? hyper(lr, p) : cast(lr, p.dtype);
}

function checkNumber(
  what: string,
  name: string,
  v: number,
  lo: number,
  hi = Infinity,
  hiOpen = false,
) {
  if (typeof v !== 'number' || !(v >= lo && (hiOpen ? v < hi : v <= hi)))
    fail(
      what,
      `${name} must be in [${lo}, ${hi === Infinity ? '∞' : hi}${hiOpen ? ')' : ']'}, got ${String(v)}`,
    );
}

function checkCommon(what: string, o: CommonOptions): void {
  if (o === undefined || o === null || o.lr === undefined)
    fail(what, 'the learning rate `lr` is required');
  if (typeof o.lr === 'number') checkNumber(what, 'lr', o.lr, 0);
  else if (o.lr.ndim !== 0)
    fail(what, `lr must be a number or a scalar variable, got ${o.lr.type}`);
  if (o.weightDecay !== undefined) checkNumber(what, 'weightDecay', o.weightDecay, 0);
  if (o.clipNorm !== undefined && !(o.clipNorm > 0))
    fail(what, `clipNorm must be positive, got ${o.clipNorm}`);
  if (o.clipValue !== undefined && !(o.clipValue > 0))
    fail(what, `clipValue must be positive, got ${o.clipValue}`);
}

/**
 * Gradients clipped by their global L2 norm (torch.nn.utils.clip_grad_norm_, norm_type 2):
 * total = sqrt(Σᵢ Σ gᵢ²); every gᵢ is multiplied by min(1, maxNorm / (total + 1e-6)).
 */
export function clipGradNorm(grads: readonly Variable[], maxNorm: number): Variable[] {
  if (!(maxNorm > 0)) fail('clipGradNorm', `maxNorm must be positive, got ${maxNorm}`);
  if (grads.length === 0) return [];
  const total = sqrt(grads.map((g) => sum(sqr(g))).reduce((a, b) => add(a, b)));
  const coef = minimum(trueDiv(constant(maxNorm, undefined, total.dtype), add(total, 1e-6)), 1);
  return grads.map((g) => mul(g, cast(coef, g.dtype)));
}

/** Every gradient entry clipped to [-clipValue, clipValue] (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(grads: readonly Variable[], clipValue: number): Variable[] {
  if (!(clipValue > 0)) fail('clipGradValue', `clipValue must be positive, got ${clipValue}`);
  return grads.map((g) => minimum(maximum(g, hyper(-clipValue, g)), hyper(clipValue, g)));
}

/** Gradients of the cost (or the given ones), clipped, then with weight decay added. */
function gradsOf(
  what: string,
  costOrGrads: CostOrGrads,
  params: readonly SharedVariable[],
  o: CommonOptions,
): Variable[] {
  checkCommon(what, o);
  if (params.length === 0) fail(what, 'no parameters to optimize');
  let gs: Variable[];
  if (Array.isArray(costOrGrads)) {
    gs = [...(costOrGrads as readonly Variable[])];
    if (gs.length !== params.length)
      fail(what, `got ${gs.length} gradients for ${params.length} parameters`);
  } else {
    const cost = costOrGrads as Variable;
    if (cost.ndim !== 0) fail(what, `the cost must be a scalar, got ${cost.type}`);
    gs = grad(cost, [...params]);
  }
  if (o.clipNorm !== undefined) gs = clipGradNorm(gs, o.clipNorm);
  if (o.clipValue !== undefined) gs = clipGradValue(gs, o.clipValue);
  // cast to the parameter's dtype (a float64 cost of float32 parameters gives float64 grads)
  gs = gs.map((g, i) => cast(g, params[i].dtype));
  if (o.weightDecay) gs = gs.map((g, i) => add(g, mul(params[i], hyper(o.weightDecay!, g))));
  return gs;
}

/** A zero-filled (or `value`-filled) shared variable like p, named `p.name + '.' + suffix`. */
function stateLike(p: SharedVariable, suffix: string, value = 0): SharedVariable {
  const v = p.getValue({ borrow: true });
  return shared(full(v.shape, value, { dtype: v.dtype }), `${p.name ?? 'param'}.${suffix}`);
}

/** One int32 step counter per update list: how many steps were taken before this one. */
function stepCounter(what: string): SharedVariable {
  return shared(zeros([], { dtype: 'int32' }), `${what}.step`);
}

/**
 * Plain stochastic gradient descent: p ← p − lr·g (torch.optim.SGD without momentum).
 * Source: https://pytorch.org/docs/1.13/generated/torch.optim.SGD.html
 * @returns updates for theano.function.
 */
export function sgd(
  costOrGrads: CostOrGrads,
  params: readonly SharedVariable[],
  opts: CommonOptions,
): UpdateList {
  const gs = gradsOf('sgd', costOrGrads, params, opts);
  return params.map((p, i) => [p, sub(p, mul(gs[i], lrFor(opts.lr, p)))]);
}

/** Options of momentum and nesterov. */
export interface MomentumOptions extends CommonOptions {
  /** μ in [0, 1). Default 0.9. */
  momentum?: number;
  /** Dampening d of the gradient in the velocity (not with Nesterov). Default 0. */
  dampening?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

/**
 * SGD with momentum, PyTorch's formulation (torch.optim.SGD): on the first step v ← g, then
 * v ← μ·v + (1 − d)·g; p ← p − lr·v, or with `nesterov` p ← p − lr·(g + μ·v).
 * One velocity shared variable per parameter (`<name>.velocity`), zero-initialised.
 * Source: https://pytorch.org/docs/1.13/generated/torch.optim.SGD.html (Sutskever et al. 2013).
 * @returns updates for theano.function (velocities, parameters, and a step counter when d > 0).
 */
export function momentum(
  costOrGrads: CostOrGrads,
  params: readonly SharedVariable[],
  opts: MomentumOptions,
): UpdateList {
  const what = opts?.nesterov ? 'nesterov' : 'momentum';
  const mu = opts?.momentum ?? 0.9;
  const d = opts?.dampening ?? 0;
  checkNumber(what, 'momentum', mu, 0, 1, true);
  checkNumber(what, 'dampening', d, 0, 1);
  if (opts?.nesterov && d !== 0) fail(what, 'Nesterov momentum requires dampening 0');
  const gs = gradsOf(what, costOrGrads, params, opts);
  const updates: UpdateList = [];
  // with dampening, PyTorch's first velocity is g itself, not (1 − d)·g
  const t = d !== 0 ? stepCounter(what) : undefined;
  params.forEach((p, i) => {
    const g = gs[i];
    const v = stateLike(p, 'velocity');
    let vNew = add(mul(v, hyper(mu, p)), d !== 0 ? mul(g, hyper(1 - d, p)) : g);
    if (t) vNew = switch_(eq(t, 0), g, vNew);
    const step = opts.nesterov ? add(g, mul(vNew, hyper(mu, p))) : vNew;
    updates.push([v, vNew], [p, sub(p, mul(step, lrFor(opts.lr, p)))]);
  });
  if (t) updates.push([t, add(t, constant(1, undefined, 'int32'))]);
  return updates;
}

/**
 * Nesterov momentum, PyTorch's formulation (torch.optim.SGD with nesterov=True):
 * v ← μ·v + g; p ← p − lr·(g + μ·v). Same as `momentum(…, { nesterov: true })`.
 * Source: https://pytorch.org/docs/1.13/generated/torch.optim.SGD.html
 */
export function nesterov(
  costOrGrads: CostOrGrads,
  params: readonly SharedVariable[],
  opts: Omit<MomentumOptions, 'nesterov' | 'dampening'>,
): UpdateList {
  return momentum(costOrGrads, params, { ...opts, nesterov: true });
}

/** Options of adagrad. */
export interface AdagradOptions extends CommonOptions {
  /** Learning-rate decay: step t (from 1) uses lr / (1 + (t − 1)·lrDecay). Default 0. */
  lrDecay?: number;
  /** Initial value of the sum of squared gradients. Default 0. */
  initialAccumulatorValue?: number;
  /** Added to the square root of the sum. Default 1e-10. */
  eps?: number;
}

/**
 * Adagrad (torch.optim.Adagrad): s ← s + g²; p ← p − clr·g / (√s + ε), with
 * clr = lr / (1 + (t − 1)·lrDecay) at step t = 1, 2, …
 * Source: Duchi, Hazan & Singer, JMLR 2011; https://pytorch.org/docs/1.13/generated/torch.optim.Adagrad.html
 * @returns updates for theano.function (`<name>.sum` accumulators, parameters, step counter).
 */
export function adagrad(
  costOrGrads: CostOrGrads,
  params: readonly SharedVariable[],
  opts: AdagradOptions,
): UpdateList {
  const lrDecay = opts?.lrDecay ?? 0;
  const init = opts?.initialAccumulatorValue ?? 0;
  const eps = opts?.eps ?? 1e-10;
  checkNumber('adagrad', 'lrDecay', lrDecay, 0);
  checkNumber('adagrad', 'initialAccumulatorValue', init, 0);
  checkNumber('adagrad', 'eps', eps, 0);
  const gs = gradsOf('adagrad', costOrGrads, params, opts);
  const t = lrDecay !== 0 ? stepCounter('adagrad') : undefined;
  const updates: UpdateList = [];
  params.forEach((p, i) => {
    const g = gs[i];
    const s = stateLike(p, 'sum', init);
    const sNew = add(s, sqr(g));
    let clr = lrFor(opts.lr, p);
    if (t) clr = trueDiv(clr, add(hyper(1, p), mul(cast(t, p.dtype), hyper(lrDecay, p))));
    updates.push([s, sNew], [p, sub(p, mul(clr, trueDiv(g, add(sqrt(sNew), hyper(eps, p)))))]);
  });
  if (t) updates.push([t, add(t, constant(1, undefined, 'int32'))]);
  return updates;
}

/** Options of rmsprop. */
export interface RMSpropOptions extends CommonOptions {
  /** Smoothing constant α of the squared-gradient average. Default 0.99. */
  alpha?: number;
  /** Added to the root of the average. Default 1e-8. */
  eps?: number;
  /** Momentum of the scaled step. Default 0. */
  momentum?: number;
  /** Normalise by an estimate of the variance instead of the second moment. Default false. */
  centered?: boolean;
}

/**
 * RMSprop (torch.optim.RMSprop): s ← α·s + (1 − α)·g²; with `centered` also m ← α·m + (1 − α)·g
 * and s̃ = s − m², else s̃ = s; a = √s̃ + ε; then p ← p − lr·g/a, or with momentum β:
 * b ← β·b + g/a; p ← p − lr·b.
 * Source: Hinton, Neural Networks for Machine Learning, lecture 6e (2012); Graves 2013 (centered);
 * https://pytorch.org/docs/1.13/generated/torch.optim.RMSprop.html
 * @returns updates for theano.function.
 */
export function rmsprop(
  costOrGrads: CostOrGrads,
  params: readonly SharedVariable[],
  opts: RMSpropOptions,
): UpdateList {
  const alpha = opts?.alpha ?? 0.99;
  const eps = opts?.eps ?? 1e-8;
  const mom = opts?.momentum ?? 0;
  checkNumber('rmsprop', 'alpha', alpha, 0, 1);
  checkNumber('rmsprop', 'eps', eps, 0);
  checkNumber('rmsprop', 'momentum', mom, 0, 1, true);
  const gs = gradsOf('rmsprop', costOrGrads, params, opts);
  const updates: UpdateList = [];
  params.forEach((p, i) => {
    const g = gs[i];
    const s = stateLike(p, 'squareAvg');
    const sNew = add(mul(s, hyper(alpha, p)), mul(sqr(g), hyper(1 - alpha, p)));
    updates.push([s, sNew]);
    let v = sNew;
    if (opts.centered) {
      const m = stateLike(p, 'gradAvg');
      const mNew = add(mul(m, hyper(alpha, p)), mul(g, hyper(1 - alpha, p)));
      updates.push([m, mNew]);
      v = sub(sNew, sqr(mNew));
    }
    const scaled = trueDiv(g, add(sqrt(v), hyper(eps, p)));
    if (mom > 0) {
      const b = stateLike(p, 'momentumBuffer');
      const bNew = add(mul(b, hyper(mom, p)), scaled);
      updates.push([b, bNew], [p, sub(p, mul(bNew, lrFor(opts.lr, p)))]);
    } else updates.push([p, sub(p, mul(scaled, lrFor(opts.lr, p)))]);
  });
  return updates;
}

/** Options of adam and adamw. */
export interface AdamOptions extends CommonOptions {
  /** Decay of the first-moment estimate. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate. Default 0.999. */
  beta2?: number;
  /** Added to the root of the corrected second moment. Default 1e-8. */
  eps?: number;
  /** Use the maximum of the second-moment estimates so far (Reddi et al. 2018). Default false. */
  amsgrad?: boolean;
}

function adamUpdates(
  what: 'adam' | 'adamw',
  costOrGrads: CostOrGrads,
  params: readonly SharedVariable[],
  opts: AdamOptions,
  decoupledDecay: number,
): UpdateList {
  const b1 = opts?.beta1 ?? 0.9;
  const b2 = opts?.beta2 ?? 0.999;
  const eps = opts?.eps ?? 1e-8;
  checkNumber(what, 'beta1', b1, 0, 1, true);
  checkNumber(what, 'beta2', b2, 0, 1, true);
  checkNumber(what, 'eps', eps, 0);
  const gs = gradsOf(what, costOrGrads, params, opts);
  const t = stepCounter(what);
  const tNew = add(t, constant(1, undefined, 'int32'));
  const updates: UpdateList = [];
  params.forEach((p, i) => {
    const g = gs[i];
    const lr = lrFor(opts.lr, p);
    const tf = cast(tNew, p.dtype);
    const m = stateLike(p, 'expAvg');
    const v = stateLike(p, 'expAvgSq');
    const mNew = add(mul(m, hyper(b1, p)), mul(g, hyper(1 - b1, p)));
    const vNew = add(mul(v, hyper(b2, p)), mul(sqr(g), hyper(1 - b2, p)));
    updates.push([m, mNew], [v, vNew]);
    let second = vNew;
    if (opts.amsgrad) {
      const vMax = stateLike(p, 'maxExpAvgSq');
      second = maximum(vMax, vNew);
      updates.push([vMax, second]);
    }
    const bc1 = sub(hyper(1, p), pow(hyper(b1, p), tf));
    const bc2 = sub(hyper(1, p), pow(hyper(b2, p), tf));
    const denom = add(trueDiv(sqrt(second), sqrt(bc2)), hyper(eps, p));
    const base = decoupledDecay ? mul(p, sub(hyper(1, p), mul(lr, hyper(decoupledDecay, p)))) : p;
    updates.push([p, sub(base, mul(trueDiv(lr, bc1), trueDiv(mNew, denom)))]);
  });
  updates.push([t, tNew]);
  return updates;
}

/**
 * Adam (torch.optim.Adam): at step t = 1, 2, … m ← β₁·m + (1 − β₁)·g; v ← β₂·v + (1 − β₂)·g²
 * (with `amsgrad`, v̂ ← max(v̂, v), else v̂ = v); p ← p − (lr / (1 − β₁ᵗ))·m / (√v̂ / √(1 − β₂ᵗ) + ε).
 * `weightDecay` is the L2 penalty added to g (for the decoupled decay use adamw).
 * Source: Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1;
 * https://pytorch.org/docs/1.13/generated/torch.optim.Adam.html
 * @returns updates for theano.function (`<name>.expAvg`, `<name>.expAvgSq`, parameters, step counter).
 */
export function adam(
  costOrGrads: CostOrGrads,
  params: readonly SharedVariable[],
  opts: AdamOptions,
): UpdateList {
  return adamUpdates('adam', costOrGrads, params, opts, 0);
}

/**
 * AdamW (torch.optim.AdamW): Adam with decoupled weight decay λ — p ← p·(1 − lr·λ) before the
 * Adam step, λ = `weightDecay` (default 0.01), and no L2 term in the gradient.
 * Source: Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019, Algorithm 2;
 * https://pytorch.org/docs/1.13/generated/torch.optim.AdamW.html
 * @returns updates for theano.function.
 */
export function adamw(
  costOrGrads: CostOrGrads,
  params: readonly SharedVariable[],
  opts: AdamOptions,
): UpdateList {
  const wd = opts?.weightDecay ?? 0.01;
  checkNumber('adamw', 'weightDecay', wd, 0);
  return adamUpdates('adamw', costOrGrads, params, { ...opts, weightDecay: 0 }, wd);
}

/**
 * BatchNorm and the losses against PyTorch (float64), from the committed fixture
 * fixtures/layers.json (tools/fixtures/gen_nn.py).
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NestedArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { theanoFunction } from '@theano-ts/compile';
import { BatchNorm, trainingContext } from './layers';
import * as losses from './losses';

interface BNCase {
  name: string;
  kind: 'batchNorm';
  momentum: number;
  eps: number;
  x: NestedArray;
  gamma: number[];
  beta: number[];
  trainOutput: NestedArray;
  u: NestedArray;
  gradX: NestedArray;
  gradGamma: number[];
  gradBeta: number[];
  runningMean: number[];
  runningVar: number[];
  evalInput: NestedArray;
  evalOutput: NestedArray;
}
interface LossCase {
  name: string;
  kind: 'loss';
  fn:
    | 'categoricalCrossentropy'
    | 'binaryCrossentropy'
    | 'meanSquaredError'
    | 'meanAbsoluteError'
    | 'huber';
  options: Record<string, unknown>;
  torch: string;
  inputs: { name: string; dtype: 'float64' | 'int32'; shape: number[]; values: NestedArray }[];
  value: number;
  grads: Record<string, NestedArray>;
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/layers.json', import.meta.url), 'utf8'),
) as {
  cases: (BNCase | LossCase)[];
};

const floatX = T.config.floatX;
beforeEach(() => {
  T.config.floatX = 'float64';
});
afterEach(() => {
  T.config.floatX = floatX;
});

const f64 = (x: NestedArray) => array(x, { dtype: 'float64' });
const flat = (x: NestedArray): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);
const close = (got: ArrayLike<number>, want: NestedArray, tol = 1e-10) => {
  const w = flat(want);
  expect(got.length).toBe(w.length);
  const err = Math.max(
    ...Array.from(got, (v, i) => Math.abs(v - w[i]) / Math.max(1, Math.abs(w[i]))),
  );
  expect(err).toBeLessThan(tol);
};

describe('BatchNorm matches torch.nn.BatchNorm1d/2d', () => {
  for (const c of fixture.cases.filter((c): c is BNCase => c.kind === 'batchNorm'))
    it(`${c.name}: training output, gradients, running averages, then eval output`, () => {
      const x0 = f64(c.x);
      const bn = new BatchNorm(c.gamma.length, { momentum: c.momentum, eps: c.eps });
      bn.gamma!.setValue(f64(c.gamma));
      bn.beta!.setValue(f64(c.beta));
      const x = T.tensor('x', { dtype: 'float64', shape: x0.shape.map(() => null) });
      const ctx = trainingContext();
      const y = bn.apply(x, ctx);
      expect(ctx.updates.map(([s]) => s)).toEqual([bn.runningMean, bn.runningVar]);
      const cost = T.sum(T.mul(y, T.constant(f64(c.u))));
      const gs = grad(cost, [x, bn.gamma!, bn.beta!]);
      const train = theanoFunction([x], [y, ...gs], { updates: ctx.updates });
      const [out, gx, gg, gb] = train(x0);
      close(out.data, c.trainOutput);
      close(gx.data, c.gradX, 1e-9);
      close(gg.data, c.gradGamma, 1e-9);
      close(gb.data, c.gradBeta, 1e-9);
      close(bn.runningMean.getValue().data, c.runningMean);
      close(bn.runningVar.getValue().data, c.runningVar);
      const infer = theanoFunction([x], bn.apply(x));
      close(infer(f64(c.evalInput)).data, c.evalOutput);
    });
});

describe('losses match torch.nn.functional (value and gradient)', () => {
  for (const c of fixture.cases.filter((c): c is LossCase => c.kind === 'loss'))
    it(`${c.name}: ${c.torch}`, () => {
      const vars = c.inputs.map((i) =>
        T.tensor(i.name, { dtype: i.dtype, shape: i.shape.map(() => null) }),
      );
      const fn = losses[c.fn] as (p: T.Variable, t: T.Variable, o: unknown) => T.Variable;
      const loss = fn(vars[0], vars[1], c.options);
      expect(loss.ndim).toBe(0);
      const floats = vars.filter((v) => v.dtype === 'float64');
      const f = theanoFunction(vars, [loss, ...grad(loss, floats)]);
      const [value, ...gs] = f(...c.inputs.map((i) => array(i.values, { dtype: i.dtype })));
      expect(Math.abs(value.item() - c.value)).toBeLessThan(1e-10 * Math.max(1, Math.abs(c.value)));
      floats.forEach((v, i) => close(gs[i].data, c.grads[v.name!], 1e-9));
    });
});

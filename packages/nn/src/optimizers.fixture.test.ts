/**
 * Every optimizer against torch.optim (float64) on the committed fixture
 * fixtures/optimizers.json (tools/fixtures/gen_nn.py): the same 5 steps from the same start on
 * cost = mean((X·W + b − Y)²), through a compiled theano function, as a training loop runs them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { theanoFunction } from '@theano-ts/compile';
import * as optimizers from './optimizers';
import { cosineDecay, exponentialDecay, learningRate, stepDecay } from './schedules';

interface Step {
  cost: number;
  lr: number;
  W: number[][];
  b: number[];
}
interface Case {
  name: string;
  fn: 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam' | 'adamw';
  options: Record<string, number | boolean>;
  torch: string;
  schedule?: { kind: 'step' | 'exponential' | 'cosine'; [k: string]: number | string };
  steps: Step[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/optimizers.json', import.meta.url), 'utf8'),
) as { problem: { X: number[][]; Y: number[][]; W0: number[][]; b0: number[] }; cases: Case[] };
const { X, Y, W0, b0 } = fixture.problem;

const f64 = (x: number[] | number[][]) => array(x, { dtype: 'float64' });

function scheduleOf(c: Case): ((t: number) => number) | undefined {
  const s = c.schedule;
  const lr0 = c.options.lr as number;
  if (!s) return undefined;
  if (s.kind === 'step')
    return stepDecay(lr0, { stepSize: s.stepSize as number, gamma: s.gamma as number });
  if (s.kind === 'exponential') return exponentialDecay(lr0, { gamma: s.gamma as number });
  return cosineDecay(lr0, { tMax: s.tMax as number, etaMin: s.etaMin as number });
}

const maxDiff = (a: ArrayLike<number>, b: number[]) =>
  Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('optimizers match torch.optim (fixtures/optimizers.json)', () => {
  it('covers every optimizer, clipping and schedule', () => {
    const names = new Set(fixture.cases.map((c) => c.fn));
    expect([...names].sort()).toEqual(
      ['adagrad', 'adam', 'adamw', 'momentum', 'nesterov', 'rmsprop', 'sgd'].sort(),
    );
    expect(fixture.cases.filter((c) => c.schedule).map((c) => c.schedule!.kind)).toEqual([
      'step',
      'exponential',
      'cosine',
    ]);
    expect(fixture.cases.some((c) => 'clipNorm' in c.options)).toBe(true);
    expect(fixture.cases.some((c) => 'clipValue' in c.options)).toBe(true);
  });

  for (const c of fixture.cases)
    it(`${c.name}: torch.optim.${c.torch}, ${c.steps.length} steps within 1e-10`, () => {
      const W = T.shared(f64(W0), 'W');
      const b = T.shared(f64(b0), 'b');
      const x = T.dmatrix('x');
      const y = T.dmatrix('y');
      const cost = T.mean(T.sqr(T.sub(T.add(T.dot(x, W), b), y)));
      const schedule = scheduleOf(c);
      const lr = schedule ? learningRate(schedule(0), { dtype: 'float64' }) : undefined;
      const opts = { ...c.options, ...(lr ? { lr } : {}) } as optimizers.AdamOptions;
      const updates = (optimizers[c.fn] as (...a: unknown[]) => optimizers.UpdateList)(
        cost,
        [W, b],
        opts,
      );
      const step = theanoFunction([x, y], cost, { updates });
      c.steps.forEach((s, t) => {
        if (schedule) {
          expect(schedule(t)).toBeCloseTo(s.lr, 14);
          lr!.setValue(array(schedule(t), { dtype: 'float64' }));
        }
        const before = step(f64(X), f64(Y)).item();
        expect(Math.abs(before - s.cost)).toBeLessThan(1e-10);
        expect(maxDiff(W.getValue().data, s.W.flat())).toBeLessThan(1e-10);
        expect(maxDiff(b.getValue().data, s.b)).toBeLessThan(1e-10);
      });
    });
});

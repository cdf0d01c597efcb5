/**
 * SimpleRNN, LSTM and GRU against torch.nn.RNN / LSTM / GRU (float64): outputs, final states
 * and gradients, from the committed fixture fixtures/recurrent.json (tools/fixtures/gen_recurrent.py).
 * PyTorch's parameters are mapped to Keras's layout here: W = weight_ihᵀ, U = weight_hhᵀ,
 * b = bias_ih + bias_hh (RNN, LSTM: same gate order i, f, g, o); for GRU the gate blocks are
 * reordered from PyTorch's r, z, n to Keras's z, r, h and b = [bias_ih; bias_hh] (reset-after).
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { grad } from '@theano-ts/autodiff';
import { theanoFunction } from '@theano-ts/compile';
import { GRU, LSTM, type RecurrentLayer, SimpleRNN } from './recurrent';

type M = number[][];
interface Run {
  output: number[][][];
  finalStates: M[];
  gradX: number[][][];
  gradStates: M[];
  gradParams: Record<string, M | number[]>;
}
interface Case {
  kind: 'rnn' | 'lstm' | 'gru';
  torch: string;
  params: { weight_ih_l0: M; weight_hh_l0: M; bias_ih_l0: number[]; bias_hh_l0: number[] };
  x: number[][][];
  initialStates: M[];
  u: number[][][];
  forward: Run;
  backward: Run;
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/recurrent.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

const floatX = T.config.floatX;
beforeEach(() => {
  T.config.floatX = 'float64';
});
afterEach(() => {
  T.config.floatX = floatX;
});

const transpose = (m: M): M => m[0].map((_, j) => m.map((r) => r[j]));
/** PyTorch's gate blocks (rows of H) in Keras's order: GRU r, z, n → z, r, n; others unchanged. */
function kerasOrder<R>(kind: Case['kind'], rows: R[]): R[] {
  if (kind !== 'gru') return rows;
  const h = rows.length / 3;
  const block = (k: number) => rows.slice(k * h, (k + 1) * h);
  return [...block(1), ...block(0), ...block(2)];
}
const kernel = (kind: Case['kind'], w: M) => transpose(kerasOrder(kind, w));
const bias = (kind: Case['kind'], bi: number[], bh: number[]) =>
  kind === 'gru' ? [kerasOrder(kind, bi), kerasOrder(kind, bh)] : bi.map((v, i) => v + bh[i]);

const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);
function close(got: ArrayLike<number>, want: unknown, tol = 1e-10): void {
  const w = flat(want);
  expect(got.length).toBe(w.length);
  const err = Math.max(
    ...Array.from(got, (v, i) => Math.abs(v - w[i]) / Math.max(1, Math.abs(w[i]))),
  );
  expect(err).toBeLessThan(tol);
}

function build(c: Case, goBackwards: boolean): RecurrentLayer {
  const features = c.x[0][0].length;
  const units = c.initialStates[0][0].length;
  const opts = { returnSequences: true, returnState: true, goBackwards, dtype: 'float64' as const };
  const layer =
    c.kind === 'rnn'
      ? new SimpleRNN(features, units, opts)
      : c.kind === 'lstm'
        ? new LSTM(features, units, opts)
        : new GRU(features, units, opts);
  const p = c.params;
  layer.W.setValue(array(kernel(c.kind, p.weight_ih_l0), { dtype: 'float64' }));
  layer.U.setValue(array(kernel(c.kind, p.weight_hh_l0), { dtype: 'float64' }));
  layer.b!.setValue(array(bias(c.kind, p.bias_ih_l0, p.bias_hh_l0), { dtype: 'float64' }));
  return layer;
}

describe('recurrent layers match torch.nn.RNN / LSTM / GRU (batch_first, float64)', () => {
  for (const c of fixture.cases)
    for (const goBackwards of [false, true])
      it(`${c.torch}${goBackwards ? ', goBackwards = torch on the flipped input' : ''}: outputs, final states, gradients`, () => {
        const want = goBackwards ? c.backward : c.forward;
        const layer = build(c, goBackwards);
        const x = T.tensor3('x', { dtype: 'float64' });
        const states = c.initialStates.map((_, i) => T.matrix(`s${i}`, { dtype: 'float64' }));
        const [out, ...finals] = layer.applyRecurrent(x, { initialState: states });
        expect(finals.length).toBe(c.initialStates.length);
        const cost = T.sum(T.mul(out, T.constant(array(c.u, { dtype: 'float64' }))));
        const gs = grad(cost, [x, ...states, ...layer.params]);
        const f = theanoFunction([x, ...states], [out, ...finals, ...gs]);
        const res = f(
          array(c.x, { dtype: 'float64' }),
          ...c.initialStates.map((s) => array(s, { dtype: 'float64' })),
        );
        const n = finals.length;
        close(res[0].contiguous().data, want.output);
        finals.forEach((_, i) => close(res[1 + i].contiguous().data, want.finalStates[i]));
        const [gx, ...rest] = res.slice(1 + n);
        // torch's gradient is with respect to its (flipped) input: flip it back
        const gradX = goBackwards ? want.gradX.map((seq) => [...seq].reverse()) : want.gradX;
        close(gx.contiguous().data, gradX, 1e-9);
        rest.slice(0, n).forEach((g, i) => close(g.contiguous().data, want.gradStates[i], 1e-9));
        const [gW, gU, gb] = rest.slice(n);
        const gp = want.gradParams as Record<string, M & number[]>;
        close(gW.contiguous().data, kernel(c.kind, gp.weight_ih_l0), 1e-9);
        close(gU.contiguous().data, kernel(c.kind, gp.weight_hh_l0), 1e-9);
        // d/db of b = b_ih + b_hh is either one's gradient; GRU's two rows are the two biases
        close(
          gb.contiguous().data,
          c.kind === 'gru' ? bias(c.kind, gp.bias_ih_l0, gp.bias_hh_l0) : gp.bias_ih_l0,
          1e-9,
        );
      });
});

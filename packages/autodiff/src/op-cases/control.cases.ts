import { Generator, type NDArray } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import type { FamilyCases, FixtureBuilder } from './types';

type V = T.Variable;
const first = (o: V | V[]): V => (Array.isArray(o) ? o[0] : o);

/** How each fixture op of control-ops.json (tools/fixtures/gen_control.py) is built with scan / ifelse. */
const BUILDERS: Record<string, FixtureBuilder> = {
  rnnTanh: (_p, [x, W, U, h0]) =>
    first(
      T.scan((xt: V, h: V) => T.tanh(xt.dot(W).add(h.dot(U))), {
        sequences: x,
        outputsInfo: h0,
      })[0],
    ),
  lstm: (_p, [x, W, U, b]) => {
    const n = U.type.shape[0] ?? 2;
    const [outs] = T.scan(
      (xt: V, h: V, c: V) => {
        const z = xt.dot(W).add(h.dot(U)).add(b);
        const part = (k: number) => z.get(T.slice(k * n, (k + 1) * n));
        const c2 = T.sigmoid(part(1))
          .mul(c)
          .add(T.sigmoid(part(0)).mul(T.tanh(part(3))));
        return [T.sigmoid(part(2)).mul(T.tanh(c2)), c2];
      },
      { sequences: x, outputsInfo: [T.zeros([n], x.dtype), T.zeros([n], x.dtype)] },
    );
    return first(outs);
  },
  outputTaps: (_p, [x, y0]) =>
    first(
      T.scan((xt: V, ym2: V, ym1: V) => xt.mul(ym1).add(ym2.mul(0.5)), {
        sequences: x,
        outputsInfo: { initial: y0, taps: [-2, -1] },
      })[0],
    ),
  sequenceTaps: (_p, [x, w]) =>
    first(T.scan((a: V, b: V) => a.mul(w).add(b), { sequences: { input: x, taps: [-1, 2] } })[0]),
  backwardsSum: (_p, [x, s0]) =>
    first(
      T.scan((xt: V, s: V) => s.add(xt), { sequences: x, outputsInfo: s0, goBackwards: true })[0],
    ),
  untilCumsum: (p, [x]) =>
    first(
      T.scan(
        (xt: V, s: V) => {
          const s2 = s.add(xt.mul(xt));
          return [s2, T.until(s2.gt(p.bound as number))];
        },
        { sequences: x, outputsInfo: T.constant(0, undefined, x.dtype) },
      )[0],
    ),
  truncated: (p, [x, w, u]) =>
    first(
      T.scan((xt: V, h: V) => T.tanh(xt.mul(w).add(h.mul(u))), {
        sequences: x,
        outputsInfo: T.constant(0, undefined, x.dtype),
        truncateGradient: p.k as number,
      })[0],
    ),
  ifelse: (_p, [c, a, b]) => T.ifelse(c, a.mul(b), a.sub(b.mul(2))),
};

const rng = new Generator(8);
const u = (...shape: number[]): NDArray => rng.uniform(-0.8, 0.8, shape, 'float64');

/** Scan and IfElse (issue 8): loops with taps, until and truncation, and lazy branches. */
export const CONTROL_CASES: FamilyCases = {
  family: 'control',
  fixtureFiles: ['control-ops.json'],
  builders: BUILDERS,
  verify: [
    {
      name: 'scan: an RNN with output taps [-2, -1] and sequence taps [-1, 1]',
      fn: (x, W, y0) =>
        first(
          T.scan((a: V, b: V, ym2: V, ym1: V) => T.tanh(a.dot(W).add(b).add(ym2.mul(ym1))), {
            sequences: { input: x, taps: [-1, 1] },
            outputsInfo: { initial: y0, taps: [-2, -1] },
          })[0],
        ),
      pt: [u(5, 2), u(2, 2), u(2, 2)],
    },
    {
      name: 'ifelse: both branches, chosen by a comparison of the inputs',
      fn: (a, b) => T.ifelse(a.sum().gt(b.sum()), a.mul(b), b.sub(a)),
      pt: [u(2, 3), u(2, 3)],
    },
  ],
  buildErrors: [
    {
      op: 'Scan',
      name: 'fn returns more outputs than outputsInfo has entries',
      build: () =>
        T.scan((h: V) => [h.mul(2), h.mul(3)], { outputsInfo: T.dscalar('h0'), nSteps: 3 }),
      message: /scan: fn returned 2 outputs but outputsInfo has 1 entry/,
    },
    {
      op: 'Scan',
      name: 'taps on a null initial value',
      build: () =>
        T.scan((x: V) => x, {
          sequences: T.dvector('x'),
          outputsInfo: { initial: null, taps: [-1] },
        }),
      message: /scan: outputsInfo\[0\] has taps \[-1\] but no initial value/,
    },
    {
      op: 'Scan',
      name: "an output whose rank differs from its initial value's",
      build: () => T.scan((h: V) => h.dimshuffle('x'), { outputsInfo: T.dscalar('h0'), nSteps: 2 }),
      message:
        /scan: output 0 of fn has 1 dimension .* but its initial value outputsInfo\[0\] gives a state of 0/,
    },
    {
      op: 'Scan',
      name: "an output whose dtype cannot hold the initial value's",
      build: () =>
        T.scan((h: V) => h.astype('float32'), { outputsInfo: T.dscalar('h0'), nSteps: 2 }),
      message:
        /scan: output 0 of fn has dtype float32 but its initial value outputsInfo\[0\] has float64/,
    },
    {
      op: 'Scan',
      name: 'a non-scalar until condition',
      build: () => T.scan((x: V) => [x, T.until(x.gt(0))], { sequences: T.dmatrix('x') }),
      message:
        /scan: the until condition must be a scalar, got float64 vector|scan: the until condition must be a scalar, got bool vector/,
    },
    {
      op: 'Scan',
      name: 'no sequences and no nSteps',
      build: () => T.scan((h: V) => h, { outputsInfo: T.dscalar('h0') }),
      message: /scan: no sequences and no nSteps/,
    },
    {
      op: 'IfElse',
      name: 'a non-scalar condition',
      build: () => T.ifelse(T.dvector('c'), T.dscalar('a'), T.dscalar('b')),
      message: /ifelse: the condition input 0 'c' .* must be a scalar/,
    },
    {
      op: 'IfElse',
      name: 'branches of different ranks',
      build: () => T.ifelse(T.iscalar('c'), T.dvector('a'), T.dmatrix('b')),
      message: /ifelse: the branches of output 0 differ/,
    },
  ],
};

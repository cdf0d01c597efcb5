import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generator, type NDArray, array } from '@theano-ts/tensor';
import * as T from '@theano-ts/symbolic';
import { verifyGrad } from '@theano-ts/autodiff';
import { theanoFunction } from '@theano-ts/compile';
import { Dense, Sequential } from './layers';
import { GRU, LSTM, type RecurrentLayer, SimpleRNN } from './recurrent';

const floatX = T.config.floatX;
beforeEach(() => {
  T.config.floatX = 'float64';
});
afterEach(() => {
  T.config.floatX = floatX;
});

const rng = new Generator(7);
const normal = (shape: number[], s = 1) => rng.normal(0, s, shape, 'float64');

/** The layer with its parameters replaced by free inputs: verifyGrad through them too. */
function withParams(layer: RecurrentLayer, nStates: number) {
  return (x: T.Variable, ...rest: T.Variable[]) => {
    const states = rest.slice(0, nStates);
    const params = rest.slice(nStates);
    const outs = layer.applyRecurrent(x, { initialState: states });
    const swap = new Map<T.Variable, T.Variable>(layer.params.map((p, i) => [p, params[i]]));
    const cloned = T.cloneGraph(outs, swap);
    // the output sequence and every final state, in one vector
    return T.concatenate(
      outs.map((o) => T.flatten(cloned.get(o) ?? o)),
      { axis: 0 },
    );
  };
}

describe('gradients through the recurrent layers (verifyGrad, float64)', () => {
  const B = 2;
  const time = 4;
  const inDim = 3;
  const units = 3;
  const cases: [string, () => RecurrentLayer, number][] = [
    [
      'SimpleRNN',
      () => new SimpleRNN(inDim, units, { returnSequences: true, returnState: true }),
      1,
    ],
    ['LSTM', () => new LSTM(inDim, units, { returnSequences: true, returnState: true }), 2],
    [
      'GRU (resetAfter)',
      () => new GRU(inDim, units, { returnSequences: true, returnState: true }),
      1,
    ],
    [
      'GRU (resetAfter: false)',
      () => new GRU(inDim, units, { returnSequences: true, returnState: true, resetAfter: false }),
      1,
    ],
    [
      'LSTM (goBackwards, last output only)',
      () => new LSTM(inDim, units, { goBackwards: true, returnState: true }),
      2,
    ],
  ];
  for (const [name, make, nStates] of cases)
    it(`${name}: inputs, initial states and parameters`, () => {
      const layer = make();
      // non-zero biases so that every term of the gradient is exercised
      const pt: NDArray[] = [
        normal([B, time, inDim]),
        ...Array.from({ length: nStates }, () => normal([B, units], 0.5)),
        ...layer.params.map((p) => normal([...p.getValue().shape], 0.5)),
      ];
      verifyGrad(withParams(layer, nStates), pt, { method: 'central' });
    });
});

describe('recurrent layers: shapes, options, initialisers', () => {
  it('returns the last output, the whole sequence, or the output and final states', () => {
    const x = T.tensor3('x', { dtype: 'float64' });
    const xs = normal([2, 5, 3]);
    const last = new LSTM(3, 4);
    const seq = new LSTM(3, 4, { returnSequences: true });
    seq.W.setValue(last.W.getValue());
    seq.U.setValue(last.U.getValue());
    const withState = new LSTM(3, 4, { returnSequences: true, returnState: true });
    [withState.W, withState.U, withState.b!].forEach((p, i) =>
      p.setValue(last.params[i].getValue()),
    );
    const [a, b] = [last, seq].map((l) => theanoFunction([x], l.apply(x))(xs));
    expect(a.shape).toEqual([2, 4]);
    expect(b.shape).toEqual([2, 5, 4]);
    const bl = b.contiguous();
    const lastRow = Array.from({ length: 2 }, (_, i) =>
      Array.from({ length: 4 }, (_, j) => bl.get(i, 4, j)),
    );
    expect(Array.from(a.contiguous().data)).toEqual(lastRow.flat());
    const outs = withState.applyRecurrent(x);
    expect(outs.length).toBe(3);
    const [o, h, c] = theanoFunction([x], outs)(xs);
    expect(o.shape).toEqual([2, 5, 4]);
    expect(Array.from(h.contiguous().data)).toEqual(lastRow.flat());
    expect(c.shape).toEqual([2, 4]);
    expect(last.outputShape([null, 5, 3])).toEqual([null, 4]);
    expect(seq.outputShape([null, null, 3])).toEqual([null, null, 4]);
  });

  it('starts from zeros, from its initialState option, or from states given to applyRecurrent', () => {
    const x = T.tensor3('x', { dtype: 'float64' });
    const h0 = T.shared(array([[0.5, -0.5]], { dtype: 'float64' }), 'h0');
    const a = new SimpleRNN(1, 2, { initialState: [h0] });
    const b = new SimpleRNN(1, 2);
    b.W.setValue(a.W.getValue());
    b.U.setValue(a.U.getValue());
    const xs = array([[[0.1], [0.2]]], { dtype: 'float64' });
    const fromOption = theanoFunction([x], a.apply(x))(xs);
    const fromZeros = theanoFunction([x], b.apply(x))(xs);
    const given = theanoFunction([x], b.applyRecurrent(x, { initialState: [h0] })[0])(xs);
    expect(Array.from(given.data)).toEqual(Array.from(fromOption.data));
    expect(Array.from(fromZeros.data)).not.toEqual(Array.from(fromOption.data));
    // h1 = tanh(x1 W + h0 U) by hand for the first step
    const one = theanoFunction([x], a.apply(x))(array([[[0.1]]], { dtype: 'float64' }));
    const W = a.W.getValue();
    const U = a.U.getValue();
    for (let j = 0; j < 2; j++) {
      const z = 0.1 * W.get(0, j) + 0.5 * U.get(0, j) - 0.5 * U.get(1, j);
      expect(one.get(0, j)).toBeCloseTo(Math.tanh(z), 12);
    }
  });

  it('initialises kernels Glorot-uniform, recurrent kernels orthogonal, biases zero (forget gate 1)', () => {
    const l = new LSTM(6, 5, { rng: new Generator(1) });
    const U = l.U.getValue(); // (5, 20): orthonormal rows
    for (let i = 0; i < 5; i++)
      for (let k = 0; k < 5; k++) {
        let dotp = 0;
        for (let j = 0; j < 20; j++) dotp += U.get(i, j) * U.get(k, j);
        expect(dotp).toBeCloseTo(i === k ? 1 : 0, 10);
      }
    const limit = Math.sqrt(6 / (6 + 20));
    const W = Array.from(l.W.getValue().data);
    expect(Math.max(...W.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...W.map(Math.abs))).toBeGreaterThan(limit / 2);
    const b = Array.from(l.b!.getValue().data);
    expect(b).toEqual([...Array(5).fill(0), ...Array(5).fill(1), ...Array(10).fill(0)]);
    expect(Array.from(new LSTM(6, 5, { unitForgetBias: false }).b!.getValue().data)).toEqual(
      Array(20).fill(0),
    );
    expect(new GRU(6, 5).b!.getValue().shape).toEqual([2, 15]);
    expect(new GRU(6, 5, { resetAfter: false }).b!.getValue().shape).toEqual([15]);
    expect(new SimpleRNN(6, 5, { useBias: false }).params.length).toBe(2);
  });

  it('are listed in Sequential summaries with Keras parameter counts', () => {
    const net = new Sequential(
      [
        new SimpleRNN(3, 4, { returnSequences: true, name: 'rnn' }),
        new GRU(4, 4, { returnSequences: true, name: 'gru' }),
        new LSTM(4, 4, { name: 'lstm' }),
        new Dense(4, 2, { name: 'out' }),
      ],
      { name: 'rec' },
    );
    // Keras: SimpleRNN 3·4 + 4·4 + 4 = 32; GRU (reset_after) 3·(4·4 + 4·4 + 2·4) = 120;
    // LSTM 4·(4·4 + 4·4 + 4) = 144; Dense 4·2 + 2 = 10
    expect(net.summary()).toBe(
      [
        'Model: "rec"',
        'Layer (type)      Output shape   Param #',
        '========================================',
        'rnn (SimpleRNN)   (?, ?, 4)           32',
        'gru (GRU)         (?, ?, 4)          120',
        'lstm (LSTM)       (?, 4)             144',
        'out (Dense)       (?, 2)              10',
        '========================================',
        'Total params: 306',
        'Trainable params: 306',
        'Non-trainable params: 0',
      ].join('\n'),
    );
    const x = T.tensor3('x', { dtype: 'float64' });
    const y = theanoFunction([x], net.apply(x))(normal([3, 6, 3]));
    expect(y.shape).toEqual([3, 2]);
  });

  it("a summary with a wrong inputShape names the user's line, not Array.map's", () => {
    const net = new Sequential([new LSTM(3, 4), new Dense(4, 2)]);
    let msg = '';
    try {
      net.summary({ inputShape: [3] });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^lstm_\d+: expected a \(batch, time, 3\) input, got \(\?, 3\)/);
    expect(msg).toContain(`The expression was built at ${fileURLToPath(import.meta.url)}`);
    expect(msg).not.toContain('<anonymous>');
  });
});

describe('recurrent layers: bad inputs fail at build time with the layer and the types', () => {
  it('rejects inputs of the wrong rank, width or dtype', () => {
    const l = new LSTM(3, 4, { name: 'enc' });
    expect(() => l.apply(T.matrix('x', { dtype: 'float64' }))).toThrow(T.TheanoTypeError);
    expect(() => l.apply(T.matrix('x', { dtype: 'float64' }))).toThrow(
      /enc: expected a \(batch, time, 3\) sequence, got float64 matrix.*needs a batch axis/,
    );
    expect(() => l.apply(T.tensor('x', { dtype: 'float64', shape: [null, null, 5] }))).toThrow(
      /enc: expected a \(batch, time, 3\) sequence, got float64 tensor3 shape \(\?, \?, 5\)/,
    );
    expect(() => l.apply(T.tensor3('x', { dtype: 'float32' }))).toThrow(
      /enc: expected a sequence of dtype float64 \(the parameters'\), got float32 tensor3/,
    );
    expect(() => l.apply(T.tensor3('x', { dtype: 'int32' }))).toThrow(/dtype float64/);
    expect(() => l.outputShape([null, 3])).toThrow(
      /enc: expected a \(batch, time, 3\) input, got \(\?, 3\)/,
    );
  });

  it('rejects initial states of the wrong number, shape or dtype', () => {
    const l = new LSTM(3, 4, { name: 'enc' });
    const x = T.tensor3('x', { dtype: 'float64' });
    const h = T.matrix('h', { dtype: 'float64' });
    expect(() => l.applyRecurrent(x, { initialState: [h] })).toThrow(
      /enc: initialState must be a list of 2 \(batch, 4\) tensors \(h, c\), got 1 of them/,
    );
    expect(() =>
      l.applyRecurrent(x, { initialState: [h, T.vector('c', { dtype: 'float64' })] }),
    ).toThrow(/enc: initial state 1 must be a \(batch, 4\) matrix, got float64 vector/);
    expect(() =>
      l.applyRecurrent(x, { initialState: [h, T.matrix('c', { dtype: 'float32' })] }),
    ).toThrow(/enc: initial state 1 must have dtype float64/);
  });

  it('rejects bad sizes and activations in the constructor', () => {
    expect(() => new GRU(0, 4)).toThrow(/inputDim must be a positive integer, got 0/);
    expect(() => new SimpleRNN(3, 2.5)).toThrow(/units must be a positive integer, got 2.5/);
    expect(() => new LSTM(3, 2, { activation: 'nope' as never })).toThrow(
      /unknown activation 'nope'/,
    );
  });
});

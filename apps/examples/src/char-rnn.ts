/**
 * A character-level language model (Karpathy's char-rnn, in the small): characters → Embedding
 * → LSTM (returnSequences) → Dense → softmax over the vocabulary, trained with Adam on
 * next-character prediction over random windows of a text, and a sampler that feeds its own
 * output back one character at a time through the LSTM's returned states.
 */
import * as theano from 'theano-ts';
import { Generator, NDArray, fromTypedArray } from '@theano-ts/tensor';
import { Dense, Embedding, LSTM, adam, categoricalCrossentropy } from '@theano-ts/nn';

const T = theano.tensor;

/** Settings of {@link trainCharRnn}. */
export interface CharRnnOptions {
  /** Characters per training window (the scan's length). */
  seqLength: number;
  /** LSTM units. */
  hidden: number;
  /** Embedding width. */
  embed: number;
  batchSize: number;
  steps: number;
  lr: number;
  /** Seed of the weights, the windows and the sampler. */
  seed: number;
  /** Print a sample every this many steps (0: never). */
  sampleEvery: number;
  /** Length of each printed sample. */
  sampleLength: number;
  /** Where progress and samples go. */
  log: (line: string) => void;
  mode?: theano.Mode;
}

/** What {@link trainCharRnn} returns: losses are mean cross-entropies in nats per character. */
export interface CharRnnResult {
  vocabulary: number;
  /** Loss on the held-out windows before the first step. */
  initialLoss: number;
  /** Loss on the same windows after the last step. */
  finalLoss: number;
  /** 1 − finalLoss / initialLoss. */
  fall: number;
  steps: number;
  sample: string;
}

/**
 * Train on `text` (the last tenth is held out for the reported losses) and return the losses
 * before and after training and a final sample.
 */
export function trainCharRnn(text: string, o: CharRnnOptions): CharRnnResult {
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  const ids = Int32Array.from(text, (c) => index.get(c)!);
  const V = chars.length;
  const split = Math.floor(ids.length * 0.9);
  const rng = new Generator(o.seed);

  const embedding = new Embedding(V, o.embed, { rng, name: 'embed' });
  const lstm = new LSTM(o.embed, o.hidden, {
    returnSequences: true,
    returnState: true,
    rng,
    name: 'lstm',
  });
  const dense = new Dense(o.hidden, V, { rng, name: 'logits' });
  const params = [...embedding.params, ...lstm.params, ...dense.params];

  // training graph: x, y (batch, time) int32; y is x shifted by one character
  const x = T.imatrix('x');
  const y = T.imatrix('y');
  const seq = lstm.apply(embedding.apply(x)); // (batch, time, hidden)
  const logits = dense.apply(T.reshape(seq, [-1, o.hidden]));
  const loss = categoricalCrossentropy(logits, T.flatten(y), { fromLogits: true });
  const train = theano.function([x, y], loss, {
    updates: adam(loss, params, { lr: o.lr, clipNorm: 5 }),
    mode: o.mode,
  });
  const evaluate = theano.function([x, y], loss, { mode: o.mode });

  // one sampling step: a character and the states in, the next character's probabilities and
  // the new states out
  const c1 = T.imatrix('c1'); // (1, 1)
  const h = T.matrix('h');
  const c = T.matrix('c');
  const [out1, h1, cNew] = lstm.applyRecurrent(embedding.apply(c1), { initialState: [h, c] });
  const probs = T.nnet.softmax(dense.apply(T.reshape(out1, [-1, o.hidden])));
  const step = theano.function([c1, h, c], [probs, h1, cNew], { mode: o.mode });

  const windows = (starts: number[]): [NDArray, NDArray] => {
    const L = o.seqLength;
    const xs = new Int32Array(starts.length * L);
    const ys = new Int32Array(starts.length * L);
    starts.forEach((s, b) => {
      xs.set(ids.subarray(s, s + L), b * L);
      ys.set(ids.subarray(s + 1, s + L + 1), b * L);
    });
    return [fromTypedArray(xs, [starts.length, L]), fromTypedArray(ys, [starts.length, L])];
  };
  const randomStarts = (lo: number, hi: number, n: number) =>
    Array.from(rng.uniform(lo, hi - o.seqLength - 1, [n], 'float64').data, Math.floor);
  const held = windows(randomStarts(split, ids.length, Math.max(o.batchSize, 16)));
  const heldLoss = () => (evaluate(...held) as NDArray).item();

  const sample = (length: number): string => {
    let hv: NDArray = new NDArray(new Float32Array(o.hidden), [1, o.hidden]);
    let cv: NDArray = new NDArray(new Float32Array(o.hidden), [1, o.hidden]);
    let ch = index.get('\n') ?? 0;
    let s = '';
    for (let i = 0; i < length; i++) {
      const [p, h2, c2] = step(fromTypedArray(Int32Array.of(ch), [1, 1]), hv, cv) as NDArray[];
      [hv, cv] = [h2, c2];
      const u = rng.uniform(0, 1, [1], 'float64').data[0];
      const pd = p.contiguous().data;
      let acc = 0;
      ch = V - 1;
      for (let k = 0; k < V; k++)
        if ((acc += pd[k]) > u) {
          ch = k;
          break;
        }
      s += chars[ch];
    }
    return s;
  };

  const initialLoss = heldLoss();
  o.log(
    `vocabulary ${V} characters, ${split} for training; held-out loss ${initialLoss.toFixed(4)} (ln V = ${Math.log(V).toFixed(4)})`,
  );
  for (let t = 1; t <= o.steps; t++) {
    const l = (train(...windows(randomStarts(0, split, o.batchSize))) as NDArray).item();
    if (o.sampleEvery > 0 && (t % o.sampleEvery === 0 || t === o.steps)) {
      o.log(`step ${t}/${o.steps}  train loss ${l.toFixed(4)}  held-out ${heldLoss().toFixed(4)}`);
      o.log(`  sample: ${JSON.stringify(sample(o.sampleLength))}`);
    }
  }
  const finalLoss = heldLoss();
  return {
    vocabulary: V,
    initialLoss,
    finalLoss,
    fall: 1 - finalLoss / initialLoss,
    steps: o.steps,
    sample: sample(o.sampleLength),
  };
}

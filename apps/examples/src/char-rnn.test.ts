import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainCharRnn } from './char-rnn';

describe('char-lstm example (shortened)', () => {
  it('the held-out loss falls by at least 30% and the sampler writes from the vocabulary', () => {
    const text = readFileSync(new URL('../data/shakespeare.txt', import.meta.url), 'utf8');
    const lines: string[] = [];
    const r = trainCharRnn(text, {
      seqLength: 16,
      hidden: 32,
      embed: 16,
      batchSize: 16,
      steps: 80,
      lr: 0.02,
      seed: 3,
      sampleEvery: 40,
      sampleLength: 40,
      log: (l) => lines.push(l),
    });
    // the model starts near the uniform guess, ln V nats per character
    expect(Math.abs(r.initialLoss - Math.log(r.vocabulary))).toBeLessThan(0.1);
    expect(r.fall).toBeGreaterThanOrEqual(0.3);
    expect(r.finalLoss).toBeCloseTo(r.initialLoss * (1 - r.fall), 10);
    expect(r.sample.length).toBe(40);
    const vocabulary = new Set(text);
    expect([...r.sample].every((c) => vocabulary.has(c))).toBe(true);
    expect(lines.filter((l) => l.includes('sample:')).length).toBe(2);
  });
});

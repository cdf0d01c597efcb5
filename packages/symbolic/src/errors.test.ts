import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TheanoTypeError, builtAt, userStackLine } from './errors';
import * as T from './index';

describe('where expressions were built', () => {
  it('userStackLine points at the calling user code (test files count as user code)', () => {
    const line = userStackLine();
    expect(line).toContain(fileURLToPath(import.meta.url));
    expect(line).toMatch(/:\d+:\d+\)?$/);
  });

  it('never takes a frame without a file (Array.map (<anonymous>)) as the user line', () => {
    const [line] = [0].map(userStackLine);
    expect(line).toContain(fileURLToPath(import.meta.url));
    expect(line).not.toContain('<anonymous>');
  });

  it('skips theano-ts frames: a node built through the library points here', () => {
    const node = T.sigmoid(T.add(T.dvector('x'), 1)).owner!;
    expect(node.trace).toContain(fileURLToPath(import.meta.url));
  });

  it('builtAt makes the suffix of error messages, empty when unknown', () => {
    expect(builtAt('f (a.ts:1:2)')).toBe('\n  The expression was built at f (a.ts:1:2)');
    expect(builtAt(undefined)).toBe('');
  });

  it('TheanoTypeError is a TypeError with its own name', () => {
    const e = new TheanoTypeError('m');
    expect(e).toBeInstanceOf(TypeError);
    expect(e.name).toBe('TheanoTypeError');
  });
});

import { describe, expect, it } from 'vitest';
import * as T from './index';

describe('debugprint (Theano format)', () => {
  it('prints one line per variable with [id X] tags and indents inputs with " |"', () => {
    const x = T.dvector('x');
    const y = T.dvector('y');
    const out = T.add(T.mul(x, y), x);
    expect(T.debugprint(out)).toBe(
      [
        'Elemwise{add} [id A]',
        ' |Elemwise{mul} [id B]',
        ' | |x [id C]',
        ' | |y [id D]',
        ' |x [id C]',
      ].join('\n'),
    );
  });

  it('continues the bar only while later siblings follow', () => {
    const x = T.dvector('x');
    const y = T.dvector('y');
    const out = T.add(x, T.mul(T.exp(x), y));
    expect(T.debugprint(out)).toBe(
      [
        'Elemwise{add} [id A]',
        ' |x [id B]',
        ' |Elemwise{mul} [id C]',
        '   |Elemwise{exp} [id D]',
        '   | |x [id B]',
        '   |y [id E]',
      ].join('\n'),
    );
  });

  it('prints a repeated node with its tag only, not its inputs again', () => {
    const x = T.dvector('x');
    const e = T.exp(x);
    const out = T.mul(e, e);
    expect(T.debugprint(out)).toBe(
      [
        'Elemwise{mul} [id A]',
        ' |Elemwise{exp} [id B]',
        ' | |x [id C]',
        ' |Elemwise{exp} [id B]',
      ].join('\n'),
    );
  });

  it('shows names, constants, unnamed inputs, several outputs and notes', () => {
    const x = T.dvector();
    const z = T.mul(x, 2);
    z.name = 'z';
    const s = T.sum(z);
    const text = T.debugprint([z, s], { note: (v) => (v === z ? '(note)' : undefined) });
    expect(text).toBe(
      [
        "Elemwise{mul} [id A] 'z' (note)",
        ' |<float64 vector> [id B]',
        ' |DimShuffle{x} [id C]',
        '   |TensorConstant{2} [id D]',
        'CAReduce{add, axes=[0]} [id E]',
        " |Elemwise{mul} [id A] 'z' (note)",
      ].join('\n'),
    );
  });

  it('labels tags past Z like spreadsheet columns', () => {
    let v = T.dscalar('x');
    for (let i = 0; i < 27; i++) v = T.exp(v);
    const lines = T.debugprint(v).split('\n');
    expect(lines[0]).toBe('Elemwise{exp} [id A]');
    expect(lines[26]).toMatch(/\[id AA\]$/);
    expect(lines[27]).toMatch(/^ +\|x \[id AB\]$/);
  });
});

describe('pp', () => {
  it('prints infix expressions', () => {
    const x = T.dvector('x');
    const w = T.dvector('w');
    const b = T.dscalar('b');
    expect(T.pp(T.add(T.mul(x, w), b.dimshuffle('x')))).toBe('((x * w) + b.dimshuffle("x"))');
    expect(T.pp(T.neg(T.exp(x)))).toBe('(-exp(x))');
    expect(T.pp(T.dot(T.dmatrix('M'), x))).toBe('Dot(M, x)');
    expect(T.pp(T.gt(x, w))).toBe('(x > w)');
    expect(T.pp(x)).toBe('x');
  });
});

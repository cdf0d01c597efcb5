import { describe, expect, it } from 'vitest';
import * as theano from './index';

const T = theano.tensor;

describe('scan and ifelse through the umbrella (the Theano tutorial)', () => {
  it('theano.scan computes A**k (tutorial: power)', () => {
    const k = T.iscalar('k');
    const A = T.dvector('A');
    const [result, updates] = theano.scan((prior, A_) => prior.mul(A_), {
      outputsInfo: T.onesLike(A),
      nonSequences: A,
      nSteps: k,
    });
    const power = theano.function([A, k], (result as theano.Variable).get(-1), { updates });
    expect(power([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2).toArray()).toEqual([
      0, 1, 4, 9, 16, 25, 36, 49, 64, 81,
    ]);
  });
  it('theano.scanModule.until, map, reduce, foldl, foldr, ifelse', () => {
    const x = T.dvector('x');
    const [sq] = theano.map((v) => v.mul(v), x);
    const [tot] = theano.reduce((v, acc) => acc.add(v), x, T.constant(0, undefined, 'float64'));
    const [l] = theano.foldl((v, acc) => acc.mul(2).add(v), x, T.constant(0, undefined, 'float64'));
    const [r] = theano.foldr((v, acc) => acc.mul(2).add(v), x, T.constant(0, undefined, 'float64'));
    const [w] = theano.scan((v) => [v, theano.scanModule.until(v.gt(2))], { sequences: x });
    const f = theano.function([x], [
      sq,
      tot,
      l,
      r,
      w,
      theano.ifelse(x.sum().gt(0), x.mul(10), x),
    ] as theano.Variable[]);
    const out = f([1, 2, 3, 4]).map((a) => a.toArray());
    // foldl: ((((0*2+1)*2+2)*2+3)*2+4) = 26; foldr from the end: (((0*2+4)*2+3)*2+2)*2+1 = 49
    expect(out).toEqual([[1, 4, 9, 16], 10, 26, 49, [1, 2, 3], [10, 20, 30, 40]]);
  });
});

import { describe, expect, it } from 'vitest';
import * as T from '@theano-ts/symbolic';
import { FunctionGraph } from '@theano-ts/symbolic';
import { optimizeGraph } from './optimize-graph';

/** The Scan node of a graph and the op kinds inside its loop body. */
const scanOf = (fg: FunctionGraph) => {
  const node = fg.toposort().find((n) => n.op.kind === 'Scan') as T.Apply<'Scan'>;
  return { node, inner: node.op.params.info.innerOrder.map((n) => n.op.kind) };
};

describe('scan_push_out_non_seq', () => {
  const build = () => {
    const x = T.dmatrix('x');
    const W = T.dmatrix('W');
    const [h] = T.scan(
      (xt: T.Variable, hp: T.Variable, w: T.Variable) => T.tanh(xt.add(hp.dot(w.T.mul(2)))),
      {
        sequences: x,
        outputsInfo: T.zeros([W.shape.get(0)], 'float64'),
        nonSequences: W,
      },
    );
    return { x, W, h: h as T.Variable };
  };
  it('moves w.T * 2 out of the loop (structure)', () => {
    const { x, W, h } = build();
    const fg = new FunctionGraph([x, W], [h]);
    expect(scanOf(fg).inner).toContain('DimShuffle');
    optimizeGraph(fg, { include: ['scan_push_out_non_seq'], mode: 'none' });
    const after = scanOf(fg);
    expect(after.inner).not.toContain('DimShuffle');
    expect(after.inner).toContain('Dot');
    // the product is now computed outside, from W
    const outer = after.node.inputs[after.node.inputs.length - 1];
    expect(outer.owner?.op.kind).toBe('Elemwise');
    expect(T.graphInputs([outer])).toContain(W);
  });
  it('same values with and without the rewrite', () => {
    const { x, W, h } = build();
    const xv = [
      [0.1, 0.2],
      [0.3, -0.4],
      [0.5, 0.6],
    ];
    const wv = [
      [0.5, -0.2],
      [0.3, 0.8],
    ];
    const ref = T.evaluate(
      [h],
      new Map<T.Variable, unknown>([
        [x, xv],
        [W, wv],
      ]),
    )[0];
    const fg = new FunctionGraph([x, W], [h]);
    optimizeGraph(fg, { include: ['scan_push_out_non_seq'], mode: 'none' });
    const got = T.evaluate(
      fg.outputs,
      new Map<T.Variable, unknown>([
        [x, xv],
        [W, wv],
      ]),
    )[0];
    expect(got.toArray()).toEqual(ref.toArray());
  });
});

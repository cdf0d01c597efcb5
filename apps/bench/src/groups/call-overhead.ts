/**
 * Per-call overhead: f(x) = x*2+1 on a scalar, called in a loop with a JS number (and, as a
 * detail, with a 0-d NDArray). Nearly all of the time is the call path: argument check,
 * schedule, output.
 */
import * as theano from 'theano-ts';
import { NDArray } from '@theano-ts/tensor';
import { type Figure, type WorkloadGroup, median } from '../harness';
import { THEANO, THEANO_1_0_5 } from '../reference';

const T = theano.tensor;

function perCallUs(calls: number, rounds: number, call: (i: number) => void): number[] {
  for (let i = 0; i < calls / 10; i++) call(i); // warm up
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) call(i);
    out.push(((performance.now() - t) * 1000) / calls);
  }
  return out;
}

function measure(): Figure {
  const x = T.scalar('x');
  const f = theano.function([x], x.mul(2).add(1));
  let sink = 0;
  const samples = perCallUs(1_000_000, 7, (i) => {
    sink += f(i).data[0];
  });
  const arg = new NDArray(new Float32Array([3]), []);
  const withArray = perCallUs(1_000_000, 5, () => {
    sink += f(arg).data[0];
  });
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return {
    value: median(samples),
    samples,
    details: {
      'argument as a 0-d NDArray (µs, median)': median(withArray),
      'compiled graph': f.maker.schedule
        .map((n) => String(n.outputs[0]).replace(/\.out$/, ''))
        .join('; '),
    },
  };
}

export const callOverheadGroup: WorkloadGroup = {
  id: 'call',
  title: 'Per-call overhead',
  workloads: [
    {
      id: 'scalar-x2p1',
      title: 'f(x) = x*2+1 on a scalar, per call',
      unit: 'µs',
      target: 2,
      impls: { 'theano-ts': measure },
      references: { [THEANO]: { value: THEANO_1_0_5.scalarCallUs, note: 'issue #5' } },
    },
  ],
};

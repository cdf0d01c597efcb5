import * as theano from 'theano-ts';
import { NDArray } from '@theano-ts/tensor';
const T = theano.tensor;
const x = T.ftensor4('x'); const w = T.ftensor4('w');
const f = theano.function([x, w], T.nnet.conv2d(x, w, { borderMode: 'half', filterFlip: false }));
const X = new NDArray(Float32Array.from({ length: 32 * 784 }, () => Math.random()), [32, 1, 28, 28]);
const W = new NDArray(Float32Array.from({ length: 400 }, () => Math.random() - 0.5), [16, 1, 5, 5]);
const sumSq = (a: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * a[i]; return s; };
const ts: number[] = [];
for (let i = 0; i < 150; i++) { const t0 = performance.now(); sumSq((f(X, W) as NDArray).data); ts.push(performance.now() - t0); }
console.log(ts.map((t) => t.toFixed(1)).join(' '));
console.log(f.maker.fgraph.toposort().map((n: any) => n.op.kind).join(','));

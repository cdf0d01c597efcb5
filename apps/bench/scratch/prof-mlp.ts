import * as theano from 'theano-ts';
import { NDArray } from '@theano-ts/tensor';
const T = theano.tensor;
const BATCH = 128, IN = 784, HID = 256, OUT = 10, LR = 0.1;
const u = (n: number, s: number, lo: number, hi: number) => { let x = s; const a = new Float32Array(n); for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) % 2147483648; a[i] = lo + (hi - lo) * (x / 2147483648); } return a; };
const p = {
  W1: theano.shared(new NDArray(u(IN * HID, 5, -0.05, 0.05), [IN, HID]), 'W1'),
  b1: theano.shared(new NDArray(new Float32Array(HID), [HID]), 'b1'),
  W2: theano.shared(new NDArray(u(HID * OUT, 6, -0.1, 0.1), [HID, OUT]), 'W2'),
  b2: theano.shared(new NDArray(new Float32Array(OUT), [OUT]), 'b2'),
};
const x = T.fmatrix('x'); const y = T.ivector('y');
const h = T.nnet.relu(T.dot(x, p.W1).add(p.b1));
const probs = T.nnet.softmax(T.dot(h, p.W2).add(p.b2));
const loss = T.mean(T.nnet.categoricalCrossentropy(probs, y));
const params = [p.W1, p.b1, p.W2, p.b2];
const grads = theano.grad(loss, params);
const prof = process.argv.includes('--profile');
const step = theano.function([x, y], loss, { profile: prof, updates: params.map((q, i) => [q, q.sub(grads[i].mul(LR))] as const) });
const X = new NDArray(u(BATCH * IN, 4, 0, 1), [BATCH, IN]);
const Y = new NDArray(Int32Array.from({ length: BATCH }, (_, i) => (i * 7 + 3) % OUT), [BATCH]);
for (let i = 0; i < 20; i++) step(X, Y);
const ts: number[] = [];
for (let i = 0; i < 200; i++) { const t0 = performance.now(); step(X, Y); ts.push(performance.now() - t0); }
ts.sort((a, b) => a - b);
console.log('median', ts[100].toFixed(3), 'min', ts[0].toFixed(3), 'mean', (ts.reduce((a, b) => a + b) / ts.length).toFixed(3), 'p90', ts[180].toFixed(3), 'max', ts[199].toFixed(3));
if (prof) console.log(step.profile!.summary({ top: 15 }));
if (process.argv.includes('--graph')) console.log(theano.printing ? '' : '', (step as any).maker.fgraph.toposort().map((n: any) => n.op.toString() + ' <- ' + n.inputs.map((i: any) => i.type.toString()).join(', ')).join('\n'));

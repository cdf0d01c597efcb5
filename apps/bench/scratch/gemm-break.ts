(globalThis as any).T = { packA: 0, packB: 0, kern: 0, out: 0 };
import { gemm } from '../../../packages/backend-cpu/src/gemm';
const r = (n: number) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random(); return a; };
const x = r(128 * 784), W = r(784 * 256), g = r(128 * 256);
const fwdA = { data: x, offset: 0, rows: 128, cols: 784, s0: 784, s1: 1 };
const fwdB = { data: W, offset: 0, rows: 784, cols: 256, s0: 256, s1: 1 };
const bwdA = { data: x, offset: 0, rows: 784, cols: 128, s0: 1, s1: 784 };
const bwdB = { data: g, offset: 0, rows: 128, cols: 256, s0: 256, s1: 1 };
const sq = r(1024 * 1024), sq2 = r(1024 * 1024);
const sqA = { data: sq, offset: 0, rows: 1024, cols: 1024, s0: 1024, s1: 1 };
const sqB = { data: sq2, offset: 0, rows: 1024, cols: 1024, s0: 1024, s1: 1 };
function t(name: string, f: () => void, n = 100) {
  for (let i = 0; i < 10; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b);
  console.log(name.padEnd(30), 'median', ts[n >> 1].toFixed(3), 'min', ts[0].toFixed(3));
}
t('fwd 128x784x256', () => gemm(fwdA, fwdB, 'float32'));
t('fwd + epilogue z=W', () => gemm(fwdA, fwdB, 'float32', { z: g, offset: 0, alpha: 1, beta: 1 }));
t('bwd xT g 784x128x256', () => gemm(bwdA, bwdB, 'float32'));
t('bwd + epilogue z=W', () => gemm(bwdA, bwdB, 'float32', { z: W, offset: 0, alpha: -0.1, beta: 1 }));
t('sq 1024', () => gemm(sqA, sqB, 'float32'), 10);
const G = (globalThis as any);
for (const [name, f] of [['fwd', () => gemm(fwdA, fwdB, 'float32')], ['bwd+epi', () => gemm(bwdA, bwdB, 'float32', { z: W, offset: 0, alpha: -0.1, beta: 1 })]] as const) {
  G.T = { packA: 0, packB: 0, kern: 0, out: 0 };
  for (let i = 0; i < 100; i++) f();
  console.log(name, Object.entries(G.T).map(([k, v]) => `${k} ${((v as number) / 100).toFixed(3)}`).join('  '));
}

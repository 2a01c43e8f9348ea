import { defineConfig } from 'vitest/config';

// One project per package plus cross-package tests. Packages are consumed from source
// through the "@edgefed/source" export condition, so no build step is needed to test.
const common = {
  resolve: { conditions: ['@edgefed/source'] },
  ssr: { resolve: { conditions: ['@edgefed/source'] } },
};

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { ...common, test: { name: 'shared', root: './shared', include: ['src/**/*.test.ts'] } },
      { ...common, test: { name: 'client', root: './client', include: ['src/**/*.test.ts'] } },
      { ...common, test: { name: 'coordinator', root: './coordinator', include: ['src/**/*.test.ts'] } },
      {
        ...common,
        test: {
          name: 'integration',
          root: './tests',
          include: ['**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

// One project per package plus cross-package tests. Packages are consumed from source
// through the "@edgefed/source" export condition, so no build step is needed to test.
const common = {
  resolve: { conditions: ['@edgefed/source'] },
  ssr: { resolve: { conditions: ['@edgefed/source'] } },
};
// Unit tests get 30 s instead of vitest's 5 s: several read all of MNIST or compile a real
// model, which takes seconds on a busy 2-core machine. A hung test still fails.
const unit = { testTimeout: 30_000, hookTimeout: 30_000 };

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { ...common, test: { ...unit, name: 'shared', root: './shared', include: ['src/**/*.test.ts'] } },
      { ...common, test: { ...unit, name: 'client', root: './client', include: ['src/**/*.test.ts'] } },
      {
        ...common,
        test: { ...unit, name: 'coordinator', root: './coordinator', include: ['src/**/*.test.ts'] },
      },
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

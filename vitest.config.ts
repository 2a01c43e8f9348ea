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
const slow = { testTimeout: 120_000, hookTimeout: 120_000 };

/**
 * Test files that drive headless Chromium. Chromium (and SwiftShader's WebGPU, which runs
 * on the CPU) already uses every core, so these run one file at a time, after the rest.
 */
const BROWSER = [
  'browser/**/*.test.ts',
  'dashboard/**/*.test.ts',
  'cluster/dashboard*.test.ts',
  'runtime/webgpu*.test.ts',
];

// Scheduling on the 2-core CI machine (vitest's default is one worker per core minus one,
// i.e. one): the package unit tests and the Node-only cross-package tests each run two
// files at a time, because most of their time is spent waiting (sockets, timers, file
// I/O), not computing; then the browser group runs alone, one file at a time. Groups run
// in `sequence.groupOrder` order and projects of one group share one worker count.
const twoAtATime = { maxWorkers: 2, sequence: { groupOrder: 0 } };
const browserGroup = { maxWorkers: 1, sequence: { groupOrder: 1 } };

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        ...common,
        test: { ...unit, ...twoAtATime, name: 'shared', root: './shared', include: ['src/**/*.test.ts'] },
      },
      {
        ...common,
        test: { ...unit, ...twoAtATime, name: 'client', root: './client', include: ['src/**/*.test.ts'] },
      },
      {
        ...common,
        test: {
          ...unit,
          ...twoAtATime,
          name: 'coordinator',
          root: './coordinator',
          include: ['src/**/*.test.ts'],
        },
      },
      {
        ...common,
        test: {
          ...slow,
          ...twoAtATime,
          name: 'integration',
          root: './tests',
          include: ['**/*.test.ts'],
          exclude: BROWSER,
        },
      },
      {
        ...common,
        test: { ...slow, ...browserGroup, name: 'browser', root: './tests', include: BROWSER },
      },
    ],
  },
});

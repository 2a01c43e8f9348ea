import { describe, expect, it } from 'vitest';
import { compileOptionsFor, defaultStepsPerRun, fitSettings } from './task-settings.js';

describe('defaultStepsPerRun', () => {
  it('unrolls 8 steps on onnxruntime-node for batches up to 32', () => {
    expect(defaultStepsPerRun('node', 10)).toBe(8);
    expect(defaultStepsPerRun('node', 32)).toBe(8);
    expect(defaultStepsPerRun('node', 33)).toBe(1);
  });

  it('keeps one step per run on the browser backends', () => {
    expect(defaultStepsPerRun('wasm', 10)).toBe(1);
    expect(defaultStepsPerRun('webgpu', 10)).toBe(1);
  });

  it('is what the compile options carry', () => {
    const h = { batchSize: 10, optimizer: 'sgd' };
    expect(fitSettings(h, 1, defaultStepsPerRun('node', 10)).compile.stepsPerRun).toBe(8);
    const one = compileOptionsFor({
      optimizer: 'sgd',
      momentum: 0,
      weightDecay: 0,
      proximalMu: 0,
      stepsPerRun: 1,
    });
    expect(one.stepsPerRun).toBeUndefined();
  });
});

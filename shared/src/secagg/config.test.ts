/** The secureAggregation config: defaults, validation, and resolution for a roster size. */
import { describe, expect, it } from 'vitest';
import { autoNeighbours, autoThreshold, parseSecAggConfig, resolveSecAggParams } from './config.js';
import { neighbourGraph } from './graph.js';
import { expandMask } from './prg.js';
import { dequantizeMean, quantize } from './quantize.js';
import { shamirCombine, shamirSplit } from './shamir.js';
import { codeOf } from './test-util.js';
import type { SecAggHelpers } from './types.js';

// the helpers implement the signatures types.ts publishes (a compile-time check)
const helpers = {
  resolveSecAggParams,
  neighbourGraph,
  quantize,
  dequantizeMean,
  expandMask,
  shamirSplit,
  shamirCombine,
} satisfies SecAggHelpers;

describe('secureAggregation config', () => {
  it('has safe defaults and resolves auto k and t', () => {
    const config = parseSecAggConfig({});
    expect(config).toEqual({
      neighbours: 'auto',
      threshold: 'auto',
      clipRange: 2,
      maxWeight: 10_000,
      maxClients: 1000,
    });
    expect(resolveSecAggParams(config, 100)).toMatchObject({ neighbours: 21, threshold: 8 });
    expect(resolveSecAggParams(config, 1000)).toMatchObject({ neighbours: 30, threshold: 11 });
    expect(resolveSecAggParams(config, 5)).toMatchObject({ neighbours: 4, threshold: 3 });
    expect(autoNeighbours(3)).toBe(2);
    expect(autoThreshold(2)).toBe(2);
    expect(Object.keys(helpers)).toHaveLength(7);
  });

  it('lowers an explicit k above n - 1 to full SecAgg', () => {
    const config = parseSecAggConfig({ neighbours: 50, threshold: 30 });
    expect(resolveSecAggParams(config, 10)).toMatchObject({ neighbours: 9, threshold: 9 });
  });

  it('rejects bad values with INVALID_CONFIG', async () => {
    for (const bad of [
      { neighbours: 1 },
      { threshold: 10, neighbours: 5 },
      { clipRange: 0 },
      { maxWeight: 10_000_000, maxClients: 1000 },
      { unknown: 1 },
      { neighbours: 'some' },
    ]) {
      expect(await codeOf(() => parseSecAggConfig(bad))).toBe('INVALID_CONFIG');
    }
  });

  it('refuses rounds below 3 clients or above maxClients', async () => {
    const config = parseSecAggConfig({ maxClients: 10 });
    expect(await codeOf(() => resolveSecAggParams(config, 2))).toBe('SECAGG_TOO_FEW_SURVIVORS');
    expect(await codeOf(() => resolveSecAggParams(config, 11))).toBe('INVALID_CONFIG');
  });
});

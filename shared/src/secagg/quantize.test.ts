/** Fixed point: no overflow at maxClients, the mean within the stated bound, clipping. */
import { describe, expect, it } from 'vitest';
import { resolveSecAggParams, parseSecAggConfig } from './config.js';
import { dequantizeMean, fixedPoint, quantizationErrorBound, quantize } from './quantize.js';
import { codeOf, plainQuantizedSum, seededInputs } from './test-util.js';

describe('quantize / dequantizeMean', () => {
  it('cannot overflow: maxClients inputs at the extremes sum below 2^32', () => {
    const params = resolveSecAggParams(parseSecAggConfig({ maxClients: 1000, clipRange: 2 }), 1000);
    const top = quantize(Float32Array.from([1e9, 2, -2, -1e9]), 1e12, params);
    const { zero } = fixedPoint(params);
    expect(Array.from(top)).toEqual([2 * zero, 2 * zero, 0, 0, params.maxWeight]);
    expect(2 * zero * params.maxClients).toBeLessThanOrEqual(2 ** 32 - 1);
    expect(params.maxWeight * params.maxClients).toBeLessThanOrEqual(2 ** 32 - 1);
  });

  it('gives the weighted mean of the clipped updates within the quantization error bound', () => {
    const params = resolveSecAggParams(parseSecAggConfig({ clipRange: 1 }), 50);
    const inputs = seededInputs(50, 256, 11);
    const ids = [...inputs.keys()];
    const sum = plainQuantizedSum(inputs, ids, params);
    const weightSum = sum[256] ?? 0;
    const mean = dequantizeMean(sum.subarray(0, 256), weightSum, ids.length, params);
    const bound = quantizationErrorBound(params, ids.length, weightSum);
    let worst = 0;
    for (let j = 0; j < 256; j++) {
      let exact = 0;
      for (const { update, weight } of inputs.values()) {
        exact += Math.min(1, Math.max(-1, update[j] ?? 0)) * Math.round(weight);
      }
      exact /= weightSum;
      const err = Math.abs((mean[j] ?? 0) - exact);
      worst = Math.max(worst, err);
      expect(err).toBeLessThanOrEqual(bound + Math.abs(exact) * 2 ** -23);
    }
    expect(bound).toBeLessThan(1e-3);
    expect(worst).toBeGreaterThan(0); // the comparison is not vacuous: rounding did happen
  });

  it('clips the weight into [0, maxWeight] and rejects non-finite input', async () => {
    const params = resolveSecAggParams(parseSecAggConfig({ maxWeight: 100 }), 10);
    expect(quantize(new Float32Array(1), 1e15, params)[1]).toBe(100);
    expect(quantize(new Float32Array(1), -5, params)[1]).toBe(0);
    expect(quantize(new Float32Array(1), 7.4, params)[1]).toBe(7);
    expect(await codeOf(() => quantize(Float32Array.from([NaN]), 1, params))).toBe('NON_FINITE');
    expect(await codeOf(() => quantize(new Float32Array(1), Infinity, params))).toBe('NON_FINITE');
    expect(await codeOf(() => dequantizeMean(new Uint32Array(1), 0, 3, params))).toBe('INVALID_ARGUMENT');
  });
});

/** Label-weighted per-client test accuracy against hand-computed values. */
import { describe, expect, it } from 'vitest';
import { classificationReport } from '@edgefed/shared';
import { clientAccuracyDistribution, labelWeightedAccuracies } from './client-accuracy.js';

// class 0: 9 of 10 right; class 1: 5 of 10 right
const report = classificationReport({ numClasses: 2, counts: [9, 1, 5, 5] });

describe('label-weighted client accuracy', () => {
  it('weights per-class test accuracy by each client’s label histogram', () => {
    const clients = [
      { count: 10, labelHistogram: [10, 0] },
      { count: 4, labelHistogram: [1, 3] },
      { count: 0, labelHistogram: [0, 0] },
    ];
    const acc = labelWeightedAccuracies(report, clients) ?? [];
    expect(acc).toHaveLength(2);
    expect(acc[0]).toBeCloseTo(0.9);
    expect(acc[1]).toBeCloseTo(0.25 * 0.9 + 0.75 * 0.5);
    const d = clientAccuracyDistribution(report, clients);
    expect(d?.worst10Mean).toBeCloseTo(0.6);
    expect(d?.clients).toBe(2);
  });

  it('gives nothing when histograms do not match the classes', () => {
    expect(labelWeightedAccuracies(report, [{ count: 1, labelHistogram: [1, 0, 0] }])).toBeUndefined();
    expect(clientAccuracyDistribution(report, [{ count: 1, labelHistogram: [1] }])).toBeUndefined();
  });
});

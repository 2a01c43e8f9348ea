/** Confusion matrices, per-class metrics and client distributions against hand-computed values. */
import { describe, expect, it } from 'vitest';
import { accumulateConfusion, classificationReport, emptyConfusion } from './confusion.js';
import { clientDistribution, quantile } from './client-distribution.js';

describe('confusion matrix', () => {
  it('counts (label, argmax) pairs, skips -1 and breaks ties to the lower class', () => {
    const counts = emptyConfusion(3);
    // rows: label 0 -> pred 0; label 1 -> pred 2; label 2 -> pred 2; ignored; label 1 tie(0,1) -> 0
    const logits = [5, 1, 0, 0, 1, 3, 0, 0, 9, 9, 9, 9, 2, 2, 1];
    accumulateConfusion(counts, logits, [0, 1, 2, -1, 1], 3);
    expect([...counts]).toEqual([1, 0, 0, 1, 0, 1, 0, 0, 1]);
  });

  it('derives precision, recall and per-class accuracy', () => {
    const r = classificationReport({ numClasses: 2, counts: [8, 2, 1, 9] });
    expect(r.examples).toBe(20);
    expect(r.accuracy).toBeCloseTo(17 / 20);
    expect(r.perClass[0]).toMatchObject({ support: 10, predicted: 9, recall: 0.8, accuracy: 0.8 });
    expect(r.perClass[0]?.precision).toBeCloseTo(8 / 9);
    expect(r.perClass[1]).toMatchObject({ support: 10, predicted: 11, recall: 0.9 });
    expect(r.perClass[1]?.precision).toBeCloseTo(9 / 11);
  });

  it('reports 0 precision/recall for an empty class, and refuses bad input', () => {
    const r = classificationReport({ numClasses: 2, counts: [3, 0, 0, 0] });
    expect(r.perClass[1]).toMatchObject({ support: 0, predicted: 0, precision: 0, recall: 0 });
    expect(() => classificationReport({ numClasses: 2, counts: [1, 2, 3] })).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
    expect(() => classificationReport({ numClasses: 2, counts: [1, -2, 3, 4] })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => accumulateConfusion(emptyConfusion(2), [1, 2], [5], 2)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => accumulateConfusion(emptyConfusion(2), [1, 2, 3], [0], 2)).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
    expect(() => emptyConfusion(1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('client distribution', () => {
  it('matches numpy-style percentiles and the worst-10% mean', () => {
    const values = [0.9, 0.1, 0.5, 0.7, 0.3, 0.8, 0.6, 0.4, 0.2, 1.0, 0.95];
    const d = clientDistribution(values, { higherIsBetter: true });
    // numpy.percentile(values, 10) == 0.2 ; worst ceil(11/10)=2 clients: 0.1, 0.2
    expect(d.p10).toBeCloseTo(0.2);
    expect(d.worst10Mean).toBeCloseTo(0.15);
    expect(d.median).toBeCloseTo(0.6);
    expect(d.min).toBe(0.1);
    expect(d.max).toBe(1);
    expect(d.histogram.counts.reduce((a, b) => a + b, 0)).toBe(11);
    expect(d.histogram.counts[9]).toBe(3); // 0.9, 0.95 and 1.0 (the last bin is closed)
    expect(d.histogram.edges).toHaveLength(11);
    expect(quantile([1, 2, 3, 4], 0.1)).toBeCloseTo(1.3);
  });

  it('takes the high end as the worst for loss, and refuses empty or non-finite input', () => {
    const d = clientDistribution([1, 2, 3], { higherIsBetter: false, bins: 2 });
    expect(d.worst10Mean).toBe(3);
    expect(d.histogram).toEqual({ edges: [1, 2, 3], counts: [1, 2] });
    expect(d.std).toBeCloseTo(Math.sqrt(2 / 3));
    expect(() => clientDistribution([], { higherIsBetter: true })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => clientDistribution([Number.NaN], { higherIsBetter: true })).toThrow(
      expect.objectContaining({ code: 'NON_FINITE' }),
    );
  });
});

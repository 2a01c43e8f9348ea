import { describe, expect, it } from 'vitest';
import { partitionDirichlet } from './dirichlet.js';
import { partitionIid } from './iid.js';
import { partitionReport } from './report.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

/** 10 balanced classes, 6,000 examples (600 per class). */
const labels = Uint8Array.from({ length: 6000 }, (_, i) => i % 10);

const skewOf = (alpha: number, seed: number) =>
  partitionReport(labels, partitionDirichlet(labels, { numClients: 20, alpha, seed, minSize: 0 })).summary;

describe('partitionDirichlet label skew (measured)', () => {
  it('small alpha is strongly skewed, large alpha is close to IID', () => {
    const iid = partitionReport(labels, partitionIid(labels.length, { numClients: 20, seed: 1 })).summary;
    for (const seed of [1, 2, 3]) {
      const small = skewOf(0.1, seed);
      const large = skewOf(1000, seed);
      // alpha = 0.1: most of a client's data comes from few classes.
      expect(small.meanLabelDistance).toBeGreaterThan(0.5);
      expect(small.meanDistinctLabels).toBeLessThan(6);
      // alpha = 1000: no more skewed than a random IID split (measured ~0.07 here); the split
      // is stratified per class, so it even beats IID's sampling noise (~0.012 here).
      expect(large.meanLabelDistance).toBeLessThanOrEqual(iid.meanLabelDistance);
      expect(large.meanLabelDistance).toBeLessThan(0.03);
      expect(large.meanDistinctLabels).toBe(10);
    }
  });

  it('skew decreases monotonically with alpha', () => {
    const distances = [0.05, 0.3, 1, 10, 100].map((alpha) => skewOf(alpha, 9).meanLabelDistance);
    for (let i = 1; i < distances.length; i++) expect(distances[i]).toBeLessThan(distances[i - 1]!);
  });

  it('handles tiny alphas without NaN', () => {
    const s = skewOf(1e-3, 4);
    expect(s.assignedExamples).toBe(6000);
    expect(s.meanDistinctLabels).toBeLessThanOrEqual(2);
  });
});

describe('partitionDirichlet minimum size', () => {
  it('with the default minSize of 1 no client is empty', () => {
    const { summary } = partitionReport(labels, partitionDirichlet(labels, { numClients: 50, alpha: 0.5, seed: 5 }));
    expect(summary.emptyClients).toBe(0);
  });

  it('minSize 0 allows empty clients (reported)', () => {
    const { summary } = partitionReport(
      labels,
      partitionDirichlet(labels, { numClients: 200, alpha: 0.01, seed: 5, minSize: 0 }),
    );
    expect(summary.emptyClients).toBeGreaterThan(0);
  });

  it('redraws until every client has minSize, and fails cleanly when it cannot', () => {
    const p = partitionDirichlet(labels, { numClients: 10, alpha: 0.5, seed: 2, minSize: 100 });
    expect(partitionReport(labels, p).summary.minCount).toBeGreaterThanOrEqual(100);
    expect(() =>
      partitionDirichlet(labels, { numClients: 200, alpha: 0.01, seed: 5, minSize: 20, maxAttempts: 5 }),
    ).toThrow(code('FAILED_PRECONDITION'));
  });

  it('rejects bad arguments', () => {
    const bad = [
      { numClients: 10, alpha: 0, seed: 0 },
      { numClients: 10, alpha: -1, seed: 0 },
      { numClients: 10, alpha: Number.NaN, seed: 0 },
      { numClients: 6001, alpha: 1, seed: 0 },
      { numClients: 10, alpha: 1, seed: 0, minSize: 601 },
      { numClients: 10, alpha: 1, seed: 0, maxAttempts: 0 },
      { numClients: 10, alpha: 1, seed: 0.5 },
    ];
    for (const options of bad) expect(() => partitionDirichlet(labels, options)).toThrow(code('INVALID_ARGUMENT'));
  });
});

import { describe, expect, it } from 'vitest';
import { partitionQuantitySkew } from './quantity-skew.js';
import { partitionReport } from './report.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;
const labels = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 3) % 10);

const summaryOf = (sizes: Parameters<typeof partitionQuantitySkew>[1]['sizes'], minSize?: number) =>
  partitionReport(
    labels,
    partitionQuantitySkew(labels.length, { numClients: 50, seed: 8, sizes, ...(minSize === undefined ? {} : { minSize }) }),
  ).summary;

describe('partitionQuantitySkew', () => {
  it('skews sizes more for smaller alpha / exponent (measured by the std of client sizes)', () => {
    const dirSmall = summaryOf({ kind: 'dirichlet', alpha: 0.2 });
    const dirLarge = summaryOf({ kind: 'dirichlet', alpha: 100 });
    expect(dirSmall.stdCount).toBeGreaterThan(3 * dirLarge.stdCount);
    const heavy = summaryOf({ kind: 'power-law', exponent: 0.8 });
    const light = summaryOf({ kind: 'power-law', exponent: 5 });
    expect(heavy.stdCount).toBeGreaterThan(2 * light.stdCount);
    expect(heavy.maxCount).toBeGreaterThan(5 * heavy.meanCount);
  });

  it('keeps labels IID: large clients match the global label distribution', () => {
    const p = partitionQuantitySkew(labels.length, { numClients: 20, seed: 2, sizes: { kind: 'dirichlet', alpha: 1 } });
    const { clients } = partitionReport(labels, p);
    for (const c of clients.filter((x) => x.count >= 500)) expect(c.labelDistance).toBeLessThan(0.08);
  });

  it('honours minSize, and survives exponents so small that draws overflow', () => {
    expect(summaryOf({ kind: 'dirichlet', alpha: 0.05 }, 30).minCount).toBeGreaterThanOrEqual(30);
    const s = summaryOf({ kind: 'power-law', exponent: 0.01 });
    expect(s.assignedExamples).toBe(10_000);
    expect(s.minCount).toBeGreaterThanOrEqual(1);
    expect(summaryOf({ kind: 'dirichlet', alpha: 0.01 }, 0).assignedExamples).toBe(10_000);
  });

  it('rejects bad arguments', () => {
    const run = (o: Partial<Parameters<typeof partitionQuantitySkew>[1]>, n = 100) => () =>
      partitionQuantitySkew(n, { numClients: 10, seed: 0, sizes: { kind: 'dirichlet', alpha: 1 }, ...o });
    expect(run({ sizes: { kind: 'dirichlet', alpha: 0 } })).toThrow(code('INVALID_ARGUMENT'));
    expect(run({ sizes: { kind: 'power-law', exponent: -2 } })).toThrow(code('INVALID_ARGUMENT'));
    expect(run({ numClients: 101 })).toThrow(code('INVALID_ARGUMENT'));
    expect(run({ minSize: 11 })).toThrow(code('INVALID_ARGUMENT'));
    expect(run({}, 2.5)).toThrow(code('INVALID_ARGUMENT'));
  });
});

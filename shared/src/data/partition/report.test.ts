import { describe, expect, it } from 'vitest';
import { clientIndices, clientSize, partitionFromLists, validatePartition } from './partition.js';
import { partitionReport } from './report.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

describe('partitionReport', () => {
  it('counts examples and labels per client and summarizes them', () => {
    const labels = Uint8Array.from([0, 0, 1, 1, 2, 2]);
    const p = partitionFromLists([[0, 1], [2, 4, 3, 5], []]);
    const { clients, summary } = partitionReport(labels, p);
    expect(clients.map((c) => c.count)).toEqual([2, 4, 0]);
    expect([...clients[1]!.labelHistogram]).toEqual([0, 2, 2]);
    expect(clients[0]!.labelDistance).toBeCloseTo(2 / 3, 10); // 0.5 * (|1 - 1/3| + 1/3 + 1/3)
    expect(clients[1]!.labelDistance).toBeCloseTo(1 / 3, 10);
    expect(clients[2]!.labelDistance).toBe(0);
    expect(summary).toMatchObject({
      numClients: 3,
      numClasses: 3,
      assignedExamples: 6,
      emptyClients: 1,
      minCount: 0,
      maxCount: 4,
      meanCount: 2,
      meanDistinctLabels: 1.5,
      maxDistinctLabels: 2,
    });
    expect(summary.stdCount).toBeCloseTo(Math.sqrt(8 / 3), 10);
    expect(summary.meanLabelDistance).toBeCloseTo(0.5, 10);
  });

  it('rejects indices outside the labels', () => {
    expect(() => partitionReport(Uint8Array.from([0]), partitionFromLists([[1]]))).toThrow(code('INVALID_ARGUMENT'));
  });
});

describe('partition helpers', () => {
  it('clientIndices is a bounds-checked view', () => {
    const p = partitionFromLists([[2], [0, 1]]);
    expect([...clientIndices(p, 1)]).toEqual([0, 1]);
    expect(clientIndices(p, 1).buffer).toBe(p.indices.buffer);
    expect(clientSize(p, 0)).toBe(1);
    expect(() => clientIndices(p, 2)).toThrow(code('INVALID_ARGUMENT'));
  });

  it('validatePartition finds duplicates, out-of-range and unassigned examples', () => {
    expect(() => {
      validatePartition(partitionFromLists([[0, 1], [2]]), 3);
    }).not.toThrow();
    expect(() => {
      validatePartition(partitionFromLists([[0, 1], [1]]), 3);
    }).toThrow(code('INVALID_ARGUMENT'));
    expect(() => {
      validatePartition(partitionFromLists([[0, 3]]), 3);
    }).toThrow(code('INVALID_ARGUMENT'));
    expect(() => {
      validatePartition(partitionFromLists([[0, 1]]), 3);
    }).toThrow(code('INVALID_ARGUMENT'));
    expect(() => {
      validatePartition(partitionFromLists([[0, 1]]), 3, true);
    }).not.toThrow();
    const broken = { numClients: 2, indices: new Uint32Array(1), offsets: Uint32Array.from([0, 2, 1]) };
    expect(() => {
      validatePartition(broken, 2);
    }).toThrow(code('INVALID_ARGUMENT'));
  });
});

import { describe, expect, it } from 'vitest';
import { evenSizes, partitionIid } from './iid.js';
import { clientIndices } from './partition.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

describe('partitionIid', () => {
  it('gives sizes that differ by at most one, larger first', () => {
    const p = partitionIid(10, { numClients: 4, seed: 3 });
    expect([0, 1, 2, 3].map((c) => clientIndices(p, c).length)).toEqual([3, 3, 2, 2]);
    expect([...evenSizes(7, 7)]).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('actually shuffles', () => {
    const p = partitionIid(1000, { numClients: 1, seed: 3 });
    let inPlace = 0;
    p.indices.forEach((x, i) => {
      if (x === i) inPlace++;
    });
    expect(inPlace).toBeLessThan(10);
  });

  it('rejects more clients than examples and bad counts', () => {
    expect(() => partitionIid(3, { numClients: 4, seed: 0 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => partitionIid(0, { numClients: 1, seed: 0 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => partitionIid(-1, { numClients: 1, seed: 0 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => partitionIid(10, { numClients: 2.5, seed: 0 })).toThrow(code('INVALID_ARGUMENT'));
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionReport } from './report.js';
import { clientIndices } from './partition.js';
import { partitionShards } from './shards.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

describe('partitionShards', () => {
  it('MNIST-like setting: each client gets shardsPerClient * shardSize examples of <= shardsPerClient labels', () => {
    // Class sizes are multiples of the shard size, so no shard straddles two classes.
    const arb = fc.record({
      numClients: fc.integer({ min: 1, max: 30 }),
      shardsPerClient: fc.integer({ min: 1, max: 4 }),
      shardSize: fc.integer({ min: 1, max: 20 }),
      seed: fc.integer(),
      classWeights: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 10 }),
    });
    fc.assert(
      fc.property(arb, ({ numClients, shardsPerClient, shardSize, seed, classWeights }) => {
        const numShards = numClients * shardsPerClient;
        // Hand out the shards to classes round-robin by weight: class sizes stay shard multiples.
        const labels: number[] = [];
        for (let s = 0, k = 0; s < numShards; k = (k + 1) % classWeights.length) {
          for (let w = 0; w < classWeights[k]! && s < numShards; w++, s++) {
            for (let j = 0; j < shardSize; j++) labels.push(k);
          }
        }
        const shuffled = Int32Array.from(labels).reverse();
        const p = partitionShards(shuffled, { numClients, shardsPerClient, seed });
        const report = partitionReport(shuffled, p);
        for (const client of report.clients) {
          expect(client.count).toBe(shardsPerClient * shardSize);
          expect(client.distinctLabels).toBeLessThanOrEqual(shardsPerClient);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('reproduces the FedAvg paper split: 60k examples, 100 clients, 200 shards of 300', () => {
    const labels = Uint8Array.from({ length: 60_000 }, (_, i) => (i * 7) % 10); // 6,000 per class
    const p = partitionShards(labels, { numClients: 100, shardsPerClient: 2, seed: 1 });
    const { summary, clients } = partitionReport(labels, p);
    expect(summary).toMatchObject({ numClients: 100, minCount: 600, maxCount: 600, maxDistinctLabels: 2 });
    // Each client's examples come in two label-sorted runs of 300.
    const first = clientIndices(p, 0);
    expect(new Set(Array.from(first.subarray(0, 300), (i) => labels[i])).size).toBe(1);
    expect(clients.filter((c) => c.distinctLabels === 1).length).toBeLessThan(30);
  });

  it('rejects shard counts that do not divide the data, and bad counts', () => {
    const labels = new Uint8Array(100);
    expect(() => partitionShards(labels, { numClients: 3, shardsPerClient: 2, seed: 0 })).toThrow(
      code('INVALID_ARGUMENT'),
    );
    expect(() => partitionShards(labels, { numClients: 101, shardsPerClient: 1, seed: 0 })).toThrow(
      code('INVALID_ARGUMENT'),
    );
    expect(() => partitionShards(labels, { numClients: 0, shardsPerClient: 2, seed: 0 })).toThrow(
      code('INVALID_ARGUMENT'),
    );
    expect(() => partitionShards(labels, { numClients: 10, shardsPerClient: 1.5, seed: 0 })).toThrow(
      code('INVALID_ARGUMENT'),
    );
    expect(() => partitionShards(Int32Array.from([0, -1]), { numClients: 1, shardsPerClient: 1, seed: 0 })).toThrow(
      code('INVALID_ARGUMENT'),
    );
  });
});

// One conformance suite that every seeded partitioner passes: each example assigned
// exactly once, results a pure function of (labels, options, seed), and seeds matter.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionDataset, type PartitionSpec } from './partition-spec.js';
import { clientIndices, type Partition } from './partition.js';

/** Independent check: every index in [0, n) appears exactly once across clients. */
function expectExactlyOnce(partition: Partition, n: number): void {
  const seen = new Uint32Array(n);
  for (let c = 0; c < partition.numClients; c++) {
    for (const i of clientIndices(partition, c)) {
      expect(i).toBeLessThan(n);
      seen[i] = seen[i]! + 1;
    }
  }
  expect(seen.every((k) => k === 1)).toBe(true);
}

const same = (a: Partition, b: Partition): boolean =>
  a.numClients === b.numClients &&
  a.indices.length === b.indices.length &&
  a.indices.every((x, i) => x === b.indices[i]) &&
  a.offsets.every((x, i) => x === b.offsets[i]);

/** Labels of length n over `numClasses` classes, and a number of clients that fits. */
const arbCase = (minN: number) =>
  fc
    .record({
      n: fc.integer({ min: minN, max: 400 }),
      numClasses: fc.integer({ min: 1, max: 10 }),
      labelSeed: fc.integer(),
      seed: fc.integer(),
    })
    .chain(({ n, numClasses, labelSeed, seed }) =>
      fc.record({
        labels: fc.constant(Int32Array.from({ length: n }, (_, i) => Math.abs((i * 7919 + labelSeed) % numClasses))),
        numClients: fc.integer({ min: 1, max: Math.min(n, 30) }),
        seed: fc.constant(seed),
      }),
    );

type SpecOf = (numClients: number, seed: number) => PartitionSpec;

const seeded: [string, SpecOf][] = [
  ['iid', (numClients, seed) => ({ kind: 'iid', numClients, seed })],
  ['dirichlet 0.1', (numClients, seed) => ({ kind: 'dirichlet', numClients, seed, alpha: 0.1, minSize: 0 })],
  ['dirichlet 10', (numClients, seed) => ({ kind: 'dirichlet', numClients, seed, alpha: 10, minSize: 0 })],
  [
    'quantity-skew dirichlet',
    (numClients, seed) => ({ kind: 'quantity-skew', numClients, seed, sizes: { kind: 'dirichlet', alpha: 0.5 } }),
  ],
  [
    'quantity-skew power-law',
    (numClients, seed) => ({ kind: 'quantity-skew', numClients, seed, sizes: { kind: 'power-law', exponent: 1.2 } }),
  ],
];

describe.each(seeded)('%s partitioner', (_name, specOf) => {
  it('assigns every example exactly once', () => {
    fc.assert(
      fc.property(arbCase(1), ({ labels, numClients, seed }) => {
        const p = partitionDataset({ labels }, specOf(numClients, seed));
        expect(p.numClients).toBe(numClients);
        expectExactlyOnce(p, labels.length);
      }),
      { numRuns: 60 },
    );
  });

  it('is deterministic by seed, and different seeds differ', () => {
    fc.assert(
      fc.property(arbCase(30), ({ labels, numClients, seed }) => {
        const a = partitionDataset({ labels }, specOf(numClients, seed));
        expect(same(a, partitionDataset({ labels }, specOf(numClients, seed)))).toBe(true);
        expect(same(a, partitionDataset({ labels }, specOf(numClients, seed + 1)))).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});

describe('shards partitioner (conformance)', () => {
  const arbShards = fc.record({
    numClients: fc.integer({ min: 1, max: 20 }),
    shardsPerClient: fc.integer({ min: 1, max: 4 }),
    shardSize: fc.integer({ min: 1, max: 10 }),
    numClasses: fc.integer({ min: 1, max: 10 }),
    seed: fc.integer(),
  });

  it('assigns every example exactly once; determinism; seeds differ once there are >= 10 shards', () => {
    fc.assert(
      fc.property(arbShards, ({ numClients, shardsPerClient, shardSize, numClasses, seed }) => {
        const n = numClients * shardsPerClient * shardSize;
        const labels = Int32Array.from({ length: n }, (_, i) => (i * 31) % numClasses);
        const spec = (s: number): PartitionSpec => ({ kind: 'shards', numClients, shardsPerClient, seed: s });
        const a = partitionDataset({ labels }, spec(seed));
        expectExactlyOnce(a, n);
        expect(same(a, partitionDataset({ labels }, spec(seed)))).toBe(true);
        if (numClients * shardsPerClient >= 10 && shardSize >= 2) {
          expect(same(a, partitionDataset({ labels }, spec(seed + 1)))).toBe(false);
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe('natural partitioner (conformance)', () => {
  it('assigns every example exactly once, one client per key', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('ann', 'bob', 'cy', 3, 7), { minLength: 1, maxLength: 200 }), (groups) => {
        const labels = new Int32Array(groups.length);
        const p = partitionDataset({ labels, groups }, { kind: 'natural' });
        expect(p.numClients).toBe(new Set(groups).size);
        expectExactlyOnce(p, groups.length);
      }),
    );
  });
});

describe('partitionDataset', () => {
  it('rejects unknown kinds and natural without matching groups', () => {
    const labels = new Int32Array(3);
    const code = expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as unknown;
    expect(() => partitionDataset({ labels }, { kind: 'nope' } as unknown as PartitionSpec)).toThrow(code);
    expect(() => partitionDataset({ labels }, { kind: 'natural' })).toThrow(code);
    expect(() => partitionDataset({ labels, groups: ['a'] }, { kind: 'natural' })).toThrow(code);
  });
});

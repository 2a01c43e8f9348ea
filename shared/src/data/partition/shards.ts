/**
 * Pathological non-IID "shards" partitioning of McMahan et al. 2017 (FedAvg paper,
 * section 3): sort the examples by label, cut them into equal shards, and give each
 * client `shardsPerClient` shards chosen at random.
 */
import { EdgefedError } from '../../errors.js';
import { createPrng } from '../prng.js';
import { groupByLabel, requireInteger } from './arguments.js';
import { type Partition } from './partition.js';

/** Options for {@link partitionShards}. */
export interface ShardsOptions {
  /** Number of clients (>= 1). The paper: 100. */
  readonly numClients: number;
  /** Shards each client receives (>= 1). The paper: 2. */
  readonly shardsPerClient: number;
  /** Seed for the shard assignment. */
  readonly seed: number;
}

/**
 * With `numShards = numClients * shardsPerClient` and `shardSize = n / numShards`:
 * examples are sorted by label (stable: ties in index order), shard `s` is
 * `sorted[s * shardSize .. (s + 1) * shardSize)`, the shard ids are shuffled (seeded),
 * and client `c` gets shuffled shards `c * shardsPerClient ..` — its indices are its
 * shards concatenated. For MNIST (60,000 examples, 100 clients, 2 shards each) that is
 * 200 shards of 300, each client holding 600 examples of at most 4 labels (a shard can
 * straddle a class boundary because MNIST's class sizes are not multiples of 300; when
 * every class size is a multiple of `shardSize` a client has at most `shardsPerClient`
 * labels).
 *
 * Throws `INVALID_ARGUMENT` for non-integer or < 1 counts, for `numShards` not dividing
 * the number of examples (no example is silently dropped), or for fewer examples than
 * shards; and for labels that are not non-negative integers.
 */
export function partitionShards(labels: ArrayLike<number>, options: ShardsOptions): Partition {
  const { numClients, shardsPerClient } = options;
  requireInteger('numClients', numClients, 1);
  requireInteger('shardsPerClient', shardsPerClient, 1);
  const n = labels.length;
  const numShards = numClients * shardsPerClient;
  if (n < numShards || n % numShards !== 0) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `${numShards} shards (${numClients} clients x ${shardsPerClient}) do not divide ${n} examples evenly`,
      { details: { numExamples: n, numClients, shardsPerClient, numShards } },
    );
  }
  const shardSize = n / numShards;
  const { order: sorted } = groupByLabel(labels);
  const shardIds = Uint32Array.from({ length: numShards }, (_, s) => s);
  createPrng(options.seed).shuffle(shardIds);
  const indices = new Uint32Array(n);
  for (let k = 0; k < numShards; k++) {
    const s = shardIds[k] as number;
    indices.set(sorted.subarray(s * shardSize, (s + 1) * shardSize), k * shardSize);
  }
  const clientSize = shardSize * shardsPerClient;
  const offsets = Uint32Array.from({ length: numClients + 1 }, (_, c) => c * clientSize);
  return { numClients, indices, offsets };
}

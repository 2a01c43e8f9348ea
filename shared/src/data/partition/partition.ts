/**
 * Partition: which dataset examples each (virtual) client holds.
 *
 * Stored as one index buffer plus offsets (CSR layout): client `c` holds
 * `indices[offsets[c] .. offsets[c + 1])`. Memory is O(examples + clients), never
 * O(clients x examples), and the two arrays transfer cheaply to worker threads.
 */
import { EdgefedError } from '../../errors.js';

/** Per-client example indices into one dataset. */
export interface Partition {
  /** Number of clients (`offsets.length - 1`). */
  readonly numClients: number;
  /** Example indices of all clients, client 0's first. */
  readonly indices: Uint32Array;
  /** `numClients + 1` non-decreasing offsets into `indices`; `offsets[0] = 0`. */
  readonly offsets: Uint32Array;
}

/**
 * The example indices of client `client` as a view (no copy) into `partition.indices`;
 * empty for a client with no examples. Throws `INVALID_ARGUMENT` for a client outside
 * `[0, numClients)`.
 */
export function clientIndices(partition: Partition, client: number): Uint32Array {
  if (!Number.isInteger(client) || client < 0 || client >= partition.numClients) {
    throw new EdgefedError('INVALID_ARGUMENT', `Client ${client} outside [0, ${partition.numClients})`);
  }
  return partition.indices.subarray(partition.offsets[client], partition.offsets[client + 1]);
}

/** Number of examples client `client` holds (same bounds check as {@link clientIndices}). */
export function clientSize(partition: Partition, client: number): number {
  return clientIndices(partition, client).length;
}

/**
 * Builds a partition from a per-client example list, copying into one buffer.
 * Does not check coverage; see {@link validatePartition}.
 */
export function partitionFromLists(lists: readonly ArrayLike<number>[]): Partition {
  const offsets = new Uint32Array(lists.length + 1);
  let total = 0;
  lists.forEach((list, c) => {
    total += list.length;
    offsets[c + 1] = total;
  });
  const indices = new Uint32Array(total);
  lists.forEach((list, c) => {
    indices.set(list, offsets[c]);
  });
  return { numClients: lists.length, indices, offsets };
}

/**
 * Splits an ordering of examples into consecutive blocks of the given sizes: client `c`
 * gets `order[sum(sizes[0..c)) ..][:sizes[c]]`. Takes ownership of `order` (no copy).
 * Throws `INTERNAL` if the sizes do not add up to `order.length` (a partitioner bug).
 */
export function partitionFromSizes(order: Uint32Array, sizes: ArrayLike<number>): Partition {
  const offsets = new Uint32Array(sizes.length + 1);
  let total = 0;
  for (let c = 0; c < sizes.length; c++) {
    total += sizes[c] as number;
    offsets[c + 1] = total;
  }
  if (total !== order.length) {
    throw new EdgefedError('INTERNAL', `Client sizes add up to ${total}, expected ${order.length}`);
  }
  return { numClients: sizes.length, indices: order, offsets };
}

/**
 * Checks that `partition` is well formed and assigns each of `numExamples` examples to
 * exactly one client. Throws `INVALID_ARGUMENT` naming the first problem: bad offsets,
 * an index outside `[0, numExamples)`, an example assigned twice, or (unless
 * `allowUnassigned`) an example assigned to no client.
 */
export function validatePartition(partition: Partition, numExamples: number, allowUnassigned = false): void {
  const { offsets, indices, numClients } = partition;
  if (offsets.length !== numClients + 1 || offsets[0] !== 0 || offsets[numClients] !== indices.length) {
    throw new EdgefedError('INVALID_ARGUMENT', 'Partition offsets do not match numClients and indices');
  }
  for (let c = 0; c < numClients; c++) {
    if ((offsets[c + 1] as number) < (offsets[c] as number)) {
      throw new EdgefedError('INVALID_ARGUMENT', `Partition offsets decrease at client ${c}`);
    }
  }
  const seen = new Uint8Array(numExamples);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    if (i >= numExamples) {
      throw new EdgefedError('INVALID_ARGUMENT', `Example index ${i} outside [0, ${numExamples})`);
    }
    if (seen[i] === 1) throw new EdgefedError('INVALID_ARGUMENT', `Example ${i} is assigned twice`);
    seen[i] = 1;
  }
  if (!allowUnassigned && indices.length !== numExamples) {
    throw new EdgefedError('INVALID_ARGUMENT', `${numExamples - indices.length} examples are not assigned`);
  }
}

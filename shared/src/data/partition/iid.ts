/**
 * IID partitioning: a seeded shuffle of all examples cut into near-equal parts.
 */
import { createPrng } from '../prng.js';
import { requireClients, requireInteger } from './arguments.js';
import { partitionFromSizes, type Partition } from './partition.js';

/** Options for {@link partitionIid}. */
export interface IidOptions {
  /** Number of clients, in `[1, numExamples]`. */
  readonly numClients: number;
  /** Seed for the shuffle (any safe integer). */
  readonly seed: number;
}

/**
 * Shuffles the indices `0..numExamples-1` (Fisher-Yates, seeded) and gives client `c`
 * the `c`-th consecutive block. Sizes differ by at most one: the first
 * `numExamples % numClients` clients get one extra example. Throws `INVALID_ARGUMENT`
 * for a negative or fractional `numExamples` or more clients than examples.
 */
export function partitionIid(numExamples: number, options: IidOptions): Partition {
  requireInteger('numExamples', numExamples, 0);
  requireClients(options.numClients, numExamples);
  const order = new Uint32Array(numExamples);
  for (let i = 0; i < numExamples; i++) order[i] = i;
  createPrng(options.seed).shuffle(order);
  return partitionFromSizes(order, evenSizes(numExamples, options.numClients));
}

/** `numClients` sizes adding up to `total`, differing by at most one (larger ones first). */
export function evenSizes(total: number, numClients: number): Uint32Array {
  const base = Math.floor(total / numClients);
  const extra = total % numClients;
  return Uint32Array.from({ length: numClients }, (_, c) => base + (c < extra ? 1 : 0));
}

/**
 * Helpers for the secure-aggregation tests (not exported from the package): the error code of a
 * failing call, seeded inputs, and the plain quantized sum a round must reproduce.
 */
import { createPrng } from '../data/prng.js';
import { isEdgefedError } from '../errors.js';
import type { RoundInput } from './in-memory-round.js';
import { quantize } from './quantize.js';
import type { SecAggParams } from './types.js';

/** The EdgefedError code `promise` rejects with (or a description of what happened instead). */
export async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    return isEdgefedError(e) ? e.code : `not an EdgefedError: ${String(e)}`;
  }
  return 'nothing thrown';
}

/** `n` clients `c000`, `c001`, ... with seeded updates in [-1.5, 1.5] and weights 1..600. */
export function seededInputs(n: number, length: number, seed: number): Map<string, RoundInput> {
  const prng = createPrng(seed);
  const inputs = new Map<string, RoundInput>();
  for (let i = 0; i < n; i++) {
    const update = new Float32Array(length);
    for (let j = 0; j < length; j++) update[j] = prng.nextFloat() * 3 - 1.5;
    inputs.set(`c${String(i).padStart(3, '0')}`, { update, weight: 1 + prng.nextInt(600) });
  }
  return inputs;
}

/** The plain sum mod 2^32 of the quantized inputs of `ids` (update words, then the weight word). */
export function plainQuantizedSum(
  inputs: ReadonlyMap<string, RoundInput>,
  ids: readonly string[],
  params: SecAggParams,
): Uint32Array {
  let sum: Uint32Array | undefined;
  for (const id of ids) {
    const input = inputs.get(id);
    if (input === undefined) throw new Error(`no input for ${id}`);
    const q = quantize(input.update, input.weight, params);
    sum ??= new Uint32Array(q.length);
    for (let i = 0; i < q.length; i++) sum[i] = (sum[i] ?? 0) + (q[i] ?? 0);
  }
  return sum ?? new Uint32Array(0);
}

/** `count` ids drawn without replacement from `ids` by a seeded shuffle. */
export function pick(ids: readonly string[], count: number, seed: number): string[] {
  const order = createPrng(seed).shuffle(Array.from(ids, (_, i) => i));
  return order.slice(0, count).map((i) => ids[i] ?? '');
}

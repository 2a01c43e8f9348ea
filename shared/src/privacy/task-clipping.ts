/**
 * Client-side clipping: a participant clips its update delta to the `clipNorm` the
 * coordinator's private strategy put in the task's hyper-parameters, before compressing and
 * uploading it. The server clips again (it never trusts clients); clipping on the client
 * as well means an honest client's update is never changed by the server.
 */
import { EdgefedError } from '../errors.js';
import type { ScalarRecord } from '../strategy/types.js';
import type { TensorMap } from '../tensor/tensor.js';
import { clipByGlobalNorm } from './clip.js';

/**
 * Returns `delta` clipped to `hyperParameters.clipNorm` (global L2 norm, see
 * {@link clipByGlobalNorm}), or `delta` itself when the task carries no `clipNorm`.
 * Throws `INVALID_ARGUMENT` when `clipNorm` is present but not a finite number > 0 (a string,
 * 0, negative, NaN), and like {@link clipByGlobalNorm} for a non-float32 or non-finite delta.
 */
export function clipUpdateForTask(delta: TensorMap, hyperParameters: ScalarRecord): TensorMap {
  const clipNorm = hyperParameters.clipNorm;
  if (clipNorm === undefined) return delta;
  if (typeof clipNorm !== 'number') {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `Task hyper-parameter clipNorm must be a number, got ${typeof clipNorm}`,
    );
  }
  return clipByGlobalNorm(delta, clipNorm).update;
}

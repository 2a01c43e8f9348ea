/**
 * Fixed point for secure aggregation: updates live in Z_{2^32} while masked. A client rounds and
 * clips its weight to an integer w in [0, maxWeight] (W), clips every coordinate to [-C, C]
 * (C = clipRange), and sends
 *
 *     q_i = round(x_i * (w / W) * s) + Z,   Z = floor((2^32 - 1) / maxClients / 2),  s = Z / C,
 *
 * so q_i is in [0, 2Z] and the sum of up to maxClients inputs never wraps. The last word is w
 * itself, so the server learns only the sum of weights, never one client's. The weighted mean is
 *
 *     mean_i = (sum_i - n Z) / s * W / sum(w),
 *
 * within n / (2 s) * W / sum(w) of the mean of the clipped updates (one rounding per client).
 */
import { EdgefedError } from '../errors.js';
import { MAX_WORD } from './config.js';
import type { SecAggParams } from './types.js';

/** The fixed-point layout that `params` implies. */
export interface FixedPoint {
  /** Zero point Z: a zero coordinate quantizes to Z. */
  readonly zero: number;
  /** Scale s: quantization steps per unit of (weighted) update. */
  readonly scale: number;
}

/** Zero point and scale for `params` (see the file comment). */
export function fixedPoint(params: SecAggParams): FixedPoint {
  const zero = Math.floor(MAX_WORD / params.maxClients / 2);
  return { zero, scale: zero / params.clipRange };
}

/** The integer weight a client sends: round(weight) clipped to [0, maxWeight]. */
export function clipWeight(weight: number, params: SecAggParams): number {
  if (!Number.isFinite(weight)) throw new EdgefedError('NON_FINITE', `The weight ${weight} is not finite`);
  return Math.min(params.maxWeight, Math.max(0, Math.round(weight)));
}

/**
 * `update.length + 1` words: the clipped, weighted, quantized update, then the clipped integer
 * weight. `NON_FINITE` for a NaN or infinite coordinate or weight (nothing is sent for it).
 */
export function quantize(update: Float32Array, weight: number, params: SecAggParams): Uint32Array {
  const w = clipWeight(weight, params);
  const { zero, scale } = fixedPoint(params);
  const factor = (w / params.maxWeight) * scale;
  const c = params.clipRange;
  const out = new Uint32Array(update.length + 1);
  for (let i = 0; i < update.length; i++) {
    const x = update[i] ?? 0;
    if (!Number.isFinite(x)) throw new EdgefedError('NON_FINITE', `Update coordinate ${i} is ${x}`);
    out[i] = Math.round((x > c ? c : x < -c ? -c : x) * factor) + zero;
  }
  out[update.length] = w;
  return out;
}

/**
 * The weighted mean of the clipped updates from the unmasked sum of `survivors` inputs (`sum`
 * without the weight word). `INVALID_ARGUMENT` when the weight sum is 0 or the survivor count is
 * outside 1..maxClients.
 */
export function dequantizeMean(
  sum: Uint32Array,
  weightSum: number,
  survivors: number,
  params: SecAggParams,
): Float32Array {
  if (!(weightSum > 0)) throw new EdgefedError('INVALID_ARGUMENT', 'The weight sum is 0: there is no mean');
  if (!Number.isInteger(survivors) || survivors < 1 || survivors > params.maxClients) {
    throw new EdgefedError('INVALID_ARGUMENT', `Bad survivor count ${survivors}`);
  }
  const { zero, scale } = fixedPoint(params);
  const offset = survivors * zero;
  const factor = params.maxWeight / (scale * weightSum);
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = ((sum[i] ?? 0) - offset) * factor;
  return out;
}

/**
 * Largest difference (per coordinate, before the float32 rounding of the result) between
 * {@link dequantizeMean} and the exact weighted mean of the clipped updates with the same
 * integer weights: n / (2 s) * W / sum(w).
 */
export function quantizationErrorBound(params: SecAggParams, survivors: number, weightSum: number): number {
  return (survivors / (2 * fixedPoint(params).scale)) * (params.maxWeight / weightSum);
}

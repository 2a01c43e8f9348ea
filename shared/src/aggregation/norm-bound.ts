/**
 * Server-side norm bounding (Sun et al. 2019, "Can You Really Backdoor Federated
 * Learning?"): each update is scaled to an L2 norm of at most `bound`, then the scaled
 * updates are averaged with their example counts as weights, `sum(n_k s_k d_k) / sum(n_k)`
 * with `s_k = min(1, bound / ||d_k||)`. Streams: one float64 sum of model size; each update is
 * read twice (norm, then sum) while it is current.
 */
import { EdgefedError } from '../errors.js';
import { clipScale } from './centered-clipping.js';
import type { TensorLayout } from './layout.js';

/** The L2 norm of an update (float32 data per tensor), accumulated in float64. */
export function updateNorm(data: readonly Float32Array[]): number {
  let s = 0;
  for (const x of data) for (let i = 0; i < x.length; i++) s += (x[i] ?? 0) * (x[i] ?? 0);
  return Math.sqrt(s);
}

/** Streaming example-weighted mean of norm-clipped updates. */
export class NormBoundedMean {
  private readonly sum: Float64Array;
  private weight = 0;
  private clippedCount = 0;

  /** `bound` must be a finite number > 0 (`INVALID_ARGUMENT` otherwise). */
  constructor(
    private readonly layout: TensorLayout,
    private readonly bound: number,
  ) {
    if (!(bound > 0 && Number.isFinite(bound))) {
      throw new EdgefedError(
        'INVALID_ARGUMENT',
        `normBound must be a finite number > 0, got ${String(bound)}`,
      );
    }
    this.sum = new Float64Array(layout.size);
  }

  /** Updates scaled down so far. */
  get clipped(): number {
    return this.clippedCount;
  }

  /** Adds one validated update with weight `weight` (> 0). */
  add(data: readonly Float32Array[], weight: number): void {
    const s = clipScale(updateNorm(data), this.bound);
    if (s < 1) this.clippedCount++;
    const ws = weight * s;
    const sum = this.sum;
    this.layout.entries.forEach((e, t) => {
      const x = data[t] ?? new Float32Array(0);
      for (let i = 0; i < e.size; i++) sum[e.offset + i] = (sum[e.offset + i] ?? 0) + ws * (x[i] ?? 0);
    });
    this.weight += weight;
  }

  /** The mean (float64, flat). Throws `FAILED_PRECONDITION` when nothing was added. */
  finish(): Float64Array {
    if (this.weight === 0) throw new EdgefedError('FAILED_PRECONDITION', 'No update was added');
    const out = new Float64Array(this.layout.size);
    for (let j = 0; j < out.length; j++) out[j] = (this.sum[j] ?? 0) / this.weight;
    return out;
  }
}

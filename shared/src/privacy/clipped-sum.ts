/**
 * The server side of DP-FedAvg's aggregation: a streaming Float64 sum of updates, each clipped
 * to an L2 norm of at most `clipNorm` before it is added, and the noised mean
 * `(sum + N(0, (noiseMultiplier * clipNorm)^2)) / denominator`. Memory O(model).
 */
import { assertFinite, layoutData, type TensorLayout } from '../aggregation/layout.js';
import { EdgefedError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';
import { assertClipNorm, sumOfSquares } from './clip.js';
import { assertNoiseStd, type NormalSource } from './gaussian-noise.js';

/** Options for {@link ClippedSum.noisedMean}. */
export interface NoisedMeanOptions {
  /** What the noised sum is divided by (integer >= 1): the update count or a fixed expected count. */
  readonly denominator: number;
  /** Noise std on the SUM (noiseMultiplier x clipNorm); the mean's std is this / denominator. */
  readonly sumStd: number;
  readonly source: NormalSource;
}

/**
 * Accumulates clipped updates. Each update is checked against the layout (names, order,
 * float32, shapes: `NAME_MISMATCH` / `DTYPE_MISMATCH` / `SHAPE_MISMATCH`) and for NaN or
 * Infinity (`NON_FINITE`) before anything is added, so a rejected update leaves the sum as
 * it was. The caller may reuse an update's buffers as soon as `add` returns.
 */
export class ClippedSum {
  readonly #layout: TensorLayout;
  readonly #clipNorm: number;
  readonly #sum: Float64Array;
  #count = 0;
  #clipped = 0;

  constructor(layout: TensorLayout, clipNorm: number) {
    assertClipNorm(clipNorm);
    this.#layout = layout;
    this.#clipNorm = clipNorm;
    this.#sum = new Float64Array(layout.size);
  }

  /** Updates added so far. */
  get count(): number {
    return this.#count;
  }

  /** How many of them had a norm above clipNorm (for tests and local diagnostics; not private). */
  get clippedCount(): number {
    return this.#clipped;
  }

  /** Clips `update` to clipNorm and adds it; throws (sum untouched) as described on the class. */
  add(update: TensorMap): void {
    const data = layoutData(this.#layout, update);
    assertFinite(this.#layout, data);
    const norm = Math.sqrt(sumOfSquares(data));
    const scale = norm > this.#clipNorm ? this.#clipNorm / norm : 1;
    if (scale < 1) this.#clipped++;
    this.#layout.entries.forEach((e, t) => {
      const d = data[t] as Float32Array;
      for (let i = 0; i < e.size; i++)
        this.#sum[e.offset + i] = (this.#sum[e.offset + i] as number) + scale * (d[i] as number);
    });
    this.#count++;
  }

  /**
   * `(sum + N(0, sumStd^2)) / denominator` element-wise, rounded once to float32; draws
   * `layout.size` samples in layout order. Throws `INVALID_ARGUMENT` for a denominator that
   * is not an integer >= 1 or a negative or non-finite std. May be called more than once (the
   * sum is not changed); each call draws fresh samples.
   */
  noisedMean(options: NoisedMeanOptions): Float32Array {
    const { denominator, sumStd, source } = options;
    if (!Number.isSafeInteger(denominator) || denominator < 1) {
      throw new EdgefedError(
        'INVALID_ARGUMENT',
        `Denominator must be an integer >= 1, got ${String(denominator)}`,
      );
    }
    assertNoiseStd(sumStd);
    const out = new Float32Array(this.#layout.size);
    for (let i = 0; i < out.length; i++) {
      const noise = sumStd > 0 ? sumStd * source.normal() : 0;
      out[i] = ((this.#sum[i] as number) + noise) / denominator;
    }
    return out;
  }
}

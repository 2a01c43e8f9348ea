/**
 * Centered clipping (Karimireddy, He and Jaggi 2021, "Learning from History for Byzantine
 * Robust Optimization"): starting from a center v (the previous round's aggregate), each
 * iteration moves v by the mean of the clipped differences,
 * `v <- v + (1/n) sum_i (x_i - v) min(1, tau / ||x_i - v||)`. Unweighted: example counts buy
 * no influence, and each update moves the center by at most tau / n.
 *
 * One iteration streams: {@link CenteredClippingStep} holds the center and one float64 sum
 * (O(model)), and reads each update once while it is current. More iterations need every
 * update again ({@link centeredClipping}: O(n x model)).
 */
import { EdgefedError } from '../errors.js';
import type { TensorLayout } from './layout.js';

/** `min(1, bound / norm)`: the factor that scales a vector of `norm` to at most `bound` (1 for norm 0). */
export function clipScale(norm: number, bound: number): number {
  return norm > bound ? bound / norm : 1;
}

/** One streaming iteration of centered clipping around a fixed center. */
export class CenteredClippingStep {
  private readonly sum: Float64Array;
  private count = 0;

  /**
   * `center` (flat, layout order; copied as float64) and `tau` > 0 (finite). Throws
   * `INVALID_ARGUMENT` for a bad tau and `SHAPE_MISMATCH` when the center does not fit.
   */
  constructor(
    private readonly layout: TensorLayout,
    private readonly center: Float64Array | Float32Array,
    private readonly tau: number,
  ) {
    if (!(tau > 0 && Number.isFinite(tau))) {
      throw new EdgefedError('INVALID_ARGUMENT', `tau must be a finite number > 0, got ${String(tau)}`);
    }
    if (center.length !== layout.size) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `Center has ${center.length} values, the model ${layout.size}`,
      );
    }
    this.sum = new Float64Array(layout.size);
  }

  /** Adds one update (float32 data per tensor in layout order, already validated); reads it once. */
  add(data: readonly Float32Array[]): void {
    const c = this.center;
    let norm2 = 0;
    this.layout.entries.forEach((e, t) => {
      const x = data[t] ?? new Float32Array(0);
      for (let i = 0; i < e.size; i++) {
        const d = (x[i] ?? 0) - (c[e.offset + i] ?? 0);
        norm2 += d * d;
      }
    });
    const s = clipScale(Math.sqrt(norm2), this.tau);
    const sum = this.sum;
    this.layout.entries.forEach((e, t) => {
      const x = data[t] ?? new Float32Array(0);
      for (let i = 0; i < e.size; i++) {
        const j = e.offset + i;
        sum[j] = (sum[j] ?? 0) + s * ((x[i] ?? 0) - (c[j] ?? 0));
      }
    });
    this.count++;
  }

  /** The new center `v + sum / n` (float64). Throws `FAILED_PRECONDITION` when nothing was added. */
  finish(): Float64Array {
    if (this.count === 0) throw new EdgefedError('FAILED_PRECONDITION', 'No update was added');
    const out = new Float64Array(this.layout.size);
    for (let j = 0; j < out.length; j++) out[j] = (this.center[j] ?? 0) + (this.sum[j] ?? 0) / this.count;
    return out;
  }
}

/** Options for {@link centeredClipping}. */
export interface CenteredClippingOptions {
  readonly layout: TensorLayout;
  /** n >= 1 updates in layout order (validated). */
  readonly updates: readonly (readonly Float32Array[])[];
  /** The starting center, flat in layout order. */
  readonly center: Float64Array | Float32Array;
  readonly tau: number;
  /** Iterations, an integer >= 1. */
  readonly iterations: number;
}

/** `iterations` rounds of {@link CenteredClippingStep}, each around the previous result. */
export function centeredClipping(options: CenteredClippingOptions): Float64Array {
  if (!Number.isInteger(options.iterations) || options.iterations < 1) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `iterations must be an integer >= 1, got ${String(options.iterations)}`,
    );
  }
  let v: Float64Array | Float32Array = options.center;
  for (let l = 0; l < options.iterations; l++) {
    const step = new CenteredClippingStep(options.layout, v, options.tau);
    for (const u of options.updates) step.add(u);
    v = step.finish();
  }
  return Float64Array.from(v);
}

/**
 * Example-weighted means of client metrics, and the checks a result's numbers must pass.
 */
import { EdgefedError } from '../errors.js';
import type { Metrics } from './types.js';

/**
 * Accumulates the example-weighted mean of each metric key. A key is averaged over the
 * clients that reported it (weights: their example counts); keys no client reported are
 * absent from the result. Values must be finite ({@link assertFiniteMetrics} first).
 */
export class MetricsAccumulator {
  private readonly sums = new Map<string, { sum: number; weight: number }>();

  /** Adds one client's metrics with weight `weight` (> 0). */
  add(metrics: Metrics | undefined, weight: number): void {
    if (metrics === undefined) return;
    for (const [key, value] of Object.entries(metrics)) {
      const s = this.sums.get(key) ?? { sum: 0, weight: 0 };
      s.sum += value * weight;
      s.weight += weight;
      this.sums.set(key, s);
    }
  }

  /** The weighted mean of every key seen, in first-seen order. */
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, s] of this.sums) out[key] = s.sum / s.weight;
    return out;
  }
}

/** Throws `NON_FINITE` when a metric value is NaN, infinite or not a number. */
export function assertFiniteMetrics(metrics: Metrics | undefined): void {
  if (metrics === undefined) return;
  for (const [key, value] of Object.entries(metrics)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new EdgefedError('NON_FINITE', `Metric "${key}" is ${String(value)}`, { details: { key } });
    }
  }
}

/** Throws `INVALID_ARGUMENT` unless `exampleCount` is an integer > 0 (it is the result's weight). */
export function assertExampleCount(exampleCount: number): void {
  if (!Number.isSafeInteger(exampleCount) || exampleCount <= 0) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `exampleCount must be an integer > 0, got ${String(exampleCount)}`,
      {
        details: { exampleCount },
      },
    );
  }
}

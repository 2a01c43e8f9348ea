/**
 * The distribution of a metric over clients, the fairness view of federated evaluation
 * (q-FFL, Li et al. 2020): mean, 10th percentile, mean of the worst 10%, spread, and a
 * histogram. "Worst" is the low end for accuracy-like metrics and the high end for loss.
 */
import { EdgefedError } from '../errors.js';

/** Summary of one metric over clients (each client counts once, whatever its size). */
export interface ClientDistribution {
  readonly clients: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** Population standard deviation. */
  readonly std: number;
  /** 10th percentile (linear interpolation between order statistics, like numpy's default). */
  readonly p10: number;
  readonly median: number;
  /** 90th percentile. */
  readonly p90: number;
  /** Mean of the worst ceil(10%) of clients (at least one). */
  readonly worst10Mean: number;
  /** Histogram over [lo, hi]: `counts[i]` values in [edges[i], edges[i+1]) (the last bin is closed). */
  readonly histogram: { readonly edges: readonly number[]; readonly counts: readonly number[] };
}

/** Options of {@link clientDistribution}. */
export interface ClientDistributionOptions {
  /** Whether larger values are better (accuracy: true; loss: false). */
  readonly higherIsBetter: boolean;
  /** Histogram bins (default 10). */
  readonly bins?: number;
  /** Histogram range; defaults to [0, 1] for `higherIsBetter`, else [min, max]. */
  readonly range?: readonly [number, number];
}

/** Quantile `q` in [0, 1] of sorted values by linear interpolation. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

function histogram(sorted: readonly number[], bins: number, lo: number, hi: number) {
  const width = hi > lo ? (hi - lo) / bins : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (const v of sorted) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return { edges, counts };
}

/**
 * Summarises per-client `values`. Throws `INVALID_ARGUMENT` for no values, `NON_FINITE`
 * for NaN/Infinity, and `INVALID_ARGUMENT` for bins not an integer in [1, 1000].
 */
export function clientDistribution(
  values: readonly number[],
  o: ClientDistributionOptions,
): ClientDistribution {
  if (values.length === 0) throw new EdgefedError('INVALID_ARGUMENT', 'No client values to summarise');
  if (values.some((v) => !Number.isFinite(v)))
    throw new EdgefedError('NON_FINITE', 'Client values must be finite');
  const bins = o.bins ?? 10;
  if (!Number.isInteger(bins) || bins < 1 || bins > 1000)
    throw new EdgefedError('INVALID_ARGUMENT', `bins must be an integer in [1, 1000], got ${bins}`);
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const std = Math.sqrt(sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  const k = Math.max(1, Math.ceil(n / 10));
  const worst = o.higherIsBetter ? sorted.slice(0, k) : sorted.slice(n - k);
  const min = sorted[0] as number;
  const max = sorted[n - 1] as number;
  const [lo, hi] = o.range ?? (o.higherIsBetter ? [0, 1] : [min, max]);
  return {
    clients: n,
    mean,
    min,
    max,
    std,
    p10: quantile(sorted, 0.1),
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    worst10Mean: worst.reduce((s, v) => s + v, 0) / k,
    histogram: histogram(sorted, bins, lo, hi),
  };
}

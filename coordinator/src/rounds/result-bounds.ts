/**
 * Trust bounds on what a client reports with a result (issue #14). `exampleCount` is the
 * FedAvg weight, so an unchecked count lets one client replace the global model with its
 * own update; metrics reach the store, the dashboard and Prometheus. Both are bounded here,
 * before the strategy sees the result.
 *
 * Policy (docs/api.md, "Trust bounds"):
 * - more examples than the client declared in `hello` (when it declared a positive count) is
 *   a lie the honest participant never tells (it reports its training set size, the number it
 *   declared): the result is **rejected** with `EXAMPLE_COUNT_EXCEEDED`;
 * - more than the run's `maxExampleWeight` is **clamped** to it: a large honest client keeps
 *   contributing, with bounded influence; the declaration is client-controlled too, so the
 *   run's cap is the bound that holds against a client that lies consistently;
 * - metrics: at most {@link MAX_CLIENT_METRICS} keys, every value finite and within
 *   +-{@link MAX_METRIC_MAGNITUDE}, accuracies in [0, 1], losses >= 0; otherwise the result
 *   is rejected with `INVALID_ARGUMENT`.
 */
import { EdgefedError, type Metrics } from '@edgefed/shared';

/** Most metric keys a client may report with one result. */
export const MAX_CLIENT_METRICS = 32;

/** Largest magnitude of any client-reported metric value. */
export const MAX_METRIC_MAGNITUDE = 1e12;

/** Default of the run config's `maxExampleWeight`. */
export const DEFAULT_MAX_EXAMPLE_WEIGHT = 100_000;

/** Input of {@link boundExampleCount}. */
export interface ExampleCountBound {
  /** What the result claims (an integer >= 0, as the protocol schema checked it). */
  readonly claimed: number;
  /** What the client declared in `hello`; undefined or 0 (not yet loaded) does not bound. */
  readonly declared: number | undefined;
  /** The run's `maxExampleWeight` (integer >= 1). */
  readonly maxExampleWeight: number;
}

/** The weight to aggregate with, and whether the run's cap lowered the claim. */
export interface BoundedWeight {
  readonly weight: number;
  readonly clamped: boolean;
}

/**
 * The FedAvg weight of a result: `min(claimed, maxExampleWeight)`. Throws
 * `EXAMPLE_COUNT_EXCEEDED` when `claimed` exceeds a positive `declared` count. A claim of 0
 * passes through (the strategy rejects it with `INVALID_ARGUMENT`).
 */
export function boundExampleCount(b: ExampleCountBound): BoundedWeight {
  if (b.declared !== undefined && b.declared > 0 && b.claimed > b.declared) {
    throw new EdgefedError(
      'EXAMPLE_COUNT_EXCEEDED',
      `Result claims ${b.claimed} examples; the client declared ${b.declared} in hello`,
      { details: { claimed: b.claimed, declared: b.declared } },
    );
  }
  return b.claimed > b.maxExampleWeight
    ? { weight: b.maxExampleWeight, clamped: true }
    : { weight: b.claimed, clamped: false };
}

function isAccuracyKey(key: string): boolean {
  return key === 'accuracy' || key.endsWith('_accuracy') || key.endsWith('Accuracy');
}

function isLossKey(key: string): boolean {
  return key === 'loss' || key.endsWith('_loss') || key.endsWith('Loss');
}

/**
 * Throws `INVALID_ARGUMENT` (with `details.key`) unless `metrics` has at most
 * {@link MAX_CLIENT_METRICS} keys and every value is a finite number within
 * +-{@link MAX_METRIC_MAGNITUDE}; keys named `accuracy` (or ending in `_accuracy` /
 * `Accuracy`) must lie in [0, 1], keys named `loss` (or ending in `_loss` / `Loss`) must be >= 0.
 * Undefined metrics pass.
 */
export function checkClientMetrics(metrics: Metrics | undefined): void {
  if (metrics === undefined) return;
  const entries = Object.entries(metrics);
  if (entries.length > MAX_CLIENT_METRICS) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `${entries.length} metrics; at most ${MAX_CLIENT_METRICS} are accepted`,
      { details: { count: entries.length, max: MAX_CLIENT_METRICS } },
    );
  }
  for (const [key, value] of entries) {
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      Math.abs(value) <= MAX_METRIC_MAGNITUDE &&
      (!isAccuracyKey(key) || (value >= 0 && value <= 1)) &&
      (!isLossKey(key) || value >= 0);
    if (!ok) {
      throw new EdgefedError('INVALID_ARGUMENT', `Metric "${key}" = ${String(value)} is out of range`, {
        details: { key, value: String(value) },
      });
    }
  }
}

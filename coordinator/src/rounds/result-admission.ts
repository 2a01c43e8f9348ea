/**
 * Admitting one uploaded fit result, before any aggregation sees it: the client's metrics are
 * checked, its example count bounded (trust bounds, result-bounds.ts), and its payload
 * decoded to a float32 delta. The single-node fit round and a cluster node's partial fold
 * (partial-fold.ts) both call this, so a node applies exactly the checks one coordinator does;
 * the layout, finiteness and duplicate checks follow in the strategy or the PartialAggregate.
 */
import type { Metrics, TensorMap } from '@edgefed/shared';
import { boundExampleCount, checkClientMetrics } from './result-bounds.js';
import type { UpdateDecoder } from './run-services.js';

/** Input of {@link admitResult}. */
export interface AdmitInput {
  readonly payload: Uint8Array;
  /** What the result claims. */
  readonly exampleCount: number;
  readonly metrics: Metrics | undefined;
  /** What the client declared in `hello` (undefined when it declared nothing). */
  readonly declared: number | undefined;
  readonly maxExampleWeight: number;
  readonly decoder: UpdateDecoder;
}

/** An admitted result: its decoded update and bounded weight. */
export interface AdmittedResult {
  readonly update: TensorMap;
  readonly weight: number;
  /** True when the run's `maxExampleWeight` lowered the claimed count. */
  readonly clamped: boolean;
}

/**
 * Checks metrics (`INVALID_ARGUMENT`), bounds the example count (`EXAMPLE_COUNT_EXCEEDED`,
 * clamping to `maxExampleWeight`), then decodes the payload (the codec's coded errors), in
 * that order; throws at the first failure.
 */
export function admitResult(a: AdmitInput): AdmittedResult {
  checkClientMetrics(a.metrics);
  const bounded = boundExampleCount({
    claimed: a.exampleCount,
    declared: a.declared,
    maxExampleWeight: a.maxExampleWeight,
  });
  return { update: a.decoder.decode(a.payload), weight: bounded.weight, clamped: bounded.clamped };
}

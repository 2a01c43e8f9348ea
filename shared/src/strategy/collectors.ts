/**
 * Delta collectors: how a strategy turns the stream of accepted updates into one aggregate
 * delta. The mean collector streams (O(model)); the buffered one copies each update (up to
 * a limit) for coordinate-wise robust statistics computed in column blocks.
 */
import { reduceColumns, type ColumnReducer } from '../aggregation/column-blocks.js';
import { assertFinite, layoutData, type TensorLayout } from '../aggregation/layout.js';
import { WeightedMeanAccumulator } from '../aggregation/weighted-mean.js';
import { EdgefedError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';

/** Takes accepted updates one at a time, then yields the aggregate delta (flat, layout order). */
export interface DeltaCollector {
  /** Validates and takes one update; throws before changing anything when it is unusable. */
  accept(update: TensorMap, exampleCount: number): void;
  /** The aggregate delta; called once, after at least one accepted update. */
  finish(): Float64Array;
}

/** The example-weighted mean of the deltas (FedAvg and the server optimizers). O(model) memory. */
export function meanCollector(global: TensorMap): DeltaCollector {
  const acc = new WeightedMeanAccumulator(global);
  return {
    accept: (update, exampleCount) => {
      acc.add(update, exampleCount);
    },
    finish: () => acc.finalizeFlat(),
  };
}

/** Options for {@link bufferedCollector}. */
export interface BufferedCollectorOptions {
  readonly layout: TensorLayout;
  /** More accepted updates than this aborts the aggregation with `FAILED_PRECONDITION`. */
  readonly maxUpdates: number;
  readonly blockSize: number;
  /** Reduces one coordinate's k values (median, trimmed mean ...); `k` is known only at the end. */
  readonly reducer: (k: number) => ColumnReducer;
}

/**
 * Copies each accepted update (so the caller may reuse its buffers) and reduces them
 * coordinate-wise at the end: memory O(k x model) for the copies plus O(k x blockSize) scratch.
 */
export function bufferedCollector(options: BufferedCollectorOptions): DeltaCollector {
  const copies: Float32Array[][] = [];
  return {
    accept: (update) => {
      const data = layoutData(options.layout, update);
      assertFinite(options.layout, data);
      if (copies.length >= options.maxUpdates) {
        throw new EdgefedError(
          'FAILED_PRECONDITION',
          `More than maxBufferedUpdates = ${options.maxUpdates} results; raise it or select fewer clients`,
          { details: { maxBufferedUpdates: options.maxUpdates } },
        );
      }
      copies.push(data.map((d) => d.slice()));
    },
    finish: () =>
      reduceColumns({
        layout: options.layout,
        updates: copies,
        reduce: options.reducer(copies.length),
        blockSize: options.blockSize,
      }),
  };
}

/** Options for {@link copyCollector}. */
export interface CopyCollectorOptions {
  readonly layout: TensorLayout;
  /** More accepted updates than this aborts the aggregation with `FAILED_PRECONDITION`. */
  readonly maxUpdates: number;
  /** Reduces the copies (float32 data per tensor, layout order) and their example counts. */
  readonly finish: (copies: readonly (readonly Float32Array[])[], weights: readonly number[]) => Float64Array;
}

/**
 * Copies each accepted update with its example count (O(k x model)) and hands them all to
 * `finish` at the end: the Krum family, Bulyan, multi-iteration centered clipping.
 */
export function copyCollector(options: CopyCollectorOptions): DeltaCollector {
  const copies: Float32Array[][] = [];
  const weights: number[] = [];
  return {
    accept: (update, exampleCount) => {
      const data = layoutData(options.layout, update);
      assertFinite(options.layout, data);
      if (copies.length >= options.maxUpdates) {
        throw new EdgefedError(
          'FAILED_PRECONDITION',
          `More than maxBufferedUpdates = ${options.maxUpdates} results; raise it or select fewer clients`,
          { details: { maxBufferedUpdates: options.maxUpdates } },
        );
      }
      copies.push(data.map((d) => d.slice()));
      weights.push(exampleCount);
    },
    finish: () => options.finish(copies, weights),
  };
}

/** The example-weighted mean (float64, flat) of the `picked` copies. */
export function weightedMeanOf(
  layout: TensorLayout,
  copies: readonly (readonly Float32Array[])[],
  weights: readonly number[],
  picked: readonly number[],
): Float64Array {
  const out = new Float64Array(layout.size);
  let total = 0;
  for (const k of picked) {
    const w = weights[k] ?? 0;
    const data = copies[k] ?? [];
    total += w;
    layout.entries.forEach((e, t) => {
      const x = data[t] ?? new Float32Array(0);
      for (let i = 0; i < e.size; i++) out[e.offset + i] = (out[e.offset + i] ?? 0) + w * (x[i] ?? 0);
    });
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / total;
  return out;
}

/**
 * Coordinate-wise median of k float32 TensorMaps (Yin et al. 2018), computed in column
 * blocks: extra memory O(k x blockSize) on top of the k inputs.
 */
import type { TensorMap } from '../tensor/tensor.js';
import { reduceColumns, validateAll, type ReduceColumnsOptions } from './column-blocks.js';
import { unflatten } from './layout.js';
import { maxOf, selectKth } from './select.js';

/** Median of `col[from..to)` (average of the two middle values when the count is even); reorders the segment. */
export function medianOfSegment(col: Float64Array, from: number, to: number): number {
  const k = to - from;
  const half = k >>> 1;
  const upper = selectKth(col, from, to, half);
  if (k % 2 === 1) return upper;
  // After selection, everything before index `half` is <= upper; the lower middle is their max.
  return (maxOf(col, from, from + half) + upper) / 2;
}

/** Options for {@link coordinateMedian}. */
export interface MedianOptions {
  /** Coordinates per block (integer >= 1); default 4096. */
  readonly blockSize?: number;
}

/**
 * The coordinate-wise median of `updates` (unweighted), as a float32 TensorMap with the first
 * update's names and shapes. Every update is validated before any arithmetic: throws
 * `INVALID_ARGUMENT` for an empty list, `NAME_MISMATCH` / `DTYPE_MISMATCH` / `SHAPE_MISMATCH`
 * when an update disagrees with the first, `NON_FINITE` for NaN or Infinity.
 * With an even count the median is the mean of the two middle values.
 */
export function coordinateMedian(updates: readonly TensorMap[], options: MedianOptions = {}): TensorMap {
  const { layout, data } = validateAll(updates);
  const opts: ReduceColumnsOptions = { layout, updates: data, reduce: medianOfSegment };
  const flat = reduceColumns(
    options.blockSize === undefined ? opts : { ...opts, blockSize: options.blockSize },
  );
  return unflatten(layout, Float32Array.from(flat));
}

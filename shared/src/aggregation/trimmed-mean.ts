/**
 * Coordinate-wise trimmed mean of k float32 TensorMaps (Yin et al. 2018): per coordinate,
 * drop the floor(beta x k) smallest and largest values and average the rest. Computed in
 * column blocks: extra memory O(k x blockSize) on top of the k inputs.
 */
import { EdgefedError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';
import {
  reduceColumns,
  validateAll,
  type ColumnReducer,
  type ReduceColumnsOptions,
} from './column-blocks.js';
import { unflatten } from './layout.js';
import { selectKth, sumOf } from './select.js';

/** Number of values trimmed from each side for k values and fraction beta. */
export function trimCount(k: number, beta: number): number {
  return Math.floor(beta * k);
}

/**
 * A reducer giving the trimmed mean of a segment of k values with `trim` values cut from each
 * side (requires `2 * trim < k`); reorders the segment.
 */
export function trimmedMeanReducer(trim: number): ColumnReducer {
  return (col, from, to) => {
    const k = to - from;
    if (trim > 0) {
      selectKth(col, from, to, trim); // the `trim` smallest now lie in [from, from + trim)
      selectKth(col, from + trim, to, k - 2 * trim); // the `trim` largest now lie at the end
    }
    return sumOf(col, from + trim, to - trim) / (k - 2 * trim);
  };
}

/** Options for {@link coordinateTrimmedMean}. */
export interface TrimmedMeanOptions {
  /** Fraction trimmed from each side, 0 <= beta < 0.5. beta = 0 is the plain (unweighted) mean. */
  readonly beta: number;
  /** Coordinates per block (integer >= 1); default 4096. */
  readonly blockSize?: number;
}

/** Throws `INVALID_ARGUMENT` unless 0 <= beta < 0.5. */
export function checkBeta(beta: number): number {
  if (!(beta >= 0 && beta < 0.5)) {
    throw new EdgefedError('INVALID_ARGUMENT', `beta must be in [0, 0.5), got ${String(beta)}`);
  }
  return beta;
}

/**
 * The coordinate-wise trimmed mean of `updates` (unweighted) as a float32 TensorMap with the
 * first update's names and shapes. floor(beta x k) values are cut from each side, so with few
 * updates (beta x k < 1) nothing is trimmed. Throws `INVALID_ARGUMENT` for an empty list or a
 * beta outside [0, 0.5), `NAME_MISMATCH` / `DTYPE_MISMATCH` / `SHAPE_MISMATCH` when an update
 * disagrees with the first, `NON_FINITE` for NaN or Infinity — all before any arithmetic.
 */
export function coordinateTrimmedMean(updates: readonly TensorMap[], options: TrimmedMeanOptions): TensorMap {
  const beta = checkBeta(options.beta);
  const { layout, data } = validateAll(updates);
  const reduce = trimmedMeanReducer(trimCount(data.length, beta));
  const opts: ReduceColumnsOptions = { layout, updates: data, reduce };
  const flat = reduceColumns(
    options.blockSize === undefined ? opts : { ...opts, blockSize: options.blockSize },
  );
  return unflatten(layout, Float32Array.from(flat));
}

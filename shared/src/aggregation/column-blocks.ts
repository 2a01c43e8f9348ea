/**
 * Column-block reduction: the engine behind coordinate-wise median and trimmed mean, which
 * need all k values of a coordinate at once. Coordinates are processed `blockSize` at a time:
 * the k values of each coordinate in the block are gathered into one Float64Array scratch of
 * k x blockSize, reduced, and written to the output. Extra memory beyond the inputs and the
 * output is therefore O(k x blockSize), never O(k x model).
 */
import { EdgefedError } from '../errors.js';
import type { TensorMap } from '../tensor/tensor.js';
import { assertFinite, layoutData, tensorLayout, type TensorLayout } from './layout.js';

/** Default number of coordinates per block (with k = 1,000 updates: 32 MiB of scratch). */
export const DEFAULT_BLOCK_SIZE = 4096;

/** Reduces the k values `col[from..to)` of one coordinate to one number; may reorder them. */
export type ColumnReducer = (col: Float64Array, from: number, to: number) => number;

/** Options for {@link reduceColumns}. */
export interface ReduceColumnsOptions {
  readonly layout: TensorLayout;
  /** k updates, each the float32 data of every tensor in layout order (already validated). */
  readonly updates: readonly (readonly Float32Array[])[];
  readonly reduce: ColumnReducer;
  /** Coordinates per block, an integer >= 1; default {@link DEFAULT_BLOCK_SIZE}. */
  readonly blockSize?: number;
}

/** Applies `reduce` to every coordinate's k values; returns the flat result in layout order. */
export function reduceColumns(options: ReduceColumnsOptions): Float64Array {
  const { layout, updates, reduce } = options;
  const k = updates.length;
  const block = checkBlockSize(options.blockSize ?? DEFAULT_BLOCK_SIZE);
  if (k === 0) throw new EdgefedError('INVALID_ARGUMENT', 'Cannot reduce zero updates');
  const out = new Float64Array(layout.size);
  const scratch = new Float64Array(k * Math.min(block, Math.max(1, layout.size)));
  layout.entries.forEach(({ offset, size }, t) => {
    const sources = updates.map((u) => {
      const src = u[t];
      if (src?.length !== size)
        throw new EdgefedError('SHAPE_MISMATCH', `Update tensor ${t} does not match the layout`);
      return src;
    });
    for (let s = 0; s < size; s += block) {
      const width = Math.min(block, size - s);
      for (let u = 0; u < k; u++) {
        const src = sources[u] ?? scratch;
        for (let j = 0; j < width; j++) scratch[j * k + u] = src[s + j] ?? 0;
      }
      for (let j = 0; j < width; j++) out[offset + s + j] = reduce(scratch, j * k, j * k + k);
    }
  });
  return out;
}

/**
 * Validates `updates` against the layout of the first one (names, order, dtype, shapes,
 * finiteness) and returns the layout and each update's data. Throws `INVALID_ARGUMENT` for
 * an empty list, otherwise the codes of {@link layoutData} and `NON_FINITE`.
 */
export function validateAll(updates: readonly TensorMap[]): {
  layout: TensorLayout;
  data: Float32Array[][];
} {
  const first = updates[0];
  if (first === undefined) throw new EdgefedError('INVALID_ARGUMENT', 'Need at least one update');
  const layout = tensorLayout(first);
  const data = updates.map((u) => {
    const d = layoutData(layout, u);
    assertFinite(layout, d);
    return d;
  });
  return { layout, data };
}

/** Returns `blockSize` when it is an integer >= 1; otherwise throws `INVALID_ARGUMENT`. */
export function checkBlockSize(blockSize: number): number {
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new EdgefedError('INVALID_ARGUMENT', `blockSize must be an integer >= 1, got ${String(blockSize)}`);
  }
  return blockSize;
}

/**
 * DataSource: a client's local labelled data as asynchronous batches of float32 features
 * and class-index labels: one per example (`labelShape []`) or one per position
 * (`labelShape [T]`, next-token targets, `-1` = ignored position). The Trainer turns labels
 * into float one-hot rows itself (outside the graph, since OneHot does not run on WebGPU);
 * an ignored position becomes an all-zero row.
 */

/** One batch. Views may alias buffers the source reuses: valid until the next batch is requested. */
export interface Batch {
  /** `size * featureSize` floats, row-major. */
  readonly features: Float32Array;
  /** `size * labelSize` class indices in `[0, numClasses)`, or -1 for an ignored position. */
  readonly labels: Int32Array;
  /** Examples in this batch (the last batch of an epoch may be short). */
  readonly size: number;
}

/** Options for {@link DataSource.batches}. */
export interface BatchOptions {
  /** Examples per batch, a positive integer. */
  readonly batchSize: number;
  /** Shuffle the order (with `seed`); default false: storage order. */
  readonly shuffle?: boolean;
  /** Seed of the shuffle (a safe integer). Same seed -> same order. Default 0. */
  readonly seed?: number;
  /** Skip a short last batch; default false. */
  readonly dropRemainder?: boolean;
}

/** A training/held-out pair from {@link DataSource.split}. */
export interface DataSplit {
  readonly train: DataSource;
  readonly heldOut: DataSource;
}

/** Local labelled data. */
export interface DataSource {
  /** Number of examples. */
  readonly size: number;
  /** Shape of one example (no batch dimension). */
  readonly featureShape: readonly number[];
  /** Floats per example. */
  readonly featureSize: number;
  /** Shape of one example's labels: `[]` (one class) or e.g. `[T]` (one per position). */
  readonly labelShape: readonly number[];
  /** Labels per example (product of `labelShape`, 1 for `[]`). */
  readonly labelSize: number;
  /** Number of classes; labels are in `[0, numClasses)` (or -1 = ignored). */
  readonly numClasses: number;
  /**
   * One pass over the data in batches. An empty source yields nothing. Throws
   * `INVALID_ARGUMENT` for a bad batch size or seed (before the first batch).
   */
  batches(options: BatchOptions): AsyncIterable<Batch>;
  /**
   * Splits into a held-out part of `round(fraction * size)` examples, chosen by a seeded
   * shuffle, and the rest for training; no data is copied. Same seed -> same split.
   * Throws `INVALID_ARGUMENT` unless `0 <= fraction <= 1` and the seed is a safe integer.
   */
  split(fraction: number, seed: number): DataSplit;
}

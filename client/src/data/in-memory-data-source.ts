/**
 * In-memory DataSource over a shared `Dataset`, optionally restricted to an index list
 * (a simulated client's partition): the dataset is never copied per client; batches are
 * gathered into one reused buffer per pass.
 */
import { createPrng, EdgefedError, type Dataset } from '@edgefed/shared';
import type { Batch, BatchOptions, DataSource, DataSplit } from './data-source.js';

/** Options for {@link createDataSource}. */
export interface DataSourceOptions {
  /** Use only these examples (in this order; duplicates allowed). Default: all. */
  readonly indices?: ArrayLike<number>;
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed))
    throw new EdgefedError('INVALID_ARGUMENT', `seed must be a safe integer, got ${seed}`);
}

function checkBatchSize(n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new EdgefedError('INVALID_ARGUMENT', `batchSize must be a positive integer, got ${n}`);
}

class InMemoryDataSource implements DataSource {
  readonly size: number;
  readonly featureShape: readonly number[];
  readonly featureSize: number;
  readonly labelShape: readonly number[];
  readonly labelSize: number;
  readonly numClasses: number;

  constructor(
    private readonly dataset: Dataset,
    private readonly indices: Int32Array,
  ) {
    this.size = indices.length;
    this.featureShape = dataset.featureShape;
    this.featureSize = dataset.featureSize;
    this.labelShape = dataset.labelShape;
    this.labelSize = dataset.labelSize;
    this.numClasses = dataset.numClasses;
  }

  batches(options: BatchOptions): AsyncIterable<Batch> {
    checkBatchSize(options.batchSize);
    const seed = options.seed ?? 0;
    checkSeed(seed);
    const order = Int32Array.from(this.indices);
    if (options.shuffle === true) createPrng(seed).shuffle(order);
    return this.iterate(order, options.batchSize, options.dropRemainder === true);
  }

  private async *iterate(order: Int32Array, batchSize: number, dropRemainder: boolean): AsyncGenerator<Batch> {
    const fs = this.featureSize;
    const ls = this.labelSize;
    const features = new Float32Array(batchSize * fs);
    const labels = new Int32Array(batchSize * ls);
    const src = this.dataset.features;
    const srcLabels = this.dataset.labels;
    for (let start = 0; start < order.length; start += batchSize) {
      const size = Math.min(batchSize, order.length - start);
      if (size < batchSize && dropRemainder) return;
      for (let k = 0; k < size; k++) {
        const i = order[start + k] as number;
        features.set(src.subarray(i * fs, (i + 1) * fs), k * fs);
        if (ls === 1) labels[k] = srcLabels[i] as number;
        else labels.set(srcLabels.subarray(i * ls, (i + 1) * ls), k * ls);
      }
      yield { features: features.subarray(0, size * fs), labels: labels.subarray(0, size * ls), size };
      await Promise.resolve();
    }
  }

  split(fraction: number, seed: number): DataSplit {
    if (!(fraction >= 0 && fraction <= 1))
      throw new EdgefedError('INVALID_ARGUMENT', `fraction must be in [0, 1], got ${fraction}`);
    checkSeed(seed);
    const order = createPrng(seed).shuffle(Int32Array.from(this.indices));
    const held = Math.round(fraction * order.length);
    return {
      heldOut: new InMemoryDataSource(this.dataset, order.subarray(0, held)),
      train: new InMemoryDataSource(this.dataset, order.subarray(held)),
    };
  }
}

/**
 * A DataSource over `dataset` (all examples, or `options.indices`). The index list is
 * copied and checked once (`INVALID_ARGUMENT` for an index outside `[0, size)`); the
 * dataset's arrays are shared, never copied, so treat the dataset as read-only.
 */
export function createDataSource(dataset: Dataset, options: DataSourceOptions = {}): DataSource {
  const idx = options.indices;
  let indices: Int32Array;
  if (idx === undefined) {
    indices = new Int32Array(dataset.size);
    for (let i = 0; i < dataset.size; i++) indices[i] = i;
  } else {
    indices = new Int32Array(idx.length);
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k] as number;
      if (!Number.isInteger(i) || i < 0 || i >= dataset.size)
        throw new EdgefedError('INVALID_ARGUMENT', `Index ${i} at ${k} is outside [0, ${dataset.size})`);
      indices[k] = i;
    }
  }
  return new InMemoryDataSource(dataset, indices);
}

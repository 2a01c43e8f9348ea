/**
 * Datasets and partitions in SharedArrayBuffers, so every fleet worker reads the same
 * memory: a simulation holds the dataset once, not once per worker.
 */
import { EdgefedError, createDataset, type Dataset, type Partition } from '@edgefed/shared';

/** A dataset whose arrays live in SharedArrayBuffers (structured-clones without copying). */
export interface SharedDataset {
  readonly features: Float32Array;
  readonly labels: Uint8Array | Int32Array;
  readonly featureShape: readonly number[];
  /** Labels per example as a shape (`[]` or e.g. `[T]` for per-position targets). */
  readonly labelShape: readonly number[];
  readonly numClasses: number;
}

/** A partition whose index and offset arrays live in SharedArrayBuffers. */
export interface SharedPartition {
  readonly numClients: number;
  readonly indices: Uint32Array;
  readonly offsets: Uint32Array;
}

function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

function copyToShared<T extends Float32Array | Uint8Array | Int32Array | Uint32Array>(
  a: T,
  make: (buf: SharedArrayBuffer) => T,
): T {
  if (isShared(a)) return a;
  const out = make(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/**
 * Copies a dataset into shared memory once (arrays already shared are kept as they are).
 * The result is read-only by convention: workers must never write to it.
 */
export function shareDataset(dataset: Dataset): SharedDataset {
  return {
    features: copyToShared(dataset.features, (b) => new Float32Array(b)),
    labels:
      dataset.labels instanceof Uint8Array
        ? copyToShared(dataset.labels, (b) => new Uint8Array(b))
        : copyToShared(dataset.labels, (b) => new Int32Array(b)),
    featureShape: [...dataset.featureShape],
    labelShape: [...dataset.labelShape],
    numClasses: dataset.numClasses,
  };
}

/** Copies a partition's arrays into shared memory (already shared arrays are kept). */
export function sharePartition(partition: Partition): SharedPartition {
  return {
    numClients: partition.numClients,
    indices: copyToShared(partition.indices, (b) => new Uint32Array(b)),
    offsets: copyToShared(partition.offsets, (b) => new Uint32Array(b)),
  };
}

/**
 * The Dataset view of a shared dataset (no copy). Throws `INVALID_ARGUMENT` when the arrays
 * are not in shared memory (they would be copied into every worker) and whatever
 * `createDataset` throws for inconsistent shapes or labels.
 */
export function datasetFromShared(shared: SharedDataset): Dataset {
  if (!isShared(shared.features) || !isShared(shared.labels)) {
    throw new EdgefedError('INVALID_ARGUMENT', 'A shared dataset must be backed by SharedArrayBuffers');
  }
  return createDataset({
    features: shared.features,
    labels: shared.labels,
    featureShape: shared.featureShape,
    labelShape: shared.labelShape,
    numClasses: shared.numClasses,
  });
}

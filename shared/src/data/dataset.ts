/**
 * Dataset: labelled examples held in one contiguous Float32Array, addressed by index.
 *
 * Example `i` occupies `features[i * featureSize .. (i + 1) * featureSize)`; its label is
 * `labels[i]`, a class index in `[0, numClasses)`. Nothing is stored per example, so a
 * dataset costs `4 * size * featureSize + size * bytesPerLabel` bytes.
 */
import { EdgefedError } from '../errors.js';

/** Class indices, one per example. Uint8Array for <= 256 classes, Int32Array otherwise. */
export type LabelArray = Uint8Array | Int32Array;

/** A labelled dataset. Treat it as immutable: views returned by helpers alias its memory. */
export interface Dataset {
  /** All examples back to back, row-major: `size * featureSize` floats. */
  readonly features: Float32Array;
  /** One class index per example. */
  readonly labels: LabelArray;
  /** Shape of one example, e.g. `[28, 28]` for MNIST. */
  readonly featureShape: readonly number[];
  /** Product of `featureShape`: floats per example. */
  readonly featureSize: number;
  /** Number of classes; every label is in `[0, numClasses)`. */
  readonly numClasses: number;
  /** Number of examples (`labels.length`). */
  readonly size: number;
}

/** Input to {@link createDataset}. */
export interface DatasetInit {
  readonly features: Float32Array;
  readonly labels: LabelArray;
  readonly featureShape: readonly number[];
  /** Defaults to `max(label) + 1` (1 for an empty dataset). */
  readonly numClasses?: number;
}

/**
 * Builds a {@link Dataset}, taking ownership of (not copying) the arrays.
 * Throws `INVALID_ARGUMENT` for a non-positive or fractional feature dimension, a
 * non-integer `numClasses` < 1, or a label outside `[0, numClasses)`; throws
 * `SHAPE_MISMATCH` when `features.length !== labels.length * featureSize`.
 * An empty dataset (0 examples) is allowed.
 */
export function createDataset(init: DatasetInit): Dataset {
  const featureSize = featureSizeOf(init.featureShape);
  const size = init.labels.length;
  if (init.features.length !== size * featureSize) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `features has ${init.features.length} floats, expected ${size} examples x ${featureSize}`,
      { details: { features: init.features.length, size, featureSize } },
    );
  }
  const numClasses = init.numClasses ?? countClasses(init.labels);
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new EdgefedError('INVALID_ARGUMENT', `numClasses must be an integer >= 1, got ${numClasses}`);
  }
  checkLabels(init.labels, numClasses);
  return {
    features: init.features,
    labels: init.labels,
    featureShape: [...init.featureShape],
    featureSize,
    numClasses,
    size,
  };
}

/**
 * `max(label) + 1` over `labels` (1 when empty). Throws `INVALID_ARGUMENT` for a negative
 * label (possible in an Int32Array).
 */
export function countClasses(labels: LabelArray): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (y < 0) throw new EdgefedError('INVALID_ARGUMENT', `Label ${y} at index ${i} is negative`);
    if (y > max) max = y;
  }
  return max + 1;
}

/** Throws `INVALID_ARGUMENT` at the first label outside `[0, numClasses)`. */
export function checkLabels(labels: LabelArray, numClasses: number): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (y < 0 || y >= numClasses) {
      throw new EdgefedError('INVALID_ARGUMENT', `Label ${y} at index ${i} is outside [0, ${numClasses})`, {
        details: { index: i, label: y, numClasses },
      });
    }
  }
}

function featureSizeOf(shape: readonly number[]): number {
  if (shape.length === 0) throw new EdgefedError('INVALID_ARGUMENT', 'featureShape must not be empty');
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 1) {
      throw new EdgefedError('INVALID_ARGUMENT', `Invalid feature dimension ${d} in [${shape.join(', ')}]`);
    }
    n *= d;
  }
  return n;
}

function checkIndex(dataset: Dataset, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= dataset.size) {
    throw new EdgefedError('INVALID_ARGUMENT', `Example index ${index} outside [0, ${dataset.size})`);
  }
}

/**
 * The features of example `index` as a view (no copy) into `dataset.features`.
 * Throws `INVALID_ARGUMENT` for an index outside `[0, size)`.
 */
export function exampleFeatures(dataset: Dataset, index: number): Float32Array {
  checkIndex(dataset, index);
  const start = index * dataset.featureSize;
  return dataset.features.subarray(start, start + dataset.featureSize);
}

/**
 * Examples `[start, end)` as a dataset of views (no copy). `end` is clamped to `size`
 * (so `sliceDataset(d, 0, limit)` takes at most `limit` examples); throws
 * `INVALID_ARGUMENT` for a negative or fractional bound or `start > end`.
 */
export function sliceDataset(dataset: Dataset, start: number, end: number): Dataset {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end) {
    throw new EdgefedError('INVALID_ARGUMENT', `Invalid slice [${start}, ${end})`);
  }
  const s = Math.min(start, dataset.size);
  const e = Math.min(end, dataset.size);
  return {
    ...dataset,
    features: dataset.features.subarray(s * dataset.featureSize, e * dataset.featureSize),
    labels: dataset.labels.subarray(s, e),
    size: e - s,
  };
}

/**
 * A new dataset holding copies of the examples at `indices`, in that order (a client's
 * local data from a partition). Memory is O(indices.length). Duplicates are copied
 * twice; an index outside `[0, size)` throws `INVALID_ARGUMENT`.
 */
export function selectExamples(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const { featureSize } = dataset;
  const features = new Float32Array(indices.length * featureSize);
  const labels = dataset.labels instanceof Uint8Array ? new Uint8Array(indices.length) : new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    checkIndex(dataset, i);
    features.set(dataset.features.subarray(i * featureSize, (i + 1) * featureSize), k * featureSize);
    labels[k] = dataset.labels[i] as number;
  }
  return { ...dataset, features, labels, size: indices.length };
}

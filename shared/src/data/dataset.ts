/**
 * Dataset: labelled examples held in one contiguous Float32Array, addressed by index.
 *
 * Example `i` occupies `features[i * featureSize .. (i + 1) * featureSize)`; its labels
 * are `labels[i * labelSize .. (i + 1) * labelSize)`: one class index in `[0, numClasses)`
 * for a classifier (`labelShape []`, `labelSize` 1), or one per position for sequence
 * targets (`labelShape [T]`: next-token prediction), where `-1` marks an ignored position
 * (padding; the trainer writes it as an all-zero one-hot row). Nothing is stored per
 * example, so a dataset costs `4 * size * featureSize + size * labelSize * bytesPerLabel`.
 */
import { EdgefedError } from '../errors.js';

/**
 * Class indices, `labelSize` per example. Uint8Array for <= 256 classes, Int32Array
 * otherwise and whenever positions may be ignored (`-1`).
 */
export type LabelArray = Uint8Array | Int32Array;

/** A labelled dataset. Treat it as immutable: views returned by helpers alias its memory. */
export interface Dataset {
  /** All examples back to back, row-major: `size * featureSize` floats. */
  readonly features: Float32Array;
  /** `size * labelSize` class indices (`-1` = ignored position, only when `labelShape` is not `[]`). */
  readonly labels: LabelArray;
  /** Shape of one example's labels: `[]` (one class, the default) or e.g. `[T]` (one per position). */
  readonly labelShape: readonly number[];
  /** Product of `labelShape` (1 for `[]`): labels per example. */
  readonly labelSize: number;
  /** Shape of one example, e.g. `[28, 28]` for MNIST. */
  readonly featureShape: readonly number[];
  /** Product of `featureShape`: floats per example. */
  readonly featureSize: number;
  /** Number of classes; every label is in `[0, numClasses)`. */
  readonly numClasses: number;
  /** Number of examples (`labels.length / labelSize`). */
  readonly size: number;
}

/** Input to {@link createDataset}. */
export interface DatasetInit {
  readonly features: Float32Array;
  readonly labels: LabelArray;
  readonly featureShape: readonly number[];
  /** Labels per example as a shape; default `[]` (one class index per example). */
  readonly labelShape?: readonly number[];
  /** Defaults to `max(label) + 1` (1 for an empty dataset). */
  readonly numClasses?: number;
}

/**
 * Builds a {@link Dataset}, taking ownership of (not copying) the arrays.
 * Throws `INVALID_ARGUMENT` for a non-positive or fractional feature or label dimension, a
 * non-integer `numClasses` < 1, or a label outside `[0, numClasses)` (`-1` is allowed only
 * with a non-empty `labelShape`); throws `SHAPE_MISMATCH` when `labels.length` is not a
 * multiple of `labelSize` or `features.length !== size * featureSize`.
 * An empty dataset (0 examples) is allowed.
 */
export function createDataset(init: DatasetInit): Dataset {
  const featureSize = featureSizeOf(init.featureShape, 'featureShape');
  const labelShape = init.labelShape ?? [];
  const labelSize = labelShape.length === 0 ? 1 : featureSizeOf(labelShape, 'labelShape');
  if (init.labels.length % labelSize !== 0) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `labels has ${init.labels.length} entries, not a multiple of labelSize ${labelSize}`,
    );
  }
  const size = init.labels.length / labelSize;
  if (init.features.length !== size * featureSize) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `features has ${init.features.length} floats, expected ${size} examples x ${featureSize}`,
      { details: { features: init.features.length, size, featureSize } },
    );
  }
  const allowIgnore = labelShape.length > 0;
  const numClasses = init.numClasses ?? countClasses(init.labels, allowIgnore);
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new EdgefedError('INVALID_ARGUMENT', `numClasses must be an integer >= 1, got ${numClasses}`);
  }
  checkLabels(init.labels, numClasses, allowIgnore);
  return {
    features: init.features,
    labels: init.labels,
    labelShape: [...labelShape],
    labelSize,
    featureShape: [...init.featureShape],
    featureSize,
    numClasses,
    size,
  };
}

/** The label value that marks an ignored position in sequence labels. */
export const IGNORE_LABEL = -1;

/**
 * `max(label) + 1` over `labels` (1 when empty). Throws `INVALID_ARGUMENT` for a negative
 * label (possible in an Int32Array), except {@link IGNORE_LABEL} when `allowIgnore`.
 */
export function countClasses(labels: LabelArray, allowIgnore = false): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (allowIgnore && y === IGNORE_LABEL) continue;
    if (y < 0) throw new EdgefedError('INVALID_ARGUMENT', `Label ${y} at index ${i} is negative`);
    if (y > max) max = y;
  }
  return max + 1;
}

/**
 * Throws `INVALID_ARGUMENT` at the first label outside `[0, numClasses)` (and not
 * {@link IGNORE_LABEL} when `allowIgnore`).
 */
export function checkLabels(labels: LabelArray, numClasses: number, allowIgnore = false): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (allowIgnore && y === IGNORE_LABEL) continue;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new EdgefedError('INVALID_ARGUMENT', `Label ${y} at index ${i} is outside [0, ${numClasses})`, {
        details: { index: i, label: y, numClasses },
      });
    }
  }
}

function featureSizeOf(shape: readonly number[], what: string): number {
  if (shape.length === 0) throw new EdgefedError('INVALID_ARGUMENT', `${what} must not be empty`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 1) {
      throw new EdgefedError('INVALID_ARGUMENT', `Invalid ${what} dimension ${d} in [${shape.join(', ')}]`);
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
 * The labels of example `index` as a view (`labelSize` entries; `-1` = ignored position).
 * Throws `INVALID_ARGUMENT` for an index outside `[0, size)`.
 */
export function exampleLabels(dataset: Dataset, index: number): LabelArray {
  checkIndex(dataset, index);
  return dataset.labels.subarray(index * dataset.labelSize, (index + 1) * dataset.labelSize);
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
    labels: dataset.labels.subarray(s * dataset.labelSize, e * dataset.labelSize),
    size: e - s,
  };
}

/**
 * A new dataset holding copies of the examples at `indices`, in that order (a client's
 * local data from a partition). Memory is O(indices.length). Duplicates are copied
 * twice; an index outside `[0, size)` throws `INVALID_ARGUMENT`.
 */
export function selectExamples(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const { featureSize, labelSize: ls } = dataset;
  const features = new Float32Array(indices.length * featureSize);
  const n = indices.length * ls;
  const labels = dataset.labels instanceof Uint8Array ? new Uint8Array(n) : new Int32Array(n);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    checkIndex(dataset, i);
    features.set(dataset.features.subarray(i * featureSize, (i + 1) * featureSize), k * featureSize);
    labels.set(dataset.labels.subarray(i * ls, (i + 1) * ls), k * ls);
  }
  return { ...dataset, features, labels, size: indices.length };
}

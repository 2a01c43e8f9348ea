/**
 * Builds an image-classification Dataset from a pair of IDX files (MNIST layout):
 * images `uint8 [n, ...featureShape]` and labels `uint8 [n]`.
 */
import { EdgefedError } from '../errors.js';
import { createDataset, type Dataset } from './dataset.js';
import { parseIdx } from './idx.js';
import { normalizeUint8 } from './normalize.js';

/** Input to {@link datasetFromIdx}. */
export interface IdxDatasetInit {
  /** Raw (already decompressed) IDX bytes of the images, uint8 `[n, ...featureShape]`. */
  readonly images: Uint8Array;
  /** Raw IDX bytes of the labels, uint8 `[n]`. */
  readonly labels: Uint8Array;
  /** Defaults to `max(label) + 1`. */
  readonly numClasses?: number;
  /** Keep only the first `limit` examples (all when omitted or larger than n). */
  readonly limit?: number;
}

/**
 * Parses both files, checks they agree, and returns a Dataset with pixels normalized to
 * [0, 1] (`x / 255`). Labels are copied, so the input buffers may be released.
 *
 * Throws what {@link parseIdx} throws; `DTYPE_MISMATCH` unless both files are uint8;
 * `SHAPE_MISMATCH` when images have fewer than 2 dimensions, labels are not 1-D, or the
 * counts differ; `INVALID_ARGUMENT` for a negative or fractional `limit` or a label
 * outside `[0, numClasses)`.
 */
export function datasetFromIdx(init: IdxDatasetInit): Dataset {
  const images = parseIdx(init.images);
  const labels = parseIdx(init.labels);
  if (images.dtype !== 'uint8' || labels.dtype !== 'uint8') {
    throw new EdgefedError('DTYPE_MISMATCH', `Expected uint8 IDX files, got ${images.dtype} / ${labels.dtype}`);
  }
  const [n = 0, ...featureShape] = images.shape;
  if (featureShape.length === 0 || labels.shape.length !== 1 || labels.shape[0] !== n) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `Images [${images.shape.join(', ')}] and labels [${labels.shape.join(', ')}] do not match`,
    );
  }
  const limit = init.limit ?? n;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new EdgefedError('INVALID_ARGUMENT', `limit must be a non-negative integer, got ${limit}`);
  }
  const count = Math.min(limit, n);
  const featureSize = featureShape.reduce((a, b) => a * b, 1);
  return createDataset({
    features: normalizeUint8(images.data.subarray(0, count * featureSize)),
    labels: labels.data.slice(0, count),
    featureShape,
    ...(init.numClasses === undefined ? {} : { numClasses: init.numClasses }),
  });
}

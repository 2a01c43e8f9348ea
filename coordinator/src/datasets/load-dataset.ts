/**
 * Loads the built-in image datasets (MNIST, Fashion-MNIST) as `Dataset`s, cached per
 * process: the files are read and decoded once, later calls share the same memory.
 */
import { datasetFromIdx, EdgefedError, sliceDataset, type Dataset } from '@edgefed/shared';
import { checkDatasetRequest, datasetFiles, type DatasetName, type DatasetSplit } from './dataset-sources.js';
import { readIdxFile } from './read-idx-file.js';

/** Options for {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Keep only the first `limit` examples (a non-negative integer; all when larger). */
  readonly limit?: number;
}

/** Options for {@link loadIdxDataset}. */
export interface LoadIdxDatasetOptions extends LoadDatasetOptions {
  /** Read the files from this directory instead of the package's install location. */
  readonly directory?: string;
}

/** Shape of one MNIST / Fashion-MNIST image. */
const IMAGE_SHAPE = [28, 28] as const;
const NUM_CLASSES = 10;

const cache = new Map<string, Promise<Dataset>>();

/**
 * `name`/`split` as a Dataset: 28x28 images with pixels in [0, 1] (`x / 255`), uint8
 * labels 0-9, `numClasses` 10; train has 60,000 examples and test 10,000. The first call
 * reads and normalizes the files (measured on a shared 2-core machine: MNIST train
 * ~0.5 s, Fashion-MNIST train ~0.8-1.9 s with gunzip); the result is cached
 * for the process, and `limit` returns a view of the cached data (no copy), so treat it
 * as read-only. A failed load is not cached.
 *
 * Throws `INVALID_ARGUMENT` for an unknown name or split or a bad `limit`; `NOT_FOUND`
 * when the dataset's package is not installed (the message says how to install it);
 * `SHAPE_MISMATCH`, `BAD_MAGIC`, `TRUNCATED_PAYLOAD`, `CORRUPT_PAYLOAD` for damaged files.
 */
export async function loadDataset(
  name: DatasetName,
  split: DatasetSplit,
  options: LoadDatasetOptions = {},
): Promise<Dataset> {
  checkDatasetRequest(name, split);
  const limit = checkLimit(options.limit);
  const key = `${name}:${split}`;
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = loadIdxDataset(name, split);
    cache.set(key, pending);
    const mine = pending;
    mine.catch(() => {
      if (cache.get(key) === mine) cache.delete(key);
    });
  }
  const dataset = await pending;
  return limit === undefined ? dataset : sliceDataset(dataset, 0, limit);
}

/**
 * Reads `name`/`split` from disk without the cache, optionally from another `directory`
 * (same file names). Same result and errors as {@link loadDataset}.
 */
export async function loadIdxDataset(
  name: DatasetName,
  split: DatasetSplit,
  options: LoadIdxDatasetOptions = {},
): Promise<Dataset> {
  checkDatasetRequest(name, split);
  const limit = checkLimit(options.limit);
  const files = datasetFiles(name, split, options.directory);
  const [images, labels] = await Promise.all([
    readIdxFile(files.images, files.installHint),
    readIdxFile(files.labels, files.installHint),
  ]);
  const dataset = datasetFromIdx({
    images,
    labels,
    numClasses: NUM_CLASSES,
    ...(limit === undefined ? {} : { limit }),
  });
  if (dataset.featureShape.join('x') !== IMAGE_SHAPE.join('x')) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `${name} images are [${dataset.featureShape.join(', ')}], not 28x28`,
    );
  }
  return dataset;
}

/** Forgets every cached dataset (the memory is freed once no caller holds them). */
export function clearDatasetCache(): void {
  cache.clear();
}

function checkLimit(limit: number | undefined): number | undefined {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new EdgefedError('INVALID_ARGUMENT', `limit must be a non-negative integer, got ${limit}`);
  }
  return limit;
}

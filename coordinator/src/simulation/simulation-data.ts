/**
 * The data side of a simulation: the training and test sets (optionally cut to a prefix)
 * and the partition of the training set over the virtual clients, with its report.
 */
import {
  EdgefedError,
  partitionDataset,
  partitionReport,
  validatePartition,
  type Dataset,
  type ModelSpec,
  type Partition,
  type PartitionReport,
  type PartitionSpec,
} from '@edgefed/shared';
import { loadDataset } from '../datasets/load-dataset.js';
import { resolveModelSpec } from '../server/model-support.js';
import { defaultModelName, isTextDataset, type SimulationConfig } from './simulation-config.js';
import { loadTextSimulationData } from './simulation-text-data.js';

/** What a simulation trains and evaluates on. */
export interface SimulationData {
  readonly train: Dataset;
  readonly test: Dataset;
  readonly partition: Partition;
  readonly report: PartitionReport;
  /** The model, resolved (text presets are sized to the vocabulary and window). */
  readonly spec: ModelSpec;
  /** Text datasets: client keys of a natural partition (speakers, chapters) and vocabulary size. */
  readonly text?: { readonly keys: readonly string[]; readonly vocabularySize: number };
}

/**
 * The partition spec for a config. Shards follow McMahan et al.: `clients x shardsPerClient`
 * shards of equal size over the label-sorted data. `natural` needs per-example group keys,
 * which only the text datasets have (handled by `loadTextSimulationData`): for an image
 * dataset it is `INVALID_ARGUMENT`, naming the datasets that have one.
 */
export function partitionSpecOf(c: SimulationConfig): PartitionSpec {
  switch (c.partition) {
    case 'iid':
      return { kind: 'iid', numClients: c.clients, seed: c.seed };
    case 'shards':
      return { kind: 'shards', numClients: c.clients, shardsPerClient: c.shardsPerClient, seed: c.seed };
    case 'dirichlet':
      return { kind: 'dirichlet', numClients: c.clients, alpha: c.alpha, seed: c.seed };
    case 'quantity-skew':
      return {
        kind: 'quantity-skew',
        numClients: c.clients,
        sizes:
          c.sizeAlpha === undefined
            ? { kind: 'power-law', exponent: c.sizeExponent ?? 1.5 }
            : { kind: 'dirichlet', alpha: c.sizeAlpha },
        seed: c.seed,
        ...(c.minClientSize === undefined ? {} : { minSize: c.minClientSize }),
      };
    case 'natural':
      throw new EdgefedError(
        'INVALID_ARGUMENT',
        `The ${c.dataset} dataset has no natural grouping; --partition natural works for sotu (one client per president) and moby-dick (one per chapter); image datasets take iid, shards, dirichlet or quantity-skew`,
        {
          details: {
            dataset: c.dataset,
            partition: 'natural',
            datasetsWithNaturalKey: ['sotu', 'moby-dick'],
          },
        },
      );
  }
}

/**
 * Loads the datasets (cached per process), resolves the model and partitions the training
 * set (text datasets: see `loadTextSimulationData`). Every example
 * is assigned to exactly one client (checked). Throws what the loaders and partitioners
 * throw (`NOT_FOUND` for a missing dataset package, `INVALID_ARGUMENT` for impossible
 * partitions such as more shards than examples).
 */
export async function loadSimulationData(c: SimulationConfig): Promise<SimulationData> {
  if (isTextDataset(c.dataset)) {
    const t = await loadTextSimulationData({ ...c, dataset: c.dataset });
    validatePartition(t.partition, t.train.size);
    return {
      train: t.train,
      test: t.test,
      partition: t.partition,
      report: partitionReport(t.reportLabels, t.partition),
      spec: t.spec,
      text: { keys: t.keys, vocabularySize: t.vocabularySize },
    };
  }
  const spec = resolveModelSpec(c.model ?? defaultModelName(c.dataset));
  const [train, test] = await Promise.all([
    loadDataset(c.dataset, 'train', c.trainLimit === undefined ? {} : { limit: c.trainLimit }),
    loadDataset(c.dataset, 'test', c.testLimit === undefined ? {} : { limit: c.testLimit }),
  ]);
  const partition = partitionDataset({ labels: train.labels }, partitionSpecOf(c));
  validatePartition(partition, train.size);
  return { train, test, partition, report: partitionReport(train.labels, partition), spec };
}

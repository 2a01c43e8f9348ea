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
  type Partition,
  type PartitionReport,
  type PartitionSpec,
} from '@edgefed/shared';
import { loadDataset } from '../datasets/load-dataset.js';
import type { SimulationConfig } from './simulation-config.js';

/** What a simulation trains and evaluates on. */
export interface SimulationData {
  readonly train: Dataset;
  readonly test: Dataset;
  readonly partition: Partition;
  readonly report: PartitionReport;
}

/**
 * The partition spec for a config. Shards follow McMahan et al.: `clients x shardsPerClient`
 * shards of equal size over the label-sorted data. `natural` needs per-example group keys,
 * which the image datasets do not have: `INVALID_ARGUMENT`.
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
        `--partition natural needs a dataset with a per-example group key (a text dataset split by speaker); ` +
          `${c.dataset} is an image dataset without one: use iid, shards, dirichlet or quantity-skew`,
        { details: { dataset: c.dataset, partition: 'natural' } },
      );
  }
}

/**
 * Loads the datasets (cached per process) and partitions the training set. Every example
 * is assigned to exactly one client (checked). Throws what the loaders and partitioners
 * throw (`NOT_FOUND` for a missing dataset package, `INVALID_ARGUMENT` for impossible
 * partitions such as more shards than examples).
 */
export async function loadSimulationData(c: SimulationConfig): Promise<SimulationData> {
  const [train, test] = await Promise.all([
    loadDataset(c.dataset, 'train', c.trainLimit === undefined ? {} : { limit: c.trainLimit }),
    loadDataset(c.dataset, 'test', c.testLimit === undefined ? {} : { limit: c.testLimit }),
  ]);
  const partition = partitionDataset({ labels: train.labels }, partitionSpecOf(c));
  validatePartition(partition, train.size);
  return { train, test, partition, report: partitionReport(train.labels, partition) };
}

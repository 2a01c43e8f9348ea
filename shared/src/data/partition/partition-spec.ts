/**
 * One entry point for all partitioners, driven by a plain-data spec (what a simulation
 * config file names).
 */
import { EdgefedError } from '../../errors.js';
import { partitionDirichlet } from './dirichlet.js';
import { partitionIid } from './iid.js';
import { partitionNatural } from './natural.js';
import { type Partition } from './partition.js';
import { partitionQuantitySkew, type SizeDistribution } from './quantity-skew.js';
import { partitionShards } from './shards.js';

/** Which partitioner to run, with its parameters; see each partitioner for definitions. */
export type PartitionSpec =
  | { readonly kind: 'iid'; readonly numClients: number; readonly seed: number }
  | {
      readonly kind: 'shards';
      readonly numClients: number;
      readonly shardsPerClient: number;
      readonly seed: number;
    }
  | {
      readonly kind: 'dirichlet';
      readonly numClients: number;
      readonly alpha: number;
      readonly seed: number;
      readonly minSize?: number;
      readonly maxAttempts?: number;
    }
  | { readonly kind: 'natural' }
  | {
      readonly kind: 'quantity-skew';
      readonly numClients: number;
      readonly sizes: SizeDistribution;
      readonly seed: number;
      readonly minSize?: number;
    };

/** What a partitioner may look at: labels, and for `natural` the per-example group key. */
export interface PartitionInput {
  readonly labels: ArrayLike<number>;
  /** Required by `natural`; one key per example. */
  readonly groups?: ArrayLike<string | number>;
}

/**
 * Runs the partitioner `spec.kind` names. Throws `INVALID_ARGUMENT` for an unknown kind,
 * for `natural` without `groups` or with `groups` of a different length than `labels`,
 * and whatever the chosen partitioner throws.
 */
export function partitionDataset(input: PartitionInput, spec: PartitionSpec): Partition {
  const { labels } = input;
  switch (spec.kind) {
    case 'iid':
      return partitionIid(labels.length, spec);
    case 'shards':
      return partitionShards(labels, spec);
    case 'dirichlet':
      return partitionDirichlet(labels, spec);
    case 'quantity-skew':
      return partitionQuantitySkew(labels.length, spec);
    case 'natural': {
      const { groups } = input;
      if (groups?.length !== labels.length) {
        throw new EdgefedError('INVALID_ARGUMENT', 'natural partitioning needs one group key per example');
      }
      return partitionNatural(groups);
    }
    default: {
      const kind: unknown = (spec as { kind: unknown }).kind;
      throw new EdgefedError('INVALID_ARGUMENT', `Unknown partitioner ${JSON.stringify(kind)}`);
    }
  }
}

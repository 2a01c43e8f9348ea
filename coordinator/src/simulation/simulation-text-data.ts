/**
 * The data side of a text simulation: a text federation of the corpus (clients = speakers
 * or chapters for `natural`, or an IID split of all training windows), the global test
 * set (every client's held-out tail) and the model sized to the vocabulary.
 */
import {
  EdgefedError,
  partitionIid,
  partitionNatural,
  selectExamples,
  type Dataset,
  type ModelSpec,
  type Partition,
} from '@edgefed/shared';
import { loadTextFederation } from '../datasets/load-text.js';
import { resolveTextModel } from '../datasets/text-models.js';
import { defaultModelName, type SimulationConfig } from './simulation-config.js';

/** What a text simulation trains and evaluates on. */
export interface TextSimulationData {
  readonly train: Dataset;
  readonly test: Dataset;
  readonly partition: Partition;
  /** One label per training window (its first target), for the partition report. */
  readonly reportLabels: Int32Array;
  readonly spec: ModelSpec;
  /** Client keys of a natural partition (speakers, chapters); empty for IID. */
  readonly keys: readonly string[];
  readonly vocabularySize: number;
}

/** The first `limit` windows of every key (all when undefined); a copy only when limited. */
function perKeyLimit(
  d: Dataset,
  clientOf: Uint32Array,
  limit: number | undefined,
): { dataset: Dataset; clientOf: Uint32Array } {
  if (limit === undefined) return { dataset: d, clientOf };
  const kept: number[] = [];
  const seen = new Map<number, number>();
  for (let i = 0; i < clientOf.length; i++) {
    const k = clientOf[i] as number;
    const n = seen.get(k) ?? 0;
    if (n < limit) kept.push(i);
    seen.set(k, n + 1);
  }
  return { dataset: selectExamples(d, kept), clientOf: Uint32Array.from(kept, (i) => clientOf[i] as number) };
}

function firstTargets(d: Dataset): Int32Array {
  const out = new Int32Array(d.size);
  for (let i = 0; i < d.size; i++) out[i] = Math.max(0, d.labels[i * d.labelSize] ?? 0);
  return out;
}

/**
 * Loads the text federation for `c` and partitions its training windows. `natural`: one
 * client per key, using the first `c.clients` keys (all when there are fewer); `iid`:
 * `c.clients` clients over all keys' windows. `trainLimit`/`testLimit` keep the first N
 * windows of every key (speaker, chapter), so a quick run still spans all its clients. Throws `INVALID_ARGUMENT` for `shards`/`dirichlet` (text windows
 * have no single label), `DATASET_MISSING` when the corpus is not provisioned.
 */
export async function loadTextSimulationData(
  c: SimulationConfig & { readonly dataset: 'sotu' | 'moby-dick' },
): Promise<TextSimulationData> {
  if (c.partition !== 'natural' && c.partition !== 'iid') {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `Text datasets take --partition natural or iid, not ${c.partition} (windows have no single label)`,
    );
  }
  const natural = c.partition === 'natural';
  const fed = await loadTextFederation(c.dataset, {
    level: c.textLevel,
    sequenceLength: c.sequenceLength,
    vocabularySize: c.vocabularySize,
    testFraction: c.testFraction,
    ...(natural ? { maxClients: c.clients } : {}),
  });
  const { dataset: train, clientOf } = perKeyLimit(fed.train, fed.trainClient, c.trainLimit);
  const test = perKeyLimit(fed.test, fed.testClient, c.testLimit).dataset;
  const groups = natural ? partitionNatural(clientOf) : undefined;
  const partition = groups ?? partitionIid(train.size, { numClients: c.clients, seed: c.seed });
  const keys = groups === undefined ? [] : groups.keys.map((k) => fed.keys[Number(k)] ?? '');
  const spec = resolveTextModel(c.model ?? defaultModelName(c.dataset), fed.tokens.length, c.sequenceLength);
  return {
    train,
    test,
    partition,
    reportLabels: firstTargets(train),
    spec,
    keys,
    vocabularySize: fed.tokens.length,
  };
}

/**
 * Partition reports: per-client example counts and label histograms, plus summary
 * statistics that measure size skew and label skew.
 */
import { EdgefedError } from '../../errors.js';
import { labelClassCount } from './arguments.js';
import { clientIndices, type Partition } from './partition.js';

/** One client's share. */
export interface ClientReport {
  readonly count: number;
  /** `labelHistogram[k]` examples of class k; length `numClasses`. */
  readonly labelHistogram: Uint32Array;
  /** Number of classes with at least one example. */
  readonly distinctLabels: number;
  /**
   * Total-variation distance between this client's label distribution and the global
   * one, `0.5 * sum_k |p_client(k) - p_global(k)|`, in [0, 1]; 0 for an empty client.
   */
  readonly labelDistance: number;
}

/** Summary over all clients. */
export interface PartitionSummary {
  readonly numClients: number;
  readonly numClasses: number;
  /** Examples assigned to some client. */
  readonly assignedExamples: number;
  readonly emptyClients: number;
  readonly minCount: number;
  readonly maxCount: number;
  readonly meanCount: number;
  /** Population standard deviation of the client counts. */
  readonly stdCount: number;
  /** Mean distinct labels over non-empty clients (0 if all are empty). */
  readonly meanDistinctLabels: number;
  /** Most distinct labels any client holds. */
  readonly maxDistinctLabels: number;
  /**
   * Mean {@link ClientReport.labelDistance} over non-empty clients: about 0 for IID
   * (up to sampling noise, which shrinks as clients grow), near 1 for one class each.
   */
  readonly meanLabelDistance: number;
}

/** The result of {@link partitionReport}. */
export interface PartitionReport {
  readonly clients: readonly ClientReport[];
  readonly summary: PartitionSummary;
}

/**
 * Reports the partition of a dataset with the given `labels`. The global label
 * distribution is taken over all `labels`. Memory is O(clients x classes). Throws
 * `INVALID_ARGUMENT` for a label that is not a non-negative integer or a partition
 * index outside `labels`; it does not check coverage (see validatePartition).
 */
export function partitionReport(labels: ArrayLike<number>, partition: Partition): PartitionReport {
  const numClasses = Math.max(1, labelClassCount(labels));
  const global = new Float64Array(numClasses);
  for (let i = 0; i < labels.length; i++) global[labels[i] as number] = (global[labels[i] as number] as number) + 1;
  for (let k = 0; k < numClasses; k++) global[k] = (global[k] as number) / Math.max(1, labels.length);
  const clients: ClientReport[] = [];
  for (let c = 0; c < partition.numClients; c++) {
    clients.push(clientReport(labels, clientIndices(partition, c), global));
  }
  return { clients, summary: summarize(clients, numClasses) };
}

function clientReport(labels: ArrayLike<number>, indices: Uint32Array, global: Float64Array): ClientReport {
  const labelHistogram = new Uint32Array(global.length);
  for (const i of indices) {
    const y = labels[i];
    if (y === undefined) throw new EdgefedError('INVALID_ARGUMENT', `Partition index ${i} outside the labels`);
    labelHistogram[y] = (labelHistogram[y] as number) + 1;
  }
  let distinctLabels = 0;
  let tv = 0;
  for (let k = 0; k < global.length; k++) {
    const h = labelHistogram[k] as number;
    if (h > 0) distinctLabels++;
    if (indices.length > 0) tv += Math.abs(h / indices.length - (global[k] as number));
  }
  return { count: indices.length, labelHistogram, distinctLabels, labelDistance: tv / 2 };
}

function summarize(clients: readonly ClientReport[], numClasses: number): PartitionSummary {
  const counts = clients.map((c) => c.count);
  const nonEmpty = clients.filter((c) => c.count > 0);
  const assigned = counts.reduce((a, b) => a + b, 0);
  const mean = clients.length === 0 ? 0 : assigned / clients.length;
  const variance = clients.length === 0 ? 0 : counts.reduce((a, b) => a + (b - mean) ** 2, 0) / clients.length;
  const meanOf = (f: (c: ClientReport) => number): number =>
    nonEmpty.length === 0 ? 0 : nonEmpty.reduce((a, c) => a + f(c), 0) / nonEmpty.length;
  return {
    numClients: clients.length,
    numClasses,
    assignedExamples: assigned,
    emptyClients: clients.length - nonEmpty.length,
    minCount: counts.reduce((a, b) => Math.min(a, b), counts.length === 0 ? 0 : Infinity),
    maxCount: counts.reduce((a, b) => Math.max(a, b), 0),
    meanCount: mean,
    stdCount: Math.sqrt(variance),
    meanDistinctLabels: meanOf((c) => c.distinctLabels),
    maxDistinctLabels: clients.reduce((a, c) => Math.max(a, c.distinctLabels), 0),
    meanLabelDistance: meanOf((c) => c.labelDistance),
  };
}

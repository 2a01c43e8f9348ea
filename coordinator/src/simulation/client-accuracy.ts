/**
 * Per-client accuracy in a simulation, the fairness figures of q-FFL (Li et al. 2020):
 * for every virtual client, the accuracy the global model would have on a test set drawn
 * from that client's label distribution — the central test set's per-class accuracy
 * (recall, from the round's confusion matrix) weighted by the client's label histogram.
 * For label-skewed partitions (shards, Dirichlet) of one image dataset, where a client's
 * examples of a class are like everyone's, this is that client's expected test accuracy,
 * measured on held-out data, with no extra evaluation pass and no change to training.
 */
import { clientDistribution, type ClassificationReport, type ClientDistribution } from '@edgefed/shared';
import type { PartitionReportJson } from './simulation-result.js';

/**
 * Each client's label-weighted test accuracy (clients without examples are left out).
 * Returns undefined when the partition's label histograms do not have one bin per class
 * of the report (e.g. text models).
 */
export function labelWeightedAccuracies(
  report: Pick<ClassificationReport, 'numClasses' | 'perClass'>,
  clients: PartitionReportJson['clients'],
): number[] | undefined {
  if (clients.some((c) => c.labelHistogram.length !== report.numClasses)) return undefined;
  const out: number[] = [];
  for (const c of clients) {
    if (c.count === 0) continue;
    let acc = 0;
    c.labelHistogram.forEach((n, k) => {
      acc += (n / c.count) * (report.perClass[k]?.accuracy ?? 0);
    });
    out.push(acc);
  }
  return out;
}

/** The distribution of {@link labelWeightedAccuracies}, or undefined (see there). */
export function clientAccuracyDistribution(
  report: Pick<ClassificationReport, 'numClasses' | 'perClass'>,
  clients: PartitionReportJson['clients'],
): ClientDistribution | undefined {
  const values = labelWeightedAccuracies(report, clients);
  return values === undefined || values.length === 0
    ? undefined
    : clientDistribution(values, { higherIsBetter: true });
}

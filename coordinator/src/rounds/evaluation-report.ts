/**
 * What the round runner stores about one evaluation beyond its scalar metrics:
 * - central: the coordinator's confusion matrix with per-class precision, recall and
 *   accuracy ({@link ClassificationReport});
 * - federated: each participant's accuracy and loss and their distribution over clients
 *   (10th percentile, worst-10% mean, spread, histogram), the fairness view.
 * Reports are JSON objects kept by `RunStore.putEvaluationReport`.
 */
import {
  clientDistribution,
  type ClassificationReport,
  type ClientDistribution,
  type Metrics,
} from '@edgefed/shared';
import type { JsonObject } from '../store/json.js';

/** A central evaluation with its classification report (classifiers only). */
export interface CentralEvaluation {
  readonly metrics: Metrics;
  readonly report?: ClassificationReport;
}

/**
 * What a central evaluator returns: plain metrics (evaluators that compute no report), or
 * metrics with a report.
 */
export type CentralResult = Metrics | CentralEvaluation;

/** Splits a {@link CentralResult} into metrics and an optional report. */
export function centralParts(r: CentralResult): CentralEvaluation {
  const m = (r as { metrics?: unknown }).metrics;
  return typeof m === 'object' && m !== null ? (r as CentralEvaluation) : { metrics: r as Metrics };
}

/** One participant's federated-evaluation result. */
export interface ClientEvaluation {
  readonly clientId: string;
  readonly exampleCount: number;
  readonly loss: number;
  readonly accuracy?: number;
}

/** The stored federated report: per-client results and their distributions. */
export interface FederatedReport {
  readonly clients: readonly ClientEvaluation[];
  readonly accuracy?: ClientDistribution;
  readonly loss: ClientDistribution;
}

/** The report and the scalar summary metrics (`eval_client_accuracy_p10`, ...) of one round. */
export function federatedReport(clients: readonly ClientEvaluation[]): {
  report: FederatedReport;
  metrics: Record<string, number>;
} {
  const loss = clientDistribution(
    clients.map((c) => c.loss),
    { higherIsBetter: false },
  );
  const accs = clients.flatMap((c) => (c.accuracy === undefined ? [] : [c.accuracy]));
  const accuracy =
    accs.length === clients.length ? clientDistribution(accs, { higherIsBetter: true }) : undefined;
  const metrics: Record<string, number> = { eval_client_loss_worst10: loss.worst10Mean };
  if (accuracy !== undefined) {
    metrics.eval_client_accuracy_p10 = accuracy.p10;
    metrics.eval_client_accuracy_worst10 = accuracy.worst10Mean;
    metrics.eval_client_accuracy_std = accuracy.std;
  }
  return { report: { clients, loss, ...(accuracy === undefined ? {} : { accuracy }) }, metrics };
}

/** A report as the store's JSON object type. */
export function asJson(report: ClassificationReport | FederatedReport): JsonObject {
  return report as unknown as JsonObject;
}

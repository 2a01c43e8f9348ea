/**
 * Loads everything a model card needs from the run store and builds it: the checkpoint of
 * `version` (the latest when undefined; `NOT_FOUND` when there is none), and the run's
 * rounds, outcomes, metrics and evaluation reports.
 */
import { EdgefedError } from '@edgefed/shared';
import type { RunStore } from '../store/run-store.js';
import { buildModelCard, type ModelCard } from './model-card.js';

/** The card of a run's model version. */
export async function loadModelCard(
  store: RunStore,
  runId: string,
  version: number | undefined,
  now: number = Date.now(),
): Promise<ModelCard> {
  const run = await store.getRun(runId);
  const checkpoint =
    version === undefined ? await store.latestCheckpoint(runId) : await store.getCheckpoint(runId, version);
  if (checkpoint === undefined) throw new EdgefedError('NOT_FOUND', `Run ${runId} has no model yet`);
  const [rounds, outcomes, metrics, reports] = await Promise.all([
    store.listRounds(runId),
    store.listClientOutcomes(runId),
    store.listMetrics(runId),
    store.listEvaluationReports(runId),
  ]);
  return buildModelCard({ run, checkpoint, rounds, outcomes, metrics, reports, now });
}

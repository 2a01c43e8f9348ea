/**
 * Evaluation of a committed global model: central (on the coordinator's own data, when a
 * CentralEvaluator is configured; classifiers' confusion matrices are stored as the round's
 * `central` evaluation report) and federated (every `evaluateEvery` rounds and after
 * the last). Records the metric points, the round's eval metrics and the run's best
 * accuracies, and says whether the target accuracy is reached.
 */
import type { Metrics, TensorMap } from '@edgefed/shared';
import type { RoundKey } from '../store/records.js';
import type { RoundContext } from './round-context.js';
import { runEvaluateRound } from './evaluate-round.js';
import { asJson, centralParts } from './evaluation-report.js';

/** The committed model being evaluated. */
export interface EvaluatedModel {
  readonly params: TensorMap;
  readonly version: number;
  readonly hash: string;
}

type Point = { name: string; value: number; scope: 'eval' | 'central' };

/** True when round `round` has any evaluation to do (central every round, federated when due). */
export function evaluationDue(ctx: RoundContext, round: number): boolean {
  return federatedDue(ctx, round) || ctx.services.centralEvaluator !== undefined;
}

function federatedDue(ctx: RoundContext, round: number): boolean {
  const every = ctx.config.evaluateEvery;
  return every > 0 && (round === ctx.config.rounds || round % every === 0);
}

/**
 * Runs the due evaluations of the committed attempt `key` and records them. Returns the merged metrics
 * (undefined when nothing produced any) and whether the target accuracy is reached.
 */
export async function evaluateAndRecord(
  ctx: RoundContext,
  global: EvaluatedModel,
  key: RoundKey,
  signal: AbortSignal,
): Promise<{ metrics: Metrics | undefined; reached: boolean }> {
  const { config, services } = ctx;
  const { round } = key;
  const metrics: Record<string, number> = {};
  const points: Point[] = [];
  if (services.centralEvaluator !== undefined) {
    const central = centralParts(await services.centralEvaluator(global.params, round, signal));
    for (const [name, value] of Object.entries(central.metrics)) {
      metrics[name] = value;
      points.push({ name, value, scope: 'central' });
    }
    if (central.report !== undefined) {
      const report = asJson(central.report);
      await services.storage.store.putEvaluationReport({ runId: ctx.runId, round, kind: 'central', report });
    }
  }
  if (federatedDue(ctx, round)) {
    const fed = await runEvaluateRound(ctx, {
      round,
      attempt: key.attempt,
      modelVersion: global.version,
      modelHash: global.hash,
      signal,
    });
    for (const [name, value] of Object.entries(fed ?? {})) {
      metrics[name] = value;
      points.push({ name, value, scope: 'eval' });
    }
  }
  if (points.length === 0) return { metrics: undefined, reached: false };
  await recordEvaluation(ctx, key, metrics, points);
  const accuracy = metrics.accuracy ?? metrics.eval_accuracy;
  const reached =
    config.targetAccuracy !== undefined && accuracy !== undefined && accuracy >= config.targetAccuracy;
  return { metrics, reached };
}

async function recordEvaluation(
  ctx: RoundContext,
  key: RoundKey,
  metrics: Metrics,
  points: Point[],
): Promise<void> {
  const { store } = ctx.services.storage;
  const runId = ctx.runId;
  await store.appendMetrics(points.map((p) => ({ runId, round: key.round, ...p })));
  await store.updateRound(key, { evalMetrics: { ...metrics } });
  const run = await store.getRun(runId);
  const best = { ...run.bestMetrics };
  for (const [k, v] of Object.entries(metrics)) {
    if (!k.includes('accuracy')) continue;
    if (best[k] === undefined || v > (best[k] ?? -Infinity)) best[k] = v;
  }
  await store.updateRun(runId, { bestMetrics: best });
}

/**
 * How a FedBuff run commits a model version and evaluates it: the checkpoint blob first,
 * then one store transaction (the version as a completed round, the window's client
 * outcomes, train metrics, the staleness histogram as `staleness_hist_<s>` train metrics of
 * the round record, and the checkpoint), then the `round-completed` event; then central
 * evaluation (when the coordinator has an evaluator), which may reach the target accuracy.
 */
import type { TensorMap } from '@edgefed/shared';
import type { BufferAggregate } from './fedbuff-buffer.js';
import { asJson, centralParts } from './evaluation-report.js';
import { putModel } from './model-codec.js';
import type { RoundContext } from './round-context.js';

/** What FedBuff's code needs of a run: the round context without a strategy. */
export type FedBuffContext = Omit<RoundContext, 'strategy'>;

/** A committed model version. */
export interface VersionModel {
  readonly params: TensorMap;
  readonly version: number;
  readonly hash: string;
}

/** Input of {@link commitVersion}. */
export interface CommitVersionInput {
  readonly model: VersionModel;
  readonly aggregate: BufferAggregate;
  /** When the window of this version began (epoch ms). */
  readonly windowStart: number;
  /** Tasks sent during the window. */
  readonly selected: number;
}

/** Prefix of the staleness histogram's train metrics. */
export const STALENESS_HIST_PREFIX = 'staleness_hist_';

/** The staleness histogram as train metrics: `staleness_hist_<s>` = updates s versions old. */
export function stalenessHistogram(staleness: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of staleness)
    out[`${STALENESS_HIST_PREFIX}${s}`] = (out[`${STALENESS_HIST_PREFIX}${s}`] ?? 0) + 1;
  return out;
}

/** Commits the next version; returns it. */
export async function commitVersion(ctx: FedBuffContext, input: CommitVersionInput): Promise<VersionModel> {
  const { services } = ctx;
  const { aggregate } = input;
  const version = input.model.version + 1;
  const { hash, size } = await putModel(services.storage.blobs, aggregate.parameters);
  const endedAt = services.clock.now();
  const count = (k: string): number => aggregate.outcomes.filter((o) => o.outcome === k).length;
  const metrics = { ...aggregate.metrics };
  await services.storage.store.commitRound({
    runUpdate: { currentRound: version, currentModelVersion: version },
    round: {
      runId: ctx.runId,
      round: version,
      attempt: 1,
      state: 'completed',
      startedAt: input.windowStart,
      endedAt,
      selectedCount: input.selected,
      completedCount: count('completed'),
      failedCount: count('failed') + count('rejected'),
      droppedCount: count('dropped'),
      bytesUp: aggregate.bytesUp,
      // model downloads of the tasks whose base model led to this version (those done by now)
      bytesDown: services.downloads.bytesFor({ runId: ctx.runId, round: version, attempt: 1 }),
      trainMetrics: { ...metrics, ...stalenessHistogram(aggregate.staleness) },
    },
    outcomes: aggregate.outcomes,
    metrics: Object.entries(metrics).map(([name, value]) => ({ name, value, scope: 'train' as const })),
    checkpoint: { version, hash, byteSize: size },
  });
  for (const o of aggregate.outcomes) services.telemetry.metrics?.clientOutcomes.inc({ outcome: o.outcome });
  services.telemetry.metrics?.rounds.inc({ outcome: 'completed' });
  services.telemetry.logger.info(
    { runId: ctx.runId, modelVersion: version, hash },
    'fedbuff version committed',
  );
  services.telemetry.emit({
    type: 'round-completed',
    runId: ctx.runId,
    round: version,
    modelVersion: version,
    metrics,
    durationMs: endedAt - input.windowStart,
  });
  return { params: aggregate.parameters, version, hash };
}

/** Central evaluation of a version; true when it reached the run's target accuracy. */
export async function evaluateVersion(
  ctx: FedBuffContext,
  model: VersionModel,
  signal: AbortSignal,
): Promise<boolean> {
  const { services, config } = ctx;
  if (services.centralEvaluator === undefined) return false;
  const central = centralParts(await services.centralEvaluator(model.params, model.version, signal));
  const metrics = central.metrics;
  const store = services.storage.store;
  if (central.report !== undefined)
    await store.putEvaluationReport({
      runId: ctx.runId,
      round: model.version,
      kind: 'central',
      report: asJson(central.report),
    });
  await store.appendMetrics(
    Object.entries(metrics).map(([name, value]) => ({
      runId: ctx.runId,
      round: model.version,
      name,
      value,
      scope: 'central' as const,
    })),
  );
  await store.updateRound(
    { runId: ctx.runId, round: model.version, attempt: 1 },
    { evalMetrics: { ...metrics } },
  );
  const run = await store.getRun(ctx.runId);
  const best = { ...run.bestMetrics };
  for (const [k, v] of Object.entries(metrics)) {
    if (k.includes('accuracy') && (best[k] === undefined || v > (best[k] ?? -Infinity))) best[k] = v;
  }
  await store.updateRun(ctx.runId, { bestMetrics: best });
  services.telemetry.emit({ type: 'evaluated', runId: ctx.runId, round: model.version, metrics });
  const accuracy = metrics.accuracy;
  return config.targetAccuracy !== undefined && accuracy !== undefined && accuracy >= config.targetAccuracy;
}

/**
 * Federated evaluation: clients evaluate the global model on their held-out local data;
 * the strategy aggregates loss and metrics weighted by example count. Never fails the
 * run: too few results just means no federated metrics this round. Results outside the
 * trust bounds (result-bounds.ts) are refused and reported like rejected fit results.
 * Each accepted participant's accuracy and loss are kept as the round's `federated`
 * evaluation report (evaluation-report.ts), and the distribution's 10th percentile,
 * worst-10% mean and spread join the round's metrics.
 */
import { EdgefedError, createPrng, toEdgefedError, type EvaluateResult, type Metrics } from '@edgefed/shared';
import { asJson, federatedReport, type ClientEvaluation } from './evaluation-report.js';
import { boundExampleCount, checkClientMetrics } from './result-bounds.js';
import type { RoundContext } from './round-context.js';
import type { TaskSpec } from './task-gateway.js';

/** Input of {@link runEvaluateRound}. */
export interface EvaluateRoundInput {
  readonly round: number;
  /** The committed attempt of `round` (its downloads are counted there). */
  readonly attempt: number;
  readonly modelVersion: number;
  readonly modelHash: string;
  readonly signal: AbortSignal;
}

/** Runs federated evaluation; returns `eval_loss` and `eval_<metric>` or undefined without quorum. */
export async function runEvaluateRound(
  ctx: RoundContext,
  input: EvaluateRoundInput,
): Promise<Metrics | undefined> {
  const { services, config } = ctx;
  const candidates = services.participants.gateway.candidates(ctx.runId);
  let plan;
  try {
    plan = ctx.strategy.configureEvaluate({
      round: input.round,
      availableClients: candidates,
      globalVersion: String(input.modelVersion),
      rng: createPrng(config.seed * 7919 + input.round),
    });
  } catch (err) {
    services.telemetry.logger.info(
      { runId: ctx.runId, round: input.round, err },
      'federated evaluation skipped',
    );
    return undefined;
  }
  const deadline = services.clock.now() + config.roundDeadlineMs;
  const tasks = plan.clientIds.map((clientId): TaskSpec => {
    const taskId = services.clock.newId();
    return {
      taskId,
      clientId,
      runId: ctx.runId,
      round: input.round,
      kind: 'evaluate',
      modelVersion: input.modelVersion,
      modelHash: `sha256:${input.modelHash}`,
      modelUrl: services.models.url(input.modelHash, taskId),
      hyperParameters: { batchSize: config.training.batchSize },
      modelSpec: services.models.specJson(config),
      config: { ...plan.config },
      deadline,
    };
  });
  services.downloads.register(
    { runId: ctx.runId, round: input.round, attempt: input.attempt },
    tasks.map((t) => t.taskId),
  );
  const perClient: ClientEvaluation[] = [];
  const close = AbortSignal.any([input.signal, AbortSignal.timeout(config.roundDeadlineMs)]);
  const results = async function* (): AsyncGenerator<EvaluateResult> {
    for await (const o of services.participants.gateway.runTasks({ tasks, signal: close })) {
      if (o.status !== 'completed') continue;
      let weight: number;
      try {
        checkClientMetrics(o.metrics);
        // hello declares training examples; a held-out set may be larger, so only the cap applies
        weight = boundExampleCount({
          claimed: o.exampleCount,
          declared: undefined,
          maxExampleWeight: config.maxExampleWeight,
        }).weight;
      } catch (err) {
        services.participants.gateway.reportRejected?.(o.task, toEdgefedError(err));
        continue;
      }
      const { loss, ...metrics } = o.metrics;
      if (loss === undefined) continue;
      const { accuracy } = metrics;
      perClient.push({
        clientId: o.task.clientId,
        exampleCount: weight,
        loss,
        ...(accuracy === undefined ? {} : { accuracy }),
      });
      yield { clientId: o.task.clientId, exampleCount: weight, loss, metrics };
    }
  };
  try {
    const agg = await ctx.strategy.aggregateEvaluate({
      round: input.round,
      results: results(),
      failures: [],
    });
    const out: Record<string, number> = { eval_loss: agg.loss, eval_clients: agg.accepted };
    for (const [k, v] of Object.entries(agg.metrics)) out[`eval_${k}`] = v;
    if (perClient.length === 0) return out;
    const { report, metrics } = federatedReport(perClient);
    await services.storage.store.putEvaluationReport({
      runId: ctx.runId,
      round: input.round,
      kind: 'federated',
      report: asJson(report),
    });
    return { ...out, ...metrics };
  } catch (err) {
    if (err instanceof EdgefedError && err.code === 'QUORUM_NOT_MET') return undefined;
    throw err;
  }
}

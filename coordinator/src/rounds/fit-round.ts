/**
 * One training round attempt: select (strategy.configureFit), send fit tasks, stream the
 * results into strategy.aggregateFit as they arrive (memory O(model)), and close the round
 * when all selected clients replied, the target count is reached, or the deadline passes.
 * Returns the new parameters and every client's outcome; throws `QUORUM_NOT_MET` when too
 * few usable results came back (the caller records the failed attempt and retries).
 */
import {
  EdgefedError,
  createPrng,
  toEdgefedError,
  type ClientCandidate,
  type ErrorCode,
  type FitAggregate,
  type FitPlan,
  type FitResult,
  type TensorMap,
} from '@edgefed/shared';
import type { ClientOutcomeFields } from '../store/records.js';
import { admitResult } from './result-admission.js';
import type { RoundContext } from './round-context.js';
import type { TaskOutcome, TaskSpec } from './task-gateway.js';

/** Input of {@link runFitRound}. */
export interface FitRoundInput {
  readonly round: number;
  readonly attempt: number;
  readonly global: TensorMap;
  readonly modelVersion: number;
  readonly modelHash: string;
  /** Aborts the round (pause, stop, shutdown); open tasks are cancelled. */
  readonly signal: AbortSignal;
  /** Called once the plan is made (for recording the round). */
  readonly onPlanned: (selected: number) => Promise<void>;
}

/** What a finished fit round produced. */
export interface FitRoundResult {
  readonly aggregate: FitAggregate;
  readonly outcomes: ClientOutcomeFields[];
  readonly bytesUp: number;
  readonly selected: number;
}

/** Thrown (as `details.outcomes`) with QUORUM_NOT_MET so the failed attempt can be recorded. */
export interface FitRoundFailureDetails {
  readonly outcomes: ClientOutcomeFields[];
  readonly selected: number;
  readonly bytesUp: number;
}

/** The fit tasks of a plan (also used by the secure round, which adds its own field). */
export function buildTasks(ctx: RoundContext, input: FitRoundInput, plan: FitPlan): TaskSpec[] {
  const { config, services } = ctx;
  const deadline = services.clock.now() + config.roundDeadlineMs;
  const t = config.training;
  const hyperParameters = {
    epochs: t.epochs,
    batchSize: t.batchSize,
    learningRate: t.learningRate,
    optimizer: t.optimizer,
    momentum: t.momentum,
    weightDecay: t.weightDecay,
    maxSteps: t.maxSteps,
  };
  return plan.clientIds.map((clientId) => {
    const taskId = services.clock.newId();
    return {
      taskId,
      clientId,
      runId: ctx.runId,
      round: input.round,
      kind: 'fit' as const,
      modelVersion: input.modelVersion,
      modelHash: `sha256:${input.modelHash}`,
      modelUrl: services.models.url(input.modelHash, taskId),
      // the strategy's own hyper-parameters (FedProx's proximalMu, DP's clipNorm, fitHyperParameters) win
      hyperParameters: { ...hyperParameters, ...plan.hyperParameters },
      modelSpec: services.models.specJson(config),
      compression: config.compression,
      seed: config.seed,
      config: { ...plan.config, ...config.taskConfig },
      deadline,
    };
  });
}

/** The stored record of one task's outcome. */
export function outcomeRecord(o: TaskOutcome): ClientOutcomeFields {
  if (o.status === 'completed') {
    return {
      clientId: o.task.clientId,
      outcome: 'completed',
      exampleCount: o.exampleCount,
      metrics: { ...o.metrics },
      bytesUp: o.bytesUp,
    };
  }
  return {
    clientId: o.task.clientId,
    outcome:
      o.code === 'DEADLINE_EXCEEDED' || o.code === 'CANCELLED' || o.code === 'UNAVAILABLE'
        ? 'dropped'
        : 'failed',
    code: o.code,
    bytesUp: o.bytesUp,
  };
}

/**
 * Selects a fit round attempt's clients (seeded by the run's seed, the round and the attempt)
 * and builds their tasks, registered with the download ledger; shared by the single-node and
 * the cluster round.
 */
export async function planFitRound(ctx: RoundContext, input: FitRoundInput) {
  const { services, config } = ctx;
  const rng = createPrng(config.seed * 1_000_003 + input.round * 101 + input.attempt);
  const available = services.participants.gateway.candidates(ctx.runId);
  const plan = ctx.strategy.configureFit({
    round: input.round,
    availableClients: available,
    globalVersion: String(input.modelVersion),
    rng,
  });
  await input.onPlanned(plan.clientIds.length);
  const tasks = buildTasks(ctx, input, plan);
  services.downloads.register(
    { runId: ctx.runId, round: input.round, attempt: input.attempt },
    tasks.map((t) => t.taskId),
  );
  return { available, plan, tasks };
}

/**
 * What closes a round attempt's task batch: `close` aborts at the deadline
 * (`DEADLINE_EXCEEDED`), when `outer` aborts (`CANCELLED`), or when the caller has enough
 * results; `dispose()` clears the timer, detaches from `outer` and closes the batch.
 */
export function openRoundClose(deadlineMs: number, outer: AbortSignal) {
  const close = new AbortController();
  const timer = setTimeout(() => {
    close.abort(new EdgefedError('DEADLINE_EXCEEDED', 'round deadline passed'));
  }, deadlineMs);
  const onOuterAbort = (): void => {
    close.abort(new EdgefedError('CANCELLED', 'round cancelled'));
  };
  outer.addEventListener('abort', onOuterAbort, { once: true });
  return {
    close,
    dispose: (): void => {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuterAbort);
      close.abort(new EdgefedError('CANCELLED', 'round finished'));
    },
  };
}

/** Runs one fit round attempt; see the file comment. */
export async function runFitRound(ctx: RoundContext, input: FitRoundInput): Promise<FitRoundResult> {
  const { services, config } = ctx;
  const { available, plan, tasks } = await planFitRound(ctx, input);
  const declared = declaredCounts(available);
  const { close, dispose } = openRoundClose(config.roundDeadlineMs, input.signal);
  const outcomes: ClientOutcomeFields[] = [];
  let bytesUp = 0;
  let completed = 0;
  const results = async function* (): AsyncGenerator<FitResult> {
    for await (const o of services.participants.gateway.runTasks({ tasks, signal: close.signal })) {
      bytesUp += o.bytesUp;
      services.telemetry.emit({
        type: 'task-outcome',
        runId: ctx.runId,
        round: input.round,
        clientId: o.task.clientId,
        outcome: o.status,
        code: o.status === 'completed' ? null : o.code,
      });
      if (o.status !== 'completed' || o.payload === undefined) {
        outcomes.push(outcomeRecord(o));
        continue;
      }
      let update: TensorMap;
      let weight: number;
      try {
        const admitted = admitResult({
          payload: o.payload,
          exampleCount: o.exampleCount,
          metrics: o.metrics,
          declared: declared.get(o.task.clientId),
          maxExampleWeight: config.maxExampleWeight,
          decoder: services.updates,
        });
        weight = admitted.weight;
        if (admitted.clamped) services.telemetry.metrics?.clampedExampleCounts.inc();
        update = admitted.update;
      } catch (err) {
        const e = toEdgefedError(err);
        // nothing the client claimed about a refused result is recorded (count, metrics)
        const { metrics: _metrics, exampleCount: _count, ...record } = outcomeRecord(o);
        outcomes.push({ ...record, outcome: 'rejected', code: e.code });
        services.participants.gateway.reportRejected?.(o.task, e);
        continue;
      }
      outcomes.push({ ...outcomeRecord(o), exampleCount: weight });
      completed++;
      if (completed >= plan.targetResults) {
        close.abort(new EdgefedError('CANCELLED', 'enough results for this round'));
      }
      yield { clientId: o.task.clientId, exampleCount: weight, update, metrics: o.metrics };
    }
  };
  try {
    const aggregate = await ctx.strategy.aggregateFit({
      round: input.round,
      global: input.global,
      results: results(),
      failures: [],
    });
    for (const f of markRejected(outcomes, aggregate)) {
      const task = tasks.find((t) => t.clientId === f.clientId);
      if (task !== undefined) services.participants.gateway.reportRejected?.(task, f);
    }
    return { aggregate, outcomes, bytesUp, selected: plan.clientIds.length };
  } catch (err) {
    const e = toEdgefedError(err);
    const details: FitRoundFailureDetails = { outcomes, selected: plan.clientIds.length, bytesUp };
    throw new EdgefedError(e.code, e.message, { cause: err, details: { ...details } });
  } finally {
    dispose();
  }
}

/** The example counts clients declared in `hello`, by client id (absent when not a number). */
export function declaredCounts(available: readonly ClientCandidate[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of available) {
    const n = c.capabilities?.exampleCount;
    if (typeof n === 'number') out.set(c.id, n);
  }
  return out;
}

/**
 * Marks results the strategy refused (NaN, wrong shapes, ...) as rejected; returns those
 * refusals (client, code, message).
 */
function markRejected(
  outcomes: ClientOutcomeFields[],
  aggregate: FitAggregate,
): { clientId: string; code: ErrorCode; message: string }[] {
  const rejected = new Map(aggregate.failures.map((f) => [f.clientId, f]));
  const marked: { clientId: string; code: ErrorCode; message: string }[] = [];
  outcomes.forEach((o, i) => {
    const f = rejected.get(o.clientId);
    if (o.outcome !== 'completed' || f === undefined) return;
    outcomes[i] = { ...o, outcome: 'rejected', code: f.code };
    marked.push({ clientId: o.clientId, code: f.code, message: f.message });
  });
  return marked;
}

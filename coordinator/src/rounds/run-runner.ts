/**
 * RunRunner: the one place a run's round state lives. An explicit state machine —
 * waiting-for-clients -> configuring -> training -> aggregating -> checkpointed ->
 * evaluating -> next round — driven by an async loop that can be paused, resumed and
 * stopped. Every finished round is committed (checkpoint blob first, then one store
 * transaction) before it is announced, so a coordinator restarted after a crash resumes
 * from the last committed round. A round below quorum is recorded as failed and retried
 * up to `maxRoundAttempts` times; then the run fails.
 */
import {
  EdgefedError,
  createStrategy,
  toEdgefedError,
  type Metrics,
  type Strategy,
  type TensorMap,
} from '@edgefed/shared';
import type { JsonObject } from '../store/json.js';
import type { RunRecord } from '../store/records.js';
import { parseRunConfig, type RunConfig } from './run-config.js';
import type { RunPhase } from './run-events.js';
import type { RoundContext, RunServices } from './round-context.js';
import { runEvaluateRound } from './evaluate-round.js';
import { asJson, centralParts } from './evaluation-report.js';
import { runFitRound, type FitRoundFailureDetails } from './fit-round.js';
import { getModel, getStrategyState, putModel, putStrategyState } from './model-codec.js';

/** Reads `aborted` afresh (it changes while awaiting, which narrowing cannot see). */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

interface GlobalModel {
  params: TensorMap;
  version: number;
  hash: string;
}

export class RunRunner {
  readonly runId: string;
  readonly #s: RunServices;
  #phase: RunPhase = 'idle';
  #round = 0;
  #control = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(runId: string, services: RunServices) {
    this.runId = runId;
    this.#s = services;
  }

  get phase(): RunPhase {
    return this.#phase;
  }

  /** Starts (or restarts after a pause) the loop; the run's status becomes `running`. */
  async start(): Promise<void> {
    if (this.#loop !== undefined) return;
    const run = await this.#s.store.getRun(this.runId);
    if (run.status === 'stopped' || run.status === 'completed' || run.status === 'failed') {
      throw new EdgefedError('RUN_NOT_ACTIVE', `Run ${this.runId} is ${run.status}`);
    }
    if (run.status !== 'running') await this.#s.store.updateRun(this.runId, { status: 'running' });
    this.#control = new AbortController();
    this.#loop = this.#run(this.#control.signal).finally(() => {
      this.#loop = undefined;
    });
  }

  /** Pauses: the current round is cancelled (not committed) and the run waits for resume. */
  async pause(): Promise<void> {
    await this.#halt('paused');
  }

  /** Stops for good: the current round is cancelled; the run cannot be resumed. */
  async stop(): Promise<void> {
    await this.#halt('stopped');
  }

  /** Waits for the loop to end (after completion, failure, pause or stop). */
  async settled(): Promise<void> {
    await this.#loop;
  }

  /** Ends the loop without changing the run's status (coordinator shutdown). */
  async detach(): Promise<void> {
    this.#control.abort(new EdgefedError('UNAVAILABLE', 'coordinator is shutting down'));
    await this.#loop;
  }

  async #halt(status: 'paused' | 'stopped'): Promise<void> {
    const run = await this.#s.store.getRun(this.runId);
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'stopped') {
      throw new EdgefedError('RUN_NOT_ACTIVE', `Run ${this.runId} is ${run.status}`);
    }
    this.#control.abort(new EdgefedError('CANCELLED', `run ${status}`));
    await this.#loop;
    await this.#s.store.updateRun(this.runId, { status });
    this.#setPhase(status);
  }

  #setPhase(phase: RunPhase): void {
    this.#phase = phase;
    this.#s.emit({ type: 'phase', runId: this.runId, round: this.#round, phase });
  }

  async #run(signal: AbortSignal): Promise<void> {
    try {
      const run = await this.#s.store.getRun(this.runId);
      const config = parseRunConfig(run.config);
      const strategy = createStrategy(config.strategy);
      const ctx: RoundContext = { runId: this.runId, config, strategy, services: this.#s };
      let global = await this.#loadOrInit(run, config, strategy);
      for (let round = run.currentRound + 1; round <= config.rounds && !signal.aborted; round++) {
        this.#round = round;
        const next = await this.#runRound(ctx, global, round, signal);
        if (next === undefined) return;
        global = next;
        if (await this.#evaluate(ctx, global, round, signal)) break;
      }
      if (signal.aborted) return;
      await this.#s.store.updateRun(this.runId, { status: 'completed' });
      this.#s.logger.info({ runId: this.runId, round: this.#round }, 'run completed');
      this.#setPhase('completed');
    } catch (err) {
      if (signal.aborted) return;
      const e = toEdgefedError(err);
      this.#s.logger.error({ runId: this.runId, err: e }, 'run failed');
      await this.#s.store.updateRun(this.runId, { status: 'failed' }).catch(() => undefined);
      this.#setPhase('failed');
    }
  }

  /** The latest checkpoint, or a freshly initialised model saved as version 0. */
  async #loadOrInit(run: RunRecord, config: RunConfig, strategy: Strategy): Promise<GlobalModel> {
    if (run.strategyState !== null) {
      strategy.restore(await getStrategyState(this.#s.blobs, run.strategyState as JsonObject));
    }
    for (const r of await this.#s.store.listRounds(this.runId)) {
      if (r.state !== 'completed' && r.state !== 'failed' && r.state !== 'cancelled') {
        await this.#s.store.updateRound(r, {
          state: 'failed',
          endedAt: this.#s.now(),
          failureReason: 'coordinator restarted',
        });
      }
    }
    const latest = await this.#s.store.latestCheckpoint(this.runId);
    if (latest !== undefined) {
      return {
        params: await getModel(this.#s.blobs, latest.hash),
        version: latest.version,
        hash: latest.hash,
      };
    }
    const params = this.#s.initialParameters(config);
    const { hash, size } = await putModel(this.#s.blobs, params);
    await this.#s.store.saveCheckpoint({ runId: this.runId, version: 0, round: 0, hash, byteSize: size });
    await this.#s.store.updateRun(this.runId, { currentModelVersion: 0 });
    return { params, version: 0, hash };
  }

  async #nextAttempt(round: number): Promise<number> {
    const rounds = await this.#s.store.listRounds(this.runId);
    return rounds.filter((r) => r.round === round).reduce((max, r) => Math.max(max, r.attempt), 0) + 1;
  }

  /** Runs attempts of one round until one commits; undefined when the loop must end. */
  async #runRound(
    ctx: RoundContext,
    global: GlobalModel,
    round: number,
    signal: AbortSignal,
  ): Promise<GlobalModel | undefined> {
    const { config, strategy } = ctx;
    const c = config.strategy;
    for (let tries = 0; tries < config.maxRoundAttempts; tries++) {
      this.#setPhase('waiting-for-clients');
      await this.#s.waitForClients(this.runId, Math.max(c.minAvailableClients, c.minFitClients), signal);
      if (signal.aborted) return undefined;
      const attempt = await this.#nextAttempt(round);
      const startedAt = this.#s.now();
      const key = { runId: this.runId, round, attempt };
      const snapshot = strategy.getState();
      this.#setPhase('configuring');
      try {
        const fit = await runFitRound(ctx, {
          round,
          attempt,
          global: global.params,
          modelVersion: global.version,
          modelHash: global.hash,
          signal,
          onPlanned: async (selected) => {
            await this.#s.store.recordRound({
              ...key,
              state: 'training',
              startedAt,
              selectedCount: selected,
            });
            this.#setPhase('training');
          },
        });
        this.#setPhase('aggregating');
        return await this.#commit(ctx, { round, attempt, startedAt, fit });
      } catch (err) {
        strategy.restore(snapshot);
        if (isAborted(signal)) {
          await this.#recordFailed(key, startedAt, 'cancelled', 'cancelled', err);
          return undefined;
        }
        const e = toEdgefedError(err);
        if (e.code !== 'QUORUM_NOT_MET' && e.code !== 'DEADLINE_EXCEEDED') throw e;
        await this.#recordFailed(key, startedAt, 'failed', e.message, err);
        this.#s.logger.info({ runId: this.runId, round, attempt, code: e.code }, 'round failed');
        this.#s.metrics?.rounds.inc({ outcome: 'failed' });
        this.#s.emit({ type: 'round-failed', runId: this.runId, round, attempt, reason: e.message });
      }
    }
    throw new EdgefedError('QUORUM_NOT_MET', `Round ${round} failed ${config.maxRoundAttempts} times`);
  }

  async #recordFailed(
    key: { runId: string; round: number; attempt: number },
    startedAt: number,
    state: 'failed' | 'cancelled',
    reason: string,
    err: unknown,
  ): Promise<void> {
    const details = (err instanceof EdgefedError ? err.details : undefined) as
      Partial<FitRoundFailureDetails> | undefined;
    const outcomes = details?.outcomes ?? [];
    const patch = {
      state,
      endedAt: this.#s.now(),
      failureReason: reason,
      selectedCount: details?.selected ?? 0,
      completedCount: outcomes.filter((o) => o.outcome === 'completed').length,
      failedCount: outcomes.filter((o) => o.outcome === 'failed' || o.outcome === 'rejected').length,
      droppedCount: outcomes.filter((o) => o.outcome === 'dropped').length,
      bytesUp: details?.bytesUp ?? 0,
    };
    const run = await this.#s.store.getRun(this.runId);
    await this.#s.store.commitRound({
      runUpdate: {},
      expectedRevision: run.revision,
      round: { ...key, startedAt, ...patch },
      outcomes,
    });
    this.#countOutcomes(outcomes);
  }

  async #commit(
    ctx: RoundContext,
    r: { round: number; attempt: number; startedAt: number; fit: Awaited<ReturnType<typeof runFitRound>> },
  ): Promise<GlobalModel> {
    const { fit, round } = r;
    const params = fit.aggregate.parameters;
    const { hash, size } = await putModel(this.#s.blobs, params);
    const strategyState = await putStrategyState(this.#s.blobs, ctx.strategy.getState());
    const endedAt = this.#s.now();
    const count = (k: string): number => fit.outcomes.filter((o) => o.outcome === k).length;
    const trainMetrics = { ...fit.aggregate.metrics };
    await this.#s.store.commitRound({
      runUpdate: { currentRound: round, currentModelVersion: round, strategyState },
      round: {
        runId: this.runId,
        round,
        attempt: r.attempt,
        state: 'completed',
        startedAt: r.startedAt,
        endedAt,
        selectedCount: fit.selected,
        completedCount: count('completed'),
        failedCount: count('failed') + count('rejected'),
        droppedCount: count('dropped'),
        bytesUp: fit.bytesUp,
        bytesDown: fit.bytesDown,
        trainMetrics,
      },
      outcomes: fit.outcomes,
      metrics: Object.entries(trainMetrics).map(([name, value]) => ({
        name,
        value,
        scope: 'train' as const,
      })),
      checkpoint: { version: round, hash, byteSize: size },
    });
    this.#countOutcomes(fit.outcomes);
    this.#s.logger.info(
      { runId: this.runId, round, attempt: r.attempt, modelVersion: round, hash },
      'round committed',
    );
    this.#s.metrics?.rounds.inc({ outcome: 'completed' });
    this.#s.metrics?.roundDuration.observe((endedAt - r.startedAt) / 1000);
    this.#setPhase('checkpointed');
    this.#s.emit({
      type: 'round-completed',
      runId: this.runId,
      round,
      modelVersion: round,
      metrics: trainMetrics,
      durationMs: endedAt - r.startedAt,
    });
    return { params, version: round, hash };
  }

  /** Feeds `edgefed_client_outcomes_total` once the outcomes are committed. */
  #countOutcomes(outcomes: readonly { readonly outcome: string }[]): void {
    for (const o of outcomes) this.#s.metrics?.clientOutcomes.inc({ outcome: o.outcome });
  }

  /** Central and federated evaluation; true when the target accuracy is reached. */
  async #evaluate(
    ctx: RoundContext,
    global: GlobalModel,
    round: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    const { config } = ctx;
    const every = config.evaluateEvery;
    const due = round === config.rounds || (every > 0 && round % every === 0);
    if (!due && this.#s.centralEvaluator === undefined) return false;
    this.#setPhase('evaluating');
    const bytesDownBefore = this.#s.gateway.bytesDown;
    const metrics: Record<string, number> = {};
    const points: { name: string; value: number; scope: 'eval' | 'central' }[] = [];
    if (this.#s.centralEvaluator !== undefined) {
      const central = centralParts(await this.#s.centralEvaluator(global.params, round, signal));
      for (const [name, value] of Object.entries(central.metrics)) {
        metrics[name] = value;
        points.push({ name, value, scope: 'central' });
      }
      if (central.report !== undefined) {
        const report = asJson(central.report);
        await this.#s.store.putEvaluationReport({ runId: this.runId, round, kind: 'central', report });
      }
    }
    if (due && every > 0) {
      const fed = await runEvaluateRound(ctx, {
        round,
        modelVersion: global.version,
        modelHash: global.hash,
        signal,
      });
      for (const [name, value] of Object.entries(fed ?? {})) {
        metrics[name] = value;
        points.push({ name, value, scope: 'eval' });
      }
    }
    if (points.length === 0) return false;
    await this.#recordEvaluation(round, metrics, points, this.#s.gateway.bytesDown - bytesDownBefore);
    this.#s.emit({ type: 'evaluated', runId: this.runId, round, metrics });
    const accuracy = metrics.accuracy ?? metrics.eval_accuracy;
    return config.targetAccuracy !== undefined && accuracy !== undefined && accuracy >= config.targetAccuracy;
  }

  async #recordEvaluation(
    round: number,
    metrics: Metrics,
    points: { name: string; value: number; scope: 'eval' | 'central' }[],
    evalBytesDown: number,
  ): Promise<void> {
    const store = this.#s.store;
    await store.appendMetrics(points.map((p) => ({ runId: this.runId, round, ...p })));
    const rounds = (await store.listRounds(this.runId)).filter(
      (x) => x.round === round && x.state === 'completed',
    );
    const last = rounds[rounds.length - 1];
    if (last !== undefined) {
      await store.updateRound(last, {
        evalMetrics: { ...metrics },
        bytesDown: last.bytesDown + evalBytesDown,
      });
    }
    const run = await store.getRun(this.runId);
    const best = { ...run.bestMetrics };
    for (const [k, v] of Object.entries(metrics)) {
      if (!k.includes('accuracy')) continue;
      if (best[k] === undefined || v > (best[k] ?? -Infinity)) best[k] = v;
    }
    await store.updateRun(this.runId, { bestMetrics: best });
  }
}

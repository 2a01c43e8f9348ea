/**
 * RunRunner: the one place a run's round state lives. An async loop that can be paused,
 * resumed and stopped does the work of each phase (wait for clients, run the fit round,
 * commit, evaluate) and reports what happened as an event to the transition table in
 * round-machine.ts, which decides the next phase and the bookkeeping effects; the runner
 * carries those out (store status, round records, outcome counts, run events). Every
 * finished round is committed (checkpoint blob first, then one store transaction) before
 * it is announced, so a coordinator restarted after a crash resumes from the last committed
 * round. A round below quorum (or a secure round with too few survivors) is recorded as
 * failed and retried up to `maxRoundAttempts` times; then the run fails. A run with
 * `secureAggregation` runs each attempt as a secure round (secure-fit-round.ts).
 */
import {
  EdgefedError,
  createStrategy,
  toEdgefedError,
  type ErrorCode,
  type Metrics,
  type Strategy,
} from '@edgefed/shared';
import type { JsonObject } from '../store/json.js';
import type { ClientOutcomeFields, RoundKey, RunRecord } from '../store/records.js';
import { parseRunConfig, type RunConfig } from './run-config.js';
import type { RunPhase } from './run-events.js';
import type { RoundContext } from './round-context.js';
import type { RunServices } from './run-services.js';
import { runFitRound, type FitRoundInput, type FitRoundResult } from './fit-round.js';
import { runClusterFitRound } from './cluster-fit-round.js';
import { runSecureFitRound } from './secure-fit-round.js';
import { getModel, getStrategyState, putModel, putStrategyState } from './model-codec.js';
import { FINAL_PHASES, transition, type RoundEffect, type RoundEvent } from './round-machine.js';
import { committedRound, endedAttempt } from './round-records.js';
import { evaluateAndRecord, evaluationDue, type EvaluatedModel } from './run-evaluation.js';

/** Failures that end an attempt but not the run: the round is retried (maxRoundAttempts). */
const RETRIED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'QUORUM_NOT_MET',
  'DEADLINE_EXCEEDED',
  'SECAGG_TOO_FEW_SURVIVORS',
]);

/** Reads `aborted` afresh (it changes while awaiting, which narrowing cannot see). */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

/** What an event's effects need to know (each effect reads its own fields). */
interface EffectData {
  readonly key?: RoundKey;
  readonly startedAt?: number;
  readonly selected?: number;
  readonly outcomes?: readonly ClientOutcomeFields[];
  readonly durationMs?: number;
  readonly metrics?: Metrics;
  readonly reason?: string;
}

export class RunRunner {
  readonly runId: string;
  readonly #s: RunServices;
  #phase: RunPhase = 'idle';
  #round = 0;
  #control = new AbortController();
  #loop: Promise<void> | undefined;
  /** The last committed attempt and the model bytes its record holds (settled as downloads end). */
  #committed: { key: RoundKey; bytesDown: number } | undefined;

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
    const run = await this.#s.storage.store.getRun(this.runId);
    if (run.status === 'stopped' || run.status === 'completed' || run.status === 'failed') {
      throw new EdgefedError('RUN_NOT_ACTIVE', `Run ${this.runId} is ${run.status}`);
    }
    if (run.status !== 'running') await this.#s.storage.store.updateRun(this.runId, { status: 'running' });
    this.#control = new AbortController();
    this.#loop = this.#run(this.#control.signal).finally(() => {
      this.#loop = undefined;
    });
  }

  /** Pauses: the current round is cancelled (not committed) and the run waits for resume. */
  async pause(): Promise<void> {
    await this.#halt('pause');
  }

  /** Stops for good: the current round is cancelled; the run cannot be resumed. */
  async stop(): Promise<void> {
    await this.#halt('stop');
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

  async #halt(event: 'pause' | 'stop'): Promise<void> {
    const run = await this.#s.storage.store.getRun(this.runId);
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'stopped') {
      throw new EdgefedError('RUN_NOT_ACTIVE', `Run ${this.runId} is ${run.status}`);
    }
    this.#control.abort(new EdgefedError('CANCELLED', `run ${event === 'pause' ? 'paused' : 'stopped'}`));
    await this.#loop;
    if (FINAL_PHASES.includes(this.#phase)) {
      throw new EdgefedError('RUN_NOT_ACTIVE', `Run ${this.runId} is ${this.#phase}`);
    }
    await this.#fire(event);
  }

  /** Moves the state machine by `event` and carries out the transition's effects. */
  async #fire(event: RoundEvent, data: EffectData = {}): Promise<void> {
    const t = transition(this.#phase, event);
    this.#phase = t.to;
    for (const effect of t.effects) await this.#effect(effect, data);
    if (FINAL_PHASES.includes(t.to)) this.#s.downloads.forget(this.runId);
  }

  /**
   * Brings the last committed round's `bytesDown` up to the ledger's count: downloads of
   * its tasks that ended after the commit (evaluation, stragglers) still count there.
   */
  async #settleBytesDown(): Promise<void> {
    const c = this.#committed;
    if (c === undefined) return;
    const bytes = this.#s.downloads.bytesFor(c.key);
    if (bytes === c.bytesDown) return;
    await this.#s.storage.store.updateRound(c.key, { bytesDown: bytes });
    c.bytesDown = bytes;
  }

  async #effect(effect: RoundEffect, d: EffectData): Promise<void> {
    const s = this.#s;
    switch (effect) {
      case 'emit-phase':
        s.telemetry.emit({ type: 'phase', runId: this.runId, round: this.#round, phase: this.#phase });
        break;
      case 'record-round':
        if (d.key === undefined || d.startedAt === undefined) break;
        await s.storage.store.recordRound({
          ...d.key,
          state: 'training',
          startedAt: d.startedAt,
          selectedCount: d.selected ?? 0,
        });
        break;
      case 'count-round-completed':
        this.#count('completed', d.outcomes ?? [], d.durationMs);
        break;
      case 'count-round-failed':
        this.#count('failed', d.outcomes ?? []);
        break;
      case 'emit-round-completed':
        s.telemetry.emit({
          type: 'round-completed',
          runId: this.runId,
          round: this.#round,
          modelVersion: this.#round,
          metrics: d.metrics ?? {},
          durationMs: d.durationMs ?? 0,
        });
        break;
      case 'emit-round-failed':
        s.telemetry.emit({
          type: 'round-failed',
          runId: this.runId,
          round: this.#round,
          attempt: d.key?.attempt ?? 0,
          reason: d.reason ?? '',
        });
        break;
      case 'set-status-completed':
        await s.storage.store.updateRun(this.runId, { status: 'completed' });
        s.telemetry.logger.info({ runId: this.runId, round: this.#round }, 'run completed');
        break;
      case 'set-status-failed':
        await s.storage.store.updateRun(this.runId, { status: 'failed' }).catch(() => undefined);
        break;
      case 'set-status-paused':
        await s.storage.store.updateRun(this.runId, { status: 'paused' });
        break;
      case 'set-status-stopped':
        await s.storage.store.updateRun(this.runId, { status: 'stopped' });
        break;
    }
  }

  /**
   * The one place round outcomes are counted: the round counter and duration (completed
   * and failed attempts) and `edgefed_client_outcomes_total` (every recorded attempt,
   * cancelled ones too), always after the outcomes are committed.
   */
  #count(round: 'completed' | 'failed' | 'cancelled', outcomes: readonly ClientOutcomeFields[], ms?: number) {
    const m = this.#s.telemetry.metrics;
    for (const o of outcomes) m?.clientOutcomes.inc({ outcome: o.outcome });
    if (round !== 'cancelled') m?.rounds.inc({ outcome: round });
    if (ms !== undefined) m?.roundDuration.observe(ms / 1000);
  }

  async #run(signal: AbortSignal): Promise<void> {
    try {
      const run = await this.#s.storage.store.getRun(this.runId);
      const config = parseRunConfig(run.config);
      await this.#s.models.prepare?.(config);
      const strategy = createStrategy(config.strategy);
      const ctx: RoundContext = { runId: this.runId, config, strategy, services: this.#s };
      let global = await this.#loadOrInit(run, config, strategy);
      for (let round = run.currentRound + 1; round <= config.rounds && !signal.aborted; round++) {
        this.#round = round;
        const next = await this.#runRound(ctx, global, round, signal);
        if (next === undefined) return;
        global = next;
        if (await this.#evaluate(ctx, global, signal)) break;
      }
      if (signal.aborted) return;
      await this.#settleBytesDown();
      await this.#fire('finish');
    } catch (err) {
      if (signal.aborted) return;
      const e = toEdgefedError(err);
      this.#s.telemetry.logger.error({ runId: this.runId, err: e }, 'run failed');
      if (!FINAL_PHASES.includes(this.#phase)) await this.#fire('fail').catch(() => undefined);
    }
  }

  /** The latest checkpoint, or a freshly initialised model saved as version 0. */
  async #loadOrInit(run: RunRecord, config: RunConfig, strategy: Strategy): Promise<EvaluatedModel> {
    if (run.strategyState !== null) {
      strategy.restore(await getStrategyState(this.#s.storage.blobs, run.strategyState as JsonObject));
    }
    for (const r of await this.#s.storage.store.listRounds(this.runId)) {
      if (r.state !== 'completed' && r.state !== 'failed' && r.state !== 'cancelled') {
        await this.#s.storage.store.updateRound(r, {
          state: 'failed',
          endedAt: this.#s.clock.now(),
          failureReason: 'coordinator restarted',
        });
      }
    }
    const latest = await this.#s.storage.store.latestCheckpoint(this.runId);
    if (latest !== undefined) {
      return {
        params: await getModel(this.#s.storage.blobs, latest.hash),
        version: latest.version,
        hash: latest.hash,
      };
    }
    const params = this.#s.models.initialParameters(config);
    const { hash, size } = await putModel(this.#s.storage.blobs, params);
    await this.#s.storage.store.saveCheckpoint({
      runId: this.runId,
      version: 0,
      round: 0,
      hash,
      byteSize: size,
    });
    await this.#s.storage.store.updateRun(this.runId, { currentModelVersion: 0 });
    return { params, version: 0, hash };
  }

  async #nextAttempt(round: number): Promise<number> {
    const rounds = await this.#s.storage.store.listRounds(this.runId);
    return rounds.filter((r) => r.round === round).reduce((max, r) => Math.max(max, r.attempt), 0) + 1;
  }

  /** Runs attempts of one round until one commits; undefined when the loop must end. */
  async #runRound(
    ctx: RoundContext,
    global: EvaluatedModel,
    round: number,
    signal: AbortSignal,
  ): Promise<EvaluatedModel | undefined> {
    const { config, strategy } = ctx;
    const c = config.strategy;
    await this.#fire('round-begin');
    for (let tries = 1; ; tries++) {
      // a secure round selects only secure-capable clients, so only those are waited for
      await this.#s.participants.waitForClients(
        {
          runId: this.runId,
          count: Math.max(c.minAvailableClients, c.minFitClients),
          secureOnly: config.secureAggregation !== undefined,
        },
        signal,
      );
      if (signal.aborted) return undefined;
      const attempt = await this.#nextAttempt(round);
      const startedAt = this.#s.clock.now();
      const key = { runId: this.runId, round, attempt };
      const snapshot = strategy.getState();
      await this.#fire('clients-ready');
      try {
        // cluster mode: nodes fold their clients' updates, the leader merges partials
        const folding = this.#s.participants.gateway.folding;
        const fitRound =
          config.secureAggregation !== undefined
            ? runSecureFitRound
            : folding === undefined
              ? runFitRound
              : (c: RoundContext, i: FitRoundInput) => runClusterFitRound(c, i, folding);
        const fit = await fitRound(ctx, {
          round,
          attempt,
          global: global.params,
          modelVersion: global.version,
          modelHash: global.hash,
          signal,
          onPlanned: (selected) => this.#fire('planned', { key, startedAt, selected }),
        });
        await this.#fire('results-in');
        return await this.#commit(ctx, key, startedAt, fit);
      } catch (err) {
        strategy.restore(snapshot);
        if (isAborted(signal)) {
          await this.#recordEnded(key, startedAt, 'cancelled', 'cancelled', err);
          return undefined;
        }
        const e = toEdgefedError(err);
        if (!RETRIED_CODES.has(e.code)) throw e;
        const outcomes = await this.#recordEnded(key, startedAt, 'failed', e.message, err);
        this.#s.telemetry.logger.info({ runId: this.runId, round, attempt, code: e.code }, 'round failed');
        const last = tries >= config.maxRoundAttempts;
        await this.#fire(last ? 'attempts-exhausted' : 'attempt-failed', {
          key,
          outcomes,
          reason: e.message,
        });
        if (last) {
          const msg = `Round ${round} failed ${config.maxRoundAttempts} times`;
          throw new EdgefedError('QUORUM_NOT_MET', msg);
        }
      }
    }
  }

  /** Commits a failed or cancelled attempt; returns its outcomes (for counting). */
  async #recordEnded(
    key: RoundKey,
    startedAt: number,
    state: 'failed' | 'cancelled',
    reason: string,
    error: unknown,
  ): Promise<readonly ClientOutcomeFields[]> {
    const run = await this.#s.storage.store.getRun(this.runId);
    const input = endedAttempt({
      key,
      startedAt,
      endedAt: this.#s.clock.now(),
      state,
      reason,
      error,
      bytesDown: this.#s.downloads.bytesFor(key),
      expectedRevision: run.revision,
    });
    await this.#s.storage.store.commitRound(input);
    const outcomes = input.outcomes ?? [];
    if (state === 'cancelled') this.#count('cancelled', outcomes);
    return outcomes;
  }

  async #commit(
    ctx: RoundContext,
    key: RoundKey,
    startedAt: number,
    fit: FitRoundResult,
  ): Promise<EvaluatedModel> {
    const params = fit.aggregate.parameters;
    const { hash, size } = await putModel(this.#s.storage.blobs, params);
    const strategyState = await putStrategyState(this.#s.storage.blobs, ctx.strategy.getState());
    const endedAt = this.#s.clock.now();
    await this.#settleBytesDown();
    const bytesDown = this.#s.downloads.bytesFor(key);
    await this.#s.storage.store.commitRound(
      committedRound({
        key,
        startedAt,
        endedAt,
        fit,
        bytesDown,
        strategyState,
        checkpoint: { hash, byteSize: size },
      }),
    );
    this.#committed = { key, bytesDown };
    this.#s.telemetry.logger.info(
      { runId: this.runId, round: key.round, attempt: key.attempt, modelVersion: key.round, hash },
      'round committed',
    );
    await this.#fire('committed', {
      key,
      outcomes: fit.outcomes,
      durationMs: endedAt - startedAt,
      metrics: { ...fit.aggregate.metrics },
    });
    return { params, version: key.round, hash };
  }

  /** Central and federated evaluation; true when the target accuracy is reached. */
  async #evaluate(ctx: RoundContext, global: EvaluatedModel, signal: AbortSignal): Promise<boolean> {
    const key = this.#committed?.key;
    if (key === undefined || !evaluationDue(ctx, key.round)) return false;
    await this.#fire('evaluate');
    const { metrics, reached } = await evaluateAndRecord(ctx, global, key, signal);
    await this.#settleBytesDown();
    if (metrics !== undefined) {
      this.#s.telemetry.emit({ type: 'evaluated', runId: this.runId, round: key.round, metrics });
    }
    return reached;
  }
}

/**
 * FedBuffRunner: a run in `fedbuff` mode (asynchronous buffered aggregation, Nguyen et al.
 * 2022), the counterpart of RunRunner's rounds. Up to `concurrency` clients train at once,
 * each on the newest model when its task was sent (the task carries that base version); as
 * soon as one finishes, another idle client gets a task. Each accepted update goes into the
 * buffer weighted by its staleness (versions behind); one staler than `maxStaleness` is
 * rejected with `STALE_UPDATE`. Every `bufferSize` accepted updates make a new model version,
 * committed like a synchronous round (round = version: checkpoint blob first, then one store
 * transaction with the window's outcomes and metrics) before it is announced; a restarted
 * coordinator resumes from the latest version. The buffer itself is not persisted: updates
 * received since the last version are lost in a crash, and their clients get new tasks.
 * Federated evaluation does not run in this mode; central evaluation (simulations) does.
 */
import { EdgefedError, createPrng, toEdgefedError, type ClientCandidate } from '@edgefed/shared';
import type { RunRecord } from '../store/records.js';
import { FedBuffBuffer } from './fedbuff-buffer.js';
import { commitVersion, evaluateVersion, type FedBuffContext, type VersionModel } from './fedbuff-commit.js';
import { boundExampleCount, checkClientMetrics } from './result-bounds.js';
import { getModel, putModel } from './model-codec.js';
import type { RunServices } from './run-services.js';
import { parseRunConfig, type RunConfig } from './run-config.js';
import type { RunPhase } from './run-events.js';
import type { TaskOutcome, TaskSpec } from './task-gateway.js';
import { openTaskStream, type TaskStream } from './task-stream.js';

/** Consecutive refills that sent nothing after a wait before the run fails (no client can come). */
const MAX_IDLE_WAITS = 1000;

export class FedBuffRunner {
  readonly runId: string;
  readonly #s: RunServices;
  #phase: RunPhase = 'idle';
  #control = new AbortController();
  #loop: Promise<void> | undefined;
  #sent = 0;
  readonly #declared = new Map<string, number | undefined>();

  constructor(runId: string, services: RunServices) {
    this.runId = runId;
    this.#s = services;
  }

  get phase(): RunPhase {
    return this.#phase;
  }

  /** Starts (or resumes after a pause or a restart) the loop; the run becomes `running`. */
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

  async pause(): Promise<void> {
    await this.#halt('paused');
  }

  async stop(): Promise<void> {
    await this.#halt('stopped');
  }

  async settled(): Promise<void> {
    await this.#loop;
  }

  /** Ends the loop without changing the run's status (coordinator shutdown). */
  async detach(): Promise<void> {
    this.#control.abort(new EdgefedError('UNAVAILABLE', 'coordinator is shutting down'));
    await this.#loop;
  }

  async #halt(status: 'paused' | 'stopped'): Promise<void> {
    const run = await this.#s.storage.store.getRun(this.runId);
    if (run.status === 'completed' || run.status === 'failed' || run.status === 'stopped') {
      throw new EdgefedError('RUN_NOT_ACTIVE', `Run ${this.runId} is ${run.status}`);
    }
    this.#control.abort(new EdgefedError('CANCELLED', `run ${status}`));
    await this.#loop;
    await this.#s.storage.store.updateRun(this.runId, { status });
    this.#setPhase(status, run.currentRound);
  }

  #setPhase(phase: RunPhase, version: number): void {
    if (phase === this.#phase) return;
    this.#phase = phase;
    this.#s.telemetry.emit({ type: 'phase', runId: this.runId, round: version, phase });
  }

  async #run(signal: AbortSignal): Promise<void> {
    let version = 0;
    try {
      const run = await this.#s.storage.store.getRun(this.runId);
      const config = parseRunConfig(run.config);
      await this.#s.models.prepare?.(config);
      const ctx: FedBuffContext = { runId: this.runId, config, services: this.#s };
      const model = await this.#loadOrInit(run, config);
      version = model.version;
      const stream = openTaskStream(this.#s.participants.gateway);
      try {
        if (!(await this.#train(ctx, model, stream, signal))) return;
      } finally {
        stream.close('CANCELLED', 'run ended');
      }
      await this.#s.storage.store.updateRun(this.runId, { status: 'completed' });
      this.#s.telemetry.logger.info({ runId: this.runId }, 'run completed');
      this.#setPhase('completed', version);
    } catch (err) {
      if (signal.aborted) return;
      const e = toEdgefedError(err);
      this.#s.telemetry.logger.error({ runId: this.runId, err: e }, 'run failed');
      await this.#s.storage.store.updateRun(this.runId, { status: 'failed' }).catch(() => undefined);
      this.#setPhase('failed', version);
    }
  }

  /** The loop; false when it was aborted (pause, stop, shutdown). */
  async #train(
    ctx: FedBuffContext,
    first: VersionModel,
    stream: TaskStream,
    signal: AbortSignal,
  ): Promise<boolean> {
    const fb = ctx.config.fedbuff;
    let model = first;
    let buffer = new FedBuffBuffer(fb, model.params);
    let windowStart = this.#s.clock.now();
    let sentInWindow = 0;
    let idleWaits = 0;
    while (model.version < ctx.config.rounds) {
      const sent = this.#refill(ctx, stream, model);
      sentInWindow += sent;
      if (sent > 0) idleWaits = 0;
      if (stream.open === 0) {
        if (++idleWaits > MAX_IDLE_WAITS)
          throw new EdgefedError('QUORUM_NOT_MET', 'No client became available to train');
        this.#setPhase('waiting-for-clients', model.version);
        await this.#s.participants.waitForClients({ runId: this.runId, count: 1 }, signal);
        if (signal.aborted) return false;
        continue;
      }
      this.#setPhase('training', model.version);
      let outcome: TaskOutcome;
      try {
        outcome = await stream.next(signal);
      } catch (err) {
        if (signal.aborted) return false;
        throw err;
      }
      this.#take(ctx, buffer, model, outcome);
      if (buffer.count < fb.bufferSize) continue;
      this.#setPhase('aggregating', model.version);
      const at = { windowStart, selected: sentInWindow };
      model = await commitVersion(ctx, { model, aggregate: buffer.aggregate(), ...at });
      this.#setPhase('checkpointed', model.version);
      buffer = buffer.next(model.params);
      windowStart = this.#s.clock.now();
      sentInWindow = 0;
      if (await evaluateVersion(ctx, model, signal)) break;
      if (signal.aborted) return false;
    }
    return true;
  }

  /** Sends tasks on the current model to idle clients, up to the concurrency limit; returns how many. */
  #refill(ctx: FedBuffContext, stream: TaskStream, model: VersionModel): number {
    const free = ctx.config.fedbuff.concurrency - stream.open;
    if (free <= 0) return 0;
    const candidates = [...this.#s.participants.gateway.candidates(this.runId)].sort((a, b) =>
      a.id < b.id ? -1 : 1,
    );
    const rng = createPrng(ctx.config.seed * 1_000_003 + this.#sent);
    const chosen: ClientCandidate[] = [];
    while (chosen.length < free && candidates.length > 0) {
      chosen.push(...candidates.splice(rng.nextInt(candidates.length), 1));
    }
    for (const c of chosen) {
      const task = this.#task(ctx, model, c.id);
      const n = c.capabilities?.exampleCount;
      this.#declared.set(task.taskId, typeof n === 'number' ? n : undefined);
      stream.send(task);
      this.#sent++;
    }
    return chosen.length;
  }

  #task(ctx: FedBuffContext, model: VersionModel, clientId: string): TaskSpec {
    const { config, services } = ctx;
    const t = config.training;
    const taskId = services.clock.newId();
    // the model download counts in the version this task's base model leads to
    services.downloads.register({ runId: ctx.runId, round: model.version + 1, attempt: 1 }, [taskId]);
    return {
      taskId,
      clientId,
      runId: ctx.runId,
      round: model.version + 1,
      kind: 'fit',
      modelVersion: model.version,
      modelHash: `sha256:${model.hash}`,
      modelUrl: services.models.url(model.hash, taskId),
      hyperParameters: {
        epochs: t.epochs,
        batchSize: t.batchSize,
        learningRate: t.learningRate,
        optimizer: t.optimizer,
        momentum: t.momentum,
        weightDecay: t.weightDecay,
        maxSteps: t.maxSteps,
      },
      modelSpec: services.models.specJson(config),
      compression: config.compression,
      seed: config.seed,
      config: { ...config.taskConfig },
      deadline: services.clock.now() + config.roundDeadlineMs,
    };
  }

  /** Puts one outcome into the buffer: accepted, rejected (stale or invalid), failed or dropped. */
  #take(ctx: FedBuffContext, buffer: FedBuffBuffer, model: VersionModel, o: TaskOutcome): void {
    const { services, config } = ctx;
    const declared = this.#declared.get(o.task.taskId);
    this.#declared.delete(o.task.taskId);
    const clientId = o.task.clientId;
    services.telemetry.emit({
      type: 'task-outcome',
      runId: this.runId,
      round: model.version + 1,
      clientId,
      outcome: o.status,
      code: o.status === 'completed' ? null : o.code,
    });
    if (o.status !== 'completed' || o.payload === undefined) {
      const lost =
        o.status !== 'completed' && ['DEADLINE_EXCEEDED', 'CANCELLED', 'UNAVAILABLE'].includes(o.code);
      const code = o.status === 'completed' ? 'INVALID_MESSAGE' : o.code;
      buffer.record({ clientId, outcome: lost ? 'dropped' : 'failed', code, bytesUp: o.bytesUp });
      return;
    }
    const staleness = model.version - o.task.modelVersion;
    try {
      if (staleness > config.fedbuff.maxStaleness || staleness < 0) {
        throw new EdgefedError(
          'STALE_UPDATE',
          `Update on version ${o.task.modelVersion} is ${staleness} versions behind ${model.version} (max ${config.fedbuff.maxStaleness})`,
        );
      }
      checkClientMetrics(o.metrics);
      const bounded = boundExampleCount({
        claimed: o.exampleCount,
        declared,
        maxExampleWeight: config.maxExampleWeight,
      });
      if (bounded.clamped) services.telemetry.metrics?.clampedExampleCounts.inc();
      buffer.add({
        outcome: {
          clientId,
          outcome: 'completed',
          exampleCount: bounded.weight,
          metrics: { ...o.metrics },
          bytesUp: o.bytesUp,
        },
        update: services.updates.decode(o.payload),
        examples: bounded.weight,
        staleness,
        metrics: o.metrics,
      });
    } catch (err) {
      const e = toEdgefedError(err);
      buffer.record({ clientId, outcome: 'rejected', code: e.code, bytesUp: o.bytesUp });
      services.participants.gateway.reportRejected?.(o.task, e);
    }
  }

  /** The latest checkpoint, or a freshly initialised model saved as version 0. */
  async #loadOrInit(run: RunRecord, config: RunConfig): Promise<VersionModel> {
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
    await this.#s.storage.store.saveCheckpoint({ runId: run.id, version: 0, round: 0, hash, byteSize: size });
    await this.#s.storage.store.updateRun(run.id, { currentModelVersion: 0 });
    return { params, version: 0, hash };
  }
}

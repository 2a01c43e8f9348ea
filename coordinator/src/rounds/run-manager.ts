/**
 * RunManager: creates runs and keeps one RunRunner per active run. On start it resumes
 * every run the store says is `running` (crash recovery); pause/resume/stop go through
 * the runner so the round state machine stays in one place.
 *
 * In cluster mode (a {@link RunGate}) a run is driven only while this node holds its lease:
 * start, pause, resume and stop take it first (`CONFLICT` naming the leader when another
 * node holds it), `resumeAll` resumes only the running runs whose lease it can take (so
 * calling it periodically takes over runs whose leader died), a lost lease detaches the
 * runner at once (status unchanged, so the next holder resumes the run from the store), and
 * the lease is released when the run's loop ends with the run no longer `running`. A new
 * lease's epoch is raised in the store at once (`raiseFence`; a stale one gives the lease
 * back), and the runner's store carries it on every run write (`fenceRunStore`), so the
 * store refuses what a deposed leader still writes.
 */
import { EdgefedError, isEdgefedError } from '@edgefed/shared';
import { fenceRunStore } from '../store/fenced-run-store.js';
import type { RunRecord } from '../store/records.js';
import type { JsonObject } from '../store/json.js';
import { parseRunConfig, type RunConfig } from './run-config.js';
import { checkClusterRun } from './cluster-config.js';
import type { RunPhase } from './run-events.js';
import { ModeRunner, type Runner } from './mode-runner.js';
import type { RunServices } from './run-services.js';
import type { RunGate, RunLeaseHandle } from './run-gate.js';

/** Input of {@link RunManager.create}. */
export interface CreateRunRequest {
  readonly name?: string;
  readonly config: unknown;
  /** Start training right away (default true). */
  readonly start?: boolean;
}

export class RunManager {
  readonly #s: RunServices;
  readonly #validate: (config: RunConfig) => void | Promise<void>;
  readonly #runners = new Map<string, Runner>();
  readonly #gate: RunGate | undefined;
  readonly #leases = new Map<string, RunLeaseHandle>();

  /**
   * `validate` checks what the run config schema cannot (e.g. that the model compiles);
   * `gate` turns on cluster mode (see the file comment).
   */
  constructor(
    services: RunServices,
    validate: (config: RunConfig) => void | Promise<void> = () => undefined,
    gate?: RunGate,
  ) {
    this.#s = services;
    this.#validate = validate;
    this.#gate = gate;
  }

  /**
   * Resumes every run whose stored status is `running` (in cluster mode: those whose lease
   * this node holds or can take); returns the ids it resumed.
   */
  async resumeAll(): Promise<string[]> {
    const running = await this.#s.storage.store.listRuns({ status: 'running' });
    const resumed: string[] = [];
    for (const run of running) {
      if (this.#gate !== undefined) {
        if (this.#leases.has(run.id)) continue;
        if (!(await this.#lease(run.id, false))) continue;
      }
      await this.#start(run.id);
      resumed.push(run.id);
    }
    return resumed;
  }

  /** Runs this node drives now with their lease epochs (cluster mode; empty otherwise). */
  leases(): { runId: string; epoch: number }[] {
    return [...this.#leases].map(([runId, l]) => ({ runId, epoch: l.epoch }));
  }

  /** Validates and stores a new run; starts it unless `start === false`. */
  async create(req: CreateRunRequest): Promise<RunRecord> {
    const config = parseRunConfig(req.config);
    await this.#validate(config);
    // Cluster mode aggregates hierarchically (docs/hierarchical-aggregation.md): refuse runs
    // whose strategy needs every client's update, before anything is stored.
    if (this.#gate !== undefined)
      checkClusterRun({
        strategy: (req.config as { strategy?: unknown }).strategy,
        mode: config.mode,
        secure: config.secureAggregation !== undefined,
      });
    const name = req.name ?? `run-${new Date(this.#s.clock.now()).toISOString()}`;
    const run = await this.#s.storage.store.createRun({
      name,
      config: req.config as JsonObject,
      status: 'created',
    });
    if (req.start !== false) {
      await this.#lease(run.id, true);
      await this.#start(run.id);
    }
    return this.#s.storage.store.getRun(run.id);
  }

  /** Starts a created run or resumes a paused one. */
  async start(runId: string): Promise<RunRecord> {
    await this.#lease(runId, true);
    await this.#start(runId);
    return this.#s.storage.store.getRun(runId);
  }

  async pause(runId: string): Promise<RunRecord> {
    const run = await this.#s.storage.store.getRun(runId);
    if (run.status !== 'running')
      throw new EdgefedError('RUN_NOT_ACTIVE', `Run ${runId} is ${run.status}, not running`);
    await this.#lease(runId, true);
    try {
      await this.#runner(runId).pause();
    } finally {
      await this.#release(runId);
    }
    return this.#s.storage.store.getRun(runId);
  }

  async resume(runId: string): Promise<RunRecord> {
    const run = await this.#s.storage.store.getRun(runId);
    if (run.status !== 'paused')
      throw new EdgefedError('RUN_NOT_ACTIVE', `Run ${runId} is ${run.status}, not paused`);
    return this.start(runId);
  }

  async stop(runId: string): Promise<RunRecord> {
    await this.#s.storage.store.getRun(runId);
    await this.#lease(runId, true);
    try {
      await this.#runner(runId).stop();
    } finally {
      await this.#release(runId);
    }
    return this.#s.storage.store.getRun(runId);
  }

  /** The live phase of a run's state machine (idle when no runner is active). */
  phase(runId: string): RunPhase {
    return this.#runners.get(runId)?.phase ?? 'idle';
  }

  /** Waits until a run's loop ends (tests, CLI). */
  async settled(runId: string): Promise<void> {
    await this.#runners.get(runId)?.settled();
  }

  /**
   * Detaches every runner without changing run statuses (shutdown; they resume on restart,
   * or in cluster mode on the node that takes their released leases).
   */
  async close(): Promise<void> {
    await Promise.all([...this.#runners.values()].map((r) => r.detach()));
    this.#runners.clear();
    await Promise.all([...this.#leases.keys()].map((id) => this.#release(id)));
  }

  /** Starts the run's loop; in cluster mode releases the lease once the loop has ended. */
  async #start(runId: string): Promise<void> {
    const runner = this.#runner(runId);
    await runner.start();
    const lease = this.#leases.get(runId);
    if (lease === undefined) return;
    void runner.settled().then(async () => {
      if (this.#leases.get(runId) !== lease) return;
      const run = await this.#s.storage.store.getRun(runId).catch(() => undefined);
      if (run !== undefined && run.status !== 'running') await this.#release(runId);
    });
  }

  /**
   * Cluster mode: takes the run's lease unless this node holds it. Returns false (or, when
   * `required`, throws `CONFLICT` naming the leader) when another node holds it. No gate: true.
   */
  async #lease(runId: string, required: boolean, minEpoch?: number): Promise<boolean> {
    const gate = this.#gate;
    if (gate === undefined || this.#leases.has(runId)) return true;
    const lease = await gate.tryAcquire(runId, minEpoch);
    if (lease === undefined) {
      if (!required) return false;
      const leader = await gate.holder(runId);
      throw new EdgefedError('CONFLICT', `Run ${runId} is driven by node ${leader ?? '(another node)'}`, {
        details: { runId, leader: leader ?? null },
      });
    }
    try {
      await this.#s.storage.store.raiseFence(runId, { epoch: lease.epoch });
    } catch (err) {
      await lease.release();
      this.#s.telemetry.logger.warn(
        { runId, epoch: lease.epoch, err },
        'run lease epoch refused by the store',
      );
      // The store saw a higher epoch than Redis handed out (Redis lost its epoch keys, e.g. a
      // restart without persistence): take the lease once more, above the store's epoch.
      const stored = storedEpochOf(err);
      if (minEpoch === undefined && stored !== undefined) return this.#lease(runId, required, stored + 1);
      if (!required) return false;
      throw err;
    }
    this.#leases.set(runId, lease);
    lease.lost.addEventListener('abort', () => void this.#lost(runId, lease), { once: true });
    return true;
  }

  /** The lease was lost: stop driving the run at once (its status stays for the next leader). */
  async #lost(runId: string, lease: RunLeaseHandle): Promise<void> {
    if (this.#leases.get(runId) !== lease) return;
    this.#leases.delete(runId);
    const runner = this.#runners.get(runId);
    this.#runners.delete(runId);
    this.#s.telemetry.logger.warn(
      { runId, epoch: lease.epoch, reason: String(lease.lost.reason) },
      'run lease lost: no longer driving the run',
    );
    await runner?.detach();
  }

  /**
   * Cluster mode: gives the lease up and forgets the runner, whose loop has ended when this is
   * called (after pause/stop, after the loop settled, at close); the next holder has its own.
   */
  async #release(runId: string): Promise<void> {
    const lease = this.#leases.get(runId);
    if (lease === undefined) return;
    this.#leases.delete(runId);
    this.#runners.delete(runId);
    await lease.release();
  }

  /** Cluster mode: the services with a store whose run writes carry the run's lease epoch. */
  #fenced(runId: string): RunServices {
    const lease = this.#leases.get(runId);
    if (lease === undefined) return this.#s;
    return {
      ...this.#s,
      storage: { ...this.#s.storage, store: fenceRunStore(this.#s.storage.store, lease.epoch) },
    };
  }

  #runner(runId: string): Runner {
    let runner = this.#runners.get(runId);
    if (runner === undefined) {
      runner = new ModeRunner(runId, this.#fenced(runId));
      this.#runners.set(runId, runner);
    }
    return runner;
  }
}

/** The store's epoch from a fencing `CONFLICT` (`details.storedEpoch`), if `err` is one. */
function storedEpochOf(err: unknown): number | undefined {
  if (!isEdgefedError(err) || err.code !== 'CONFLICT') return undefined;
  const stored = (err.details as { storedEpoch?: unknown } | undefined)?.storedEpoch;
  return typeof stored === 'number' && Number.isSafeInteger(stored) ? stored : undefined;
}

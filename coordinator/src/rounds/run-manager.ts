/**
 * RunManager: creates runs and keeps one RunRunner per active run. On start it resumes
 * every run the store says is `running` (crash recovery); pause/resume/stop go through
 * the runner so the round state machine stays in one place.
 */
import { EdgefedError } from '@edgefed/shared';
import type { RunRecord } from '../store/records.js';
import type { JsonObject } from '../store/json.js';
import { parseRunConfig, type RunConfig } from './run-config.js';
import type { RunPhase } from './run-events.js';
import { ModeRunner, type Runner } from './mode-runner.js';
import type { RunServices } from './run-services.js';

/** Input of {@link RunManager.create}. */
export interface CreateRunRequest {
  readonly name?: string;
  readonly config: unknown;
  /** Start training right away (default true). */
  readonly start?: boolean;
}

export class RunManager {
  readonly #s: RunServices;
  readonly #validate: (config: RunConfig) => void;
  readonly #runners = new Map<string, Runner>();

  /** `validate` checks what the run config schema cannot (e.g. that the model compiles). */
  constructor(services: RunServices, validate: (config: RunConfig) => void = () => undefined) {
    this.#s = services;
    this.#validate = validate;
  }

  /** Resumes every run whose stored status is `running`. */
  async resumeAll(): Promise<string[]> {
    const running = await this.#s.storage.store.listRuns({ status: 'running' });
    for (const run of running) await this.#runner(run.id).start();
    return running.map((r) => r.id);
  }

  /** Validates and stores a new run; starts it unless `start === false`. */
  async create(req: CreateRunRequest): Promise<RunRecord> {
    const config = parseRunConfig(req.config);
    this.#validate(config);
    const name = req.name ?? `run-${new Date(this.#s.clock.now()).toISOString()}`;
    const run = await this.#s.storage.store.createRun({
      name,
      config: req.config as JsonObject,
      status: 'created',
    });
    if (req.start !== false) await this.#runner(run.id).start();
    return this.#s.storage.store.getRun(run.id);
  }

  /** Starts a created run or resumes a paused one. */
  async start(runId: string): Promise<RunRecord> {
    await this.#runner(runId).start();
    return this.#s.storage.store.getRun(runId);
  }

  async pause(runId: string): Promise<RunRecord> {
    const run = await this.#s.storage.store.getRun(runId);
    if (run.status !== 'running')
      throw new EdgefedError('RUN_NOT_ACTIVE', `Run ${runId} is ${run.status}, not running`);
    await this.#runner(runId).pause();
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
    await this.#runner(runId).stop();
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

  /** Detaches every runner without changing run statuses (shutdown; they resume on restart). */
  async close(): Promise<void> {
    await Promise.all([...this.#runners.values()].map((r) => r.detach()));
    this.#runners.clear();
  }

  #runner(runId: string): Runner {
    let runner = this.#runners.get(runId);
    if (runner === undefined) {
      runner = new ModeRunner(runId, this.#s);
      this.#runners.set(runId, runner);
    }
    return runner;
  }
}

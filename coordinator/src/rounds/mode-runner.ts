/**
 * ModeRunner: the runner the RunManager keeps per run. It reads the run's config once and
 * hands every call to a RunRunner (`mode: sync`, rounds) or a FedBuffRunner (`mode: fedbuff`).
 */
import type { RunServices } from './run-services.js';
import { parseRunConfig } from './run-config.js';
import type { RunPhase } from './run-events.js';
import { FedBuffRunner } from './fedbuff-runner.js';
import { RunRunner } from './run-runner.js';

/** What the RunManager needs of a runner. */
export interface Runner {
  readonly runId: string;
  readonly phase: RunPhase;
  start(): Promise<void>;
  pause(): Promise<void>;
  stop(): Promise<void>;
  settled(): Promise<void>;
  detach(): Promise<void>;
}

export class ModeRunner implements Runner {
  readonly runId: string;
  readonly #s: RunServices;
  #inner: Runner | undefined;

  constructor(runId: string, services: RunServices) {
    this.runId = runId;
    this.#s = services;
  }

  get phase(): RunPhase {
    return this.#inner?.phase ?? 'idle';
  }

  async #get(): Promise<Runner> {
    if (this.#inner !== undefined) return this.#inner;
    const run = await this.#s.storage.store.getRun(this.runId);
    const mode = parseRunConfig(run.config).mode;
    this.#inner ??=
      mode === 'fedbuff' ? new FedBuffRunner(this.runId, this.#s) : new RunRunner(this.runId, this.#s);
    return this.#inner;
  }

  async start(): Promise<void> {
    await (await this.#get()).start();
  }

  async pause(): Promise<void> {
    await (await this.#get()).pause();
  }

  async stop(): Promise<void> {
    await (await this.#get()).stop();
  }

  async settled(): Promise<void> {
    await this.#inner?.settled();
  }

  async detach(): Promise<void> {
    await this.#inner?.detach();
  }
}

/**
 * TrainerPool: the one place a fleet worker trains. It keeps one Trainer per model and
 * compile options (graphs and sessions are shared by every virtual client of the worker)
 * and runs one job at a time, so a worker's memory is O(model), whatever its client count.
 */
import type { TrainingBackend } from '../runtime/backend.js';
import { createTrainer } from '../runtime/trainer.js';
import type { Trainer, TrainerCompileOptions } from '../runtime/trainer-types.js';

/** Trainers kept per pool; older ones are disposed (sessions stay in the graph cache). */
const MAX_TRAINERS = 4;

/** Serialised access to shared trainers. */
export class TrainerPool {
  readonly #backend: TrainingBackend;
  readonly #trainers = new Map<string, Trainer>();
  #tail: Promise<unknown> = Promise.resolve();
  #jobs = 0;

  constructor(backend: TrainingBackend) {
    this.#backend = backend;
  }

  /** Jobs run so far (fit and evaluate). */
  get jobs(): number {
    return this.#jobs;
  }

  /**
   * Runs `job` after every job queued before it has settled (FIFO). A job's failure is
   * returned to its caller only; later jobs still run.
   */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(job, job);
    this.#tail = run.catch(() => undefined);
    this.#jobs++;
    return run;
  }

  /**
   * The trainer for `spec` compiled with `options` (created on first use). Call only inside
   * {@link exclusive}: a Trainer is not safe for concurrent use. Throws what `createTrainer`
   * throws (`INVALID_MODEL`, ...).
   */
  async trainer(spec: unknown, options: TrainerCompileOptions): Promise<Trainer> {
    const key = JSON.stringify([spec, options]);
    const hit = this.#trainers.get(key);
    if (hit !== undefined) return hit;
    const trainer = await createTrainer({ spec, backend: this.#backend, compileOptions: options });
    this.#trainers.set(key, trainer);
    if (this.#trainers.size > MAX_TRAINERS) {
      const [oldest] = this.#trainers.keys();
      if (oldest !== undefined) {
        this.#trainers.get(oldest)?.dispose();
        this.#trainers.delete(oldest);
      }
    }
    return trainer;
  }

  /** Disposes every trainer; later `trainer` calls create new ones. */
  dispose(): void {
    for (const t of this.#trainers.values()) t.dispose();
    this.#trainers.clear();
  }
}

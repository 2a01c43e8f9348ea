/**
 * The default LocalTrainingEngine: edgefed's Trainer (compiled ONNX training graphs on
 * onnxruntime: WebGPU, wasm or Node) over the device's own data. One Trainer is kept per
 * (model spec, optimizer, FedProx) combination, so a participant that trains round after
 * round compiles its graphs and creates its sessions once.
 */
import { EdgefedError, type TensorMap } from '@edgefed/shared';
import type { DataSource } from '../data/data-source.js';
import type { TrainingBackend } from '../runtime/backend.js';
import { resolveBackend } from '../runtime/backend-registry.js';
import { createTrainer } from '../runtime/trainer.js';
import type { Trainer, TrainerCompileOptions } from '../runtime/trainer-types.js';
import type { EngineEvaluateOutput, EngineFitInput, EngineFitOutput, LocalTrainingEngine } from './engine.js';
import { compileOptionsFor, defaultStepsPerRun, fitSettings, wantsInitialLoss } from './task-settings.js';

/** Options of {@link createTrainerEngine}. */
export interface TrainerEngineOptions {
  /** Local training data. */
  readonly train: DataSource;
  /** Held-out local data for federated evaluation (default: none; evaluate tasks fail cleanly). */
  readonly test?: DataSource;
  /** A backend to use; default: the best available (webgpu > wasm in browsers, node in Node). */
  readonly backend?: TrainingBackend;
  /**
   * Optimizer steps unrolled into one graph run (default: {@link defaultStepsPerRun}, 8 on
   * onnxruntime-node for batches up to 32, else 1). The updates are the same; a larger K
   * cuts per-run overhead for small batches (2nn and cnn at batch 10: ~2x with 8).
   */
  readonly stepsPerRun?: number;
}

class TrainerEngine implements LocalTrainingEngine {
  readonly backend: LocalTrainingEngine['backend'];
  readonly exampleCount: number;
  readonly #o: TrainerEngineOptions;
  readonly #ortBackend: TrainingBackend;
  readonly #trainers = new Map<string, Promise<Trainer>>();

  constructor(o: TrainerEngineOptions, backend: TrainingBackend) {
    this.#o = o;
    this.#ortBackend = backend;
    this.backend = backend.name;
    this.exampleCount = o.train.size;
  }

  #trainer(spec: unknown, compileOptions: TrainerCompileOptions): Promise<Trainer> {
    const key = JSON.stringify([spec, compileOptions]);
    let t = this.#trainers.get(key);
    if (t === undefined) {
      t = createTrainer({ spec, backend: this.#ortBackend, compileOptions });
      this.#trainers.set(key, t);
      t.catch(() => this.#trainers.delete(key));
    }
    return t;
  }

  async fit(input: EngineFitInput): Promise<EngineFitOutput> {
    const batch = input.hyperParameters.batchSize;
    const k =
      this.#o.stepsPerRun ??
      defaultStepsPerRun(this.backend, typeof batch === 'number' && Number.isFinite(batch) ? batch : 32);
    const { options, compile } = fitSettings(input.hyperParameters, input.seed, k);
    const trainer = await this.#trainer(input.spec, compile);
    trainer.setParameters(input.global);
    const initial = wantsInitialLoss(input.hyperParameters)
      ? await trainer.evaluate(this.#o.train, { batchSize: options.batchSize }, input.signal)
      : undefined;
    let last = { loss: Number.NaN, accuracy: Number.NaN, samplesPerSecond: 0, step: 0, examples: 0 };
    // FedProx's anchor is the global model (the Trainer's default: parameters at fit start)
    for await (const p of trainer.fit(this.#o.train, options, input.signal)) {
      last = {
        loss: p.loss,
        accuracy: p.accuracy ?? Number.NaN,
        samplesPerSecond: p.samplesPerSecond,
        step: p.step,
        examples: p.examples,
      };
      if (p.type === 'step') input.onProgress?.({ step: p.step, loss: p.loss });
    }
    const metrics: Record<string, number> = { steps: last.step, samplesPerSecond: last.samplesPerSecond };
    if (Number.isFinite(last.loss)) metrics.loss = last.loss;
    if (Number.isFinite(last.accuracy)) metrics.accuracy = last.accuracy;
    if (initial !== undefined && Number.isFinite(initial.loss)) metrics.initialLoss = initial.loss;
    return { parameters: trainer.getParameters(), exampleCount: this.#o.train.size, metrics };
  }

  async evaluate(input: {
    spec: unknown;
    global: TensorMap;
    batchSize: number;
    signal: AbortSignal;
  }): Promise<EngineEvaluateOutput> {
    const test = this.#o.test;
    if (test === undefined || test.size === 0)
      throw new EdgefedError('FAILED_PRECONDITION', 'No held-out data to evaluate on');
    const compile = compileOptionsFor({ optimizer: 'sgd', momentum: 0, weightDecay: 0, proximalMu: 0 });
    const trainer = await this.#trainer(input.spec, compile);
    trainer.setParameters(input.global);
    const r = await trainer.evaluate(test, { batchSize: input.batchSize }, input.signal);
    return { loss: r.loss, exampleCount: r.exampleCount, metrics: { accuracy: r.accuracy } };
  }

  async dispose(): Promise<void> {
    const trainers = await Promise.allSettled(this.#trainers.values());
    for (const t of trainers) if (t.status === 'fulfilled') t.value.dispose();
    this.#trainers.clear();
  }
}

/** A LocalTrainingEngine over edgefed's Trainer and the device's data. */
export async function createTrainerEngine(options: TrainerEngineOptions): Promise<LocalTrainingEngine> {
  const backend = options.backend ?? (await resolveBackend());
  return new TrainerEngine(options, backend);
}

/**
 * The default LocalTrainingEngine: edgefed's Trainer (compiled ONNX training graphs on
 * onnxruntime: WebGPU, wasm or Node) over the device's own data. One Trainer is kept per
 * (model spec, optimizer, FedProx) combination, so a participant that trains round after
 * round compiles its graphs and creates its sessions once.
 */
import { EdgefedError, type OptimizerSpec, type ScalarRecord, type TensorMap } from '@edgefed/shared';
import type { DataSource } from '../data/data-source.js';
import type { TrainingBackend } from '../runtime/backend.js';
import { resolveBackend } from '../runtime/backend-registry.js';
import { createTrainer } from '../runtime/trainer.js';
import type { FitOptions, Trainer } from '../runtime/trainer-types.js';
import type { EngineEvaluateOutput, EngineFitInput, EngineFitOutput, LocalTrainingEngine } from './engine.js';

/** Options of {@link createTrainerEngine}. */
export interface TrainerEngineOptions {
  /** Local training data. */
  readonly train: DataSource;
  /** Held-out local data for federated evaluation (default: none; evaluate tasks fail cleanly). */
  readonly test?: DataSource;
  /** A backend to use; default: the best available (webgpu > wasm in browsers, node in Node). */
  readonly backend?: TrainingBackend;
}

function num(h: ScalarRecord, key: string, fallback: number): number {
  const v = h[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new EdgefedError('INVALID_ARGUMENT', `Hyper-parameter ${key} must be a finite number`);
  }
  return v;
}

/** The optimizer graph a task's hyper-parameters call for. */
export function optimizerFor(h: ScalarRecord): OptimizerSpec {
  const name = h.optimizer ?? 'sgd';
  const momentum = num(h, 'momentum', 0);
  const weightDecay = num(h, 'weightDecay', 0);
  if (name === 'sgd') return { type: 'sgd', momentum: momentum > 0, weightDecay: weightDecay > 0 };
  if (name === 'adam') return { type: 'adam', weightDecay: weightDecay > 0 };
  if (name === 'adamw') return { type: 'adamw' };
  throw new EdgefedError('INVALID_ARGUMENT', `Unknown optimizer "${String(name)}"`);
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

  #trainer(spec: unknown, optimizer: OptimizerSpec, fedProx: boolean): Promise<Trainer> {
    const key = JSON.stringify([spec, optimizer, fedProx]);
    let t = this.#trainers.get(key);
    if (t === undefined) {
      t = createTrainer({
        spec,
        backend: this.#ortBackend,
        compileOptions: { loss: 'softmax-cross-entropy', optimizer, fedProx },
      });
      this.#trainers.set(key, t);
      t.catch(() => this.#trainers.delete(key));
    }
    return t;
  }

  async fit(input: EngineFitInput): Promise<EngineFitOutput> {
    const h = input.hyperParameters;
    const mu = num(h, 'proximalMu', 0);
    const trainer = await this.#trainer(input.spec, optimizerFor(h), mu > 0);
    trainer.setParameters(input.global);
    const maxSteps = num(h, 'maxSteps', 0);
    const options: FitOptions = {
      epochs: num(h, 'epochs', 1),
      batchSize: num(h, 'batchSize', 32),
      learningRate: num(h, 'learningRate', 0.05),
      ...(num(h, 'momentum', 0) > 0 ? { momentum: num(h, 'momentum', 0) } : {}),
      ...(num(h, 'weightDecay', 0) > 0 ? { weightDecay: num(h, 'weightDecay', 0) } : {}),
      seed: input.seed,
      ...(maxSteps > 0 ? { maxSteps } : {}),
      ...(mu > 0 ? { proximalMu: mu, anchor: input.global } : {}),
    };
    let last = { loss: Number.NaN, accuracy: Number.NaN, samplesPerSecond: 0, step: 0, examples: 0 };
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
    const trainer = await this.#trainer(input.spec, { type: 'sgd' }, false);
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

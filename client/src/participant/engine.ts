/**
 * LocalTrainingEngine: what a participant needs to do a task on the device — train the
 * global model on local data, or evaluate it on held-out local data. The default engine
 * (`createTrainerEngine`) runs edgefed's Trainer; simulations and tests can supply their
 * own. Raw examples never leave the engine: it returns parameters and aggregate metrics.
 */
import type { Metrics, ScalarRecord, TensorMap } from '@edgefed/shared';

/** Progress of a fit, for UIs and `progress` messages. */
export interface FitProgress {
  readonly step: number;
  readonly totalSteps?: number;
  readonly loss?: number;
}

/** Input of {@link LocalTrainingEngine.fit}. */
export interface EngineFitInput {
  /** The model spec (JSON) the coordinator sent. */
  readonly spec: unknown;
  /** The global parameters to start from. */
  readonly global: TensorMap;
  /** Hyper-parameters from the task (epochs, batchSize, learningRate, optimizer, proximalMu, ...). */
  readonly hyperParameters: ScalarRecord;
  /** Seed for shuffling and dropout (deterministic on CPU backends). */
  readonly seed: number;
  readonly signal: AbortSignal;
  readonly onProgress?: (p: FitProgress) => void;
}

/** Output of a fit: the new local parameters and training metrics. */
export interface EngineFitOutput {
  readonly parameters: TensorMap;
  /** Examples trained on (the weight of the update). */
  readonly exampleCount: number;
  /** e.g. `loss`, `accuracy` (training), `steps`, `samplesPerSecond`. */
  readonly metrics: Metrics;
}

/** Output of an evaluation on held-out local data. */
export interface EngineEvaluateOutput {
  readonly loss: number;
  readonly exampleCount: number;
  readonly metrics: Metrics;
}

/** Trains and evaluates on the device's data. */
export interface LocalTrainingEngine {
  /** The backend that trains (`webgpu`, `wasm`, `node`). */
  readonly backend: 'webgpu' | 'wasm' | 'node';
  /** Training examples available (announced in `hello`). */
  readonly exampleCount: number;
  fit(input: EngineFitInput): Promise<EngineFitOutput>;
  evaluate(input: {
    readonly spec: unknown;
    readonly global: TensorMap;
    readonly batchSize: number;
    readonly signal: AbortSignal;
  }): Promise<EngineEvaluateOutput>;
  /** Releases sessions and buffers. */
  dispose(): Promise<void>;
}

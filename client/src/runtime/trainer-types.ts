/**
 * Types of the Trainer API: options, fit options and progress events, evaluation results.
 */
import type { CompileOptions, ConfusionMatrix, TensorMap } from '@edgefed/shared';
import type { DataSource } from '../data/data-source.js';
import type { TrainingBackend } from './backend.js';

/** Compile options the Trainer takes; the batch size comes from each `fit` call. */
export type TrainerCompileOptions = Omit<CompileOptions, 'batchSize' | 'floatType'>;

/** Options for `createTrainer`. */
export interface TrainerOptions {
  /** The model spec (validated; unknown JSON is fine). */
  readonly spec: unknown;
  /** Backend to run on; default: the best available (`resolveBackend()`). */
  readonly backend?: TrainingBackend;
  readonly compileOptions: TrainerCompileOptions;
  /**
   * Initial parameters; default: an imported ONNX model's own values, else
   * `initParameters(model, initSeed)`.
   */
  readonly parameters?: TensorMap;
  /** Seed of the default initialisation (default 0). */
  readonly initSeed?: number;
  /** ORT log severity for the sessions this trainer creates (0 logs node placement). */
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
  /**
   * On device backends (WebGPU): read the loss back every this many runs (default 8);
   * reading waits for the GPU, which keeps its queue bounded. CPU backends read every run.
   */
  readonly readbackEvery?: number;
}

/** Hyper-parameters and limits of one `fit` call. */
export interface FitOptions {
  /** Passes over the data (default 1). */
  readonly epochs?: number;
  /** Examples per optimizer step; a short last batch is padded and masked. */
  readonly batchSize: number;
  readonly learningRate: number;
  /** Optimizer hyper-parameters; each must exist in the compiled graph (else `INVALID_ARGUMENT`). */
  readonly weightDecay?: number;
  readonly momentum?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** Global gradient-norm bound (needs `compileOptions.clipNorm`). */
  readonly clipNorm?: number;
  /** Stop after this many optimizer steps (across epochs). */
  readonly maxSteps?: number;
  /** Seed of the shuffle (per epoch: seed + epoch) and dropout masks (default 0). */
  readonly seed?: number;
  /** Shuffle each epoch (default true). */
  readonly shuffle?: boolean;
  /** FedProx mu (needs `compileOptions.fedProx`; default: the graph's default). */
  readonly proximalMu?: number;
  /** FedProx anchor (global parameters); default: the parameters at the start of `fit`. */
  readonly anchor?: TensorMap;
}

/** A progress event of `fit`. */
export interface FitProgress {
  /** `step`: after a run whose loss was read; `epoch`: at the end of an epoch. */
  readonly type: 'step' | 'epoch';
  /** Optimizer steps done so far (all epochs). */
  readonly step: number;
  /** 0-based epoch. */
  readonly epoch: number;
  /**
   * Mean loss: of the last read run (`step`), or over the runs read in the epoch
   * (`epoch`; on CPU backends every run).
   */
  readonly loss: number;
  /** Training accuracy over the same rows as `loss` (classification losses only). */
  readonly accuracy?: number;
  /** Real (unpadded) examples trained on so far. */
  readonly examples: number;
  /** Training throughput since the previous event (`step`) or over the epoch (`epoch`). */
  readonly samplesPerSecond: number;
}

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Examples per run (default 256). */
  readonly batchSize?: number;
  /**
   * Also compute top-k accuracy (e.g. 3 for next-word prediction) on the host from the
   * inference graph's logits (one extra forward pass per batch); an integer >= 1.
   */
  readonly topK?: number;
  /**
   * Also count a confusion matrix (true class x argmax of the logits) on the host from the
   * inference graph's logits (one extra forward pass per batch). For sequence models every
   * non-ignored position counts as one example.
   */
  readonly confusionMatrix?: boolean;
}

/** The result of `evaluate`. */
export interface EvaluateResult {
  /** Mean loss over all examples (NaN for empty data). */
  readonly loss: number;
  /**
   * Fraction classified correctly (NaN for empty data or a loss without accuracy). For
   * sequence models: token accuracy over the non-ignored tokens.
   */
  readonly accuracy: number;
  readonly exampleCount: number;
  /** Sequence models: non-ignored tokens evaluated. */
  readonly tokenCount?: number;
  /** Sequence models: `exp(mean token loss)` over the non-ignored tokens. */
  readonly perplexity?: number;
  /** With `topK`: fraction of non-ignored labels among the k largest logits. */
  readonly topKAccuracy?: number;
  /** With `confusionMatrix`: the counts (rows: true class, columns: predicted class). */
  readonly confusion?: ConfusionMatrix;
}

/**
 * Trains one model on one backend. One `fit` at a time (a second throws
 * `FAILED_PRECONDITION`); `evaluate` uses the parameters last committed to the host
 * (before `fit`, at each epoch end, after `fit`), so it may run between epochs.
 */
export interface Trainer {
  readonly backend: TrainingBackend;
  /** Parameter names and shapes, in graph order. */
  readonly parameterShapes: ReadonlyMap<string, readonly number[]>;
  /**
   * Replaces the parameters (copied). Throws `NAME_MISMATCH`, `DTYPE_MISMATCH` or
   * `SHAPE_MISMATCH` unless `map` holds exactly the model's float32 parameters.
   */
  setParameters(map: TensorMap): void;
  /** A copy of the current parameters. */
  getParameters(): TensorMap;
  /**
   * Trains; yields progress events. Optimizer state starts from zero each call. Aborting
   * `signal` stops between steps: the iterator then throws `ABORTED`, and the parameters
   * are those after the last completed step. Breaking out of the loop also stops cleanly.
   * Throws `INVALID_ARGUMENT` for bad options or data that does not fit the model.
   */
  fit(data: DataSource, options: FitOptions, signal?: AbortSignal): AsyncIterable<FitProgress>;
  /** Loss and accuracy over `data` with the committed parameters (see the interface comment). */
  evaluate(data: DataSource, options?: EvaluateOptions, signal?: AbortSignal): Promise<EvaluateResult>;
  /** Frees the trainer; later calls throw `FAILED_PRECONDITION`. Cached sessions stay cached. */
  dispose(): void;
}

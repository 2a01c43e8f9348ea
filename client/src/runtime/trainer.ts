/**
 * createTrainer: a model spec compiled to training, evaluation and inference graphs,
 * trained on a TrainingBackend. Parameters live on the host between calls (on WebGPU they
 * stay on the GPU during `fit` and are read back once at its end).
 */
import {
  EdgefedError,
  initParameters,
  planModel,
  type ParameterInfo,
  type Tensor,
  type TensorMap,
} from '@edgefed/shared';
import type { DataSource } from '../data/data-source.js';
import type { TrainingBackend } from './backend.js';
import { resolveBackend } from './backend-registry.js';
import { evaluateModel } from './evaluate.js';
import { fitLoop } from './fit-loop.js';
import type {
  EvaluateOptions,
  EvaluateResult,
  FitOptions,
  FitProgress,
  Trainer,
  TrainerOptions,
} from './trainer-types.js';

function checkedValues(parameters: readonly ParameterInfo[], map: TensorMap): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const p of parameters) {
    const t: Tensor | undefined = map.get(p.name);
    if (t === undefined) throw new EdgefedError('NAME_MISMATCH', `Missing parameter ${p.name}`);
    if (t.dtype !== 'float32')
      throw new EdgefedError('DTYPE_MISMATCH', `Parameter ${p.name} must be float32, got ${t.dtype}`);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new EdgefedError(
        'SHAPE_MISMATCH',
        `Parameter ${p.name}: expected [${p.shape.join(', ')}], got [${t.shape.join(', ')}]`,
      );
    }
    out.set(p.name, t.data.slice());
  }
  if (map.size !== parameters.length) {
    const extra = [...map.keys()].filter((k) => !parameters.some((p) => p.name === k));
    throw new EdgefedError('NAME_MISMATCH', `Unknown parameters: ${extra.join(', ')}`);
  }
  return out;
}

class OrtTrainer implements Trainer {
  readonly parameterShapes: ReadonlyMap<string, readonly number[]>;
  private values: Map<string, Float32Array>;
  private busy = false;
  private disposed = false;

  constructor(
    readonly backend: TrainingBackend,
    private readonly o: TrainerOptions,
    private readonly parameters: readonly ParameterInfo[],
    initialValues?: TensorMap,
  ) {
    this.parameterShapes = new Map(parameters.map((p) => [p.name, p.shape]));
    const given = o.parameters ?? initialValues;
    this.values =
      given === undefined
        ? new Map(
            [...initParameters(parameters, o.initSeed ?? 0)].map(([k, t]) => [k, t.data as Float32Array]),
          )
        : checkedValues(parameters, given);
  }

  setParameters(map: TensorMap): void {
    this.check();
    this.values = checkedValues(this.parameters, map);
  }

  getParameters(): TensorMap {
    this.check();
    return new Map(
      this.parameters.map((p) => [
        p.name,
        {
          dtype: 'float32',
          shape: [...p.shape],
          data: (this.values.get(p.name) ?? new Float32Array()).slice(),
        },
      ]),
    );
  }

  async *fit(data: DataSource, options: FitOptions, signal?: AbortSignal): AsyncGenerator<FitProgress> {
    this.enter();
    try {
      yield* fitLoop(
        {
          ...this.common(),
          readbackEvery: this.o.readbackEvery ?? 8,
          commit: (v) => {
            this.values = v;
          },
        },
        data,
        options,
        signal,
      );
    } finally {
      this.busy = false;
    }
  }

  async evaluate(
    data: DataSource,
    options: EvaluateOptions = {},
    signal?: AbortSignal,
  ): Promise<EvaluateResult> {
    this.check();
    return evaluateModel(this.common(), data, options, signal);
  }

  dispose(): void {
    this.disposed = true;
  }

  private common() {
    return {
      backend: this.backend,
      spec: this.o.spec,
      compileOptions: this.o.compileOptions,
      parameters: this.parameters,
      values: this.values,
      ...(this.o.logSeverityLevel === undefined ? {} : { logSeverityLevel: this.o.logSeverityLevel }),
    };
  }

  private check(): void {
    if (this.disposed) throw new EdgefedError('FAILED_PRECONDITION', 'Trainer was disposed');
  }

  private enter(): void {
    this.check();
    if (this.busy) throw new EdgefedError('FAILED_PRECONDITION', 'Trainer is already fitting');
    this.busy = true;
  }
}

/**
 * Creates a trainer: validates the spec (`INVALID_MODEL`), resolves the backend when none
 * is given (`BACKEND_UNAVAILABLE` with every reason), and checks initial parameters
 * (`NAME_MISMATCH` / `DTYPE_MISMATCH` / `SHAPE_MISMATCH`). Graphs compile lazily per batch
 * size and are cached across trainers.
 */
export async function createTrainer(options: TrainerOptions): Promise<Trainer> {
  const rb = options.readbackEvery;
  if (rb !== undefined && (!Number.isInteger(rb) || rb < 1))
    throw new EdgefedError('INVALID_ARGUMENT', `readbackEvery must be a positive integer, got ${rb}`);
  const plan = planModel(options.spec);
  const backend = options.backend ?? (await resolveBackend());
  return new OrtTrainer(backend, { ...options, spec: plan.spec }, plan.parameters, plan.initialValues);
}

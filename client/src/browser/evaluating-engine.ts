/**
 * Local accuracy before and after each fit, for the app's own UI: wraps an engine so every
 * fit first evaluates the received global model on the device's held-out data, trains,
 * then evaluates the trained parameters. The numbers stay on the device (they are not
 * added to the metrics sent to the coordinator).
 */
import type {
  EngineEvaluateOutput,
  EngineFitInput,
  EngineFitOutput,
  LocalTrainingEngine,
} from '../participant/engine.js';

/** Accuracy (and loss) of the global model and of the locally trained one. */
export interface LocalEvaluation {
  readonly before: { readonly accuracy: number; readonly loss: number };
  readonly after: { readonly accuracy: number; readonly loss: number };
  readonly exampleCount: number;
}

function summary(r: EngineEvaluateOutput): { accuracy: number; loss: number } {
  return { accuracy: r.metrics.accuracy ?? Number.NaN, loss: r.loss };
}

class EvaluatingEngine implements LocalTrainingEngine {
  constructor(
    private readonly inner: LocalTrainingEngine,
    private readonly onEvaluation: (e: LocalEvaluation) => void,
    private readonly batchSize: number,
  ) {}

  get backend(): LocalTrainingEngine['backend'] {
    return this.inner.backend;
  }

  get exampleCount(): number {
    return this.inner.exampleCount;
  }

  async fit(input: EngineFitInput): Promise<EngineFitOutput> {
    const base = { spec: input.spec, batchSize: this.batchSize, signal: input.signal };
    const before = await this.inner.evaluate({ ...base, global: input.global });
    const out = await this.inner.fit(input);
    const after = await this.inner.evaluate({ ...base, global: out.parameters });
    this.onEvaluation({ before: summary(before), after: summary(after), exampleCount: after.exampleCount });
    return out;
  }

  evaluate(input: Parameters<LocalTrainingEngine['evaluate']>[0]): Promise<EngineEvaluateOutput> {
    return this.inner.evaluate(input);
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/**
 * Wraps `engine` so each fit reports a {@link LocalEvaluation} to `onEvaluation`. The inner
 * engine must be able to evaluate (have held-out data), else the fit fails with the inner
 * engine's error (`FAILED_PRECONDITION` for the Trainer engine). Evaluation runs with
 * `batchSize` (default 64) and honours the fit's abort signal.
 */
export function withLocalEvaluation(
  engine: LocalTrainingEngine,
  onEvaluation: (e: LocalEvaluation) => void,
  batchSize = 64,
): LocalTrainingEngine {
  return new EvaluatingEngine(engine, onEvaluation, batchSize);
}

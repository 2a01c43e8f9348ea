/**
 * The simulation's central evaluation: each due global model is evaluated on the test set
 * in the coordinator's process (onnxruntime-node), as `accuracy` and `loss`, so the run's
 * `targetAccuracy` applies to central test accuracy. For sequence models `accuracy` is
 * token accuracy (ignored positions excluded) and `perplexity` is added; with `topK`,
 * `topKAccuracy` too.
 */
import { createDataSource, createNodeBackend, createTrainer } from '@edgefed/client';
import type { Dataset, Metrics, TensorMap } from '@edgefed/shared';
import type { CentralEvaluator } from '../rounds/run-services.js';

/** Options of {@link createCentralEvaluator}. */
export interface CentralEvaluatorOptions {
  readonly spec: unknown;
  readonly test: Dataset;
  /** Evaluate rounds divisible by `every`, and `lastRound`. */
  readonly every: number;
  readonly lastRound: number;
  /** Examples per evaluation run (default 500). */
  readonly batchSize?: number;
  /** Also report `topKAccuracy` (e.g. 3 for next-word prediction), computed on the host. */
  readonly topK?: number;
}

/** An evaluator that returns `{}` for rounds that are not due (nothing is recorded then). */
export async function createCentralEvaluator(o: CentralEvaluatorOptions): Promise<CentralEvaluator> {
  const backend = await createNodeBackend({ intraOpNumThreads: 1 });
  const trainer = await createTrainer({
    spec: o.spec,
    backend,
    compileOptions: { loss: 'softmax-cross-entropy', optimizer: { type: 'sgd' } },
  });
  const data = createDataSource(o.test);
  return async (params: TensorMap, round: number, signal: AbortSignal): Promise<Metrics> => {
    if (round % o.every !== 0 && round !== o.lastRound) return {};
    trainer.setParameters(params);
    const r = await trainer.evaluate(
      data,
      { batchSize: o.batchSize ?? 500, ...(o.topK === undefined ? {} : { topK: o.topK }) },
      signal,
    );
    return {
      accuracy: r.accuracy,
      loss: r.loss,
      ...(r.perplexity === undefined ? {} : { perplexity: r.perplexity }),
      ...(r.topKAccuracy === undefined ? {} : { topKAccuracy: r.topKAccuracy }),
    };
  };
}

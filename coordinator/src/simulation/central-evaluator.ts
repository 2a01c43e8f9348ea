/**
 * The simulation's central evaluation: each due global model is evaluated on the test set
 * in the coordinator's process (onnxruntime-node), as `accuracy` and `loss`, so the run's
 * `targetAccuracy` applies to central test accuracy. For sequence models `accuracy` is
 * token accuracy (ignored positions excluded) and `perplexity` is added; with `topK`,
 * `topKAccuracy` too. With `backdoorTarget` (the backdoor attack), `attackSuccessRate`: the
 * accuracy, against the target class, on the triggered test images of the other classes.
 * Classifiers (one label per example, at most {@link MAX_REPORT_CLASSES} classes) also get a
 * classification report: the confusion matrix with per-class precision, recall and accuracy,
 * stored per evaluated round.
 */
import { createDataSource, createNodeBackend, createTrainer } from '@edgefed/client';
import { backdoorTestSet } from '@edgefed/client/node';
import { classificationReport, type Dataset, type TensorMap } from '@edgefed/shared';
import type { CentralResult } from '../rounds/evaluation-report.js';
import type { CentralEvaluator } from '../rounds/run-services.js';

/** Classifiers with more classes get no confusion matrix (it would grow as classes²). */
export const MAX_REPORT_CLASSES = 100;

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
  /** The backdoor attack's target class: also report `attackSuccessRate`. */
  readonly backdoorTarget?: number;
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
  const triggered =
    o.backdoorTarget === undefined ? undefined : createDataSource(backdoorTestSet(o.test, o.backdoorTarget));
  const confusionMatrix = o.test.labelShape.length === 0 && o.test.numClasses <= MAX_REPORT_CLASSES;
  return async (params: TensorMap, round: number, signal: AbortSignal): Promise<CentralResult> => {
    if (round % o.every !== 0 && round !== o.lastRound) return {};
    trainer.setParameters(params);
    const r = await trainer.evaluate(
      data,
      {
        batchSize: o.batchSize ?? 500,
        confusionMatrix,
        ...(o.topK === undefined ? {} : { topK: o.topK }),
      },
      signal,
    );
    const asr =
      triggered === undefined
        ? undefined
        : (await trainer.evaluate(triggered, { batchSize: o.batchSize ?? 500 }, signal)).accuracy;
    const metrics = {
      ...(asr === undefined ? {} : { attackSuccessRate: asr }),
      accuracy: r.accuracy,
      loss: r.loss,
      ...(r.perplexity === undefined ? {} : { perplexity: r.perplexity }),
      ...(r.topKAccuracy === undefined ? {} : { topKAccuracy: r.topKAccuracy }),
    };
    const examples = r.confusion?.counts.reduce((a, b) => a + b, 0) ?? 0;
    return r.confusion === undefined || examples === 0
      ? metrics
      : { metrics, report: classificationReport(r.confusion) };
  };
}

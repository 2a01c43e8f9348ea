/**
 * Evaluation over a DataSource with the evaluation graph (symbolic batch dimension, so the
 * last short batch runs as is): sums of loss, correct count and rows, accumulated in
 * float64 on the host.
 */
import { EdgefedError, type ParameterInfo } from '@edgefed/shared';
import type { DataSource } from '../data/data-source.js';
import { writeOneHot } from '../data/one-hot.js';
import type { BackendTensor, TrainingBackend } from './backend.js';
import { compileCached, sessionCached } from './graph-cache.js';
import { labelLayout } from './label-layout.js';
import type { EvaluateOptions, EvaluateResult, TrainerCompileOptions } from './trainer-types.js';

/** Options for {@link evaluateModel}. */
export interface EvaluateContext {
  readonly backend: TrainingBackend;
  readonly spec: unknown;
  readonly compileOptions: TrainerCompileOptions;
  readonly parameters: readonly ParameterInfo[];
  readonly values: ReadonlyMap<string, Float32Array>;
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

async function scalar(t: BackendTensor | undefined): Promise<number> {
  if (t === undefined) return 0;
  const v = (await t.read())[0] ?? 0;
  t.dispose();
  return v;
}

/** Loss and accuracy of the current parameters over `data`; see `Trainer.evaluate`. */
export async function evaluateModel(
  ctx: EvaluateContext,
  data: DataSource,
  options: EvaluateOptions,
  signal: AbortSignal | undefined,
): Promise<EvaluateResult> {
  const batchSize = options.batchSize ?? 256;
  const compileOptions = { ...ctx.compileOptions, stepsPerRun: 1 };
  const model = compileCached(ctx.spec, compileOptions);
  const { rows, classes } = labelLayout(model, data);
  const session = await sessionCached(ctx.backend, {
    spec: ctx.spec,
    compileOptions,
    graph: 'evaluation',
    ...(ctx.logSeverityLevel === undefined ? {} : { logSeverityLevel: ctx.logSeverityLevel }),
  });
  const feeds: Record<string, BackendTensor> = {};
  for (const p of ctx.parameters) {
    const v = ctx.values.get(p.name);
    if (v === undefined) throw new EdgefedError('NAME_MISMATCH', `Missing parameter ${p.name}`);
    feeds[p.name] = ctx.backend.tensor(v, p.shape);
  }
  const y = new Float32Array(batchSize * rows * classes);
  const mask = new Float32Array(batchSize).fill(1);
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  for await (const batch of data.batches({ batchSize })) {
    if (signal?.aborted === true)
      throw new EdgefedError('ABORTED', 'Evaluation was aborted', { cause: signal.reason });
    const n = batch.size;
    writeOneHot(batch.labels, classes, y);
    feeds.x = ctx.backend.tensor(batch.features, [n, ...model.inputShape]);
    feeds.y = ctx.backend.tensor(y.subarray(0, n * rows * classes), [n, ...model.outputShape]);
    feeds.mask = ctx.backend.tensor(mask.subarray(0, n), [n]);
    const out = await session.run(feeds);
    lossSum += await scalar(out.loss_sum);
    correct += await scalar(out.correct);
    count += await scalar(out.count);
  }
  const hasAccuracy = model.evaluation.manifest.outputs.some((e) => e.name === 'correct');
  return {
    loss: count > 0 ? lossSum / count : Number.NaN,
    accuracy: count > 0 && hasAccuracy ? correct / count : Number.NaN,
    exampleCount: count,
  };
}

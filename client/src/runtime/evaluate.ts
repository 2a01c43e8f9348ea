/**
 * Evaluation over a DataSource with the evaluation graph (symbolic batch dimension, so the
 * last short batch runs as is): sums of loss, correct count and rows, accumulated in
 * float64 on the host. Sequence models (graphs with `token_*` outputs) report token
 * accuracy and perplexity over non-ignored tokens; `topK` adds a host-side top-k accuracy
 * and `confusionMatrix` a confusion matrix, both from the inference graph's logits.
 */
import {
  EdgefedError,
  accumulateConfusion,
  emptyConfusion,
  topKCorrect,
  type ParameterInfo,
} from '@edgefed/shared';
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
  if (options.topK !== undefined && (!Number.isInteger(options.topK) || options.topK < 1))
    throw new EdgefedError('INVALID_ARGUMENT', `topK must be an integer >= 1, got ${options.topK}`);
  const confusion = options.confusionMatrix === true ? emptyConfusion(classes) : undefined;
  const logits =
    options.topK === undefined && confusion === undefined
      ? undefined
      : await logitsRunner(ctx, compileOptions);
  const sums = {
    loss: 0,
    correct: 0,
    count: 0,
    tokenLoss: 0,
    tokenCorrect: 0,
    tokens: 0,
    topK: 0,
    topKCount: 0,
  };
  for await (const batch of data.batches({ batchSize })) {
    if (signal?.aborted === true)
      throw new EdgefedError('ABORTED', 'Evaluation was aborted', { cause: signal.reason });
    const n = batch.size;
    writeOneHot(batch.labels, classes, y);
    feeds.x = ctx.backend.tensor(batch.features, [n, ...model.inputShape]);
    feeds.y = ctx.backend.tensor(y.subarray(0, n * rows * classes), [n, ...model.outputShape]);
    feeds.mask = ctx.backend.tensor(mask.subarray(0, n), [n]);
    const out = await session.run(feeds);
    sums.loss += await scalar(out.loss_sum);
    sums.correct += await scalar(out.correct);
    sums.count += await scalar(out.count);
    sums.tokenLoss += await scalar(out.token_loss_sum);
    sums.tokenCorrect += await scalar(out.token_correct);
    sums.tokens += await scalar(out.token_count);
    if (logits !== undefined) {
      const l = await logits(feeds);
      if (options.topK !== undefined) {
        const c = topKCorrect(l, batch.labels, classes, options.topK);
        sums.topK += c.correct;
        sums.topKCount += c.count;
      }
      if (confusion !== undefined) accumulateConfusion(confusion, l, batch.labels, classes);
    }
  }
  const out = result(model.evaluation.manifest.outputs, sums, options.topK);
  return confusion === undefined
    ? out
    : { ...out, confusion: { numClasses: classes, counts: [...confusion] } };
}

type Sums = Record<
  'loss' | 'correct' | 'count' | 'tokenLoss' | 'tokenCorrect' | 'tokens' | 'topK' | 'topKCount',
  number
>;

function result(outputs: readonly { name: string }[], s: Sums, k: number | undefined): EvaluateResult {
  const has = (name: string): boolean => outputs.some((e) => e.name === name);
  const base = {
    loss: s.count > 0 ? s.loss / s.count : Number.NaN,
    accuracy: s.count > 0 && has('correct') ? s.correct / s.count : Number.NaN,
    exampleCount: s.count,
  };
  const tokens = has('token_count')
    ? {
        accuracy: s.tokens > 0 ? s.tokenCorrect / s.tokens : Number.NaN,
        tokenCount: s.tokens,
        perplexity: s.tokens > 0 ? Math.exp(s.tokenLoss / s.tokens) : Number.NaN,
      }
    : {};
  const top = k === undefined ? {} : { topKAccuracy: s.topKCount > 0 ? s.topK / s.topKCount : Number.NaN };
  return { ...base, ...tokens, ...top };
}

/** Runs the inference graph on the evaluation feeds and returns the logits on the host. */
async function logitsRunner(ctx: EvaluateContext, compileOptions: TrainerCompileOptions) {
  const session = await sessionCached(ctx.backend, {
    spec: ctx.spec,
    compileOptions,
    graph: 'inference',
    ...(ctx.logSeverityLevel === undefined ? {} : { logSeverityLevel: ctx.logSeverityLevel }),
  });
  return async (feeds: Record<string, BackendTensor>): Promise<Float32Array> => {
    const inputs: Record<string, BackendTensor> = {};
    for (const p of ctx.parameters) inputs[p.name] = feeds[p.name] as BackendTensor;
    inputs.x = feeds.x as BackendTensor;
    const out = await session.run(inputs);
    const logits = out.logits;
    if (logits === undefined)
      throw new EdgefedError('INVALID_MODEL', 'The inference graph has no logits output');
    const data = await logits.read();
    for (const t of Object.values(out)) t.dispose();
    return data;
  };
}

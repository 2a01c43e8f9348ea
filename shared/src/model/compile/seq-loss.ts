/**
 * Softmax cross-entropy over sequences: logits [B, T, V] against float one-hot labels
 * [B, T, V] in which an all-zero row marks a padding (ignored) token. Stable log-softmax
 * from ReduceMax/Sub/Exp/ReduceSum/Log, float Equal for correctness: WebGPU-safe.
 *
 * Per example i with n_i = number of non-ignored tokens:
 * - loss l_i = (sum of token losses) / max(n_i, 1): the mean over its own tokens, so every
 *   example weighs the same in the batch mean; an all-padding example gives 0 (never NaN);
 * - correct_i = (correct tokens) / max(n_i, 1), its token accuracy;
 * - tokens n_i, tokenLossSum and tokenCorrect: the raw sums, from which token accuracy
 *   (sum correct / sum tokens) and perplexity exp(sum loss / sum tokens) aggregate exactly
 *   across batches.
 */
import type { GraphBuilder } from '../ir/builder.js';
import { div, mul, neg, reduceMax, reduceSum, sub, where } from '../ir/ops.js';

/** Per-example values of the sequence loss, each [batch]. */
export interface SequenceLossValues {
  readonly perExample: string;
  readonly correct: string;
  readonly tokens: string;
  readonly tokenLossSum: string;
  readonly tokenCorrect: string;
}

/** Emits the sequence softmax cross-entropy (see the module comment). */
export function sequenceSoftmaxCrossEntropy(
  b: GraphBuilder,
  logits: string,
  labels: string,
): SequenceLossValues {
  const max = b.stopGradient(reduceMax(b, logits, [2], true));
  const shifted = sub(b, logits, max);
  const lse = b.op1('Log', [reduceSum(b, b.op1('Exp', [shifted]), [2], true)]);
  const logp = sub(b, shifted, lse);
  const tokenLoss = neg(b, reduceSum(b, mul(b, labels, logp), [2], false));
  const tokenMask = b.stopGradient(reduceSum(b, labels, [2], false));
  const tokens = b.stopGradient(reduceSum(b, tokenMask, [1], false));
  const denom = b.op1('Clip', [tokens, b.scalar(1)]);
  const tokenLossSum = reduceSum(b, tokenLoss, [1], false);
  const isMax = b.op1('Equal', [logits, max]);
  const tokenRight = reduceMax(b, where(b, isMax, labels, b.scalar(0)), [2], false);
  const tokenCorrect = reduceSum(b, tokenRight, [1], false);
  return {
    perExample: div(b, tokenLossSum, denom),
    correct: div(b, tokenCorrect, denom),
    tokens,
    tokenLossSum,
    tokenCorrect,
  };
}

/**
 * Per-example losses and the accuracy metric, composed only from WebGPU-safe ops:
 * log-softmax from ReduceMax/Sub/Exp/ReduceSum/Log (never LogSoftmax), labels as float
 * one-hot, "correct" from float Equal at the row maximum (never ArgMax-to-int64 compares).
 */
import { EdgefedError } from '../../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import { mul, neg, reduceMax, reduceSum, sub, where } from '../ir/ops.js';
import { attrInt, attrInts } from '../ir/types.js';
import { sequenceSoftmaxCrossEntropy } from './seq-loss.js';

/** Losses the compiler supports. */
export type LossKind = 'softmax-cross-entropy' | 'binary-cross-entropy' | 'mse';

/** Per-example values, each shaped [batch]. */
export interface LossValues {
  readonly perExample: string;
  /** 1 where the prediction is right (classification losses only; token accuracy for sequences). */
  readonly correct?: string;
  /** Sequence losses only: non-ignored tokens, summed token loss and correct tokens per example. */
  readonly tokens?: string;
  readonly tokenLossSum?: string;
  readonly tokenCorrect?: string;
}

function meanOverFeatures(b: GraphBuilder, v: string): string {
  const rank = b.shape(v).length;
  if (rank === 1) return v;
  const axes = Array.from({ length: rank - 1 }, (_, i) => i + 1);
  return b.op1('ReduceMean', [v], { axes: attrInts(axes), keepdims: attrInt(0) });
}

function softmaxCrossEntropy(b: GraphBuilder, logits: string, labels: string): LossValues {
  const rank = b.shape(logits).length;
  if (rank === 3) return sequenceSoftmaxCrossEntropy(b, logits, labels);
  if (rank !== 2) {
    throw new EdgefedError(
      'INVALID_MODEL',
      'softmax-cross-entropy needs [batch, classes] or [batch, time, classes] logits; add a flatten layer',
    );
  }
  const max = b.stopGradient(reduceMax(b, logits, [1], true));
  const shifted = sub(b, logits, max);
  const lse = b.op1('Log', [reduceSum(b, b.op1('Exp', [shifted]), [1], true)]);
  const logp = sub(b, shifted, lse);
  const perExample = neg(b, reduceSum(b, mul(b, labels, logp), [1], false));
  const isMax = b.op1('Equal', [logits, max]);
  const correct = reduceMax(b, where(b, isMax, labels, b.scalar(0)), [1], false);
  return { perExample, correct };
}

function binaryCrossEntropy(b: GraphBuilder, logits: string, labels: string): LossValues {
  // max(z, 0) - z*y + log(1 + exp(-|z|)), with -|z| = z - 2*relu(z).
  const relu = b.op1('Relu', [logits]);
  const negAbs = sub(b, logits, mul(b, relu, b.scalar(2)));
  const softplus = b.op1('Log', [b.op1('Add', [b.scalar(1), b.op1('Exp', [negAbs])])]);
  const elem = b.op1('Add', [sub(b, relu, mul(b, logits, labels)), softplus]);
  const predictedOne = b.op1('Greater', [logits, b.scalar(0)]);
  const right = where(b, predictedOne, labels, sub(b, b.scalar(1), labels));
  return { perExample: meanOverFeatures(b, elem), correct: meanOverFeatures(b, right) };
}

function mse(b: GraphBuilder, out: string, labels: string): LossValues {
  const d = sub(b, out, labels);
  return { perExample: meanOverFeatures(b, mul(b, d, d)) };
}

/**
 * Emits the per-example loss (and correctness) of `output` against `labels` (same shape;
 * one-hot rows for softmax-cross-entropy, 0/1 targets for binary-cross-entropy).
 * softmax-cross-entropy on rank-3 logits [B, T, V] is the sequence variant (`seq-loss.ts`):
 * all-zero label rows are ignored tokens, and the token sums are returned too.
 */
export function emitLoss(b: GraphBuilder, kind: LossKind, output: string, labels: string): LossValues {
  switch (kind) {
    case 'softmax-cross-entropy':
      return softmaxCrossEntropy(b, output, labels);
    case 'binary-cross-entropy':
      return binaryCrossEntropy(b, output, labels);
    case 'mse':
      return mse(b, output, labels);
  }
}

/** The token-level outputs sequence losses add to training and evaluation graphs. */
export const TOKEN_OUTPUTS: Readonly<Record<string, string>> = {
  token_loss_sum: 'summed loss of the non-ignored tokens',
  token_correct: 'correctly predicted non-ignored tokens',
  token_count: 'non-ignored tokens (label rows that are not all zero)',
};

/** Output name -> per-example value of the token sums (empty for non-sequence losses). */
export function tokenValues(lv: LossValues): [string, string][] {
  const pairs: [string, string | undefined][] = [
    ['token_loss_sum', lv.tokenLossSum],
    ['token_correct', lv.tokenCorrect],
    ['token_count', lv.tokens],
  ];
  return pairs.filter((p): p is [string, string] => p[1] !== undefined);
}

/** The manifest description of the label input: states the sequence label format. */
export function labelNote(
  plan: { readonly outputShape: readonly number[] },
  kind: LossKind,
): { description?: string } {
  if (kind !== 'softmax-cross-entropy' || plan.outputShape.length !== 2) return {};
  const [t = 0, v = 0] = plan.outputShape;
  return {
    description: `float one-hot [${String(t)}, ${String(v)}] per example (next token at each position); an all-zero row is an ignored (padding) token`,
  };
}

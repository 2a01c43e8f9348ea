/**
 * Host-side top-k accuracy over logits, for metrics the evaluation graph does not emit
 * (top-3 next-word accuracy). Positions labelled -1 (ignored) are not counted.
 */
import { EdgefedError } from '../errors.js';

/** Counts from {@link topKCorrect}. */
export interface TopKCounts {
  /** Rows whose label is among the k largest logits. */
  readonly correct: number;
  /** Rows with a label (not -1). */
  readonly count: number;
}

/**
 * For each row `r` of `logits` (`numClasses` floats; `labels.length` rows), whether
 * `labels[r]` is among the `k` largest logits. A tie at the k-th value counts as correct
 * (the label's logit is compared with strictly larger ones: correct when fewer than `k`
 * logits exceed it). Throws `SHAPE_MISMATCH` when `logits.length !== labels.length *
 * numClasses`, `INVALID_ARGUMENT` for `k` not an integer >= 1 or a label outside
 * `[0, numClasses)` other than -1.
 */
export function topKCorrect(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  k: number,
): TopKCounts {
  if (!Number.isInteger(k) || k < 1) throw new EdgefedError('INVALID_ARGUMENT', `k must be an integer >= 1, got ${k}`);
  if (logits.length !== labels.length * numClasses) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `${logits.length} logits for ${labels.length} rows of ${numClasses} classes`,
    );
  }
  let correct = 0;
  let count = 0;
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r] as number;
    if (y === -1) continue;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses)
      throw new EdgefedError('INVALID_ARGUMENT', `Label ${y} at row ${r} is outside [0, ${numClasses})`);
    count++;
    const base = r * numClasses;
    const target = logits[base + y] as number;
    let above = 0;
    for (let c = 0; c < numClasses && above < k; c++) if ((logits[base + c] as number) > target) above++;
    if (above < k) correct++;
  }
  return { correct, count };
}

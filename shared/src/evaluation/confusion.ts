/**
 * Confusion matrices and per-class metrics, computed on the host from logits. The matrix is
 * row-major with rows = true class and columns = predicted class (argmax of the logits;
 * ties go to the lowest class index, like ONNX ArgMax; the evaluation graph instead counts a
 * tied label as correct, so on exact ties the diagonal can be below the graph's accuracy).
 * Positions labelled -1 (ignored) are not counted.
 */
import { EdgefedError } from '../errors.js';

/** Counts of a confusion matrix: `counts[t * numClasses + p]` examples of class t predicted p. */
export interface ConfusionMatrix {
  readonly numClasses: number;
  /** Row-major `numClasses * numClasses` counts (rows: true class, columns: prediction). */
  readonly counts: readonly number[];
}

/** One class's figures in a {@link ClassificationReport}. */
export interface ClassMetrics {
  readonly class: number;
  /** Test examples of this class (the row sum). */
  readonly support: number;
  /** Examples predicted as this class (the column sum). */
  readonly predicted: number;
  /** TP / predicted; 0 when nothing was predicted as this class. */
  readonly precision: number;
  /** TP / support; 0 when the class has no examples. */
  readonly recall: number;
  /**
   * Accuracy on this class's examples: TP / support (as torchmetrics' per-class
   * `MulticlassAccuracy(average=None)`; equal to recall by definition).
   */
  readonly accuracy: number;
}

/** A confusion matrix with per-class precision, recall and accuracy. */
export interface ClassificationReport extends ConfusionMatrix {
  /** Examples counted (the sum of all counts). */
  readonly examples: number;
  /** Overall accuracy: the diagonal over all examples (NaN for none). */
  readonly accuracy: number;
  readonly perClass: readonly ClassMetrics[];
}

/** A zeroed `numClasses x numClasses` count buffer; `INVALID_ARGUMENT` unless numClasses >= 2. */
export function emptyConfusion(numClasses: number): Float64Array {
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new EdgefedError('INVALID_ARGUMENT', `numClasses must be an integer >= 2, got ${numClasses}`);
  return new Float64Array(numClasses * numClasses);
}

/**
 * Adds each row of `logits` (`numClasses` floats per label) to `counts` at (label, argmax).
 * Throws `SHAPE_MISMATCH` when the sizes disagree and `INVALID_ARGUMENT` for a label
 * outside `[0, numClasses)` other than -1 (skipped).
 */
export function accumulateConfusion(
  counts: Float64Array,
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): void {
  if (counts.length !== numClasses * numClasses || logits.length !== labels.length * numClasses) {
    throw new EdgefedError(
      'SHAPE_MISMATCH',
      `${logits.length} logits for ${labels.length} rows of ${numClasses} classes into ${counts.length} counts`,
    );
  }
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r] as number;
    if (y === -1) continue;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses)
      throw new EdgefedError('INVALID_ARGUMENT', `Label ${y} at row ${r} is outside [0, ${numClasses})`);
    const base = r * numClasses;
    let best = 0;
    let bestValue = logits[base] as number;
    for (let c = 1; c < numClasses; c++) {
      const v = logits[base + c] as number;
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    (counts as { [i: number]: number })[y * numClasses + best] = (counts[y * numClasses + best] ?? 0) + 1;
  }
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/**
 * Per-class precision/recall/accuracy of a confusion matrix. Throws `SHAPE_MISMATCH` when
 * `counts` is not `numClasses^2` long and `INVALID_ARGUMENT` for a negative or fractional count.
 */
export function classificationReport(m: ConfusionMatrix): ClassificationReport {
  const k = m.numClasses;
  if (!Number.isInteger(k) || k < 2 || m.counts.length !== k * k)
    throw new EdgefedError('SHAPE_MISMATCH', `${m.counts.length} counts for ${k} classes`);
  if (m.counts.some((c) => !Number.isSafeInteger(c) || c < 0))
    throw new EdgefedError('INVALID_ARGUMENT', 'Confusion counts must be non-negative integers');
  const at = (t: number, p: number): number => m.counts[t * k + p] ?? 0;
  const perClass: ClassMetrics[] = [];
  let examples = 0;
  let correct = 0;
  for (let c = 0; c < k; c++) {
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += at(c, j);
      predicted += at(j, c);
    }
    const tp = at(c, c);
    examples += support;
    correct += tp;
    const recall = ratio(tp, support);
    perClass.push({
      class: c,
      support,
      predicted,
      precision: ratio(tp, predicted),
      recall,
      accuracy: recall,
    });
  }
  return {
    numClasses: k,
    counts: [...m.counts],
    examples,
    accuracy: examples > 0 ? correct / examples : Number.NaN,
    perClass,
  };
}

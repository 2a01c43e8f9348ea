/**
 * Fixed-length windows over token streams for next-token prediction: the input is
 * `tokens[s, s + T)` and the target at every position is the token after it,
 * `tokens[s + 1, s + T + 1)` (labels shape `[T]`). A window that runs past the end of its
 * stream is padded: input 0, label -1 (ignored), so no target is dropped and none is
 * invented. Windows never cross from one stream into the next.
 *
 * Memory: the windows are materialised (token ids as float32 features plus int32 labels,
 * `8 * T` bytes per window). With the default stride `T` every token is one input and one
 * target, so that is ~8 bytes per token of corpus (SOTU's ~10M characters: ~80 MB).
 */
import { EdgefedError } from '../errors.js';
import { createDataset, IGNORE_LABEL, type Dataset } from './dataset.js';

/** The paper's window length (McMahan et al. 2017, Shakespeare: 80 characters). */
export const DEFAULT_SEQUENCE_LENGTH = 80;

/** Options for {@link sequenceWindows}. */
export interface SequenceWindowOptions {
  /** Window length T (>= 1); default {@link DEFAULT_SEQUENCE_LENGTH}. */
  readonly sequenceLength?: number;
  /** Distance between window starts, in `[1, T]`; default T (non-overlapping windows). */
  readonly stride?: number;
}

/** Windows of several streams as one Dataset, with the stream of every window. */
export interface SequenceWindows {
  /** featureShape `[T]` (token ids as floats), labelShape `[T]`, Int32 labels with -1 padding. */
  readonly dataset: Dataset;
  /** `streamOf[w]`: index of the stream window `w` came from. */
  readonly streamOf: Uint32Array;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new EdgefedError('INVALID_ARGUMENT', `${name} must be an integer >= 1, got ${v}`);
  return v;
}

/**
 * Windows over a stream of `n` tokens: 0 when `n < 2` (nothing to predict), else
 * `max(1, ceil((n - 1 - T) / stride) + 1)` (starts `0, stride, ...`; the last one may be
 * padded). With `stride = T` that is `ceil((n - 1) / T)` and every target appears once.
 */
export function sequenceWindowCount(n: number, sequenceLength: number, stride: number): number {
  if (n < 2) return 0;
  return Math.max(1, Math.ceil((n - 1 - sequenceLength) / stride) + 1);
}

/**
 * Cuts every stream into windows (see the file comment) and returns them as one Dataset
 * whose `numClasses` is `numClasses`. Throws `INVALID_ARGUMENT` for a bad length, a stride
 * outside `[1, T]`, a bad `numClasses`, or a token outside `[0, numClasses)`.
 */
export function sequenceWindows(
  streams: readonly ArrayLike<number>[],
  numClasses: number,
  options: SequenceWindowOptions = {},
): SequenceWindows {
  const T = positiveInt('sequenceLength', options.sequenceLength ?? DEFAULT_SEQUENCE_LENGTH);
  const stride = positiveInt('stride', options.stride ?? T);
  if (stride > T) throw new EdgefedError('INVALID_ARGUMENT', `stride ${stride} > sequenceLength ${T} would skip targets`);
  const counts = streams.map((s) => sequenceWindowCount(s.length, T, stride));
  const total = counts.reduce((a, b) => a + b, 0);
  const features = new Float32Array(total * T);
  const labels = new Int32Array(total * T).fill(IGNORE_LABEL);
  const streamOf = new Uint32Array(total);
  let w = 0;
  streams.forEach((tokens, si) => {
    for (let k = 0; k < (counts[si] as number); k++, w++) {
      const start = k * stride;
      streamOf[w] = si;
      const end = Math.min(T, tokens.length - 1 - start);
      for (let j = 0; j < end; j++) {
        features[w * T + j] = tokens[start + j] as number;
        labels[w * T + j] = tokens[start + j + 1] as number;
      }
    }
  });
  const dataset = createDataset({ features, labels, featureShape: [T], labelShape: [T], numClasses });
  checkTokens(features, numClasses);
  return { dataset, streamOf };
}

function checkTokens(features: Float32Array, numClasses: number): void {
  for (let i = 0; i < features.length; i++) {
    const t = features[i] as number;
    if (!Number.isInteger(t) || t < 0 || t >= numClasses)
      throw new EdgefedError('INVALID_ARGUMENT', `Token ${t} is outside [0, ${numClasses})`);
  }
}

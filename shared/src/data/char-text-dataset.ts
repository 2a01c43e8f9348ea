/**
 * Char-level next-character datasets: example `i` is the window of `sequenceLength`
 * tokens starting at `i * stride`, and its label is the token right after the window.
 *
 * The corpus is stored once as a Uint16Array token stream; windows are views into it, so
 * memory stays O(corpus) however many overlapping windows there are.
 */
import { EdgefedError } from '../errors.js';
import { createDataset, type Dataset } from './dataset.js';
import { buildCharVocabulary, encodeChars, type CharVocabulary } from './char-vocabulary.js';

/** A next-character dataset over one encoded corpus. */
export interface CharTextDataset {
  readonly vocabulary: CharVocabulary;
  /** The whole corpus as token ids. */
  readonly tokens: Uint16Array;
  /** Input window length L. */
  readonly sequenceLength: number;
  /** Distance between the starts of consecutive windows. */
  readonly stride: number;
  /** Number of examples: `floor((tokens.length - L - 1) / stride) + 1`, or 0 if the corpus is shorter than L + 1. */
  readonly size: number;
  /** One label (the next token) per example; `numClasses` is the vocabulary size. */
  readonly labels: Uint16Array;
}

/** Options for {@link buildCharTextDataset}. */
export interface CharTextOptions {
  /** Window length L (>= 1). */
  readonly sequenceLength: number;
  /** Window step (>= 1); defaults to 1 (every position). */
  readonly stride?: number;
  /** A vocabulary to reuse (e.g. built from a larger corpus); built from `corpus` when omitted. */
  readonly vocabulary?: CharVocabulary;
}

/**
 * Encodes `corpus` and indexes its windows. A corpus shorter than L + 1 characters gives
 * an empty dataset (size 0), not an error. Throws `INVALID_ARGUMENT` for a non-integer
 * or < 1 `sequenceLength`/`stride`, or a character missing from a given vocabulary.
 */
export function buildCharTextDataset(corpus: string, options: CharTextOptions): CharTextDataset {
  const { sequenceLength, stride = 1 } = options;
  for (const [name, v] of [
    ['sequenceLength', sequenceLength],
    ['stride', stride],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new EdgefedError('INVALID_ARGUMENT', `${name} must be an integer >= 1, got ${v}`);
    }
  }
  const vocabulary = options.vocabulary ?? buildCharVocabulary(corpus);
  const tokens = encodeChars(corpus, vocabulary);
  const size = tokens.length > sequenceLength ? Math.floor((tokens.length - sequenceLength - 1) / stride) + 1 : 0;
  const labels = new Uint16Array(size);
  for (let i = 0; i < size; i++) labels[i] = tokens[i * stride + sequenceLength] as number;
  return { vocabulary, tokens, sequenceLength, stride, size, labels };
}

/**
 * Example `index`: its input window (a view into `tokens`) and its target token.
 * Throws `INVALID_ARGUMENT` for an index outside `[0, size)`.
 */
export function charTextExample(dataset: CharTextDataset, index: number): { input: Uint16Array; target: number } {
  if (!Number.isInteger(index) || index < 0 || index >= dataset.size) {
    throw new EdgefedError('INVALID_ARGUMENT', `Example index ${index} outside [0, ${dataset.size})`);
  }
  const start = index * dataset.stride;
  return {
    input: dataset.tokens.subarray(start, start + dataset.sequenceLength),
    target: dataset.tokens[start + dataset.sequenceLength] as number,
  };
}

/**
 * Copies the windows into a plain {@link Dataset} (token ids as floats, featureShape
 * `[L]`, Int32Array labels, numClasses = vocabulary size) for code that trains on
 * Datasets. This costs `4 * size * L` bytes — about L times the corpus — so use it for
 * small corpora or after selecting a client's examples. Throws `INVALID_ARGUMENT` for an
 * empty vocabulary.
 */
export function charTextToDataset(dataset: CharTextDataset): Dataset {
  const { size, sequenceLength: L } = dataset;
  const features = new Float32Array(size * L);
  for (let i = 0; i < size; i++) {
    const start = i * dataset.stride;
    for (let j = 0; j < L; j++) features[i * L + j] = dataset.tokens[start + j] as number;
  }
  return createDataset({
    features,
    labels: Int32Array.from(dataset.labels),
    featureShape: [L],
    numClasses: dataset.vocabulary.size,
  });
}

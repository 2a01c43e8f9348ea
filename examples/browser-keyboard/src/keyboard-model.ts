/**
 * The keyboard's language model and its text format, shared by the page (training data,
 * suggestions) and the Node side (run config, central evaluation): a fixed keyboard alphabet
 * (so every device and the coordinator agree on token ids without exchanging text), how
 * typed or seeded text is normalised to it, how text becomes next-character training windows
 * (labels shape `[T]`, -1 = ignored padding), and a small causal char-transformer.
 */
import {
  charVocabulary,
  createDataset,
  sequenceWindows,
  type Dataset,
  type ModelSpec,
} from '@edgefed/shared';

/** Every character the keyboard model knows, sorted by code point (token id = index). */
export const KEYBOARD_ALPHABET = " !#',-.:;?abcdefghijklmnopqrstuvwxyz";

/** The vocabulary over {@link KEYBOARD_ALPHABET}. */
export const KEYBOARD_VOCABULARY = charVocabulary(Array.from(KEYBOARD_ALPHABET));

/** Characters of context the model sees (the window length T). */
export const KEYBOARD_CONTEXT = 24;

/**
 * Model sizes: `demo` (64 wide) for people, `tiny` (32 wide) for the end-to-end test. Both have
 * one transformer block: with two, compiling and creating the training session blocked the
 * participant's worker long enough on the loaded 2-core machine for the coordinator to drop
 * its socket (ping timeout).
 */
export type KeyboardModelSize = 'demo' | 'tiny';

/**
 * The keyboard model: token ids [T] -> embedding + learned positions -> causal pre-LN
 * transformer blocks -> LayerNorm -> logits [T, V] (next character at every position).
 */
export function keyboardModel(size: KeyboardModelSize): ModelSpec {
  const dim = size === 'demo' ? 64 : 32;
  return {
    name: `keyboard-${size}`,
    input: { shape: [KEYBOARD_CONTEXT] },
    layers: [
      { type: 'embedding', vocabSize: KEYBOARD_VOCABULARY.size, dim },
      { type: 'positionalEmbedding', kind: 'learned' },
      { type: 'transformerBlock', heads: 2, mlpDim: dim * 2, causal: true },
      { type: 'layerNorm' },
      { type: 'dense', units: KEYBOARD_VOCABULARY.size },
    ],
  };
}

/** Checks a `model` URL parameter; anything but `tiny` is the demo model. */
export function keyboardModelSize(value: string | null): KeyboardModelSize {
  return value === 'tiny' ? 'tiny' : 'demo';
}

/**
 * Normalises text to the keyboard alphabet: lower case, curly quotes and dashes to `'` and
 * `-`, digits to `#`, any whitespace to one space; every other character is dropped.
 */
export function normalizeText(text: string): string {
  const mapped = text
    .toLowerCase()
    .replace(/[\u2018\u2019`]/g, "'")
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[0-9]/g, '#')
    .replace(/\s+/g, ' ');
  let out = '';
  for (const ch of mapped) if (KEYBOARD_VOCABULARY.ids.has(ch)) out += ch;
  return out.replace(/ {2,}/g, ' ');
}

/** Token ids of normalised text (characters outside the alphabet are dropped first). */
export function encodeText(text: string): Int32Array {
  const norm = normalizeText(text);
  const out = new Int32Array(norm.length);
  let i = 0;
  for (const ch of norm) out[i++] = KEYBOARD_VOCABULARY.ids.get(ch) ?? 0;
  return out.subarray(0, i);
}

/**
 * Next-character windows over `texts` (each text its own stream: windows never cross from
 * one into the next), features `[T]`, labels `[T]` with -1 padding. An empty or
 * one-character text contributes no window; no text at all gives an empty Dataset.
 */
export function textWindows(texts: readonly string[]): Dataset {
  const streams = texts.map(encodeText).filter((s) => s.length >= 2);
  if (streams.length === 0) {
    return createDataset({
      features: new Float32Array(0),
      labels: new Int32Array(0),
      featureShape: [KEYBOARD_CONTEXT],
      labelShape: [KEYBOARD_CONTEXT],
      numClasses: KEYBOARD_VOCABULARY.size,
    });
  }
  return sequenceWindows(streams, KEYBOARD_VOCABULARY.size, { sequenceLength: KEYBOARD_CONTEXT }).dataset;
}

/**
 * Splits one user's seed text into a training head and a held-out tail (`testFraction` of
 * its characters, default 0.1), cut at a space so no word is split.
 */
export function splitSeed(text: string, testFraction = 0.1): { head: string; tail: string } {
  const norm = normalizeText(text);
  let cut = Math.floor(norm.length * (1 - testFraction));
  const space = norm.indexOf(' ', cut);
  if (space >= 0) cut = space + 1;
  return { head: norm.slice(0, cut), tail: norm.slice(cut) };
}

/**
 * Word-level vocabularies for next-word prediction: a fixed tokenizer, the `size` most
 * frequent words of the training text, and `<unk>` (id 0) for every other word.
 */
import { EdgefedError } from '../errors.js';

/** The token every out-of-vocabulary word maps to; always id 0. */
export const UNKNOWN_WORD = '<unk>';

/** A word vocabulary: `words[0]` is {@link UNKNOWN_WORD}, then by descending frequency. */
export interface WordVocabulary {
  /** `words[id]`; `words[0] === '<unk>'`. */
  readonly words: readonly string[];
  /** Word -> id (every known word; `<unk>` is 0). */
  readonly ids: ReadonlyMap<string, number>;
  /** `words.length` (the top-N words plus `<unk>`). */
  readonly size: number;
}

const WORD_RE = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;

/**
 * Splits `text` into lower-cased tokens: runs of letters and digits (with inner
 * apostrophes, so "don't" is one token) and every other non-space character on its own
 * ("u.s." -> `u`, `.`, `s`, `.`). Whitespace only separates.
 */
export function tokenizeWords(text: string): string[] {
  return text.toLowerCase().match(WORD_RE) ?? [];
}

/**
 * The `size` most frequent tokens of `tokens` (ties: the word that sorts first by code
 * units wins, so the result does not depend on order of appearance) after `<unk>`.
 * Fewer distinct tokens give a smaller vocabulary. Throws `INVALID_ARGUMENT` unless
 * `size` is an integer >= 1.
 */
export function buildWordVocabulary(tokens: readonly string[], size: number): WordVocabulary {
  if (!Number.isInteger(size) || size < 1)
    throw new EdgefedError('INVALID_ARGUMENT', `Word vocabulary size must be an integer >= 1, got ${size}`);
  const counts = new Map<string, number>();
  for (const t of tokens) if (t !== UNKNOWN_WORD) counts.set(t, (counts.get(t) ?? 0) + 1);
  const top = [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, size)
    .map(([w]) => w);
  const words = [UNKNOWN_WORD, ...top];
  return { words, ids: new Map(words.map((w, i) => [w, i])), size: words.length };
}

/** Token ids of `tokens`; unknown words become 0 (`<unk>`). */
export function encodeWords(tokens: readonly string[], vocabulary: WordVocabulary): Int32Array {
  const out = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) out[i] = vocabulary.ids.get(tokens[i] as string) ?? 0;
  return out;
}

/** The words of `ids`. Throws `INVALID_ARGUMENT` for an id outside the vocabulary. */
export function decodeWords(ids: ArrayLike<number>, vocabulary: WordVocabulary): string[] {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const w = vocabulary.words[ids[i] as number];
    if (w === undefined) throw new EdgefedError('INVALID_ARGUMENT', `Token id ${ids[i]} is not in the vocabulary`);
    out.push(w);
  }
  return out;
}

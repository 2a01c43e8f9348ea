/**
 * Character vocabularies for char-level text models: each distinct Unicode code point
 * of a corpus gets a token id, in code-point order (so the same corpus always yields
 * the same ids, whatever order its characters appear in).
 */
import { EdgefedError } from '../errors.js';

/** The largest vocabulary a Uint16Array token stream can index. */
export const MAX_CHAR_VOCABULARY = 65536;

/** Maps characters (code points) to token ids `0..size-1` and back. */
export interface CharVocabulary {
  /** `chars[id]` is the character with that id; sorted by code point. */
  readonly chars: readonly string[];
  /** Character -> id. */
  readonly ids: ReadonlyMap<string, number>;
  /** Number of characters (`chars.length`). */
  readonly size: number;
}

/**
 * Builds the vocabulary of every code point in `corpus` (surrogate pairs count as one
 * character). An empty corpus gives an empty vocabulary. Throws `UNSUPPORTED` past
 * {@link MAX_CHAR_VOCABULARY} characters.
 */
export function buildCharVocabulary(corpus: string): CharVocabulary {
  const seen = new Set<string>();
  for (const ch of corpus) seen.add(ch);
  return charVocabulary([...seen]);
}

/**
 * A vocabulary from an explicit character list (sorted by code point, duplicates
 * removed). Throws `INVALID_ARGUMENT` for an entry that is not exactly one code point and
 * `UNSUPPORTED` past {@link MAX_CHAR_VOCABULARY} characters.
 */
export function charVocabulary(chars: readonly string[]): CharVocabulary {
  for (const ch of chars) {
    if (!isOneCodePoint(ch)) {
      throw new EdgefedError('INVALID_ARGUMENT', `Vocabulary entry ${JSON.stringify(ch)} is not one character`);
    }
  }
  const sorted = [...new Set(chars)].sort((a, b) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0));
  if (sorted.length > MAX_CHAR_VOCABULARY) {
    throw new EdgefedError('UNSUPPORTED', `Vocabulary of ${sorted.length} characters exceeds ${MAX_CHAR_VOCABULARY}`);
  }
  return { chars: sorted, ids: new Map(sorted.map((ch, i) => [ch, i])), size: sorted.length };
}

/**
 * Encodes `text` as token ids. Throws `INVALID_ARGUMENT` (with the character and its
 * position in code points) for a character missing from the vocabulary.
 */
export function encodeChars(text: string, vocabulary: CharVocabulary): Uint16Array {
  const out: number[] = [];
  for (const ch of text) {
    const id = vocabulary.ids.get(ch);
    if (id === undefined) {
      throw new EdgefedError('INVALID_ARGUMENT', `Character ${JSON.stringify(ch)} is not in the vocabulary`, {
        details: { char: ch, position: out.length },
      });
    }
    out.push(id);
  }
  return Uint16Array.from(out);
}

/** Decodes token ids back to text. Throws `INVALID_ARGUMENT` for an id outside the vocabulary. */
export function decodeChars(ids: ArrayLike<number>, vocabulary: CharVocabulary): string {
  let text = '';
  for (let i = 0; i < ids.length; i++) {
    const ch = vocabulary.chars[ids[i] as number];
    if (ch === undefined) throw new EdgefedError('INVALID_ARGUMENT', `Token id ${ids[i]} is not in the vocabulary`);
    text += ch;
  }
  return text;
}

function isOneCodePoint(ch: string): boolean {
  const cp = ch.codePointAt(0);
  return cp !== undefined && String.fromCodePoint(cp) === ch;
}

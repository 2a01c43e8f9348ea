/**
 * Character vocabularies for char-level text models: each distinct Unicode code point
 * of a corpus gets a token id, in code-point order (so the same corpus always yields
 * the same ids, whatever order its characters appear in).
 *
 * Out-of-vocabulary rule: a vocabulary built with `oov: true` also holds
 * {@link OOV_CHAR} (U+FFFD), and `encodeChars` maps every character it does not know
 * (unseen in the corpus it was built from, or seen fewer than `minCount` times) to that
 * id; without `oov` an unknown character is an error.
 */
import { EdgefedError } from '../errors.js';

/** The largest vocabulary a Uint16Array token stream can index. */
export const MAX_CHAR_VOCABULARY = 65536;

/** The character unknown characters map to in a vocabulary with an OOV entry (U+FFFD). */
export const OOV_CHAR = '\uFFFD';

/** Maps characters (code points) to token ids `0..size-1` and back. */
export interface CharVocabulary {
  /** Id of {@link OOV_CHAR} when unknown characters map to it; absent: they are errors. */
  readonly oovId?: number;
  /** `chars[id]` is the character with that id; sorted by code point. */
  readonly chars: readonly string[];
  /** Character -> id. */
  readonly ids: ReadonlyMap<string, number>;
  /** Number of characters (`chars.length`). */
  readonly size: number;
}

/** Options for {@link buildCharVocabulary}. */
export interface CharVocabularyOptions {
  /** Add {@link OOV_CHAR} and map unknown characters to it (default false). */
  readonly oov?: boolean;
  /** Keep only characters seen at least this often (default 1; > 1 needs `oov`). */
  readonly minCount?: number;
}

/**
 * Builds the vocabulary of every code point in `corpus` (surrogate pairs count as one
 * character) seen at least `minCount` times, plus {@link OOV_CHAR} with `oov`. An empty
 * corpus gives an empty vocabulary (just the OOV entry with `oov`). Throws
 * `INVALID_ARGUMENT` for `minCount` not an integer >= 1 or > 1 without `oov`, and
 * `UNSUPPORTED` past {@link MAX_CHAR_VOCABULARY} characters.
 */
export function buildCharVocabulary(corpus: string, options: CharVocabularyOptions = {}): CharVocabulary {
  const minCount = options.minCount ?? 1;
  if (!Number.isInteger(minCount) || minCount < 1 || (minCount > 1 && options.oov !== true)) {
    throw new EdgefedError('INVALID_ARGUMENT', `minCount must be 1, or an integer >= 1 with oov, got ${minCount}`);
  }
  const counts = new Map<string, number>();
  for (const ch of corpus) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const kept = [...counts].filter(([, n]) => n >= minCount).map(([ch]) => ch);
  if (options.oov !== true) return charVocabulary(kept);
  const v = charVocabulary([...kept, OOV_CHAR]);
  return { ...v, oovId: v.ids.get(OOV_CHAR) ?? 0 };
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
 * Encodes `text` as token ids. A character missing from the vocabulary becomes `oovId`
 * when the vocabulary has one; otherwise it throws `INVALID_ARGUMENT` (with the character
 * and its position in code points).
 */
export function encodeChars(text: string, vocabulary: CharVocabulary): Uint16Array {
  const out: number[] = [];
  for (const ch of text) {
    const id = vocabulary.ids.get(ch) ?? vocabulary.oovId;
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

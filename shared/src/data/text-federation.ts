/**
 * A text federation: documents grouped by a key (a speaker, a chapter) become clients;
 * each client's text is split into a training head and a held-out tail, a vocabulary is
 * built once over all clients' training heads, and both parts are cut into next-token
 * windows (labels shape `[T]`). The union of the tails is the global test set.
 */
import { EdgefedError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { sequenceWindows, type SequenceWindowOptions } from './sequence-windows.js';
import { buildWordVocabulary, tokenizeWords, UNKNOWN_WORD } from './word-vocabulary.js';
import { buildCharVocabulary } from './char-vocabulary.js';

/** One document and the group (client) it belongs to. */
export interface TextDocument {
  readonly key: string;
  readonly text: string;
}

/** Options for {@link buildTextFederation}. */
export interface TextFederationOptions extends SequenceWindowOptions {
  /** `char` (default): next-character; `word`: next-word over a top-N vocabulary. */
  readonly level?: 'char' | 'word';
  /** Fraction of each client's tokens (its tail) held out for testing, in [0, 1); default 0.1. */
  readonly testFraction?: number;
  /** Word level: the N most frequent training words (plus `<unk>`); default 10,000. */
  readonly vocabularySize?: number;
  /** Char level: characters seen fewer times in the training text map to U+FFFD; default 1. */
  readonly minCharCount?: number;
  /** Keep only the first this many keys (in order of first appearance); default all. */
  readonly maxClients?: number;
}

/** The result of {@link buildTextFederation}. */
export interface TextFederation {
  readonly level: 'char' | 'word';
  /** `tokens[id]`: a character, a word, or the OOV token (U+FFFD or `<unk>`). */
  readonly tokens: readonly string[];
  /** The id every out-of-vocabulary token maps to. */
  readonly oovId: number;
  /** Client keys, client `c` = `keys[c]`. */
  readonly keys: readonly string[];
  /** Training windows of all clients, client by client (featureShape and labelShape `[T]`). */
  readonly train: Dataset;
  /** `trainClient[w]`: the client of training window `w` (a natural partition's groups). */
  readonly trainClient: Uint32Array;
  /** Held-out windows: each client's tail; together the global test set. */
  readonly test: Dataset;
  /** `testClient[w]`: the client of test window `w`. */
  readonly testClient: Uint32Array;
}

interface Split<T> {
  readonly train: T[];
  readonly test: T[];
}

function groupDocuments(docs: readonly TextDocument[], maxClients: number): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const d of docs) {
    let g = groups.get(d.key);
    if (g === undefined) {
      if (groups.size >= maxClients) continue;
      g = [];
      groups.set(d.key, g);
    }
    g.push(d.text);
  }
  return groups;
}

function splitTail<T>(tokens: T[], testFraction: number): Split<T> {
  const cut = Math.ceil(tokens.length * (1 - testFraction));
  return { train: tokens.slice(0, cut), test: tokens.slice(cut) };
}

function charVocab(parts: readonly Split<string>[], minCount: number): { tokens: string[]; oovId: number } {
  const v = buildCharVocabulary(parts.map((p) => p.train.join('')).join(''), { oov: true, minCount });
  return { tokens: [...v.chars], oovId: v.oovId ?? 0 };
}

function encodeWith(tokens: readonly string[], ids: ReadonlyMap<string, number>, oov: number): Int32Array {
  const out = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) out[i] = ids.get(tokens[i] as string) ?? oov;
  return out;
}

function checkOptions(o: TextFederationOptions): void {
  const f = o.testFraction ?? 0.1;
  if (!(f >= 0 && f < 1)) throw new EdgefedError('INVALID_ARGUMENT', `testFraction must be in [0, 1), got ${f}`);
  const m = o.minCharCount ?? 1;
  if (!Number.isInteger(m) || m < 1)
    throw new EdgefedError('INVALID_ARGUMENT', `minCharCount must be an integer >= 1, got ${m}`);
  const c = o.maxClients ?? Number.POSITIVE_INFINITY;
  if (c !== Number.POSITIVE_INFINITY && (!Number.isInteger(c) || c < 1))
    throw new EdgefedError('INVALID_ARGUMENT', `maxClients must be an integer >= 1, got ${c}`);
}

/**
 * Builds the federation (see the file comment). A client's documents are joined with a
 * blank line; its tail is the last `ceil`-complement of `testFraction` of its tokens
 * (characters or words), so the split never cuts a character. Char level: the vocabulary
 * is every character of the training heads seen `minCharCount` times, plus U+FFFD (OOV),
 * sorted by code point. Word level: `<unk>` (id 0) then the `vocabularySize` most frequent
 * training words. Throws `INVALID_ARGUMENT` for bad options or no documents, and what
 * {@link sequenceWindows} throws.
 */
export function buildTextFederation(
  documents: readonly TextDocument[],
  options: TextFederationOptions = {},
): TextFederation {
  checkOptions(options);
  const level = options.level ?? 'char';
  const groups = groupDocuments(documents, options.maxClients ?? Number.POSITIVE_INFINITY);
  if (groups.size === 0) throw new EdgefedError('INVALID_ARGUMENT', 'A text federation needs documents');
  const keys = [...groups.keys()];
  const tokenize = (t: string): string[] => (level === 'char' ? Array.from(t) : tokenizeWords(t));
  const parts = keys.map((k) => splitTail(tokenize((groups.get(k) ?? []).join('\n\n')), options.testFraction ?? 0.1));
  let tokens: readonly string[];
  let oovId: number;
  if (level === 'char') {
    ({ tokens, oovId } = charVocab(parts, options.minCharCount ?? 1));
  } else {
    const v = buildWordVocabulary(
      parts.flatMap((p) => p.train),
      options.vocabularySize ?? 10_000,
    );
    tokens = v.words;
    oovId = v.ids.get(UNKNOWN_WORD) ?? 0;
  }
  const ids = new Map(tokens.map((t, i) => [t, i]));
  const windows = (which: 'train' | 'test') =>
    sequenceWindows(
      parts.map((p) => encodeWith(p[which], ids, oovId)),
      tokens.length,
      options,
    );
  const train = windows('train');
  const test = windows('test');
  return {
    level,
    tokens,
    oovId,
    keys,
    train: train.dataset,
    trainClient: train.streamOf,
    test: test.dataset,
    testClient: test.streamOf,
  };
}

import { describe, expect, it } from 'vitest';
import { buildCharVocabulary, encodeChars, OOV_CHAR } from './char-vocabulary.js';
import { exampleLabels } from './dataset.js';
import { partitionNatural } from './partition/natural.js';
import { sequenceWindowCount, sequenceWindows } from './sequence-windows.js';
import { buildTextFederation } from './text-federation.js';
import { topKCorrect } from './top-k.js';
import { buildWordVocabulary, decodeWords, encodeWords, tokenizeWords, UNKNOWN_WORD } from './word-vocabulary.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

describe('char vocabulary OOV rule', () => {
  it('maps unseen and rare characters to U+FFFD', () => {
    const v = buildCharVocabulary('aaabbc', { oov: true, minCount: 2 });
    expect(v.chars).toEqual(['a', 'b', OOV_CHAR]);
    expect(v.oovId).toBe(2);
    expect([...encodeChars('abcz', v)]).toEqual([0, 1, 2, 2]);
  });

  it('keeps the strict rule without oov and validates minCount', () => {
    expect(() => encodeChars('z', buildCharVocabulary('a'))).toThrow(code('INVALID_ARGUMENT'));
    expect(() => buildCharVocabulary('a', { minCount: 2 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => buildCharVocabulary('a', { oov: true, minCount: 0 })).toThrow(code('INVALID_ARGUMENT'));
  });
});

describe('word vocabulary', () => {
  it('tokenizes lower-cased words, keeping inner apostrophes and splitting punctuation', () => {
    expect(tokenizeWords("We don't  stop, U.S.!")).toEqual(['we', "don't", 'stop', ',', 'u', '.', 's', '.', '!']);
  });

  it('keeps the top N by frequency (ties by spelling) after <unk>', () => {
    const v = buildWordVocabulary(tokenizeWords('b a c b a d b'), 2);
    expect(v.words).toEqual([UNKNOWN_WORD, 'b', 'a']);
    expect([...encodeWords(['a', 'c', 'b'], v)]).toEqual([2, 0, 1]);
    expect(decodeWords([1, 0], v)).toEqual(['b', UNKNOWN_WORD]);
    expect(buildWordVocabulary(['x'], 5).size).toBe(2);
    expect(() => buildWordVocabulary(['x'], 0)).toThrow(code('INVALID_ARGUMENT'));
  });
});

describe('sequence windows', () => {
  it('counts windows so that every target appears once with stride T', () => {
    expect(sequenceWindowCount(0, 4, 4)).toBe(0);
    expect(sequenceWindowCount(1, 4, 4)).toBe(0);
    expect(sequenceWindowCount(2, 4, 4)).toBe(1);
    expect(sequenceWindowCount(9, 4, 4)).toBe(2);
    expect(sequenceWindowCount(10, 4, 4)).toBe(3);
    expect(sequenceWindowCount(10, 4, 2)).toBe(4);
  });

  it('shifts targets by one, pads the tail with -1 and never crosses streams', () => {
    const { dataset: d, streamOf } = sequenceWindows([[0, 1, 2, 3, 4, 5], [2, 1]], 6, { sequenceLength: 4 });
    expect(d).toMatchObject({ size: 3, featureShape: [4], labelShape: [4], numClasses: 6 });
    expect([...d.features]).toEqual([0, 1, 2, 3, 4, 0, 0, 0, 2, 0, 0, 0]);
    expect([...exampleLabels(d, 0)]).toEqual([1, 2, 3, 4]);
    expect([...exampleLabels(d, 1)]).toEqual([5, -1, -1, -1]);
    expect([...exampleLabels(d, 2)]).toEqual([1, -1, -1, -1]);
    expect([...streamOf]).toEqual([0, 0, 1]);
  });

  it('overlaps windows with a smaller stride and rejects bad options and tokens', () => {
    const { dataset: d } = sequenceWindows([[0, 1, 2, 3, 4]], 5, { sequenceLength: 2, stride: 1 });
    expect(d.size).toBe(3);
    expect([...d.labels]).toEqual([1, 2, 2, 3, 3, 4]);
    expect(() => sequenceWindows([[0, 1]], 2, { sequenceLength: 2, stride: 3 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => sequenceWindows([[0, 1]], 2, { sequenceLength: 0 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => sequenceWindows([[0, 5, 1]], 2, { sequenceLength: 2 })).toThrow(code('INVALID_ARGUMENT'));
  });
});

describe('text federation', () => {
  const docs = [
    { key: 'Ann', text: 'abababababababababab' },
    { key: 'Bob', text: 'cdcdcdcdcd' },
    { key: 'Ann', text: 'abab!' },
    { key: 'Cy', text: 'xyzxyzxyzx' },
  ];

  it('groups documents by key, holds out each tail and builds the vocabulary from the heads', () => {
    const f = buildTextFederation(docs, { sequenceLength: 4, testFraction: 0.2 });
    expect(f.keys).toEqual(['Ann', 'Bob', 'Cy']);
    // Ann: 20 + 2 + 5 = 27 chars -> head 22, tail 5 ("ab!" lands in the tail with "\n\n").
    expect(f.tokens).not.toContain('!');
    expect(f.tokens).toContain('\n');
    expect(f.tokens[f.oovId]).toBe(OOV_CHAR);
    const oovInTest = [...f.test.labels].filter((y) => y === f.oovId).length;
    expect(oovInTest).toBe(1);
    expect(f.train.labelShape).toEqual([4]);
    expect(f.train.numClasses).toBe(f.tokens.length);
    // Clients in key order, windows contiguous per client.
    expect([...new Set(f.trainClient)]).toEqual([0, 1, 2]);
    expect(partitionNatural(f.trainClient).numClients).toBe(3);
    expect(f.testClient.length).toBe(f.test.size);
  });

  it('takes the first maxClients keys and supports word level with <unk>', () => {
    expect(buildTextFederation(docs, { sequenceLength: 4, maxClients: 2 }).keys).toEqual(['Ann', 'Bob']);
    const w = buildTextFederation(
      [
        { key: 'a', text: 'the cat sat on the mat . the cat ran .' },
        { key: 'b', text: 'a dog sat . the dog ran on the mat .' },
      ],
      { level: 'word', vocabularySize: 3, sequenceLength: 3, testFraction: 0.25 },
    );
    expect(w.tokens).toEqual([UNKNOWN_WORD, 'the', '.', 'cat']);
    expect(w.oovId).toBe(0);
    expect(w.train.numClasses).toBe(4);
  });

  it('rejects bad options and no documents', () => {
    expect(() => buildTextFederation([])).toThrow(code('INVALID_ARGUMENT'));
    expect(() => buildTextFederation(docs, { testFraction: 1 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => buildTextFederation(docs, { maxClients: 0 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => buildTextFederation(docs, { minCharCount: 1.5 })).toThrow(code('INVALID_ARGUMENT'));
  });
});

describe('topKCorrect', () => {
  it('counts labels among the k largest logits and skips ignored rows', () => {
    const logits = [0.1, 0.5, 0.4, 3, 2, 1, 0, 0, 9];
    expect(topKCorrect(logits, [2, 2, -1], 3, 1)).toEqual({ correct: 0, count: 2 });
    expect(topKCorrect(logits, [2, 2, -1], 3, 2)).toEqual({ correct: 1, count: 2 });
    expect(topKCorrect(logits, [2, 2, 0], 3, 3)).toEqual({ correct: 3, count: 3 });
    expect(topKCorrect([1, 1, 1], [2], 3, 1)).toEqual({ correct: 1, count: 1 });
  });

  it('rejects bad shapes, k and labels', () => {
    expect(() => topKCorrect([1, 2], [0], 3, 1)).toThrow(code('SHAPE_MISMATCH'));
    expect(() => topKCorrect([1, 2, 3], [0], 3, 0)).toThrow(code('INVALID_ARGUMENT'));
    expect(() => topKCorrect([1, 2, 3], [3], 3, 1)).toThrow(code('INVALID_ARGUMENT'));
  });
});

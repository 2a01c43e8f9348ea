import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildCharTextDataset, charTextExample, charTextToDataset } from './char-text-dataset.js';
import { buildCharVocabulary, charVocabulary, decodeChars, encodeChars } from './char-vocabulary.js';

const code = (c: string) => expect.objectContaining({ code: c }) as unknown;

describe('char vocabulary', () => {
  it('sorts code points and treats surrogate pairs as one character', () => {
    const v = buildCharVocabulary('ba😀a');
    expect(v.chars).toEqual(['a', 'b', '😀']);
    expect([...encodeChars('😀ab', v)]).toEqual([2, 0, 1]);
  });

  it('round-trips any text over its own vocabulary', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 50 }), (text) => {
        const v = buildCharVocabulary(text);
        expect(decodeChars(encodeChars(text, v), v)).toBe(text);
      }),
    );
  });

  it('rejects unknown characters, ids and multi-character entries', () => {
    const v = buildCharVocabulary('abc');
    expect(() => encodeChars('abd', v)).toThrow(code('INVALID_ARGUMENT'));
    expect(() => decodeChars([3], v)).toThrow(code('INVALID_ARGUMENT'));
    expect(() => charVocabulary(['ab'])).toThrow(code('INVALID_ARGUMENT'));
    expect(() => charVocabulary([''])).toThrow(code('INVALID_ARGUMENT'));
  });
});

describe('buildCharTextDataset', () => {
  it('windows of length L predict the next character', () => {
    const d = buildCharTextDataset('hello', { sequenceLength: 2 });
    expect(d.size).toBe(3);
    const decode = (i: number) => {
      const { input, target } = charTextExample(d, i);
      return [decodeChars(input, d.vocabulary), decodeChars([target], d.vocabulary)];
    };
    expect([0, 1, 2].map(decode)).toEqual([
      ['he', 'l'],
      ['el', 'l'],
      ['ll', 'o'],
    ]);
    expect(() => charTextExample(d, 3)).toThrow(code('INVALID_ARGUMENT'));
  });

  it('honours stride and counts windows exactly', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 0, maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        (text, L, stride) => {
          const d = buildCharTextDataset(text, { sequenceLength: L, stride });
          const n = d.tokens.length;
          let expected = 0;
          for (let s = 0; s + L < n; s += stride) expected++;
          expect(d.size).toBe(expected);
          for (let i = 0; i < d.size; i++) {
            expect(d.labels[i]).toBe(d.tokens[i * stride + L]);
          }
        },
      ),
    );
  });

  it('keeps memory O(corpus): windows are views', () => {
    const d = buildCharTextDataset('abcdefgh', { sequenceLength: 4 });
    expect(charTextExample(d, 2).input.buffer).toBe(d.tokens.buffer);
  });

  it('reuses a given vocabulary and rejects bad lengths', () => {
    const vocabulary = buildCharVocabulary('abcdefgh');
    const d = buildCharTextDataset('hg', { sequenceLength: 1, vocabulary });
    expect([...d.tokens]).toEqual([7, 6]);
    expect(() => buildCharTextDataset('abc', { sequenceLength: 0 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => buildCharTextDataset('abc', { sequenceLength: 1, stride: 1.5 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => buildCharTextDataset('xyz', { sequenceLength: 1, vocabulary })).toThrow(code('INVALID_ARGUMENT'));
  });

  it('materializes into a Dataset of token ids', () => {
    const d = charTextToDataset(buildCharTextDataset('abcab', { sequenceLength: 3 }));
    expect(d).toMatchObject({ size: 2, featureShape: [3], numClasses: 3 });
    expect([...d.features]).toEqual([0, 1, 2, 1, 2, 0]);
    expect([...d.labels]).toEqual([0, 1]);
  });
});

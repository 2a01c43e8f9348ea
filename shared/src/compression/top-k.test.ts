import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIndices, encodeIndices } from './index-coding.js';
import { topKIndices } from './top-k.js';

describe('topKIndices', () => {
  it('matches a sort-based reference, ties to the lowest index', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -8, max: 8 }), { maxLength: 80 }),
        fc.nat(90),
        (values, k) => {
          const data = Float32Array.from(values.map((x) => Math.round(x * 2) / 2)); // many ties
          const expected = [...data.keys()]
            .sort((a, b) => Math.abs(data[b]!) - Math.abs(data[a]!) || a - b)
            .slice(0, k)
            .sort((a, b) => a - b);
          expect([...topKIndices(data, k)]).toEqual(expected);
        },
      ),
      { seed: 51, numRuns: 500 },
    );
  });
});

describe('index coding', () => {
  it('round-trips strictly increasing indices and rejects bad input', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(2 ** 32 - 1), { maxLength: 50 }), (list) => {
        const indices = Uint32Array.from(list.sort((a, b) => a - b));
        const limit = (indices.at(-1) ?? 0) + 1;
        expect(decodeIndices(encodeIndices(indices), indices.length, limit)).toEqual(indices);
      }),
      { seed: 52, numRuns: 300 },
    );
    expect(() => encodeIndices(Uint32Array.from([3, 3]))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    const bytes = encodeIndices(Uint32Array.from([0, 5, 300]));
    expect(bytes.length).toBe(4);
    for (const [count, limit, b] of [
      [3, 300, bytes],
      [4, 301, bytes],
      [2, 301, bytes],
      [1, 10, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])],
    ] as const) {
      expect(() => decodeIndices(b, count, limit)).toThrow(
        expect.objectContaining({ code: 'CORRUPT_PAYLOAD' }),
      );
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdgefedError } from '../errors.js';
import { bytesOf, expectSameMap, tensorMapArb } from './arbitraries.test.js';
import { decodeTensorMap } from './codec-decode.js';
import { encodeTensorMap } from './codec-encode.js';
import { CODEC_ERROR_CODES } from './codec-format.js';

const allowed: readonly string[] = CODEC_ERROR_CODES;

/** Runs `fn`, which must throw an EdgefedError with a documented codec code; returns the code. */
function codecErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EdgefedError);
    expect(allowed).toContain((e as EdgefedError).code);
    return (e as EdgefedError).code;
  }
  throw new Error('expected the decoder to reject the input');
}

describe('codec properties', () => {
  it('round-trips any map bit-exactly, zero-copy at an aligned offset and copied otherwise', () => {
    fc.assert(
      fc.property(tensorMapArb(), fc.nat(9), (map, shift) => {
        const bytes = encodeTensorMap(map);
        expectSameMap(decodeTensorMap(bytes), map);
        const moved = new Uint8Array(bytes.length + shift);
        moved.set(bytes, shift);
        const decoded = decodeTensorMap(moved.subarray(shift));
        expectSameMap(decoded, map);
        for (const t of decoded.values()) {
          if (t.data.length > 0 && shift % t.data.BYTES_PER_ELEMENT === 0)
            expect(t.data.buffer).toBe(moved.buffer);
        }
        expectSameMap(decodeTensorMap(bytes, { copy: true }), map);
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('is deterministic: equal maps encode to equal bytes', () => {
    fc.assert(
      fc.property(tensorMapArb(), (map) => {
        expect(encodeTensorMap(decodeTensorMap(encodeTensorMap(map)))).toEqual(encodeTensorMap(map));
      }),
      { seed: 2, numRuns: 100 },
    );
  });

  it('rejects any single corrupted byte with a documented code', () => {
    fc.assert(
      fc.property(tensorMapArb(4), fc.nat(), fc.integer({ min: 1, max: 255 }), (map, pos, mask) => {
        const bytes = encodeTensorMap(map);
        const at = pos % bytes.length;
        bytes[at] = (bytes[at] as number) ^ mask;
        codecErrorOf(() => decodeTensorMap(bytes));
      }),
      { seed: 3, numRuns: 1000 },
    );
  });

  it('rejects any truncation and any trailing bytes', () => {
    fc.assert(
      fc.property(tensorMapArb(4), fc.nat(), fc.integer({ min: 1, max: 40 }), (map, cut, extra) => {
        const bytes = encodeTensorMap(map);
        const code = codecErrorOf(() => decodeTensorMap(bytes.subarray(0, cut % bytes.length)));
        expect(['TRUNCATED_PAYLOAD']).toContain(code);
        const longer = new Uint8Array(bytes.length + extra);
        longer.set(bytes);
        expect(codecErrorOf(() => decodeTensorMap(longer))).toBe('CORRUPT_PAYLOAD');
      }),
      { seed: 4, numRuns: 500 },
    );
  });

  it('without verification, a corrupted byte never crashes the decoder or breaks the layout', () => {
    fc.assert(
      fc.property(tensorMapArb(4), fc.nat(), fc.integer({ min: 1, max: 255 }), (map, pos, mask) => {
        const bytes = encodeTensorMap(map);
        const at = pos % bytes.length;
        bytes[at] = (bytes[at] as number) ^ mask;
        let decoded;
        try {
          decoded = decodeTensorMap(bytes, { verify: false });
        } catch (e) {
          expect(allowed).toContain((e as EdgefedError).code);
          return;
        }
        // Accepted: then only data bytes changed, and re-encoding gives the same bytes back.
        expect(bytesOf(encodeTensorMap(decoded)).subarray(32)).toEqual(bytes.subarray(32));
      }),
      { seed: 5, numRuns: 1000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cCombine, crc32cUpdate } from './crc32c.js';

/** Bit-at-a-time reference implementation, straight from the definition. */
function reference(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('matches the published check value and the RFC 3720 vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('matches the bitwise reference at every length and alignment, and chains', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(7), fc.nat(200), (data, shift, cut) => {
        const buf = new Uint8Array(data.length + shift);
        buf.set(data, shift);
        const view = buf.subarray(shift);
        expect(crc32c(view)).toBe(reference(data));
        const at = Math.min(cut, data.length);
        expect(crc32cUpdate(crc32cUpdate(0, view.subarray(0, at)), view.subarray(at))).toBe(reference(data));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('combines the CRCs of two parts into the CRC of their concatenation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        const joined = new Uint8Array(a.length + b.length);
        joined.set(a);
        joined.set(b, a.length);
        expect(crc32cCombine(crc32c(a), crc32c(b), b.length)).toBe(crc32c(joined));
      }),
      { seed: 43, numRuns: 300 },
    );
    // Large lengths: 3 MiB of zeros appended, checked against the direct CRC.
    const zeros = new Uint8Array(3 << 20);
    const head = new TextEncoder().encode('head');
    const all = new Uint8Array(head.length + zeros.length);
    all.set(head);
    expect(crc32cCombine(crc32c(head), crc32c(zeros), zeros.length)).toBe(crc32c(all));
  });
});

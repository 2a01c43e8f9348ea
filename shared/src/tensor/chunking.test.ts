import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EdgefedError } from '../errors.js';
import { assembleChunks, ChunkAssembler } from './chunk-assembler.js';
import { parsePayloadChunk } from './chunk-schema.js';
import { splitIntoChunks, type PayloadChunk } from './chunking.js';
import { crc32c } from './crc32c.js';

const code = (c: string): EdgefedError => expect.objectContaining({ code: c }) as EdgefedError;
const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);

describe('splitIntoChunks + ChunkAssembler', () => {
  it('reassembles any payload from its chunks in any order', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.nat(),
        (payload, max, seed) => {
          const chunks = splitIntoChunks(payload, { maxChunkBytes: max, payloadId: 'p' });
          expect(chunks.length).toBe(Math.max(1, Math.ceil(payload.length / max)));
          // Seeded shuffle (Fisher-Yates with an LCG).
          let s = seed;
          const order = [...chunks];
          for (let i = order.length - 1; i > 0; i--) {
            s = (s * 1103515245 + 12345) >>> 0;
            const j = s % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const asm = new ChunkAssembler({ maxPayloadBytes: 300 });
          order.forEach((c, k) => {
            expect(asm.add(c)).toBe(k === order.length - 1);
          });
          expect(asm.assemble()).toEqual(payload);
        },
      ),
      { seed: 31, numRuns: 300 },
    );
  });

  it('reports received and missing indices for resuming, and MISSING_CHUNK until complete', () => {
    const chunks = splitIntoChunks(bytes(100), { maxChunkBytes: 30, payloadId: 'up-1' });
    const asm = new ChunkAssembler({ maxPayloadBytes: 1000, payloadId: 'up-1' });
    expect(asm.missingIndices()).toEqual([]);
    expect(() => asm.assemble()).toThrow(code('MISSING_CHUNK'));
    asm.add(chunks[2]!);
    asm.add(chunks[0]!);
    expect(asm.receivedIndices()).toEqual([0, 2]);
    expect(asm.missingIndices()).toEqual([1, 3]);
    expect(asm.has(2) && !asm.has(1)).toBe(true);
    expect(() => asm.assemble()).toThrow(code('MISSING_CHUNK'));
    // Resume: send only what is missing.
    for (const i of asm.missingIndices()) asm.add(chunks[i]!);
    expect(asm.isComplete).toBe(true);
    expect(asm.assemble()).toEqual(bytes(100));
    expect(() => assembleChunks(chunks.slice(1), { maxPayloadBytes: 1000 })).toThrow(code('MISSING_CHUNK'));
  });

  it('handles an empty payload as one empty chunk', () => {
    const chunks = splitIntoChunks(new Uint8Array(0), { maxChunkBytes: 8, payloadId: 'e' });
    expect(chunks).toHaveLength(1);
    expect(assembleChunks(chunks, { maxPayloadBytes: 0 })).toEqual(new Uint8Array(0));
  });

  it('rejects duplicates, oversize, inconsistent and corrupted chunks without keeping them', () => {
    const chunks = splitIntoChunks(bytes(100), { maxChunkBytes: 30, payloadId: 'p' });
    const c0 = chunks[0]!;
    const asm = new ChunkAssembler({ maxPayloadBytes: 1000 });
    asm.add(c0);
    expect(() => asm.add(c0)).toThrow(code('DUPLICATE_CHUNK'));
    const c1 = chunks[1]!;
    const bad: [string, PayloadChunk][] = [
      ['count', { ...c1, count: 5 }],
      ['index', { ...c1, index: 4 }],
      ['length', { ...c1, data: c1.data.subarray(1) }],
      ['total', { ...c1, totalBytes: 95 }],
      ['payload crc', { ...c1, payloadCrc32c: (c1.payloadCrc32c + 1) >>> 0 }],
      ['id', { ...c1, payloadId: 'q' }],
      ['not integer', { ...c1, index: 1.5 }],
      ['no bytes', { ...c1, data: [1, 2] as unknown as Uint8Array }],
    ];
    for (const [what, chunk] of bad) {
      expect(() => asm.add(chunk), what).toThrow(code('CORRUPT_PAYLOAD'));
    }
    const flipped = c1.data.slice();
    flipped[3] = flipped[3]! ^ 0x10;
    expect(() => asm.add({ ...c1, data: flipped })).toThrow(code('CHECKSUM_MISMATCH'));
    expect(asm.receivedIndices()).toEqual([0]);
    asm.add(c1);
    expect(asm.receivedIndices()).toEqual([0, 1]);

    const small = new ChunkAssembler({ maxPayloadBytes: 99 });
    expect(() => small.add(c0)).toThrow(code('PAYLOAD_TOO_LARGE'));
    expect(small.allocatedBytes).toBe(0);
    expect(asm.allocatedBytes).toBe(c0.totalBytes);
    // A consistent record announcing 1 PiB is refused before anything is allocated.
    const giant = { ...c0, totalBytes: 2 ** 50, count: Math.ceil(2 ** 50 / 30) };
    expect(() => new ChunkAssembler({ maxPayloadBytes: 1 << 20 }).add(giant)).toThrow(
      code('PAYLOAD_TOO_LARGE'),
    );
    expect(() => new ChunkAssembler({ maxPayloadBytes: -1 })).toThrow(code('INVALID_ARGUMENT'));
    expect(() => splitIntoChunks(bytes(3), { maxChunkBytes: 0, payloadId: 'p' })).toThrow(
      code('INVALID_ARGUMENT'),
    );
    expect(() => splitIntoChunks(bytes(3), { maxChunkBytes: 2, payloadId: '' })).toThrow(
      code('INVALID_ARGUMENT'),
    );
  });

  it('detects chunks of two different payloads that share an id, at assembly', () => {
    const a = splitIntoChunks(bytes(60), { maxChunkBytes: 30, payloadId: 'same' });
    const b = splitIntoChunks(
      bytes(60).map((x) => x ^ 1),
      { maxChunkBytes: 30, payloadId: 'same' },
    );
    const asm = new ChunkAssembler({ maxPayloadBytes: 100 });
    asm.add(a[0]!);
    // Forge b's second chunk to claim a's payload checksum: each chunk is valid alone.
    asm.add({ ...b[1]!, payloadCrc32c: a[0]!.payloadCrc32c });
    expect(() => asm.assemble()).toThrow(code('CHECKSUM_MISMATCH'));
  });
});

describe('parsePayloadChunk', () => {
  it('accepts a chunk record with Uint8Array or ArrayBuffer data and rejects malformed ones', () => {
    const [c] = splitIntoChunks(bytes(10), { maxChunkBytes: 16, payloadId: 'x' });
    expect(parsePayloadChunk(c).data).toEqual(bytes(10));
    const fromBuffer = parsePayloadChunk({ ...c, data: bytes(10).buffer });
    expect(crc32c(fromBuffer.data)).toBe(c!.crc32c);
    expect(() => parsePayloadChunk({ ...c, index: -1 })).toThrow(code('INVALID_MESSAGE'));
    expect(() => parsePayloadChunk({ ...c, data: 'AAAA' })).toThrow(code('INVALID_MESSAGE'));
    expect(() => parsePayloadChunk(null)).toThrow(code('INVALID_MESSAGE'));
  });
});

/**
 * zod schemas for chunk records as they arrive from a peer, and a parser that turns any
 * received value into a {@link PayloadChunk} or an `INVALID_MESSAGE` error. Consistency
 * between chunks (counts, sizes, checksums) is the assembler's job, not the schema's.
 */
import { z } from 'zod';
import { EdgefedError } from '../errors.js';
import { MAX_PAYLOAD_ID_LENGTH, type PayloadChunk } from './chunking.js';

const u32 = z.number().int().min(0).max(0xffffffff);
const size = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Schema of a chunk's metadata (a {@link ChunkMeta}). */
export const chunkMetaSchema = z.object({
  payloadId: z.string().min(1).max(MAX_PAYLOAD_ID_LENGTH),
  index: size,
  count: size.min(1),
  chunkBytes: size.min(1),
  totalBytes: size,
  payloadCrc32c: u32,
  crc32c: u32,
});

/** Schema of a whole chunk; `data` may arrive as a Uint8Array (e.g. a Node Buffer) or an ArrayBuffer. */
export const payloadChunkSchema = chunkMetaSchema.extend({
  data: z.union([
    z.instanceof(Uint8Array),
    z.instanceof(ArrayBuffer).transform((buffer) => new Uint8Array(buffer)),
  ]),
});

/**
 * Validates a received value as a chunk record; extra fields are dropped. Throws
 * `INVALID_MESSAGE` (details: the zod issues) when it does not match the schema.
 */
export function parsePayloadChunk(value: unknown): PayloadChunk {
  const result = payloadChunkSchema.safeParse(value);
  if (!result.success) {
    throw new EdgefedError('INVALID_MESSAGE', 'Malformed chunk record', {
      details: { issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return result.data;
}

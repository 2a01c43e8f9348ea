/**
 * Splitting a payload (usually an encoded TensorMap) into chunks for transports with a
 * message size limit. Each chunk is a plain, wire-ready record carrying enough metadata
 * to place it, check it alone (per-chunk CRC32C) and check the reassembled whole.
 */
import { EdgefedError } from '../errors.js';
import { crc32c, crc32cCombine } from './crc32c.js';

/** Metadata of one chunk (everything but the bytes). */
export interface ChunkMeta {
  /** Identifies the payload this chunk belongs to (1 to 256 characters). */
  readonly payloadId: string;
  /** Position of this chunk, 0-based, < `count`. */
  readonly index: number;
  /** Number of chunks of the payload: max(1, ceil(totalBytes / chunkBytes)). */
  readonly count: number;
  /** Size of every chunk but the last; the last holds the rest (1..chunkBytes, or 0 if empty). */
  readonly chunkBytes: number;
  /** Size of the whole payload. */
  readonly totalBytes: number;
  /** CRC32C of the whole payload. */
  readonly payloadCrc32c: number;
  /** CRC32C of this chunk's `data`. */
  readonly crc32c: number;
}

/** One chunk as it travels: metadata plus the bytes. */
export interface PayloadChunk extends ChunkMeta {
  readonly data: Uint8Array;
}

/** Options for {@link splitIntoChunks}. */
export interface SplitOptions {
  /** Largest chunk `data`, in bytes (a positive integer). */
  readonly maxChunkBytes: number;
  /** Identifies the payload (1 to 256 characters); every chunk carries it. */
  readonly payloadId: string;
}

/** Longest accepted payload id. */
export const MAX_PAYLOAD_ID_LENGTH = 256;

/** Number of chunks a payload of `totalBytes` splits into at `chunkBytes` each (at least 1). */
export function chunkCount(totalBytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(totalBytes / chunkBytes));
}

/**
 * Splits `payload` into chunks of at most `maxChunkBytes`, in order. Chunk `data` are
 * views (subarrays) of `payload`, not copies: do not change `payload` while they are in
 * use. An empty payload gives one empty chunk. Throws `INVALID_ARGUMENT` for a
 * non-Uint8Array payload, a non-positive or fractional `maxChunkBytes`, or a bad id.
 */
export function splitIntoChunks(payload: Uint8Array, options: SplitOptions): PayloadChunk[] {
  const { maxChunkBytes: size, payloadId } = options;
  if (!(payload instanceof Uint8Array)) {
    throw new EdgefedError('INVALID_ARGUMENT', 'splitIntoChunks needs a Uint8Array payload');
  }
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new EdgefedError('INVALID_ARGUMENT', `maxChunkBytes must be a positive integer, got ${size}`);
  }
  if (typeof payloadId !== 'string' || payloadId.length < 1 || payloadId.length > MAX_PAYLOAD_ID_LENGTH) {
    throw new EdgefedError(
      'INVALID_ARGUMENT',
      `payloadId must have 1 to ${MAX_PAYLOAD_ID_LENGTH} characters`,
    );
  }
  const count = chunkCount(payload.length, size);
  const parts: { data: Uint8Array; crc: number }[] = [];
  let payloadCrc32c = 0;
  for (let index = 0; index < count; index++) {
    const data = payload.subarray(index * size, Math.min(payload.length, (index + 1) * size));
    const crc = crc32c(data);
    payloadCrc32c = crc32cCombine(payloadCrc32c, crc, data.length); // one pass over the bytes
    parts.push({ data, crc });
  }
  return parts.map(({ data, crc }, index) => ({
    payloadId,
    index,
    count,
    chunkBytes: size,
    totalBytes: payload.length,
    payloadCrc32c,
    crc32c: crc,
    data,
  }));
}

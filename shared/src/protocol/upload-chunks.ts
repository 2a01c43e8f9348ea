/**
 * The mapping between payload chunks (tensor/chunking.ts) and `upload-chunk` messages, and
 * the `crc32c:xxxxxxxx` checksum strings they carry: one place for both directions, so the
 * participant's uploader and the coordinator's task gateway cannot drift apart.
 */
import { EdgefedError } from '../errors.js';
import type { PayloadChunk } from '../tensor/chunking.js';
import type { UploadChunkInput, UploadChunkMessage } from './client-messages.js';

/** Formats a CRC32C value as `crc32c:xxxxxxxx` (8 lowercase hex digits). */
export function formatCrc32c(value: number): string {
  return `crc32c:${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/** Parses `crc32c:xxxxxxxx`; any other algorithm or form throws `INVALID_MESSAGE`. */
export function parseCrc32c(checksum: string): number {
  const m = /^crc32c:([0-9a-f]{8})$/.exec(checksum);
  if (m?.[1] === undefined)
    throw new EdgefedError('INVALID_MESSAGE', `Expected a crc32c checksum, got "${checksum}"`);
  return Number.parseInt(m[1], 16);
}

/** The `upload-chunk` message that carries `chunk` for task `taskId`. */
export function chunkToMessage(taskId: string, chunk: PayloadChunk): UploadChunkInput {
  return {
    type: 'upload-chunk',
    taskId,
    payloadId: chunk.payloadId,
    index: chunk.index,
    count: chunk.count,
    chunkBytes: chunk.chunkBytes,
    totalBytes: chunk.totalBytes,
    checksum: formatCrc32c(chunk.crc32c),
    payloadChecksum: formatCrc32c(chunk.payloadCrc32c),
    data: chunk.data,
  };
}

/**
 * The chunk an `upload-chunk` message carries (its data not copied).
 * @throws EdgefedError `INVALID_MESSAGE` for a checksum that is not `crc32c:` + 8 hex digits.
 */
export function messageToChunk(message: UploadChunkMessage): PayloadChunk {
  return {
    payloadId: message.payloadId,
    index: message.index,
    count: message.count,
    chunkBytes: message.chunkBytes,
    totalBytes: message.totalBytes,
    crc32c: parseCrc32c(message.checksum),
    payloadCrc32c: parseCrc32c(message.payloadChecksum),
    data: message.data,
  };
}

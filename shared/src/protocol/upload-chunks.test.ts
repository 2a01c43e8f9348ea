/**
 * Chunks and `upload-chunk` messages map onto each other losslessly, through the schema.
 */
import { describe, expect, it } from 'vitest';
import { splitIntoChunks } from '../tensor/chunking.js';
import { uploadChunkSchema } from './client-messages.js';
import { chunkToMessage, formatCrc32c, messageToChunk, parseCrc32c } from './upload-chunks.js';

describe('upload chunks', () => {
  it('round-trips every chunk of a payload through a validated message', () => {
    const payload = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
    for (const chunk of splitIntoChunks(payload, { maxChunkBytes: 300, payloadId: 'p-1' })) {
      const message = uploadChunkSchema.parse(chunkToMessage('task-1', chunk));
      expect(message.taskId).toBe('task-1');
      expect(messageToChunk(message)).toEqual(chunk);
    }
  });

  it('formats and parses crc32c strings, refusing anything else', () => {
    expect(formatCrc32c(0x1a2b)).toBe('crc32c:00001a2b');
    expect(formatCrc32c(-1)).toBe('crc32c:ffffffff');
    expect(parseCrc32c('crc32c:ffffffff')).toBe(0xffffffff);
    for (const bad of ['sha256:00000000', 'crc32c:1234', 'crc32c:ABCDEF12'])
      expect(() => parseCrc32c(bad)).toThrow(expect.objectContaining({ code: 'INVALID_MESSAGE' }));
  });
});

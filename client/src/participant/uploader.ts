/**
 * Uploads an encoded update as acknowledged `upload-chunk` messages. Survives disconnects:
 * when the connection drops mid-upload it waits for the connection to come back (resumed
 * identity) and sends only the chunks that were not acknowledged; a chunk the coordinator
 * already holds (`DUPLICATE_CHUNK`) counts as delivered. A message refused with
 * `RATE_LIMITED` is sent again after the coordinator's `retryAfterMs`.
 */
import {
  chunkToMessage,
  EdgefedError,
  formatCrc32c,
  isEdgefedError,
  splitIntoChunks,
  type PayloadChunk,
} from '@edgefed/shared';
import type { Connection, SendableMessage } from './connection-types.js';

/** Longest wait honoured from a RATE_LIMITED `retryAfterMs`. */
const MAX_RETRY_AFTER_MS = 5_000;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new EdgefedError('CANCELLED', 'Aborted while rate limited'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Sends `message`; when the coordinator answers `RATE_LIMITED`, waits its `retryAfterMs`
 * (1 ms to 5 s) and sends again, until accepted, refused otherwise, or `signal` aborts
 * (`CANCELLED`). Other errors are thrown as they come.
 */
export async function sendRespectingRateLimit(
  connection: Connection,
  message: SendableMessage,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    try {
      await connection.send(message);
      return;
    } catch (err) {
      if (!isEdgefedError(err, 'RATE_LIMITED')) throw err;
      const after = Number(err.details?.retryAfterMs ?? 100);
      await pause(Math.min(MAX_RETRY_AFTER_MS, Math.max(1, Number.isFinite(after) ? after : 100)), signal);
    }
  }
}

/** Options of {@link uploadPayload}. */
export interface UploadOptions {
  readonly connection: Connection;
  readonly taskId: string;
  readonly payloadId: string;
  readonly payload: Uint8Array;
  readonly maxChunkBytes: number;
  readonly signal: AbortSignal;
  /** Called after each acknowledged chunk. */
  readonly onChunk?: (sentBytes: number, totalBytes: number) => void;
}

/** What was uploaded: chunk count and the whole payload's checksum for the result. */
export interface UploadSummary {
  readonly chunkCount: number;
  readonly checksum: string;
  readonly byteLength: number;
}

function waitForReconnect(connection: Connection, signal: AbortSignal): Promise<void> {
  if (connection.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const subs = [
      connection.on('resumed', () => {
        done();
        resolve();
      }),
      connection.on('rejoined', () => {
        done();
        reject(new EdgefedError('UNAVAILABLE', 'Reconnected under a new identity: the task is gone'));
      }),
      connection.on('closed', () => {
        done();
        reject(new EdgefedError('UNAVAILABLE', 'Connection closed during upload'));
      }),
    ];
    const onAbort = (): void => {
      done();
      reject(new EdgefedError('CANCELLED', 'Upload aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    function done(): void {
      for (const unsub of subs) unsub();
      signal.removeEventListener('abort', onAbort);
    }
  });
}

async function sendChunk(o: UploadOptions, chunk: PayloadChunk): Promise<void> {
  try {
    await sendRespectingRateLimit(o.connection, chunkToMessage(o.taskId, chunk), o.signal);
  } catch (err) {
    if (isEdgefedError(err, 'DUPLICATE_CHUNK')) return;
    throw err;
  }
}

/** Uploads the payload; see the file comment. Throws the coordinator's rejection, if any. */
export async function uploadPayload(o: UploadOptions): Promise<UploadSummary> {
  const chunks = splitIntoChunks(o.payload, { maxChunkBytes: o.maxChunkBytes, payloadId: o.payloadId });
  let sent = 0;
  for (const chunk of chunks) {
    for (;;) {
      if (o.signal.aborted) throw new EdgefedError('CANCELLED', 'Upload aborted');
      try {
        await sendChunk(o, chunk);
        break;
      } catch (err) {
        if (!isEdgefedError(err, 'UNAVAILABLE') && !isEdgefedError(err, 'TIMEOUT')) throw err;
        await waitForReconnect(o.connection, o.signal);
      }
    }
    sent += chunk.data.byteLength;
    o.onChunk?.(sent, o.payload.byteLength);
  }
  const first = chunks[0];
  return {
    chunkCount: chunks.length,
    checksum: formatCrc32c(first?.payloadCrc32c ?? 0),
    byteLength: o.payload.byteLength,
  };
}

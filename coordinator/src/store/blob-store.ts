/**
 * BlobStore: immutable, content-addressed blobs (model checkpoints). A blob's name is the
 * lower-case hex SHA-256 of its bytes, so one name always means the same bytes and a
 * client may cache a model forever. Implementations: {@link openFsBlobStore} (durable
 * files), `openPgBlobStore` (PostgreSQL, shared by a cluster) and {@link createMemoryBlobStore};
 * all pass `runBlobStoreConformance`. `delete` exists for transient blobs (cluster partial
 * aggregates); checkpoints are never deleted.
 *
 * Errors: a malformed hash or bad range throws `INVALID_ARGUMENT`; a missing blob
 * `NOT_FOUND`; bytes that no longer match their hash `CHECKSUM_MISMATCH`; I/O failures
 * `STORE_ERROR`; calls after `close()` `FAILED_PRECONDITION`.
 */
import type { Readable } from 'node:stream';
import { EdgefedError } from '@edgefed/shared';
import { isSha256Hex, sha256Hex } from './hash.js';

/** What `put` stored. */
export interface BlobInfo {
  /** Lower-case hex SHA-256 of the bytes: the blob's name. */
  readonly hash: string;
  /** Size in bytes. */
  readonly size: number;
  /** False when a blob with this hash already existed (nothing was written). */
  readonly created: boolean;
}

/** Options of `get`. */
export interface GetBlobOptions {
  /** Re-hash the bytes and throw `CHECKSUM_MISMATCH` if they changed. Default true. */
  readonly verify?: boolean;
}

/** A byte range for `createReadStream`; both ends inclusive, like HTTP Range and fs. */
export interface BlobRange {
  /** First byte (default 0). */
  readonly start?: number;
  /** Last byte (default: the last byte of the blob; clamped to it when larger). */
  readonly end?: number;
}

/** A content-addressed blob store; see the file comment for errors. */
export interface BlobStore {
  /**
   * Stores `data` under its SHA-256 and resolves once it is durable (for the file store:
   * fsynced file and directory), so the caller may announce the hash right after.
   * Idempotent: storing existing bytes again writes nothing (`created: false`).
   */
  put(data: Uint8Array): Promise<BlobInfo>;
  /** The blob's bytes (a fresh copy); verified against the hash unless `verify: false`. */
  get(hash: string, options?: GetBlobOptions): Promise<Uint8Array>;
  /** Whether a blob with this hash exists. */
  has(hash: string): Promise<boolean>;
  /** The blob's size in bytes. */
  size(hash: string): Promise<number>;
  /**
   * A stream of the blob's bytes (or a range of them) for HTTP serving. The blob must
   * exist when this resolves; the stream is not verified against the hash (use `get`).
   */
  createReadStream(hash: string, range?: BlobRange): Promise<Readable>;
  /**
   * Removes the blob; resolves true when it existed, false when it did not (idempotent).
   * For blobs whose use is over (a round's partial aggregates), never for a checkpoint a
   * run may still name: the store does not know which hashes are referenced.
   */
  delete(hash: string): Promise<boolean>;
  /** Releases resources. Idempotent. */
  close(): Promise<void>;
}

/** Throws `INVALID_ARGUMENT` unless `hash` is lower-case hex SHA-256 (also blocks path tricks). */
export function checkBlobHash(hash: unknown): string {
  if (!isSha256Hex(hash)) {
    throw new EdgefedError('INVALID_ARGUMENT', 'A blob hash must be 64 lower-case hex characters', {
      details: { hash: typeof hash === 'string' ? hash.slice(0, 80) : typeof hash },
    });
  }
  return hash;
}

/** Throws `INVALID_ARGUMENT` unless `data` is a Uint8Array (a Buffer is one). */
export function checkBlobData(data: unknown): Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw new EdgefedError('INVALID_ARGUMENT', 'Blob data must be a Uint8Array');
  }
  return data;
}

/** Validates a range: non-negative integers with start <= end. Returns inclusive bounds. */
export function checkBlobRange(range: BlobRange | undefined): { start: number; end: number | undefined } {
  const start = range?.start ?? 0;
  const end = range?.end;
  const ok = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;
  if (!ok(start) || (end !== undefined && (!ok(end) || end < start))) {
    throw new EdgefedError('INVALID_ARGUMENT', 'A blob range needs integers 0 <= start <= end', {
      details: { start, end: end ?? null },
    });
  }
  return { start, end };
}

/** Throws `CHECKSUM_MISMATCH` unless `data` hashes to `hash`. */
export function verifyBlob(hash: string, data: Uint8Array): void {
  const actual = sha256Hex(data);
  if (actual !== hash) {
    throw new EdgefedError('CHECKSUM_MISMATCH', `Blob ${hash} is corrupt (its bytes hash to ${actual})`, {
      details: { hash, actual },
    });
  }
}

/** The error for a missing blob. */
export function blobNotFound(hash: string): EdgefedError {
  return new EdgefedError('NOT_FOUND', `No blob ${hash}`, { details: { hash } });
}

/** The error for a call after `close()`. */
export function blobStoreClosed(): EdgefedError {
  return new EdgefedError('FAILED_PRECONDITION', 'The blob store is closed');
}

/**
 * The in-memory BlobStore: same contract as the file store, nothing on disk. For tests
 * and simulations. Bytes are copied on `put` and on `get`, so callers cannot change them.
 */
import { Readable } from 'node:stream';
import { toEdgefedError } from '@edgefed/shared';
import {
  blobNotFound,
  blobStoreClosed,
  checkBlobData,
  checkBlobHash,
  checkBlobRange,
  verifyBlob,
  type BlobInfo,
  type BlobRange,
  type BlobStore,
  type GetBlobOptions,
} from './blob-store.js';
import { sha256Hex } from './hash.js';

/** Creates an empty in-memory BlobStore. */
export function createMemoryBlobStore(): BlobStore {
  return new MemoryBlobStore();
}

class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, Uint8Array>();
  #closed = false;

  #settle<T>(fn: () => T): Promise<T> {
    try {
      if (this.#closed) throw blobStoreClosed();
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(toEdgefedError(error, 'STORE_ERROR'));
    }
  }

  #require(hash: string): Uint8Array {
    const data = this.#blobs.get(checkBlobHash(hash));
    if (data === undefined) throw blobNotFound(hash);
    return data;
  }

  put(data: Uint8Array): Promise<BlobInfo> {
    return this.#settle(() => {
      const bytes = checkBlobData(data);
      const hash = sha256Hex(bytes);
      if (this.#blobs.has(hash)) return { hash, size: bytes.byteLength, created: false };
      this.#blobs.set(hash, bytes.slice());
      return { hash, size: bytes.byteLength, created: true };
    });
  }

  get(hash: string, options: GetBlobOptions = {}): Promise<Uint8Array> {
    return this.#settle(() => {
      const data = this.#require(hash);
      if (options.verify ?? true) verifyBlob(hash, data);
      return data.slice();
    });
  }

  has(hash: string): Promise<boolean> {
    return this.#settle(() => this.#blobs.has(checkBlobHash(hash)));
  }

  size(hash: string): Promise<number> {
    return this.#settle(() => this.#require(hash).byteLength);
  }

  createReadStream(hash: string, range?: BlobRange): Promise<Readable> {
    return this.#settle(() => {
      const { start, end } = checkBlobRange(range);
      const data = this.#require(hash);
      const part = data.slice(start, end === undefined ? undefined : end + 1);
      return Readable.from(part.byteLength === 0 ? [] : [Buffer.from(part)], { objectMode: false });
    });
  }

  delete(hash: string): Promise<boolean> {
    return this.#settle(() => this.#blobs.delete(checkBlobHash(hash)));
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#blobs.clear();
    return Promise.resolve();
  }
}

/**
 * The file BlobStore: one file per blob at `<dir>/<first 2 hex>/<hash>`.
 *
 * A put writes a temp file in the blob's own directory, fsyncs it, renames it into place
 * and fsyncs the directory, so when `put` resolves the blob survives a crash or power
 * loss, and a reader never sees a partial file. Temp files left by a crash are removed
 * on open once older than `staleTempMs`. Putting bytes that exist re-reads the stored file
 * and rewrites it if it was damaged, so a put always leaves a correct blob behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { EdgefedError, isEdgefedError } from '@edgefed/shared';
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

/** Options of {@link openFsBlobStore}. */
export interface FsBlobStoreOptions {
  /** The store's directory; created (with parents) if missing. */
  readonly dir: string;
  /** Temp files older than this (ms) are crash leftovers and removed on open. Default 15 min. */
  readonly staleTempMs?: number;
}

const TEMP_PREFIX = '.tmp-';
const SHARD = /^[0-9a-f]{2}$/;

const errno = (error: unknown): string | undefined =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/** fsyncs a directory so a rename or create inside it is durable. */
async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates `path` if missing and fsyncs its parent when it did. */
async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (error) {
    if (errno(error) === 'EEXIST') return;
    if (errno(error) !== 'ENOENT') throw error;
    await mkdir(path, { recursive: true });
  }
  await syncDir(dirname(path));
}

async function sweepTemps(dir: string, staleBefore: number): Promise<void> {
  for (const shard of await readdir(dir)) {
    if (!SHARD.test(shard)) continue;
    for (const name of await readdir(join(dir, shard))) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const path = join(dir, shard, name);
      const info = await stat(path).catch(() => undefined);
      if (info !== undefined && info.mtimeMs < staleBefore) await unlink(path).catch(() => undefined);
    }
  }
}

/**
 * Opens (creating if needed) a file BlobStore under `options.dir`. Throws
 * `INVALID_ARGUMENT` for bad options and `STORE_ERROR` if the directory is unusable.
 */
export async function openFsBlobStore(options: FsBlobStoreOptions): Promise<BlobStore> {
  const staleTempMs = options.staleTempMs ?? 15 * 60_000;
  if (typeof options.dir !== 'string' || options.dir === '') {
    throw new EdgefedError('INVALID_ARGUMENT', 'dir must be a directory path');
  }
  if (!Number.isSafeInteger(staleTempMs) || staleTempMs < 0) {
    throw new EdgefedError('INVALID_ARGUMENT', 'staleTempMs must be a non-negative integer');
  }
  try {
    await ensureDir(options.dir);
    await sweepTemps(options.dir, Date.now() - staleTempMs);
  } catch (error) {
    throw new EdgefedError('STORE_ERROR', `Cannot use blob directory ${options.dir}`, {
      cause: error,
      details: { dir: options.dir },
    });
  }
  return new FsBlobStore(options.dir);
}

class FsBlobStore implements BlobStore {
  readonly #dir: string;
  #closed = false;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Runs `fn` unless closed; ENOENT becomes NOT_FOUND and other I/O errors STORE_ERROR. */
  async #guard<T>(hash: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw blobStoreClosed();
    try {
      return await fn();
    } catch (error) {
      if (isEdgefedError(error)) throw error;
      if (hash !== undefined && errno(error) === 'ENOENT') throw blobNotFound(hash);
      throw new EdgefedError('STORE_ERROR', `Blob store I/O failed: ${String(error)}`, { cause: error });
    }
  }

  #path(hash: string): string {
    return join(this.#dir, hash.slice(0, 2), hash);
  }

  put(data: Uint8Array): Promise<BlobInfo> {
    return this.#guard(undefined, async () => {
      const bytes = checkBlobData(data);
      const hash = sha256Hex(bytes);
      const path = this.#path(hash);
      if (await this.#intact(path, hash, bytes.byteLength))
        return { hash, size: bytes.byteLength, created: false };
      await ensureDir(dirname(path));
      await this.#writeDurably(path, bytes);
      return { hash, size: bytes.byteLength, created: true };
    });
  }

  /** True when a file with the right size and hash is already in place (a damaged one is rewritten). */
  async #intact(path: string, hash: string, size: number): Promise<boolean> {
    const existing = await stat(path).catch(() => undefined);
    if (existing?.size !== size) return false;
    return sha256Hex(await readFile(path)) === hash;
  }

  async #writeDurably(path: string, bytes: Uint8Array): Promise<void> {
    const temp = join(dirname(path), `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncDir(dirname(path));
  }

  get(hash: string, options: GetBlobOptions = {}): Promise<Uint8Array> {
    return this.#guard(hash, async () => {
      const data = new Uint8Array(await readFile(this.#path(checkBlobHash(hash))));
      if (options.verify ?? true) verifyBlob(hash, data);
      return data;
    });
  }

  has(hash: string): Promise<boolean> {
    return this.#guard(hash, async () => {
      const info = await stat(this.#path(checkBlobHash(hash))).catch((error: unknown) => {
        if (errno(error) === 'ENOENT') return undefined;
        throw error;
      });
      return info !== undefined;
    });
  }

  size(hash: string): Promise<number> {
    return this.#guard(hash, async () => (await stat(this.#path(checkBlobHash(hash)))).size);
  }

  createReadStream(hash: string, range?: BlobRange): Promise<Readable> {
    return this.#guard(hash, async () => {
      const { start, end } = checkBlobRange(range);
      const handle = await open(this.#path(checkBlobHash(hash)), 'r');
      return handle.createReadStream(end === undefined ? { start } : { start, end });
    });
  }

  delete(hash: string): Promise<boolean> {
    return this.#guard(hash, async () => {
      const path = this.#path(checkBlobHash(hash));
      try {
        await unlink(path);
      } catch (error) {
        if (errno(error) === 'ENOENT') return false;
        throw error;
      }
      await syncDir(dirname(path));
      return true;
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

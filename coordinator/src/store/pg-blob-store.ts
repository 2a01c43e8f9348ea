/**
 * The PostgreSQL BlobStore: content-addressed blobs in one `blobs` table (BYTEA keyed by
 * the SHA-256 hex), so every coordinator node on the database sees every model version.
 *
 * - `put` is one `INSERT ... ON CONFLICT` statement: concurrent puts of the same bytes (from
 *   any number of nodes) store it once; a stored copy whose bytes no longer hash to its
 *   name is replaced (and the put reports `created: true`, as the file store does). The
 *   blob is committed when `put` resolves.
 * - Reads go in chunks of `chunkBytes` (`substring()`, sent as base64): one multi-MiB row
 *   through node-postgres is several times slower than 1 MiB pieces (measured: 4 MiB in
 *   0.4-0.9 s as one hex row, 0.07-0.17 s as base64 chunks).
 * - `get` reads the whole blob and verifies it against the hash (unless told not to).
 * - `createReadStream` serves HTTP Range requests: it checks that the blob exists, then
 *   streams the range chunk by chunk, so memory stays O(chunk) for any model size. The column is stored uncompressed (`STORAGE EXTERNAL`:
 *   model weights do not compress), which lets PostgreSQL fetch only the chunks a range
 *   touches.
 */
import { Readable } from 'node:stream';
import { EdgefedError } from '@edgefed/shared';
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
import { openPool, pgError, query, schemaName, type PgConnectionOptions } from './pg-connection.js';
import { migratePg } from './pg-migrations.js';
import type { PgMigration } from './pg-schema.js';

/** Options of {@link openPgBlobStore}. */
export interface PgBlobStoreOptions extends PgConnectionOptions {
  /** Bytes fetched per query when streaming (default 1 MiB). */
  readonly chunkBytes?: number;
}

/** The blob store's schema, as forward-only migrations (component `blobs`). */
export const PG_BLOB_STORE_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'content-addressed blobs (BYTEA, stored uncompressed for range reads)',
    sql: (s) => `CREATE TABLE ${s}.blobs (
  hash TEXT COLLATE "C" PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
  size BIGINT NOT NULL,
  data BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
ALTER TABLE ${s}.blobs ALTER COLUMN data SET STORAGE EXTERNAL;`,
  },
];

/**
 * Opens a PostgreSQL BlobStore, creating its table as needed. `INVALID_ARGUMENT` for bad
 * options; `STORE_ERROR` when the database cannot be reached or is newer than this code.
 */
export async function openPgBlobStore(options: PgBlobStoreOptions): Promise<BlobStore> {
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
    throw new EdgefedError('INVALID_ARGUMENT', 'chunkBytes must be a positive integer');
  }
  const schema = schemaName(options.schema);
  const { pool, owned } = openPool(options);
  try {
    await migratePg(pool, {
      schema,
      component: 'blobs',
      migrations: PG_BLOB_STORE_MIGRATIONS,
      now: Date.now,
    });
  } catch (error) {
    if (owned) await pool.end().catch(() => undefined);
    throw error;
  }
  return new PgBlobStore({ pool, owned, table: `${schema}.blobs`, chunkBytes });
}

interface Settings {
  readonly pool: ReturnType<typeof openPool>['pool'];
  readonly owned: boolean;
  /** The qualified table name. */
  readonly table: string;
  readonly chunkBytes: number;
}

class PgBlobStore implements BlobStore {
  readonly #s: Settings;
  #closed = false;

  constructor(settings: Settings) {
    this.#s = settings;
  }

  /** Runs `fn` unless closed; foreign errors become EdgefedErrors (STORE_ERROR mostly). */
  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw blobStoreClosed();
    try {
      return await fn();
    } catch (error) {
      throw pgError(error, 'Blob store failed');
    }
  }

  put(data: Uint8Array): Promise<BlobInfo> {
    return this.#guard(async () => {
      const bytes = checkBlobData(data);
      const hash = sha256Hex(bytes);
      const rows = await query(
        this.#s.pool,
        `INSERT INTO ${this.#s.table} (hash, size, data, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (hash) DO UPDATE SET size = EXCLUDED.size, data = EXCLUDED.data
         WHERE encode(sha256(${this.#s.table}.data), 'hex') <> ${this.#s.table}.hash
         RETURNING hash`,
        [hash, bytes.byteLength, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), Date.now()],
      );
      return { hash, size: bytes.byteLength, created: rows.length === 1 };
    });
  }

  get(hash: string, options: GetBlobOptions = {}): Promise<Uint8Array> {
    return this.#guard(async () => {
      const size = await this.#size(checkBlobHash(hash));
      const data = new Uint8Array(size);
      let at = 0;
      for await (const part of this.#chunks(hash, 0, size - 1)) {
        data.set(part, at);
        at += part.byteLength;
      }
      if (at !== size) {
        throw new EdgefedError('CHECKSUM_MISMATCH', `Blob ${hash} is corrupt (${at} of ${size} bytes)`, {
          details: { hash, size, read: at },
        });
      }
      if (options.verify ?? true) verifyBlob(hash, data);
      return data;
    });
  }

  has(hash: string): Promise<boolean> {
    return this.#guard(async () => {
      const rows = await query(this.#s.pool, `SELECT 1 FROM ${this.#s.table} WHERE hash = $1`, [
        checkBlobHash(hash),
      ]);
      return rows.length > 0;
    });
  }

  size(hash: string): Promise<number> {
    return this.#guard(() => this.#size(checkBlobHash(hash)));
  }

  async #size(hash: string): Promise<number> {
    const [row] = await query<{ size: number }>(
      this.#s.pool,
      `SELECT size FROM ${this.#s.table} WHERE hash = $1`,
      [hash],
    );
    if (row === undefined) throw blobNotFound(hash);
    return row.size;
  }

  createReadStream(hash: string, range?: BlobRange): Promise<Readable> {
    return this.#guard(async () => {
      const { start, end } = checkBlobRange(range);
      const size = await this.#size(checkBlobHash(hash));
      const last = Math.min(end ?? size - 1, size - 1);
      return Readable.from(this.#chunks(hash, start, last), { objectMode: false });
    });
  }

  /** Bytes `start..last` (inclusive) in chunks; nothing when the range is empty. */
  async *#chunks(hash: string, start: number, last: number): AsyncGenerator<Buffer> {
    for (let at = start; at <= last; at += this.#s.chunkBytes) {
      const length = Math.min(this.#s.chunkBytes, last - at + 1);
      if (this.#closed) throw blobStoreClosed();
      const [row] = await query<{ part: string }>(
        this.#s.pool,
        `SELECT encode(substring(data FROM $2 FOR $3), 'base64') AS part FROM ${this.#s.table} WHERE hash = $1`,
        [hash, at + 1, length],
      );
      if (row === undefined) throw blobNotFound(hash);
      yield Buffer.from(row.part, 'base64');
    }
  }

  delete(hash: string): Promise<boolean> {
    return this.#guard(async () => {
      const rows = await query(this.#s.pool, `DELETE FROM ${this.#s.table} WHERE hash = $1 RETURNING hash`, [
        checkBlobHash(hash),
      ]);
      return rows.length > 0;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#s.owned) await this.#s.pool.end();
  }
}

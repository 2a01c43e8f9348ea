/**
 * The PostgreSQL ModelLibrary backend, for a cluster: every node on the database sees every
 * uploaded model. An entry (its metadata as JSON) is a row of the `models` table; its bytes
 * are a blob in the BlobStore the nodes share (PostgreSQL or a shared directory), put before
 * the row is inserted, so a row never names missing bytes. Two nodes uploading the same bytes
 * at once store one row (`ON CONFLICT DO NOTHING`): the first upload's entry wins and the
 * other node adopts it. The library keeps every entry in memory (`specFor` is synchronous);
 * `refresh` loads rows other nodes inserted since (one query listing the hashes, then the
 * new entries' bytes). An entry whose blob is missing or corrupt is skipped (`onSkipped`).
 */
import type { BlobStore } from './blob-store.js';
import { openModelLibrary, type ModelEntry, type ModelLibrary } from './model-library.js';
import { openPool, pgError, query, schemaName, type PgConnectionOptions } from './pg-connection.js';
import { migratePg } from './pg-migrations.js';
import type { PgMigration } from './pg-schema.js';

/** Options of {@link openPgModelLibrary}. */
export interface PgModelLibraryOptions extends PgConnectionOptions {
  /** Where the ONNX bytes live (the blob store the nodes share). */
  readonly blobs: BlobStore;
  /** Told about entries that could not be loaded. */
  readonly onSkipped?: (hash: string, error: unknown) => void;
}

/** The library's schema, as forward-only migrations (component `models`). */
export const PG_MODEL_LIBRARY_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'uploaded ONNX models: one row per model (entry JSON; bytes in the blob store)',
    sql: (s) => `CREATE TABLE ${s}.models (
  hash TEXT COLLATE "C" PRIMARY KEY CHECK (hash ~ '^sha256:[0-9a-f]{64}$'),
  entry JSONB NOT NULL,
  uploaded_at TEXT NOT NULL
);`,
  },
];

/**
 * Opens the PostgreSQL-backed library (creating its table as needed) and loads every entry.
 * `STORE_ERROR` when the database cannot be used.
 */
export async function openPgModelLibrary(o: PgModelLibraryOptions): Promise<ModelLibrary> {
  const schema = schemaName(o.schema);
  const { pool, owned } = openPool(o);
  const table = `${schema}.models`;
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw pgError(error, 'Model library failed');
    }
  };
  const open = (): Promise<ModelLibrary> =>
    openModelLibrary({
      load: (known) =>
        guard(async () => {
          const rows = await query<{ hash: string }>(
            pool,
            `SELECT hash FROM ${table} ORDER BY uploaded_at, hash`,
          );
          const out: { entry: ModelEntry; bytes: Uint8Array }[] = [];
          for (const { hash } of rows) {
            if (known?.has(hash) === true) continue;
            try {
              const [row] = await query<{ entry: ModelEntry }>(
                pool,
                `SELECT entry FROM ${table} WHERE hash = $1`,
                [hash],
              );
              if (row === undefined) continue;
              out.push({ entry: row.entry, bytes: await o.blobs.get(hash.slice(7)) });
            } catch (err) {
              o.onSkipped?.(hash, err);
            }
          }
          return out;
        }),
      save: (entry, bytes) =>
        guard(async () => {
          await o.blobs.put(bytes);
          const inserted = await query(
            pool,
            `INSERT INTO ${table} (hash, entry, uploaded_at) VALUES ($1, $2, $3)
           ON CONFLICT (hash) DO NOTHING RETURNING hash`,
            [entry.hash, JSON.stringify(entry), entry.uploadedAt],
          );
          if (inserted.length === 1) return undefined;
          const [row] = await query<{ entry: ModelEntry }>(
            pool,
            `SELECT entry FROM ${table} WHERE hash = $1`,
            [entry.hash],
          );
          return row?.entry;
        }),
    });
  let library: ModelLibrary;
  try {
    await migratePg(pool, {
      schema,
      component: 'models',
      migrations: PG_MODEL_LIBRARY_MIGRATIONS,
      now: Date.now,
    });
    library = await open();
  } catch (error) {
    if (owned) await pool.end().catch(() => undefined);
    throw error;
  }
  if (!owned) return library;
  return {
    add: (bytes, options) => library.add(bytes, options),
    list: () => library.list(),
    get: (hash) => library.get(hash),
    bytes: (hash) => library.bytes(hash),
    specFor: (ref) => library.specFor(ref),
    refresh: () => library.refresh(),
    close: async () => {
      await library.close();
      await pool.end();
    },
  };
}

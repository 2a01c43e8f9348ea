/**
 * The SQLite RunStore (better-sqlite3), the coordinator's durable default.
 *
 * Durability: WAL journal with `synchronous = FULL`, so a transaction is on disk when
 * its call resolves — `commitRound` survives a process crash or power loss, and the
 * runner may announce a checkpoint right after. Foreign keys are enforced; the schema is
 * migrated forward on open (see sqlite-schema.ts and docs/store.md).
 */
import Database from 'better-sqlite3';
import { EdgefedError } from '@edgefed/shared';
import type { RunStore } from './run-store.js';
import { migrate } from './sqlite-migrations.js';
import { RUN_STORE_MIGRATIONS } from './sqlite-schema.js';
import { SqliteTables } from './sqlite-tables.js';
import { TableRunStore, type RunStoreClockOptions } from './table-run-store.js';

/** Options of {@link openSqliteRunStore}. */
export interface SqliteRunStoreOptions extends RunStoreClockOptions {
  /** Database file, created if missing; `':memory:'` for a private in-memory database. */
  readonly path: string;
  /** How long to wait for another connection's write lock, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
}

/** The schema version this code writes (the number of migrations). */
export const RUN_STORE_SCHEMA_VERSION = RUN_STORE_MIGRATIONS.length;

function openDatabase(options: SqliteRunStoreOptions): Database.Database {
  const timeout = options.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(timeout) || timeout < 0) {
    throw new EdgefedError('INVALID_ARGUMENT', 'busyTimeoutMs must be a non-negative integer');
  }
  try {
    return new Database(options.path, { timeout });
  } catch (error) {
    throw new EdgefedError('STORE_ERROR', `Cannot open run store database ${options.path}`, {
      cause: error,
      details: { path: options.path },
    });
  }
}

function configure(db: Database.Database, options: SqliteRunStoreOptions): void {
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, RUN_STORE_MIGRATIONS, options.now ?? Date.now);
  } catch (error) {
    if (error instanceof EdgefedError) throw error;
    throw new EdgefedError('STORE_ERROR', `Cannot prepare run store database ${options.path}`, {
      cause: error,
      details: { path: options.path },
    });
  }
}

/**
 * Opens (creating and migrating as needed) a SQLite RunStore. Throws `INVALID_ARGUMENT`
 * for a bad path or timeout, `STORE_ERROR` if the file cannot be opened, is not a
 * database, or has a schema newer than this code. One process may hold several stores
 * on one file; writers queue on SQLite's lock for up to `busyTimeoutMs`.
 */
export function openSqliteRunStore(options: SqliteRunStoreOptions): RunStore {
  if (typeof options.path !== 'string' || options.path === '') {
    throw new EdgefedError('INVALID_ARGUMENT', 'path must be a file path or ":memory:"');
  }
  const db = openDatabase(options);
  try {
    configure(db, options);
    return new TableRunStore(new SqliteTables(db), options);
  } catch (error) {
    db.close();
    throw error;
  }
}

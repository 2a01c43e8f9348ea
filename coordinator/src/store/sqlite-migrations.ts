/**
 * Forward-only schema migrations for the SQLite run store. The `schema_version` table
 * records every applied version; each migration runs in its own transaction together
 * with its `schema_version` row, so a crash mid-migration leaves the previous version.
 *
 * Policy (see docs/store.md): never edit or reorder a released migration; add a new one
 * with the next version. A database whose version is newer than this code knows is
 * refused (`STORE_ERROR`) rather than guessed at.
 */
import type Database from 'better-sqlite3';
import { EdgefedError } from '@edgefed/shared';

/** One schema step: `version` is 1, 2, 3, ... in order; `sql` may hold several statements. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** The version the database is at (0 for a new database). Creates `schema_version` if missing. */
export function schemaVersion(db: Database.Database): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new EdgefedError('INTERNAL', `Migration ${i} has version ${m.version}, expected ${i + 1}`);
    }
  });
}

/**
 * Brings the database up to the last of `migrations` and returns the version reached.
 * Throws `STORE_ERROR` if the database is newer than the code or a migration fails (that
 * migration is rolled back; earlier ones stay applied).
 */
export function migrate(db: Database.Database, migrations: readonly Migration[], now: () => number): number {
  checkOrder(migrations);
  const current = schemaVersion(db);
  if (current > migrations.length) {
    throw new EdgefedError(
      'STORE_ERROR',
      `Database schema version ${current} is newer than this coordinator supports (${migrations.length})`,
      { details: { schemaVersion: current, supported: migrations.length } },
    );
  }
  const record = db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations.slice(current)) {
    const apply = db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.description, now());
    });
    try {
      apply.immediate();
    } catch (error) {
      throw new EdgefedError('STORE_ERROR', `Migration ${m.version} (${m.description}) failed`, {
        cause: error,
        details: { version: m.version },
      });
    }
  }
  return migrations.length;
}

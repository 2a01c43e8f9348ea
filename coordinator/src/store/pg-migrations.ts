/**
 * Forward-only schema migrations for the PostgreSQL stores. The `schema_version` table
 * records every applied version per component (`runs` for the run store, `blobs` for the
 * blob store). All of a component's missing migrations run in ONE transaction (PostgreSQL
 * DDL is transactional) that first takes a transaction-scoped advisory lock on the schema,
 * so several coordinator nodes starting at once queue behind each other: the first
 * migrates, the others find the schema current. A failed migration rolls everything of
 * that call back. A database newer than this code is refused with `STORE_ERROR`.
 *
 * Lock key: `pg_advisory_xact_lock(MIGRATION_LOCK_CLASS, hashtext(<schema>))`.
 */
import type pg from 'pg';
import { EdgefedError } from '@edgefed/shared';
import { execute, pgError, query, transaction, type Queryable } from './pg-connection.js';
import type { PgMigration } from './pg-schema.js';

/** The first key of the migration advisory lock (ASCII "EFMG"); the second is the schema's hash. */
export const MIGRATION_LOCK_CLASS = 0x45464d47;

function checkOrder(migrations: readonly PgMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new EdgefedError('INTERNAL', `Migration ${i} has version ${m.version}, expected ${i + 1}`);
    }
  });
}

/** The component's version in `schema` (0 when new); call under the lock. */
async function currentVersion(db: Queryable, schema: string, component: string): Promise<number> {
  await execute(db, `CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await execute(
    db,
    `CREATE TABLE IF NOT EXISTS ${schema}.schema_version (
      component TEXT NOT NULL,
      version BIGINT NOT NULL,
      description TEXT NOT NULL,
      applied_at BIGINT NOT NULL,
      PRIMARY KEY (component, version))`,
  );
  const [row] = await query<{ v: number | null }>(
    db,
    `SELECT MAX(version) AS v FROM ${schema}.schema_version WHERE component = $1`,
    [component],
  );
  return row?.v ?? 0;
}

/** Options of {@link migratePg}. */
export interface MigrateOptions {
  /** The quoted schema name (see `schemaName`). */
  readonly schema: string;
  /** Which store's migrations these are (`runs`, `blobs`). */
  readonly component: string;
  readonly migrations: readonly PgMigration[];
  readonly now: () => number;
}

/**
 * Brings `component` in `schema` up to the last migration and returns the version reached.
 * `STORE_ERROR` if the database is newer than the code, a migration fails, or the
 * database cannot be reached.
 */
export async function migratePg(pool: pg.Pool, options: MigrateOptions): Promise<number> {
  const { schema, component, migrations } = options;
  checkOrder(migrations);
  try {
    await transaction(pool, async (db) => {
      await execute(db, 'SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))', [
        MIGRATION_LOCK_CLASS,
        schema,
      ]);
      const current = await currentVersion(db, schema, component);
      if (current > migrations.length) {
        throw new EdgefedError(
          'STORE_ERROR',
          `Database schema ${schema} (${component}) is at version ${current}, newer than this coordinator supports (${migrations.length})`,
          { details: { schemaVersion: current, supported: migrations.length } },
        );
      }
      for (const m of migrations.slice(current)) {
        try {
          await execute(db, m.sql(schema));
        } catch (error) {
          throw new EdgefedError('STORE_ERROR', `Migration ${m.version} (${m.description}) failed`, {
            cause: error,
            details: { version: m.version, component },
          });
        }
        await execute(
          db,
          `INSERT INTO ${schema}.schema_version (component, version, description, applied_at) VALUES ($1, $2, $3, $4)`,
          [component, m.version, m.description, options.now()],
        );
      }
    });
  } catch (error) {
    const e = pgError(error, `Cannot prepare PostgreSQL schema ${schema}`);
    throw e.code === 'STORE_ERROR' ? e : new EdgefedError('STORE_ERROR', e.message, { cause: error });
  }
  return migrations.length;
}

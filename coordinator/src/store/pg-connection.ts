/**
 * What the PostgreSQL stores share: opening a `pg` pool from a URL (checked first, with a
 * connect timeout so a wrong host fails promptly instead of hanging), running queries with
 * BIGINT parsed as a JS number (every integer the stores keep is a safe integer), one
 * transaction on one pooled connection, and turning `pg` errors into EdgefedErrors:
 * a unique violation is `ALREADY_EXISTS`, a serialization failure or deadlock `CONFLICT`,
 * text PostgreSQL cannot hold (a NUL character) `INVALID_ARGUMENT`, anything else
 * (refused connection, bad password, missing database) `STORE_ERROR`.
 */
import pg from 'pg';
import { EdgefedError, isEdgefedError } from '@edgefed/shared';

/** Something that runs queries: the pool, or one connection inside a transaction. */
export interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

/** How a PostgreSQL store reaches its database: a URL (the store owns the pool) or a pool. */
export interface PgConnectionOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`). */
  readonly url?: string;
  /** An existing pool to share (e.g. between the run and blob stores); not ended on close. */
  readonly pool?: pg.Pool;
  /** Tables live in this schema (lower-case letters, digits, `_`); default `public`. */
  readonly schema?: string;
  /** Pool size when the store makes the pool (default 10). */
  readonly maxConnections?: number;
  /** How long to wait for a connection, in ms (default 10000). */
  readonly connectTimeoutMs?: number;
}

const TYPES = new pg.TypeOverrides();
TYPES.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** Runs one query with the stores' type parsing (BIGINT as number). */
export async function query<R>(db: Queryable, text: string, values: unknown[] = []): Promise<R[]> {
  const result = await db.query({ text, values, types: TYPES });
  return result.rows as R[];
}

/** Runs one query and returns how many rows it changed. */
export async function execute(db: Queryable, text: string, values: unknown[] = []): Promise<number> {
  const result = await db.query({ text, values, types: TYPES });
  return result.rowCount ?? 0;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Validates a schema name (`INVALID_ARGUMENT`) and returns it quoted for SQL. */
export function schemaName(schema: unknown): string {
  const name = schema ?? 'public';
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new EdgefedError('INVALID_ARGUMENT', 'schema must be lower-case letters, digits and _ (max 63)', {
      details: { schema: typeof name === 'string' ? name.slice(0, 80) : typeof name },
    });
  }
  return `"${name}"`;
}

/** A URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

/** The pool and whether the store owns it (and so ends it on close). */
export interface PgPool {
  readonly pool: pg.Pool;
  readonly owned: boolean;
}

/** Makes (or adopts) the pool; `INVALID_ARGUMENT` when neither or both of url/pool are given. */
export function openPool(options: PgConnectionOptions): PgPool {
  if ((options.url === undefined) === (options.pool === undefined)) {
    throw new EdgefedError('INVALID_ARGUMENT', 'Give a PostgreSQL store exactly one of url and pool');
  }
  if (options.pool !== undefined) return { pool: options.pool, owned: false };
  const url = options.url;
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\/\S+$/.test(url)) {
    throw new EdgefedError('INVALID_ARGUMENT', 'A PostgreSQL URL looks like postgres://user@host:5432/db', {
      details: { url: typeof url === 'string' ? redactUrl(url).slice(0, 200) : typeof url },
    });
  }
  const max = options.maxConnections ?? 10;
  const timeout = options.connectTimeoutMs ?? 10_000;
  for (const [name, value] of [
    ['maxConnections', max],
    ['connectTimeoutMs', timeout],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new EdgefedError('INVALID_ARGUMENT', `${name} must be a positive integer`);
    }
  }
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: timeout });
  // An idle connection that breaks (server restart) is dropped by the pool; the next query
  // reports the failure. Without a listener, the 'error' event would crash the process.
  pool.on('error', () => undefined);
  return { pool, owned: true };
}

/**
 * Runs `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when
 * it throws (the error is rethrown). A connection whose ROLLBACK failed is discarded.
 */
export async function transaction<T>(pool: pg.Pool, fn: (db: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((e: unknown) => {
      broken = e instanceof Error ? e : new Error(String(e));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

const sqlState = (error: unknown): string | undefined =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/** Any thrown value as an EdgefedError (EdgefedErrors pass through); see the file comment. */
export function pgError(error: unknown, what: string): EdgefedError {
  if (isEdgefedError(error)) return error;
  const state = sqlState(error);
  const message = error instanceof Error ? error.message : String(error);
  const details = state === undefined ? {} : { sqlState: state };
  if (state === '23505') {
    return new EdgefedError('ALREADY_EXISTS', `${what}: ${message}`, { cause: error, details });
  }
  if (state === '40001' || state === '40P01') {
    return new EdgefedError('CONFLICT', `${what}: ${message}`, { cause: error, details });
  }
  if (state === '22021' || state === '22P05') {
    return new EdgefedError('INVALID_ARGUMENT', `${what}: PostgreSQL cannot store this text: ${message}`, {
      cause: error,
      details,
    });
  }
  return new EdgefedError('STORE_ERROR', `${what}: ${message}`, { cause: error, details });
}

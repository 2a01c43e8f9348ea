/**
 * The read half of the PostgreSQL RunStore (lookups, lists, not-found errors) and the
 * plumbing both halves share: the closed flag, `read` (a query on the pool) and `write`
 * (one transaction), both of which reject with EdgefedErrors only. Input checks are the
 * shared ones (validate.ts, normalize.ts), so errors match the other stores exactly.
 */
import type pg from 'pg';
import { EdgefedError } from '@edgefed/shared';
import { reportFilter, type EvaluationReportRecord } from './evaluation-reports.js';
import { roundKey } from './normalize.js';
import { pgError, transaction, type Queryable } from './pg-connection.js';
import type { PgTables } from './pg-tables.js';
import type { RoundKey, RoundRecord, RunRecord } from './records.js';
import { noCheckpoint, noRound, noRun } from './store-errors.js';
import { checkCount, checkId, metricFilter, outcomeFilter, runQuery } from './validate.js';

/** Read methods of the PostgreSQL RunStore. */
export class PgRunReads {
  protected readonly pool: pg.Pool;
  protected readonly tables: PgTables;
  protected closed = false;

  constructor(pool: pg.Pool, tables: PgTables) {
    this.pool = pool;
    this.tables = tables;
  }

  #open(): void {
    if (this.closed) throw new EdgefedError('FAILED_PRECONDITION', 'The run store is closed');
  }

  /** Runs `fn` on the pool (each query on its own connection) unless closed. */
  protected async read<T>(fn: (db: Queryable, t: PgTables) => Promise<T>): Promise<T> {
    this.#open();
    try {
      return await fn(this.pool, this.tables);
    } catch (error) {
      throw pgError(error, 'Run store failed');
    }
  }

  /** Runs `fn` in one transaction unless closed; any throw rolls everything back. */
  protected async write<T>(fn: (db: Queryable, t: PgTables) => Promise<T>): Promise<T> {
    this.#open();
    try {
      return await transaction(this.pool, (db) => fn(db, this.tables));
    } catch (error) {
      throw pgError(error, 'Run store failed');
    }
  }

  /** The run, or `NOT_FOUND`; with `lock`, the row stays locked until the transaction ends. */
  protected async requireRun(db: Queryable, id: string, lock = false): Promise<RunRecord> {
    const run = await this.tables.getRun(db, id, lock ? 'lock' : 'nolock');
    if (run === undefined) throw noRun(id);
    return run;
  }

  /** The round attempt, or `NOT_FOUND` (for the run or the round). */
  protected async requireRound(db: Queryable, key: RoundKey): Promise<RoundRecord> {
    await this.requireRun(db, key.runId);
    const round = await this.tables.getRound(db, key);
    if (round === undefined) throw noRound(key);
    return round;
  }

  getRun(id: string): Promise<RunRecord> {
    return this.read((db) => this.requireRun(db, checkId(id, 'id')));
  }

  listRuns(options?: unknown): Promise<RunRecord[]> {
    return this.read((db, t) => t.listRuns(db, runQuery(options)));
  }

  getRound(key: RoundKey): Promise<RoundRecord> {
    return this.read((db) => this.requireRound(db, roundKey(key, 'key')));
  }

  listRounds(runId: string): Promise<RoundRecord[]> {
    return this.read(async (db, t) =>
      t.listRounds(db, (await this.requireRun(db, checkId(runId, 'runId'))).id),
    );
  }

  listClientOutcomes(runId: string, options?: unknown) {
    return this.read(async (db, t) =>
      t.listOutcomes(db, (await this.requireRun(db, checkId(runId, 'runId'))).id, outcomeFilter(options)),
    );
  }

  listMetrics(runId: string, options?: unknown) {
    return this.read(async (db, t) =>
      t.listMetrics(db, (await this.requireRun(db, checkId(runId, 'runId'))).id, metricFilter(options)),
    );
  }

  latestCheckpoint(runId: string) {
    return this.read(async (db, t) =>
      t.latestCheckpoint(db, (await this.requireRun(db, checkId(runId, 'runId'))).id),
    );
  }

  getCheckpoint(runId: string, version: number) {
    return this.read(async (db, t) => {
      const id = (await this.requireRun(db, checkId(runId, 'runId'))).id;
      const checkpoint = await t.getCheckpoint(db, id, checkCount(version, 'version'));
      if (checkpoint === undefined) throw noCheckpoint(id, version);
      return checkpoint;
    });
  }

  listCheckpoints(runId: string) {
    return this.read(async (db, t) =>
      t.listCheckpoints(db, (await this.requireRun(db, checkId(runId, 'runId'))).id),
    );
  }

  getClientSession(clientId: string) {
    return this.read((db, t) => t.getSession(db, checkId(clientId, 'clientId')));
  }

  findClientSessionByTokenHash(resumeTokenHash: string) {
    return this.read((db, t) => t.findSessionByTokenHash(db, checkId(resumeTokenHash, 'resumeTokenHash')));
  }

  listEvaluationReports(runId: string, options?: unknown): Promise<EvaluationReportRecord[]> {
    return this.read(async (db, t) => {
      const id = (await this.requireRun(db, checkId(runId, 'runId'))).id;
      return t.listReports(db, id, reportFilter(options));
    });
  }
}

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
import {
  METRIC_SCOPES,
  RUN_STATUSES,
  type CheckpointRecord,
  type ClientOutcomeRecord,
  type ClientSessionRecord,
  type ListClientOutcomesOptions,
  type ListMetricsOptions,
  type MetricPoint,
  type RoundKey,
  type RoundRecord,
  type RunRecord,
} from './records.js';
import type { RunQuery } from './store-tables.js';
import { checkCount, checkEnum, checkId, checkKeys, checkObject, optional } from './validate.js';

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
    if (run === undefined) {
      throw new EdgefedError('NOT_FOUND', `No run ${id}`, { details: { runId: id } });
    }
    return run;
  }

  /** The round attempt, or `NOT_FOUND` (for the run or the round). */
  protected async requireRound(db: Queryable, key: RoundKey): Promise<RoundRecord> {
    await this.requireRun(db, key.runId);
    const round = await this.tables.getRound(db, key);
    if (round === undefined) {
      throw new EdgefedError(
        'NOT_FOUND',
        `No round ${key.round} attempt ${key.attempt} in run ${key.runId}`,
        {
          details: { runId: key.runId, round: key.round, attempt: key.attempt },
        },
      );
    }
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

  listClientOutcomes(runId: string, options?: ListClientOutcomesOptions): Promise<ClientOutcomeRecord[]> {
    return this.read(async (db, t) => {
      const o = checkObject(options ?? {}, 'options');
      checkKeys(o, ['round', 'attempt', 'clientId'], 'options');
      const filter: ListClientOutcomesOptions = {
        ...maybe(
          'round',
          optional(o.round, (v) => checkCount(v, 'options.round')),
        ),
        ...maybe(
          'attempt',
          optional(o.attempt, (v) => checkCount(v, 'options.attempt')),
        ),
        ...maybe(
          'clientId',
          optional(o.clientId, (v) => checkId(v, 'options.clientId')),
        ),
      };
      return t.listOutcomes(db, (await this.requireRun(db, checkId(runId, 'runId'))).id, filter);
    });
  }

  listMetrics(runId: string, options?: ListMetricsOptions): Promise<MetricPoint[]> {
    return this.read(async (db, t) => {
      const o = checkObject(options ?? {}, 'options');
      checkKeys(o, ['name', 'scope', 'fromRound', 'toRound'], 'options');
      const filter: ListMetricsOptions = {
        ...maybe(
          'name',
          optional(o.name, (v) => checkId(v, 'options.name')),
        ),
        ...maybe(
          'scope',
          optional(o.scope, (v) => checkEnum(v, METRIC_SCOPES, 'options.scope')),
        ),
        ...maybe(
          'fromRound',
          optional(o.fromRound, (v) => checkCount(v, 'options.fromRound')),
        ),
        ...maybe(
          'toRound',
          optional(o.toRound, (v) => checkCount(v, 'options.toRound')),
        ),
      };
      return t.listMetrics(db, (await this.requireRun(db, checkId(runId, 'runId'))).id, filter);
    });
  }

  latestCheckpoint(runId: string): Promise<CheckpointRecord | undefined> {
    return this.read(async (db, t) =>
      t.latestCheckpoint(db, (await this.requireRun(db, checkId(runId, 'runId'))).id),
    );
  }

  getCheckpoint(runId: string, version: number): Promise<CheckpointRecord> {
    return this.read(async (db, t) => {
      const id = (await this.requireRun(db, checkId(runId, 'runId'))).id;
      const checkpoint = await t.getCheckpoint(db, id, checkCount(version, 'version'));
      if (checkpoint === undefined) {
        throw new EdgefedError('NOT_FOUND', `Run ${id} has no checkpoint version ${version}`, {
          details: { runId: id, version },
        });
      }
      return checkpoint;
    });
  }

  listCheckpoints(runId: string): Promise<CheckpointRecord[]> {
    return this.read(async (db, t) =>
      t.listCheckpoints(db, (await this.requireRun(db, checkId(runId, 'runId'))).id),
    );
  }

  getClientSession(clientId: string): Promise<ClientSessionRecord | undefined> {
    return this.read((db, t) => t.getSession(db, checkId(clientId, 'clientId')));
  }

  findClientSessionByTokenHash(resumeTokenHash: string): Promise<ClientSessionRecord | undefined> {
    return this.read((db, t) => t.findSessionByTokenHash(db, checkId(resumeTokenHash, 'resumeTokenHash')));
  }

  listEvaluationReports(runId: string, options?: unknown): Promise<EvaluationReportRecord[]> {
    return this.read(async (db, t) => {
      const id = (await this.requireRun(db, checkId(runId, 'runId'))).id;
      return t.listReports(db, id, reportFilter(options));
    });
  }
}

function runQuery(options: unknown): RunQuery {
  const o = checkObject(options ?? {}, 'options');
  checkKeys(o, ['status', 'limit', 'offset'], 'options');
  return {
    status: optional(o.status, (v) => checkEnum(v, RUN_STATUSES, 'options.status')),
    limit: optional(o.limit, (v) => checkCount(v, 'options.limit')),
    offset: optional(o.offset, (v) => checkCount(v, 'options.offset')) ?? 0,
  };
}

/** `{ [key]: value }` when value is defined, `{}` otherwise (for exactOptionalPropertyTypes). */
function maybe<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

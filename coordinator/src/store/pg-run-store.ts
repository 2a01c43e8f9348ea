/**
 * The PostgreSQL RunStore: the same semantics as the SQLite store (same validation and
 * record building from normalize.ts, same errors; it passes `runRunStoreConformance`)
 * with the data in PostgreSQL, so several coordinator processes can share it.
 *
 * Every write is one transaction. A write that changes a run first locks the run's row,
 * so concurrent writers queue; `expectedRevision` is then checked against the locked row
 * and the UPDATE is also conditional on it. That makes the revision a fencing token: of
 * two nodes committing a round from the same revision, exactly one succeeds and the other
 * gets `CONFLICT` with nothing written. Checkpoint versions increase strictly per run
 * (checked under the same lock; the primary key backs it up). Once `commitRound` resolves
 * the round is committed (durable as the server's `synchronous_commit` makes it: on disk
 * with the default `on`). The schema is migrated on open (pg-migrations.ts).
 */
import { EdgefedError } from '@edgefed/shared';
import { newEvaluationReport, type EvaluationReportRecord } from './evaluation-reports.js';
import {
  COMMIT_KEYS,
  checkRevision,
  checkVersionIncreases,
  newCheckpoint,
  newMetric,
  newOutcome,
  newRound,
  newRun,
  patchRound,
  patchRun,
  roundKey,
  upsertSession,
} from './normalize.js';
import { openPool, schemaName, type PgConnectionOptions, type Queryable } from './pg-connection.js';
import { migratePg } from './pg-migrations.js';
import { PgRunReads } from './pg-run-reads.js';
import { PG_RUN_STORE_MIGRATIONS } from './pg-schema.js';
import { PgTables } from './pg-tables.js';
import type {
  CheckpointRecord,
  ClientOutcomeRecord,
  MetricPoint,
  RoundKey,
  RoundRecord,
  RunRecord,
} from './records.js';
import type { CommitRoundInput, CommitRoundResult, RunStore, UpdateRunOptions } from './run-store.js';
import type { RunStoreClockOptions } from './table-run-store.js';
import { nextFence, outcomeExists, roundExists, runExists } from './store-errors.js';
import { checkCount, checkFence, checkId, checkKeys, checkList, checkObject, keyOf } from './validate.js';

/** Options of {@link openPgRunStore}: where the database is, and the clock. */
export interface PgRunStoreOptions extends PgConnectionOptions, RunStoreClockOptions {}

/** The schema version this code writes (the number of PostgreSQL migrations). */
export const PG_RUN_STORE_SCHEMA_VERSION = PG_RUN_STORE_MIGRATIONS.length;

/**
 * Opens a PostgreSQL RunStore, creating and migrating its tables as needed (safe when
 * several processes open one database at once). `INVALID_ARGUMENT` for bad options (a URL
 * that is not `postgres://...`, a bad schema name); `STORE_ERROR` when the database cannot
 * be reached (within `connectTimeoutMs`), refuses us, or has a newer schema than this code.
 */
export async function openPgRunStore(options: PgRunStoreOptions): Promise<RunStore> {
  const schema = schemaName(options.schema);
  const { pool, owned } = openPool(options);
  try {
    await migratePg(pool, {
      schema,
      component: 'runs',
      migrations: PG_RUN_STORE_MIGRATIONS,
      now: options.now ?? Date.now,
    });
  } catch (error) {
    if (owned) await pool.end().catch(() => undefined);
    throw error;
  }
  return new PgRunStore(pool, new PgTables(schema), { now: options.now ?? Date.now, owned });
}

class PgRunStore extends PgRunReads implements RunStore {
  readonly #now: () => number;
  readonly #owned: boolean;

  constructor(pool: ConstructorParameters<typeof PgRunReads>[0], tables: PgTables, o: StoreSettings) {
    super(pool, tables);
    this.#now = o.now;
    this.#owned = o.owned;
  }

  #time(): number {
    return checkCount(this.#now(), 'clock');
  }

  createRun(input: Parameters<RunStore['createRun']>[0]): Promise<RunRecord> {
    return this.write(async (db, t) => {
      const run = newRun(input, this.#time());
      if ((await t.getRun(db, run.id)) !== undefined) throw runExists(run.id);
      await t.insertRun(db, run);
      return run;
    });
  }

  updateRun(id: string, patch: Parameters<RunStore['updateRun']>[1], options: UpdateRunOptions = {}) {
    return this.write((db) => this.#updateRun(db, checkId(id, 'id'), patch, checkObject(options, 'options')));
  }

  /**
   * Checks `fence` (see `WriteFence`) and raises the run's stored epoch, in the caller's
   * transaction and after it locked the run's row, so fenced writers of one run queue.
   */
  async #fence(db: Queryable, runId: string, fence: unknown, field: string): Promise<void> {
    const epoch = nextFence(runId, await this.tables.getFence(db, runId), checkFence(fence, field));
    if (epoch === undefined) return;
    if (!(await this.tables.setFence(db, runId, epoch))) {
      throw new EdgefedError('CONFLICT', `Run ${runId} was fenced during the write`, { details: { runId } });
    }
  }

  raiseFence(runId: string, fence: unknown): Promise<void> {
    return this.write(async (db) => {
      const id = (await this.requireRun(db, checkId(runId, 'runId'), true)).id;
      await this.#fence(db, id, checkObject(fence, 'fence'), 'fence');
    });
  }

  async #updateRun(
    db: Queryable,
    id: string,
    patch: unknown,
    o: Readonly<Record<string, unknown>>,
    field = 'options',
  ): Promise<RunRecord> {
    const run = await this.requireRun(db, id, true);
    await this.#fence(db, id, o.fence, `${field}.fence`);
    checkRevision(run, o.expectedRevision);
    const next = patchRun(run, patch, this.#time());
    if (!(await this.tables.replaceRun(db, next, run.revision))) {
      throw new EdgefedError('CONFLICT', `Run ${id} changed during the update`, { details: { runId: id } });
    }
    return next;
  }

  recordRound(input: Parameters<RunStore['recordRound']>[0]): Promise<RoundRecord> {
    return this.write(async (db, t) => {
      const round = newRound(input);
      await this.requireRun(db, round.runId);
      if ((await t.getRound(db, round)) !== undefined) {
        throw roundExists(round);
      }
      await t.putRound(db, round);
      return round;
    });
  }

  updateRound(key: RoundKey, patch: Parameters<RunStore['updateRound']>[1]): Promise<RoundRecord> {
    return this.write(async (db, t) => {
      const next = patchRound(await this.requireRound(db, roundKey(key, 'key')), patch);
      await t.putRound(db, next);
      return next;
    });
  }

  recordClientOutcomes(outcomes: Parameters<RunStore['recordClientOutcomes']>[0]) {
    return this.write(async (db) => {
      if (!Array.isArray(outcomes)) throw new EdgefedError('INVALID_ARGUMENT', 'outcomes must be an array');
      const now = this.#time();
      const records: ClientOutcomeRecord[] = [];
      for (const [i, o] of outcomes.entries()) {
        const record = newOutcome(o, now, undefined, `outcomes[${i}]`);
        await this.requireRound(db, record);
        await this.#insertOutcome(db, record);
        records.push(record);
      }
      return records;
    });
  }

  async recordClientOutcome(outcome: Parameters<RunStore['recordClientOutcome']>[0]) {
    const [record] = await this.recordClientOutcomes([outcome]);
    if (record === undefined) throw new EdgefedError('INTERNAL', 'recordClientOutcomes returned nothing');
    return record;
  }

  async #insertOutcome(db: Queryable, record: ClientOutcomeRecord): Promise<void> {
    const t = this.tables;
    if (await t.hasOutcome(db, record)) {
      throw outcomeExists(record);
    }
    await t.insertOutcome(db, record);
    const session = await t.getSession(db, record.clientId, 'lock');
    if (session === undefined) return;
    const completed = record.outcome === 'completed';
    await t.putSession(db, {
      ...session,
      contributions: session.contributions + (completed ? 1 : 0),
      failures: session.failures + (completed ? 0 : 1),
    });
  }

  appendMetrics(points: Parameters<RunStore['appendMetrics']>[0]) {
    return this.write(async (db, t) => {
      if (!Array.isArray(points)) throw new EdgefedError('INVALID_ARGUMENT', 'points must be an array');
      const now = this.#time();
      const records: MetricPoint[] = [];
      for (const [i, p] of points.entries()) {
        const point = newMetric(p, now, undefined, `points[${i}]`);
        await this.requireRun(db, point.runId);
        await t.insertMetric(db, point);
        records.push(point);
      }
      return records;
    });
  }

  saveCheckpoint(
    input: Parameters<RunStore['saveCheckpoint']>[0],
    options: Parameters<RunStore['saveCheckpoint']>[1] = {},
  ): Promise<CheckpointRecord> {
    return this.write(async (db, t) => {
      const checkpoint = newCheckpoint(input, this.#time());
      await this.requireRun(db, checkpoint.runId, true);
      await this.#fence(db, checkpoint.runId, checkObject(options, 'options').fence, 'options.fence');
      const latest = await t.latestCheckpoint(db, checkpoint.runId);
      checkVersionIncreases(checkpoint.runId, checkpoint.version, latest?.version);
      await t.insertCheckpoint(db, checkpoint);
      return checkpoint;
    });
  }

  commitRound(input: CommitRoundInput): Promise<CommitRoundResult> {
    return this.write((db) => this.#commit(db, input));
  }

  async #commit(db: Queryable, input: unknown): Promise<CommitRoundResult> {
    const t = this.tables;
    const o = checkObject(input, 'commit');
    checkKeys(o, COMMIT_KEYS, 'commit');
    const round = newRound(o.round);
    const run = await this.#updateRun(db, round.runId, o.runUpdate, o, 'commit');
    await t.putRound(db, round);
    const now = this.#time();
    const at = { runId: round.runId, round: round.round };
    for (const [i, item] of checkList(o.outcomes, 'commit.outcomes').entries()) {
      await this.#insertOutcome(db, newOutcome(item, now, keyOf(round), `commit.outcomes[${i}]`));
    }
    for (const [i, item] of checkList(o.metrics, 'commit.metrics').entries()) {
      await t.insertMetric(db, newMetric(item, now, at, `commit.metrics[${i}]`));
    }
    let checkpoint;
    if (o.checkpoint !== undefined) {
      checkpoint = newCheckpoint(o.checkpoint, now, at, 'commit.checkpoint');
      const latest = await t.latestCheckpoint(db, round.runId);
      checkVersionIncreases(round.runId, checkpoint.version, latest?.version);
      await t.insertCheckpoint(db, checkpoint);
    }
    return { run, round, checkpoint };
  }

  upsertClientSession(input: Parameters<RunStore['upsertClientSession']>[0]) {
    return this.write(async (db, t) => {
      const clientId = checkId(checkObject(input, 'session').clientId, 'session.clientId');
      const session = upsertSession(await t.getSession(db, clientId, 'lock'), input, this.#time());
      await t.putSession(db, session);
      return session;
    });
  }

  putEvaluationReport(input: unknown): Promise<EvaluationReportRecord> {
    return this.write(async (db, t) => {
      const report = newEvaluationReport(input, this.#time());
      await this.requireRun(db, report.runId);
      await t.putReport(db, report);
      return report;
    });
  }

  /** Ends the pool when the store made it; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.#owned) return;
    try {
      await this.pool.end();
    } catch (error) {
      throw new EdgefedError('STORE_ERROR', 'Closing the PostgreSQL pool failed', { cause: error });
    }
  }
}

interface StoreSettings {
  readonly now: () => number;
  readonly owned: boolean;
}

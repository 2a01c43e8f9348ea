/**
 * The PostgreSQL run store's storage primitives: one parameterized statement each, over
 * the pool (reads) or one transaction's connection (writes). Rows map to records with
 * row-mapping.ts ({@link ROWS}), as the two schemas have the same columns. Reads made
 * inside a write transaction may lock their row (`FOR NO KEY UPDATE`, which still lets
 * other transactions insert rows that reference it), so that concurrent writers to one run
 * or one client session queue instead of losing an update.
 */
import type { EvaluationReportRecord, ListEvaluationReportsOptions } from './evaluation-reports.js';
import { execute, query, type Queryable } from './pg-connection.js';
import type {
  CheckpointRecord,
  ClientOutcomeRecord,
  ClientSessionRecord,
  ListClientOutcomesOptions,
  ListMetricsOptions,
  MetricPoint,
  RoundKey,
  RoundRecord,
  RunRecord,
} from './records.js';
import { ROWS, type RowMapping, type TableColumns } from './row-mapping.js';
import type { OutcomeKey, RunQuery } from './store-tables.js';

const { run: RUN, round: ROUND, outcome: OUTCOME, metric: METRIC, checkpoint: CHECKPOINT } = ROWS;
const { session: SESSION, report: REPORT } = ROWS;

const placeholders = (m: TableColumns): string => m.names.map((_, i) => `$${i + 1}`).join(', ');
/** A record's values in the order of its table's columns. */
const values = <R>(m: RowMapping<R>, record: R): unknown[] => {
  const row = m.row(record);
  return m.names.map((c) => row[c]);
};

/** SQL for one schema. */
function statements(s: string) {
  const insert = (table: string, m: TableColumns): string =>
    `INSERT INTO ${s}.${table} (${m.columns}) VALUES (${placeholders(m)})`;
  const upsert = (table: string, m: TableColumns, key: string[]): string =>
    `${insert(table, m)} ON CONFLICT (${key.join(', ')}) DO UPDATE SET ` +
    m.names
      .filter((c) => !key.includes(c))
      .map((c) => `${c} = EXCLUDED.${c}`)
      .join(', ');
  return {
    getRun: `SELECT ${RUN.columns} FROM ${s}.runs WHERE id = $1`,
    listRuns: `SELECT ${RUN.columns} FROM ${s}.runs WHERE ($1::text IS NULL OR status = $1)
      ORDER BY seq LIMIT $2 OFFSET $3`,
    insertRun: insert('runs', RUN),
    replaceRun: `UPDATE ${s}.runs SET (${RUN.columns}) = (${placeholders(RUN)}) WHERE id = $1 AND revision = $12`,
    getFence: `SELECT fence_epoch FROM ${s}.runs WHERE id = $1`,
    setFence: `UPDATE ${s}.runs SET fence_epoch = $2 WHERE id = $1 AND (fence_epoch IS NULL OR fence_epoch <= $2)`,
    getRound: `SELECT ${ROUND.columns} FROM ${s}.rounds WHERE run_id = $1 AND round = $2 AND attempt = $3`,
    listRounds: `SELECT ${ROUND.columns} FROM ${s}.rounds WHERE run_id = $1 ORDER BY round, attempt`,
    putRound: upsert('rounds', ROUND, ['run_id', 'round', 'attempt']),
    hasOutcome: `SELECT 1 FROM ${s}.client_outcomes
      WHERE run_id = $1 AND round = $2 AND attempt = $3 AND client_id = $4`,
    insertOutcome: insert('client_outcomes', OUTCOME),
    listOutcomes: `SELECT ${OUTCOME.columns} FROM ${s}.client_outcomes WHERE run_id = $1
      AND ($2::bigint IS NULL OR round = $2) AND ($3::bigint IS NULL OR attempt = $3)
      AND ($4::text IS NULL OR client_id = $4) ORDER BY seq`,
    insertMetric: insert('metrics', METRIC),
    listMetrics: `SELECT ${METRIC.columns} FROM ${s}.metrics WHERE run_id = $1
      AND ($2::text IS NULL OR name = $2) AND ($3::text IS NULL OR scope = $3)
      AND ($4::bigint IS NULL OR round >= $4) AND ($5::bigint IS NULL OR round <= $5) ORDER BY round, seq`,
    latestCheckpoint: `SELECT ${CHECKPOINT.columns} FROM ${s}.checkpoints WHERE run_id = $1 ORDER BY version DESC LIMIT 1`,
    getCheckpoint: `SELECT ${CHECKPOINT.columns} FROM ${s}.checkpoints WHERE run_id = $1 AND version = $2`,
    listCheckpoints: `SELECT ${CHECKPOINT.columns} FROM ${s}.checkpoints WHERE run_id = $1 ORDER BY version`,
    insertCheckpoint: insert('checkpoints', CHECKPOINT),
    getSession: `SELECT ${SESSION.columns} FROM ${s}.client_sessions WHERE client_id = $1`,
    putSession: upsert('client_sessions', SESSION, ['client_id']),
    findSession: `SELECT ${SESSION.columns} FROM ${s}.client_sessions WHERE resume_token_hash = $1
      ORDER BY last_seen DESC, client_id LIMIT 1`,
    putReport: upsert('evaluation_reports', REPORT, ['run_id', 'round', 'kind']),
    listReports: `SELECT ${REPORT.columns} FROM ${s}.evaluation_reports WHERE run_id = $1
      AND ($2::text IS NULL OR kind = $2) AND ($3::bigint IS NULL OR round = $3) ORDER BY round, kind`,
  };
}

type Statements = ReturnType<typeof statements>;

/** Whether a read inside a write transaction locks the row it finds. */
export type Lock = 'lock' | 'nolock';

/** The primitives of one schema; every method takes where to run (pool or transaction). */
export class PgTables {
  readonly #sql: Statements;

  /** `schema` is the quoted schema name. */
  constructor(schema: string) {
    this.#sql = statements(schema);
  }

  async #one<R>(db: Queryable, text: string, params: unknown[]): Promise<R | undefined> {
    const rows = await query<R>(db, text, params);
    return rows[0];
  }

  async getRun(db: Queryable, id: string, lock: Lock = 'nolock'): Promise<RunRecord | undefined> {
    const text = lock === 'lock' ? `${this.#sql.getRun} FOR NO KEY UPDATE` : this.#sql.getRun;
    const row = await this.#one(db, text, [id]);
    return row === undefined ? undefined : RUN.record(row);
  }

  async listRuns(db: Queryable, q: RunQuery): Promise<RunRecord[]> {
    const rows = await query(db, this.#sql.listRuns, [q.status ?? null, q.limit ?? null, q.offset]);
    return rows.map(RUN.record);
  }

  async insertRun(db: Queryable, run: RunRecord): Promise<void> {
    await execute(db, this.#sql.insertRun, values(RUN, run));
  }

  /** Replaces the run if its stored revision is `expectedRevision`; false when it is not. */
  async replaceRun(db: Queryable, run: RunRecord, expectedRevision: number): Promise<boolean> {
    const changed = await execute(db, this.#sql.replaceRun, [...values(RUN, run), expectedRevision]);
    return changed === 1;
  }

  /** The run's fencing epoch, or undefined when no fenced write has reached it. */
  async getFence(db: Queryable, runId: string): Promise<number | undefined> {
    const row = await this.#one<{ fence_epoch: number | null }>(db, this.#sql.getFence, [runId]);
    return row?.fence_epoch ?? undefined;
  }

  /** Stores the run's fencing epoch unless a higher one is stored; false when it is. */
  async setFence(db: Queryable, runId: string, epoch: number): Promise<boolean> {
    return (await execute(db, this.#sql.setFence, [runId, epoch])) === 1;
  }

  async getRound(db: Queryable, k: RoundKey): Promise<RoundRecord | undefined> {
    const row = await this.#one(db, this.#sql.getRound, [k.runId, k.round, k.attempt]);
    return row === undefined ? undefined : ROUND.record(row);
  }

  async listRounds(db: Queryable, runId: string): Promise<RoundRecord[]> {
    return (await query(db, this.#sql.listRounds, [runId])).map(ROUND.record);
  }

  async putRound(db: Queryable, round: RoundRecord): Promise<void> {
    await execute(db, this.#sql.putRound, values(ROUND, round));
  }

  async hasOutcome(db: Queryable, k: OutcomeKey): Promise<boolean> {
    const rows = await query(db, this.#sql.hasOutcome, [k.runId, k.round, k.attempt, k.clientId]);
    return rows.length > 0;
  }

  async insertOutcome(db: Queryable, outcome: ClientOutcomeRecord): Promise<void> {
    await execute(db, this.#sql.insertOutcome, values(OUTCOME, outcome));
  }

  async listOutcomes(
    db: Queryable,
    runId: string,
    f: ListClientOutcomesOptions,
  ): Promise<ClientOutcomeRecord[]> {
    const params = [runId, f.round ?? null, f.attempt ?? null, f.clientId ?? null];
    return (await query(db, this.#sql.listOutcomes, params)).map(OUTCOME.record);
  }

  async insertMetric(db: Queryable, point: MetricPoint): Promise<void> {
    await execute(db, this.#sql.insertMetric, values(METRIC, point));
  }

  async listMetrics(db: Queryable, runId: string, f: ListMetricsOptions): Promise<MetricPoint[]> {
    const params = [runId, f.name ?? null, f.scope ?? null, f.fromRound ?? null, f.toRound ?? null];
    return (await query(db, this.#sql.listMetrics, params)).map(METRIC.record);
  }

  async latestCheckpoint(db: Queryable, runId: string): Promise<CheckpointRecord | undefined> {
    const row = await this.#one(db, this.#sql.latestCheckpoint, [runId]);
    return row === undefined ? undefined : CHECKPOINT.record(row);
  }

  async getCheckpoint(db: Queryable, runId: string, version: number): Promise<CheckpointRecord | undefined> {
    const row = await this.#one(db, this.#sql.getCheckpoint, [runId, version]);
    return row === undefined ? undefined : CHECKPOINT.record(row);
  }

  async listCheckpoints(db: Queryable, runId: string): Promise<CheckpointRecord[]> {
    return (await query(db, this.#sql.listCheckpoints, [runId])).map(CHECKPOINT.record);
  }

  async insertCheckpoint(db: Queryable, checkpoint: CheckpointRecord): Promise<void> {
    await execute(db, this.#sql.insertCheckpoint, values(CHECKPOINT, checkpoint));
  }

  async getSession(
    db: Queryable,
    clientId: string,
    lock: Lock = 'nolock',
  ): Promise<ClientSessionRecord | undefined> {
    const text = lock === 'lock' ? `${this.#sql.getSession} FOR NO KEY UPDATE` : this.#sql.getSession;
    const row = await this.#one(db, text, [clientId]);
    return row === undefined ? undefined : SESSION.record(row);
  }

  async putSession(db: Queryable, session: ClientSessionRecord): Promise<void> {
    await execute(db, this.#sql.putSession, values(SESSION, session));
  }

  async findSessionByTokenHash(db: Queryable, hash: string): Promise<ClientSessionRecord | undefined> {
    const row = await this.#one(db, this.#sql.findSession, [hash]);
    return row === undefined ? undefined : SESSION.record(row);
  }

  async putReport(db: Queryable, report: EvaluationReportRecord): Promise<void> {
    await execute(db, this.#sql.putReport, values(REPORT, report));
  }

  async listReports(
    db: Queryable,
    runId: string,
    f: ListEvaluationReportsOptions,
  ): Promise<EvaluationReportRecord[]> {
    const rows = await query(db, this.#sql.listReports, [runId, f.kind ?? null, f.round ?? null]);
    return rows.map(REPORT.record);
  }
}

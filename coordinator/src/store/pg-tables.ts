/**
 * The PostgreSQL run store's storage primitives: one parameterized statement each, over
 * the pool (reads) or one transaction's connection (writes). Rows map to records with
 * sqlite-rows.ts, as the two schemas have the same columns. Reads made inside a write
 * transaction may lock their row (`FOR NO KEY UPDATE`, which still lets other
 * transactions insert rows that reference it), so that concurrent writers to one run or
 * one client session queue instead of losing an update.
 */
import type { EvaluationKind, EvaluationReportRecord } from './evaluation-reports.js';
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
import {
  checkpointParams,
  checkpointRecord,
  metricParams,
  metricRecord,
  outcomeParams,
  outcomeRecord,
  roundParams,
  roundRecord,
  runParams,
  runRecord,
  sessionParams,
  sessionRecord,
  type CheckpointRow,
  type MetricRow,
  type OutcomeRow,
  type RoundRow,
  type RunRow,
  type SessionRow,
} from './sqlite-rows.js';
import type { OutcomeKey, RunQuery } from './store-tables.js';

const RUN = `id, name, status, config, created_at, updated_at, revision, current_round,
  current_model_version, strategy_state, best_metrics`;
const ROUND = `run_id, round, attempt, state, started_at, ended_at, selected_count, completed_count,
  failed_count, dropped_count, bytes_up, bytes_down, train_metrics, eval_metrics, failure_reason`;
const OUTCOME = `run_id, round, attempt, client_id, outcome, code, example_count, metrics, bytes_up,
  bytes_down, recorded_at`;
const METRIC = 'run_id, round, name, value, scope, recorded_at';
const CHECKPOINT = 'run_id, version, round, hash, byte_size, created_at';
const SESSION = 'client_id, resume_token_hash, capabilities, first_seen, last_seen, contributions, failures';
const REPORT = 'run_id, round, kind, report, recorded_at';

const names = (columns: string): string[] => columns.split(',').map((c) => c.trim());
const placeholders = (columns: string): string =>
  names(columns)
    .map((_, i) => `$${i + 1}`)
    .join(', ');
/** A row object's values in the order of `columns`. */
const values = (columns: string, row: object): unknown[] =>
  names(columns).map((c) => (row as Record<string, unknown>)[c]);

/** SQL for one schema. */
function statements(s: string) {
  const insert = (table: string, columns: string): string =>
    `INSERT INTO ${s}.${table} (${columns}) VALUES (${placeholders(columns)})`;
  const upsert = (table: string, columns: string, key: string[]): string =>
    `${insert(table, columns)} ON CONFLICT (${key.join(', ')}) DO UPDATE SET ` +
    names(columns)
      .filter((c) => !key.includes(c))
      .map((c) => `${c} = EXCLUDED.${c}`)
      .join(', ');
  return {
    getRun: `SELECT ${RUN} FROM ${s}.runs WHERE id = $1`,
    listRuns: `SELECT ${RUN} FROM ${s}.runs WHERE ($1::text IS NULL OR status = $1)
      ORDER BY seq LIMIT $2 OFFSET $3`,
    insertRun: insert('runs', RUN),
    replaceRun: `UPDATE ${s}.runs SET (${RUN}) = (${placeholders(RUN)}) WHERE id = $1 AND revision = $12`,
    getRound: `SELECT ${ROUND} FROM ${s}.rounds WHERE run_id = $1 AND round = $2 AND attempt = $3`,
    listRounds: `SELECT ${ROUND} FROM ${s}.rounds WHERE run_id = $1 ORDER BY round, attempt`,
    putRound: upsert('rounds', ROUND, ['run_id', 'round', 'attempt']),
    hasOutcome: `SELECT 1 FROM ${s}.client_outcomes
      WHERE run_id = $1 AND round = $2 AND attempt = $3 AND client_id = $4`,
    insertOutcome: insert('client_outcomes', OUTCOME),
    listOutcomes: `SELECT ${OUTCOME} FROM ${s}.client_outcomes WHERE run_id = $1
      AND ($2::bigint IS NULL OR round = $2) AND ($3::bigint IS NULL OR attempt = $3)
      AND ($4::text IS NULL OR client_id = $4) ORDER BY seq`,
    insertMetric: insert('metrics', METRIC),
    listMetrics: `SELECT ${METRIC} FROM ${s}.metrics WHERE run_id = $1
      AND ($2::text IS NULL OR name = $2) AND ($3::text IS NULL OR scope = $3)
      AND ($4::bigint IS NULL OR round >= $4) AND ($5::bigint IS NULL OR round <= $5) ORDER BY round, seq`,
    latestCheckpoint: `SELECT ${CHECKPOINT} FROM ${s}.checkpoints WHERE run_id = $1 ORDER BY version DESC LIMIT 1`,
    getCheckpoint: `SELECT ${CHECKPOINT} FROM ${s}.checkpoints WHERE run_id = $1 AND version = $2`,
    listCheckpoints: `SELECT ${CHECKPOINT} FROM ${s}.checkpoints WHERE run_id = $1 ORDER BY version`,
    insertCheckpoint: insert('checkpoints', CHECKPOINT),
    getSession: `SELECT ${SESSION} FROM ${s}.client_sessions WHERE client_id = $1`,
    putSession: upsert('client_sessions', SESSION, ['client_id']),
    findSession: `SELECT ${SESSION} FROM ${s}.client_sessions WHERE resume_token_hash = $1
      ORDER BY last_seen DESC, client_id LIMIT 1`,
    putReport: upsert('evaluation_reports', REPORT, ['run_id', 'round', 'kind']),
    listReports: `SELECT ${REPORT} FROM ${s}.evaluation_reports WHERE run_id = $1
      AND ($2::text IS NULL OR kind = $2) AND ($3::bigint IS NULL OR round = $3) ORDER BY round, kind`,
  };
}

type Statements = ReturnType<typeof statements>;

/** An `evaluation_reports` row. */
interface ReportRow {
  run_id: string;
  round: number;
  kind: string;
  report: string;
  recorded_at: number;
}

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
    const row = await this.#one<RunRow>(db, text, [id]);
    return row && runRecord(row);
  }

  async listRuns(db: Queryable, q: RunQuery): Promise<RunRecord[]> {
    const rows = await query<RunRow>(db, this.#sql.listRuns, [q.status ?? null, q.limit ?? null, q.offset]);
    return rows.map(runRecord);
  }

  async insertRun(db: Queryable, run: RunRecord): Promise<void> {
    await execute(db, this.#sql.insertRun, values(RUN, runParams(run)));
  }

  /** Replaces the run if its stored revision is `expectedRevision`; false when it is not. */
  async replaceRun(db: Queryable, run: RunRecord, expectedRevision: number): Promise<boolean> {
    const changed = await execute(db, this.#sql.replaceRun, [
      ...values(RUN, runParams(run)),
      expectedRevision,
    ]);
    return changed === 1;
  }

  async getRound(db: Queryable, k: RoundKey): Promise<RoundRecord | undefined> {
    const row = await this.#one<RoundRow>(db, this.#sql.getRound, [k.runId, k.round, k.attempt]);
    return row && roundRecord(row);
  }

  async listRounds(db: Queryable, runId: string): Promise<RoundRecord[]> {
    return (await query<RoundRow>(db, this.#sql.listRounds, [runId])).map(roundRecord);
  }

  async putRound(db: Queryable, round: RoundRecord): Promise<void> {
    await execute(db, this.#sql.putRound, values(ROUND, roundParams(round)));
  }

  async hasOutcome(db: Queryable, k: OutcomeKey): Promise<boolean> {
    const rows = await query(db, this.#sql.hasOutcome, [k.runId, k.round, k.attempt, k.clientId]);
    return rows.length > 0;
  }

  async insertOutcome(db: Queryable, outcome: ClientOutcomeRecord): Promise<void> {
    await execute(db, this.#sql.insertOutcome, values(OUTCOME, outcomeParams(outcome)));
  }

  async listOutcomes(
    db: Queryable,
    runId: string,
    f: ListClientOutcomesOptions,
  ): Promise<ClientOutcomeRecord[]> {
    const params = [runId, f.round ?? null, f.attempt ?? null, f.clientId ?? null];
    return (await query<OutcomeRow>(db, this.#sql.listOutcomes, params)).map(outcomeRecord);
  }

  async insertMetric(db: Queryable, point: MetricPoint): Promise<void> {
    await execute(db, this.#sql.insertMetric, values(METRIC, metricParams(point)));
  }

  async listMetrics(db: Queryable, runId: string, f: ListMetricsOptions): Promise<MetricPoint[]> {
    const params = [runId, f.name ?? null, f.scope ?? null, f.fromRound ?? null, f.toRound ?? null];
    return (await query<MetricRow>(db, this.#sql.listMetrics, params)).map(metricRecord);
  }

  async latestCheckpoint(db: Queryable, runId: string): Promise<CheckpointRecord | undefined> {
    const row = await this.#one<CheckpointRow>(db, this.#sql.latestCheckpoint, [runId]);
    return row && checkpointRecord(row);
  }

  async getCheckpoint(db: Queryable, runId: string, version: number): Promise<CheckpointRecord | undefined> {
    const row = await this.#one<CheckpointRow>(db, this.#sql.getCheckpoint, [runId, version]);
    return row && checkpointRecord(row);
  }

  async listCheckpoints(db: Queryable, runId: string): Promise<CheckpointRecord[]> {
    return (await query<CheckpointRow>(db, this.#sql.listCheckpoints, [runId])).map(checkpointRecord);
  }

  async insertCheckpoint(db: Queryable, checkpoint: CheckpointRecord): Promise<void> {
    await execute(db, this.#sql.insertCheckpoint, values(CHECKPOINT, checkpointParams(checkpoint)));
  }

  async getSession(
    db: Queryable,
    clientId: string,
    lock: Lock = 'nolock',
  ): Promise<ClientSessionRecord | undefined> {
    const text = lock === 'lock' ? `${this.#sql.getSession} FOR NO KEY UPDATE` : this.#sql.getSession;
    const row = await this.#one<SessionRow>(db, text, [clientId]);
    return row && sessionRecord(row);
  }

  async putSession(db: Queryable, session: ClientSessionRecord): Promise<void> {
    await execute(db, this.#sql.putSession, values(SESSION, sessionParams(session)));
  }

  async findSessionByTokenHash(db: Queryable, hash: string): Promise<ClientSessionRecord | undefined> {
    const row = await this.#one<SessionRow>(db, this.#sql.findSession, [hash]);
    return row && sessionRecord(row);
  }

  async putReport(db: Queryable, r: EvaluationReportRecord): Promise<void> {
    const row: ReportRow = {
      run_id: r.runId,
      round: r.round,
      kind: r.kind,
      report: JSON.stringify(r.report),
      recorded_at: r.recordedAt,
    };
    await execute(db, this.#sql.putReport, values(REPORT, row));
  }

  async listReports(
    db: Queryable,
    runId: string,
    f: { readonly kind?: EvaluationKind; readonly round?: number },
  ): Promise<EvaluationReportRecord[]> {
    const rows = await query<ReportRow>(db, this.#sql.listReports, [runId, f.kind ?? null, f.round ?? null]);
    return rows.map((row) => ({
      runId: row.run_id,
      round: row.round,
      kind: row.kind as EvaluationKind,
      report: JSON.parse(row.report) as EvaluationReportRecord['report'],
      recordedAt: row.recorded_at,
    }));
  }
}

/**
 * StoreTables over one better-sqlite3 connection: every query a prepared statement,
 * every TableRunStore transaction a `BEGIN IMMEDIATE` transaction (so a second process
 * on the same file waits for the write lock instead of failing halfway).
 */
import type Database from 'better-sqlite3';
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
import type { OutcomeKey, RunQuery, StoreTables } from './store-tables.js';
import type {
  EvaluationKind,
  EvaluationReportRecord,
  ListEvaluationReportsOptions,
} from './evaluation-reports.js';

/** An `evaluation_reports` row. */
interface ReportRow {
  run_id: string;
  round: number;
  kind: string;
  report: string;
  recorded_at: number;
}

type Params = Record<string, string | number | null>;

const ROUND_COLUMNS = `run_id, round, attempt, state, started_at, ended_at, selected_count, completed_count,
  failed_count, dropped_count, bytes_up, bytes_down, train_metrics, eval_metrics, failure_reason`;
const OUTCOME_COLUMNS = `run_id, round, attempt, client_id, outcome, code, example_count, metrics, bytes_up,
  bytes_down, recorded_at`;
const RUN_COLUMNS = `id, name, status, config, created_at, updated_at, revision, current_round,
  current_model_version, strategy_state, best_metrics`;
const names = (columns: string): string[] => columns.split(',').map((c) => c.trim());
const named = (columns: string): string =>
  names(columns)
    .map((c) => `@${c}`)
    .join(', ');
/** `INSERT ... ON CONFLICT (key) DO UPDATE` (an in-place update: REPLACE would delete the row). */
const upsert = (table: string, columns: string, key: string[]): string =>
  `INSERT INTO ${table} (${columns}) VALUES (${named(columns)}) ON CONFLICT (${key.join(', ')}) DO UPDATE SET ` +
  names(columns)
    .filter((c) => !key.includes(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
const SESSION_COLUMNS = `client_id, resume_token_hash, capabilities, first_seen, last_seen, contributions,
  failures`;

const SQL = {
  getRun: `SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`,
  listRuns: `SELECT ${RUN_COLUMNS} FROM runs WHERE (@status IS NULL OR status = @status)
    ORDER BY seq LIMIT @limit OFFSET @offset`,
  insertRun: `INSERT INTO runs (${RUN_COLUMNS}) VALUES (${named(RUN_COLUMNS)})`,
  replaceRun: `UPDATE runs SET name = @name, status = @status, config = @config, updated_at = @updated_at,
    revision = @revision, current_round = @current_round, current_model_version = @current_model_version,
    strategy_state = @strategy_state, best_metrics = @best_metrics
    WHERE id = @id AND revision = @expected`,
  getRound: `SELECT ${ROUND_COLUMNS} FROM rounds WHERE run_id = ? AND round = ? AND attempt = ?`,
  listRounds: `SELECT ${ROUND_COLUMNS} FROM rounds WHERE run_id = ? ORDER BY round, attempt`,
  putRound: upsert('rounds', ROUND_COLUMNS, ['run_id', 'round', 'attempt']),
  hasOutcome: `SELECT 1 FROM client_outcomes WHERE run_id = ? AND round = ? AND attempt = ? AND client_id = ?`,
  insertOutcome: `INSERT INTO client_outcomes (${OUTCOME_COLUMNS}) VALUES (${named(OUTCOME_COLUMNS)})`,
  listOutcomes: `SELECT ${OUTCOME_COLUMNS} FROM client_outcomes WHERE run_id = @run_id
    AND (@round IS NULL OR round = @round) AND (@attempt IS NULL OR attempt = @attempt)
    AND (@client_id IS NULL OR client_id = @client_id) ORDER BY seq`,
  insertMetric: `INSERT INTO metrics (run_id, round, name, value, scope, recorded_at)
    VALUES (@run_id, @round, @name, @value, @scope, @recorded_at)`,
  listMetrics: `SELECT run_id, round, name, value, scope, recorded_at FROM metrics WHERE run_id = @run_id
    AND (@name IS NULL OR name = @name) AND (@scope IS NULL OR scope = @scope)
    AND (@from IS NULL OR round >= @from) AND (@to IS NULL OR round <= @to) ORDER BY round, seq`,
  latestCheckpoint: `SELECT * FROM checkpoints WHERE run_id = ? ORDER BY version DESC LIMIT 1`,
  getCheckpoint: `SELECT * FROM checkpoints WHERE run_id = ? AND version = ?`,
  listCheckpoints: `SELECT * FROM checkpoints WHERE run_id = ? ORDER BY version`,
  insertCheckpoint: `INSERT INTO checkpoints (run_id, version, round, hash, byte_size, created_at)
    VALUES (@run_id, @version, @round, @hash, @byte_size, @created_at)`,
  getSession: `SELECT ${SESSION_COLUMNS} FROM client_sessions WHERE client_id = ?`,
  putSession: upsert('client_sessions', SESSION_COLUMNS, ['client_id']),
  findSessionByTokenHash: `SELECT ${SESSION_COLUMNS} FROM client_sessions WHERE resume_token_hash = ?
    ORDER BY last_seen DESC, client_id LIMIT 1`,
  putReport: upsert('evaluation_reports', 'run_id, round, kind, report, recorded_at', [
    'run_id',
    'round',
    'kind',
  ]),
  listReports: `SELECT run_id, round, kind, report, recorded_at FROM evaluation_reports
    WHERE run_id = @run_id AND (@kind IS NULL OR kind = @kind) AND (@round IS NULL OR round = @round)
    ORDER BY round, kind`,
} as const;

type Statements = { readonly [K in keyof typeof SQL]: Database.Statement };

/** StoreTables over an open, migrated database. `close()` closes the database. */
export class SqliteTables implements StoreTables {
  readonly #db: Database.Database;
  readonly #s: Statements;

  constructor(db: Database.Database) {
    this.#db = db;
    const entries = Object.entries(SQL).map(([k, sql]) => [k, db.prepare(sql)]);
    this.#s = Object.fromEntries(entries) as Statements;
  }

  #get(name: keyof typeof SQL, ...args: unknown[]): unknown {
    return this.#s[name].get(...args);
  }

  #all(name: keyof typeof SQL, ...args: unknown[]): unknown[] {
    return this.#s[name].all(...args);
  }

  #run(name: keyof typeof SQL, params: object): number {
    return this.#s[name].run(params).changes;
  }

  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  getRun(id: string): RunRecord | undefined {
    const row = this.#get('getRun', id) as RunRow | undefined;
    return row && runRecord(row);
  }

  listRuns(q: RunQuery): RunRecord[] {
    const params: Params = { status: q.status ?? null, limit: q.limit ?? -1, offset: q.offset };
    return (this.#all('listRuns', params) as RunRow[]).map(runRecord);
  }

  insertRun(run: RunRecord): void {
    this.#run('insertRun', runParams(run));
  }

  replaceRun(run: RunRecord, expectedRevision: number): boolean {
    return this.#run('replaceRun', { ...runParams(run), expected: expectedRevision }) === 1;
  }

  getRound(k: RoundKey): RoundRecord | undefined {
    const row = this.#get('getRound', k.runId, k.round, k.attempt) as RoundRow | undefined;
    return row && roundRecord(row);
  }

  listRounds(runId: string): RoundRecord[] {
    return (this.#all('listRounds', runId) as RoundRow[]).map(roundRecord);
  }

  putRound(round: RoundRecord): void {
    this.#run('putRound', roundParams(round));
  }

  hasOutcome(k: OutcomeKey): boolean {
    return this.#get('hasOutcome', k.runId, k.round, k.attempt, k.clientId) !== undefined;
  }

  insertOutcome(outcome: ClientOutcomeRecord): void {
    this.#run('insertOutcome', outcomeParams(outcome));
  }

  listOutcomes(runId: string, f: ListClientOutcomesOptions): ClientOutcomeRecord[] {
    const params: Params = {
      run_id: runId,
      round: f.round ?? null,
      attempt: f.attempt ?? null,
      client_id: f.clientId ?? null,
    };
    return (this.#all('listOutcomes', params) as OutcomeRow[]).map(outcomeRecord);
  }

  insertMetric(point: MetricPoint): void {
    this.#run('insertMetric', metricParams(point));
  }

  listMetrics(runId: string, f: ListMetricsOptions): MetricPoint[] {
    const params: Params = {
      run_id: runId,
      name: f.name ?? null,
      scope: f.scope ?? null,
      from: f.fromRound ?? null,
      to: f.toRound ?? null,
    };
    return (this.#all('listMetrics', params) as MetricRow[]).map(metricRecord);
  }

  latestCheckpoint(runId: string): CheckpointRecord | undefined {
    const row = this.#get('latestCheckpoint', runId) as CheckpointRow | undefined;
    return row && checkpointRecord(row);
  }

  getCheckpoint(runId: string, version: number): CheckpointRecord | undefined {
    const row = this.#get('getCheckpoint', runId, version) as CheckpointRow | undefined;
    return row && checkpointRecord(row);
  }

  listCheckpoints(runId: string): CheckpointRecord[] {
    return (this.#all('listCheckpoints', runId) as CheckpointRow[]).map(checkpointRecord);
  }

  insertCheckpoint(checkpoint: CheckpointRecord): void {
    this.#run('insertCheckpoint', checkpointParams(checkpoint));
  }

  getSession(clientId: string): ClientSessionRecord | undefined {
    const row = this.#get('getSession', clientId) as SessionRow | undefined;
    return row && sessionRecord(row);
  }

  putSession(session: ClientSessionRecord): void {
    this.#run('putSession', sessionParams(session));
  }

  findSessionByTokenHash(resumeTokenHash: string): ClientSessionRecord | undefined {
    const row = this.#get('findSessionByTokenHash', resumeTokenHash) as SessionRow | undefined;
    return row && sessionRecord(row);
  }

  putReport(r: EvaluationReportRecord): void {
    const row: ReportRow = {
      run_id: r.runId,
      round: r.round,
      kind: r.kind,
      report: JSON.stringify(r.report),
      recorded_at: r.recordedAt,
    };
    this.#run('putReport', row);
  }

  listReports(runId: string, f: ListEvaluationReportsOptions): EvaluationReportRecord[] {
    const params: Params = { run_id: runId, kind: f.kind ?? null, round: f.round ?? null };
    return (this.#all('listReports', params) as ReportRow[]).map((row) => ({
      runId: row.run_id,
      round: row.round,
      kind: row.kind as EvaluationKind,
      report: JSON.parse(row.report) as EvaluationReportRecord['report'],
      recordedAt: row.recorded_at,
    }));
  }

  close(): void {
    this.#db.close();
  }
}

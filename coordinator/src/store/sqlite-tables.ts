/**
 * StoreTables over one better-sqlite3 connection: every query a prepared statement,
 * every TableRunStore transaction a `BEGIN IMMEDIATE` transaction (so a second process
 * on the same file waits for the write lock instead of failing halfway). Rows map to
 * records with row-mapping.ts ({@link ROWS}).
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
import { ROWS, type TableColumns } from './row-mapping.js';
import type { OutcomeKey, RunQuery, StoreTables } from './store-tables.js';
import type { EvaluationReportRecord, ListEvaluationReportsOptions } from './evaluation-reports.js';

type Params = Record<string, string | number | null>;

const { run: RUN, round: ROUND, outcome: OUTCOME, metric: METRIC, checkpoint: CHECKPOINT } = ROWS;
const { session: SESSION, report: REPORT } = ROWS;
const named = (names: readonly string[]): string => names.map((c) => `@${c}`).join(', ');
const insert = (table: string, m: TableColumns): string =>
  `INSERT INTO ${table} (${m.columns}) VALUES (${named(m.names)})`;
/** `INSERT ... ON CONFLICT (key) DO UPDATE` (an in-place update: REPLACE would delete the row). */
const upsert = (table: string, m: TableColumns, key: string[]): string =>
  `${insert(table, m)} ON CONFLICT (${key.join(', ')}) DO UPDATE SET ` +
  m.names
    .filter((c) => !key.includes(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');

const SQL = {
  getRun: `SELECT ${RUN.columns} FROM runs WHERE id = ?`,
  listRuns: `SELECT ${RUN.columns} FROM runs WHERE (@status IS NULL OR status = @status)
    ORDER BY seq LIMIT @limit OFFSET @offset`,
  insertRun: insert('runs', RUN),
  replaceRun: `UPDATE runs SET name = @name, status = @status, config = @config, updated_at = @updated_at,
    revision = @revision, current_round = @current_round, current_model_version = @current_model_version,
    strategy_state = @strategy_state, best_metrics = @best_metrics
    WHERE id = @id AND revision = @expected`,
  getFence: `SELECT fence_epoch FROM runs WHERE id = ?`,
  setFence: `UPDATE runs SET fence_epoch = @epoch WHERE id = @id`,
  getRound: `SELECT ${ROUND.columns} FROM rounds WHERE run_id = ? AND round = ? AND attempt = ?`,
  listRounds: `SELECT ${ROUND.columns} FROM rounds WHERE run_id = ? ORDER BY round, attempt`,
  putRound: upsert('rounds', ROUND, ['run_id', 'round', 'attempt']),
  hasOutcome: `SELECT 1 FROM client_outcomes WHERE run_id = ? AND round = ? AND attempt = ? AND client_id = ?`,
  insertOutcome: insert('client_outcomes', OUTCOME),
  listOutcomes: `SELECT ${OUTCOME.columns} FROM client_outcomes WHERE run_id = @run_id
    AND (@round IS NULL OR round = @round) AND (@attempt IS NULL OR attempt = @attempt)
    AND (@client_id IS NULL OR client_id = @client_id) ORDER BY seq`,
  insertMetric: insert('metrics', METRIC),
  listMetrics: `SELECT ${METRIC.columns} FROM metrics WHERE run_id = @run_id
    AND (@name IS NULL OR name = @name) AND (@scope IS NULL OR scope = @scope)
    AND (@from IS NULL OR round >= @from) AND (@to IS NULL OR round <= @to) ORDER BY round, seq`,
  latestCheckpoint: `SELECT ${CHECKPOINT.columns} FROM checkpoints WHERE run_id = ? ORDER BY version DESC LIMIT 1`,
  getCheckpoint: `SELECT ${CHECKPOINT.columns} FROM checkpoints WHERE run_id = ? AND version = ?`,
  listCheckpoints: `SELECT ${CHECKPOINT.columns} FROM checkpoints WHERE run_id = ? ORDER BY version`,
  insertCheckpoint: insert('checkpoints', CHECKPOINT),
  getSession: `SELECT ${SESSION.columns} FROM client_sessions WHERE client_id = ?`,
  putSession: upsert('client_sessions', SESSION, ['client_id']),
  findSessionByTokenHash: `SELECT ${SESSION.columns} FROM client_sessions WHERE resume_token_hash = ?
    ORDER BY last_seen DESC, client_id LIMIT 1`,
  putReport: upsert('evaluation_reports', REPORT, ['run_id', 'round', 'kind']),
  listReports: `SELECT ${REPORT.columns} FROM evaluation_reports
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
    const row = this.#get('getRun', id);
    return row === undefined ? undefined : RUN.record(row);
  }

  listRuns(q: RunQuery): RunRecord[] {
    const params: Params = { status: q.status ?? null, limit: q.limit ?? -1, offset: q.offset };
    return this.#all('listRuns', params).map(RUN.record);
  }

  insertRun(run: RunRecord): void {
    this.#run('insertRun', RUN.row(run));
  }

  replaceRun(run: RunRecord, expectedRevision: number): boolean {
    return this.#run('replaceRun', { ...RUN.row(run), expected: expectedRevision }) === 1;
  }

  getFence(runId: string): number | undefined {
    const row = this.#get('getFence', runId) as { fence_epoch: number | null } | undefined;
    return row?.fence_epoch ?? undefined;
  }

  setFence(runId: string, epoch: number): void {
    this.#run('setFence', { id: runId, epoch });
  }

  getRound(k: RoundKey): RoundRecord | undefined {
    const row = this.#get('getRound', k.runId, k.round, k.attempt);
    return row === undefined ? undefined : ROUND.record(row);
  }

  listRounds(runId: string): RoundRecord[] {
    return this.#all('listRounds', runId).map(ROUND.record);
  }

  putRound(round: RoundRecord): void {
    this.#run('putRound', ROUND.row(round));
  }

  hasOutcome(k: OutcomeKey): boolean {
    return this.#get('hasOutcome', k.runId, k.round, k.attempt, k.clientId) !== undefined;
  }

  insertOutcome(outcome: ClientOutcomeRecord): void {
    this.#run('insertOutcome', OUTCOME.row(outcome));
  }

  listOutcomes(runId: string, f: ListClientOutcomesOptions): ClientOutcomeRecord[] {
    const params: Params = {
      run_id: runId,
      round: f.round ?? null,
      attempt: f.attempt ?? null,
      client_id: f.clientId ?? null,
    };
    return this.#all('listOutcomes', params).map(OUTCOME.record);
  }

  insertMetric(point: MetricPoint): void {
    this.#run('insertMetric', METRIC.row(point));
  }

  listMetrics(runId: string, f: ListMetricsOptions): MetricPoint[] {
    const params: Params = {
      run_id: runId,
      name: f.name ?? null,
      scope: f.scope ?? null,
      from: f.fromRound ?? null,
      to: f.toRound ?? null,
    };
    return this.#all('listMetrics', params).map(METRIC.record);
  }

  latestCheckpoint(runId: string): CheckpointRecord | undefined {
    const row = this.#get('latestCheckpoint', runId);
    return row === undefined ? undefined : CHECKPOINT.record(row);
  }

  getCheckpoint(runId: string, version: number): CheckpointRecord | undefined {
    const row = this.#get('getCheckpoint', runId, version);
    return row === undefined ? undefined : CHECKPOINT.record(row);
  }

  listCheckpoints(runId: string): CheckpointRecord[] {
    return this.#all('listCheckpoints', runId).map(CHECKPOINT.record);
  }

  insertCheckpoint(checkpoint: CheckpointRecord): void {
    this.#run('insertCheckpoint', CHECKPOINT.row(checkpoint));
  }

  getSession(clientId: string): ClientSessionRecord | undefined {
    const row = this.#get('getSession', clientId);
    return row === undefined ? undefined : SESSION.record(row);
  }

  putSession(session: ClientSessionRecord): void {
    this.#run('putSession', SESSION.row(session));
  }

  findSessionByTokenHash(resumeTokenHash: string): ClientSessionRecord | undefined {
    const row = this.#get('findSessionByTokenHash', resumeTokenHash);
    return row === undefined ? undefined : SESSION.record(row);
  }

  putReport(r: EvaluationReportRecord): void {
    this.#run('putReport', REPORT.row(r));
  }

  listReports(runId: string, f: ListEvaluationReportsOptions): EvaluationReportRecord[] {
    const params: Params = { run_id: runId, kind: f.kind ?? null, round: f.round ?? null };
    return this.#all('listReports', params).map(REPORT.record);
  }

  close(): void {
    this.#db.close();
  }
}

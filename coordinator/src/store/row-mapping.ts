/**
 * Each run-store table described once for the SQLite and PostgreSQL statements
 * ({@link ROWS}): its columns in SQL order and both directions of its row <-> record mapping
 * (sqlite-rows.ts; the evaluation reports' mapping is here).
 */
import type { EvaluationKind, EvaluationReportRecord } from './evaluation-reports.js';
import type { JsonObject } from './json.js';
import {
  checkpointParams,
  checkpointRecord,
  json,
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
} from './sqlite-rows.js';

/** An `evaluation_reports` row. */
export interface ReportRow {
  run_id: string;
  round: number;
  kind: string;
  report: string;
  recorded_at: number;
}

/** Record -> named parameters of an `evaluation_reports` upsert. */
export const reportParams = (r: EvaluationReportRecord): ReportRow => ({
  run_id: r.runId,
  round: r.round,
  kind: r.kind,
  report: JSON.stringify(r.report),
  recorded_at: r.recordedAt,
});

/** `evaluation_reports` row -> record. */
export const reportRecord = (row: ReportRow): EvaluationReportRecord => ({
  runId: row.run_id,
  round: row.round,
  kind: row.kind as EvaluationKind,
  report: json(row.report) as JsonObject,
  recordedAt: row.recorded_at,
});

/** A table's columns in SQL order. */
export interface TableColumns {
  /** As SQL text (`a, b, c`). */
  readonly columns: string;
  /** As a list. */
  readonly names: readonly string[];
}

/** One table's mapping: its columns and both directions of the row <-> record mapping. */
export interface RowMapping<R> extends TableColumns {
  /** Record -> row (named parameters keyed by column). */
  readonly row: (record: R) => Readonly<Record<string, unknown>>;
  /** Row as the database returns it (trusted to have the schema's shape) -> record. */
  readonly record: (row: unknown) => R;
}

function mapping<R, W extends object>(
  columns: string,
  row: (record: R) => W,
  record: (row: W) => R,
): RowMapping<R> {
  return {
    columns,
    names: columns.split(',').map((c) => c.trim()),
    row: (r) => row(r) as Readonly<Record<string, unknown>>,
    record: (w) => record(w as W),
  };
}

/** Every run-store table's mapping. */
export const ROWS = {
  run: mapping(
    `id, name, status, config, created_at, updated_at, revision, current_round,
  current_model_version, strategy_state, best_metrics`,
    runParams,
    runRecord,
  ),
  round: mapping(
    `run_id, round, attempt, state, started_at, ended_at, selected_count, completed_count,
  failed_count, dropped_count, bytes_up, bytes_down, train_metrics, eval_metrics, failure_reason`,
    roundParams,
    roundRecord,
  ),
  outcome: mapping(
    `run_id, round, attempt, client_id, outcome, code, example_count, metrics, bytes_up,
  bytes_down, recorded_at`,
    outcomeParams,
    outcomeRecord,
  ),
  metric: mapping('run_id, round, name, value, scope, recorded_at', metricParams, metricRecord),
  checkpoint: mapping(
    'run_id, version, round, hash, byte_size, created_at',
    checkpointParams,
    checkpointRecord,
  ),
  session: mapping(
    'client_id, resume_token_hash, capabilities, first_seen, last_seen, contributions, failures',
    sessionParams,
    sessionRecord,
  ),
  report: mapping('run_id, round, kind, report, recorded_at', reportParams, reportRecord),
} as const;

/**
 * Row <-> record mapping for the SQLite and PostgreSQL run stores (their schemas have the
 * same columns). Rows come back exactly as the schema stores them (snake_case, JSON as
 * TEXT); records are the public camelCase shapes. row-mapping.ts puts them together per
 * table ({@link ROWS}) for both stores' statements.
 */
import type { ErrorCode } from '@edgefed/shared';
import type { JsonObject, JsonValue, MetricMap } from './json.js';
import type {
  CheckpointRecord,
  ClientOutcomeKind,
  ClientOutcomeRecord,
  ClientSessionRecord,
  MetricPoint,
  MetricScope,
  RoundRecord,
  RoundState,
  RunRecord,
  RunStatus,
} from './records.js';

/** Parses a JSON column. */
export const json = (text: string): unknown => JSON.parse(text);

/** A `runs` row. */
export interface RunRow {
  id: string;
  name: string;
  status: string;
  config: string;
  created_at: number;
  updated_at: number;
  revision: number;
  current_round: number;
  current_model_version: number | null;
  strategy_state: string;
  best_metrics: string;
}

/** Record -> named parameters of a `runs` insert/update. */
export function runParams(r: RunRecord): RunRow {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    config: JSON.stringify(r.config),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    revision: r.revision,
    current_round: r.currentRound,
    current_model_version: r.currentModelVersion,
    strategy_state: JSON.stringify(r.strategyState),
    best_metrics: JSON.stringify(r.bestMetrics),
  };
}

/** `runs` row -> record. */
export function runRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    name: row.name,
    status: row.status as RunStatus,
    config: json(row.config) as JsonObject,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revision: row.revision,
    currentRound: row.current_round,
    currentModelVersion: row.current_model_version,
    strategyState: json(row.strategy_state) as JsonValue,
    bestMetrics: json(row.best_metrics) as MetricMap,
  };
}

/** A `rounds` row. */
export interface RoundRow {
  run_id: string;
  round: number;
  attempt: number;
  state: string;
  started_at: number;
  ended_at: number | null;
  selected_count: number;
  completed_count: number;
  failed_count: number;
  dropped_count: number;
  bytes_up: number;
  bytes_down: number;
  train_metrics: string;
  eval_metrics: string;
  failure_reason: string | null;
}

/** Record -> named parameters of a `rounds` upsert. */
export function roundParams(r: RoundRecord): RoundRow {
  return {
    run_id: r.runId,
    round: r.round,
    attempt: r.attempt,
    state: r.state,
    started_at: r.startedAt,
    ended_at: r.endedAt,
    selected_count: r.selectedCount,
    completed_count: r.completedCount,
    failed_count: r.failedCount,
    dropped_count: r.droppedCount,
    bytes_up: r.bytesUp,
    bytes_down: r.bytesDown,
    train_metrics: JSON.stringify(r.trainMetrics),
    eval_metrics: JSON.stringify(r.evalMetrics),
    failure_reason: r.failureReason,
  };
}

/** `rounds` row -> record. */
export function roundRecord(row: RoundRow): RoundRecord {
  return {
    runId: row.run_id,
    round: row.round,
    attempt: row.attempt,
    state: row.state as RoundState,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    selectedCount: row.selected_count,
    completedCount: row.completed_count,
    failedCount: row.failed_count,
    droppedCount: row.dropped_count,
    bytesUp: row.bytes_up,
    bytesDown: row.bytes_down,
    trainMetrics: json(row.train_metrics) as MetricMap,
    evalMetrics: json(row.eval_metrics) as MetricMap,
    failureReason: row.failure_reason,
  };
}

/** A `client_outcomes` row (without its seq). */
export interface OutcomeRow {
  run_id: string;
  round: number;
  attempt: number;
  client_id: string;
  outcome: string;
  code: string | null;
  example_count: number;
  metrics: string;
  bytes_up: number;
  bytes_down: number;
  recorded_at: number;
}

/** Record -> named parameters of a `client_outcomes` insert. */
export function outcomeParams(o: ClientOutcomeRecord): OutcomeRow {
  return {
    run_id: o.runId,
    round: o.round,
    attempt: o.attempt,
    client_id: o.clientId,
    outcome: o.outcome,
    code: o.code,
    example_count: o.exampleCount,
    metrics: JSON.stringify(o.metrics),
    bytes_up: o.bytesUp,
    bytes_down: o.bytesDown,
    recorded_at: o.recordedAt,
  };
}

/** `client_outcomes` row -> record. */
export function outcomeRecord(row: OutcomeRow): ClientOutcomeRecord {
  return {
    runId: row.run_id,
    round: row.round,
    attempt: row.attempt,
    clientId: row.client_id,
    outcome: row.outcome as ClientOutcomeKind,
    code: row.code as ErrorCode | null,
    exampleCount: row.example_count,
    metrics: json(row.metrics) as MetricMap,
    bytesUp: row.bytes_up,
    bytesDown: row.bytes_down,
    recordedAt: row.recorded_at,
  };
}

/** A `metrics` row (without its seq). */
export interface MetricRow {
  run_id: string;
  round: number;
  name: string;
  value: number;
  scope: string;
  recorded_at: number;
}

/** `metrics` row <-> record. */
export const metricParams = (m: MetricPoint): MetricRow => ({
  run_id: m.runId,
  round: m.round,
  name: m.name,
  value: m.value,
  scope: m.scope,
  recorded_at: m.recordedAt,
});

/** `metrics` row -> record. */
export const metricRecord = (row: MetricRow): MetricPoint => ({
  runId: row.run_id,
  round: row.round,
  name: row.name,
  value: row.value,
  scope: row.scope as MetricScope,
  recordedAt: row.recorded_at,
});

/** A `checkpoints` row. */
export interface CheckpointRow {
  run_id: string;
  version: number;
  round: number;
  hash: string;
  byte_size: number;
  created_at: number;
}

/** Record -> named parameters of a `checkpoints` insert. */
export const checkpointParams = (c: CheckpointRecord): CheckpointRow => ({
  run_id: c.runId,
  version: c.version,
  round: c.round,
  hash: c.hash,
  byte_size: c.byteSize,
  created_at: c.createdAt,
});

/** `checkpoints` row -> record. */
export const checkpointRecord = (row: CheckpointRow): CheckpointRecord => ({
  runId: row.run_id,
  version: row.version,
  round: row.round,
  hash: row.hash,
  byteSize: row.byte_size,
  createdAt: row.created_at,
});

/** A `client_sessions` row. */
export interface SessionRow {
  client_id: string;
  resume_token_hash: string;
  capabilities: string;
  first_seen: number;
  last_seen: number;
  contributions: number;
  failures: number;
}

/** Record -> named parameters of a `client_sessions` upsert. */
export const sessionParams = (s: ClientSessionRecord): SessionRow => ({
  client_id: s.clientId,
  resume_token_hash: s.resumeTokenHash,
  capabilities: JSON.stringify(s.capabilities),
  first_seen: s.firstSeen,
  last_seen: s.lastSeen,
  contributions: s.contributions,
  failures: s.failures,
});

/** `client_sessions` row -> record. */
export const sessionRecord = (row: SessionRow): ClientSessionRecord => ({
  clientId: row.client_id,
  resumeTokenHash: row.resume_token_hash,
  capabilities: json(row.capabilities) as JsonObject,
  firstSeen: row.first_seen,
  lastSeen: row.last_seen,
  contributions: row.contributions,
  failures: row.failures,
});

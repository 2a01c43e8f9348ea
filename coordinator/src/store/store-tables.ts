/**
 * StoreTables: the storage primitives under every RunStore. `TableRunStore` implements the
 * RunStore semantics (validation, revisions, monotonic versions, atomic commits) once on
 * top of this interface; `MemoryTables` and `SqliteTables` only store and fetch records.
 *
 * Primitives are synchronous and trust their input (the caller validated it). Reads return
 * records the caller may keep; writes must not keep references to the caller's objects.
 */
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
  RunStatus,
} from './records.js';
import type { EvaluationReportRecord, ListEvaluationReportsOptions } from './evaluation-reports.js';

/** Validated `listRuns` options. */
export interface RunQuery {
  readonly status: RunStatus | undefined;
  readonly limit: number | undefined;
  readonly offset: number;
}

/** One client's outcome key. */
export interface OutcomeKey extends RoundKey {
  readonly clientId: string;
}

/** Storage primitives; see the file comment. */
export interface StoreTables {
  /**
   * Runs `fn` so that its writes all happen or none do: if `fn` throws, every write it
   * made is undone and the error is rethrown. Not re-entrant.
   */
  transaction<T>(fn: () => T): T;

  getRun(id: string): RunRecord | undefined;
  /** Runs in creation order. */
  listRuns(query: RunQuery): RunRecord[];
  insertRun(run: RunRecord): void;
  /** Replaces the run with `run.id`; with `expectedRevision`, only if the stored one matches. */
  replaceRun(run: RunRecord, expectedRevision: number): boolean;
  /** The highest fencing epoch a write of the run carried, or undefined (none yet). */
  getFence(runId: string): number | undefined;
  /** Stores the run's fencing epoch (the caller checked it is not lower). */
  setFence(runId: string, epoch: number): void;

  getRound(key: RoundKey): RoundRecord | undefined;
  /** Ordered by round, then attempt. */
  listRounds(runId: string): RoundRecord[];
  /** Inserts the round attempt or replaces the one with the same key. */
  putRound(round: RoundRecord): void;

  hasOutcome(key: OutcomeKey): boolean;
  insertOutcome(outcome: ClientOutcomeRecord): void;
  /** In insertion order. */
  listOutcomes(runId: string, filter: ListClientOutcomesOptions): ClientOutcomeRecord[];

  insertMetric(point: MetricPoint): void;
  /** Ordered by round, then insertion. */
  listMetrics(runId: string, filter: ListMetricsOptions): MetricPoint[];

  latestCheckpoint(runId: string): CheckpointRecord | undefined;
  getCheckpoint(runId: string, version: number): CheckpointRecord | undefined;
  /** In version order. */
  listCheckpoints(runId: string): CheckpointRecord[];
  insertCheckpoint(checkpoint: CheckpointRecord): void;

  getSession(clientId: string): ClientSessionRecord | undefined;
  /** Inserts or replaces the session with `session.clientId`. */
  putSession(session: ClientSessionRecord): void;
  /** The session holding this resume-token hash (the latest seen if several), or undefined. */
  findSessionByTokenHash(resumeTokenHash: string): ClientSessionRecord | undefined;

  /** Inserts the report or replaces the one with the same run, round and kind. */
  putReport(report: EvaluationReportRecord): void;
  /** Ordered by round, then kind (central before federated). */
  listReports(runId: string, filter: ListEvaluationReportsOptions): EvaluationReportRecord[];

  /** Releases resources; called once. */
  close(): void;
}

/**
 * RunStore: the coordinator's truth. Everything a restarted coordinator needs — runs,
 * rounds, client outcomes, metrics, checkpoints, client sessions — goes through this
 * interface. Implementations: the SQLite store (durable, the default), the in-memory store
 * (tests, simulations) and the PostgreSQL store (several coordinator nodes); all pass
 * `runRunStoreConformance`. `fenceRunStore` wraps one for a run lease holder (cluster mode).
 *
 * Conventions shared by every method:
 * - Records are returned as fresh plain objects; mutating one never changes the store.
 * - Bad input (wrong types, negative counts, unknown enum values) throws `INVALID_ARGUMENT`;
 *   NaN/Infinity in metrics or JSON throws `NON_FINITE`.
 * - A missing run/round/checkpoint throws `NOT_FOUND` (including list methods given an
 *   unknown run id); `latestCheckpoint` and `getClientSession` return `undefined` instead,
 *   because "none yet" is normal there.
 * - Creating something that exists throws `ALREADY_EXISTS`; a stale `expectedRevision`, a
 *   non-increasing checkpoint version or a stale fencing epoch (`fence`) throws `CONFLICT`.
 * - Storage failures throw `STORE_ERROR`; calls after `close()` throw `FAILED_PRECONDITION`.
 */
import type {
  CheckpointInput,
  CheckpointRecord,
  ClientOutcomeFields,
  ClientOutcomeInput,
  ClientOutcomeRecord,
  ClientSessionInput,
  ClientSessionRecord,
  CreateRunInput,
  ListClientOutcomesOptions,
  ListMetricsOptions,
  ListRunsOptions,
  MetricInput,
  MetricPoint,
  MetricScope,
  RoundInput,
  RoundKey,
  RoundPatch,
  RoundRecord,
  RunPatch,
  RunRecord,
} from './records.js';
import type {
  EvaluationReportInput,
  EvaluationReportRecord,
  ListEvaluationReportsOptions,
} from './evaluation-reports.js';

/**
 * A fencing token: the epoch of the run lease the writer holds (cluster mode). The store
 * keeps the highest epoch any fenced write of the run has carried and refuses, with
 * `CONFLICT` (`details: { runId, storedEpoch, epoch }`) and nothing written, a write whose
 * epoch is below it: a deposed leader that does not know it yet cannot write over its
 * successor. An equal or higher epoch is accepted (and becomes the stored one), atomically
 * with the write. Writes without a fence (one coordinator) neither check nor change it.
 */
export interface WriteFence {
  /** A non-negative integer (lease epochs start at 1). */
  readonly epoch: number;
}

/** Options of the run writes a lease holder makes (`saveCheckpoint`, `updateRun`). */
export interface FenceOptions {
  /** See {@link WriteFence}. */
  readonly fence?: WriteFence;
}

/** Options of `updateRun`. */
export interface UpdateRunOptions extends FenceOptions {
  /** When set, the update fails with `CONFLICT` unless the run's revision equals it. */
  readonly expectedRevision?: number;
}

/** A metric inside `commitRound`; its round is the committed round's. */
export interface RoundMetricInput {
  readonly name: string;
  readonly value: number;
  readonly scope: MetricScope;
}

/** A checkpoint inside `commitRound`; its run and round are the committed round's. */
export interface RoundCheckpointInput {
  readonly version: number;
  readonly hash: string;
  readonly byteSize: number;
}

/** Everything one finished round writes, committed all together or not at all. */
export interface CommitRoundInput {
  /** Changes to the run (e.g. currentRound, currentModelVersion, strategyState, bestMetrics). */
  readonly runUpdate: RunPatch;
  /** When set, the commit fails with `CONFLICT` unless the run's revision equals it. */
  readonly expectedRevision?: number;
  /** The writer's lease epoch; see {@link WriteFence}. */
  readonly fence?: WriteFence;
  /** The full round record: inserted, or replacing the stored attempt with the same key. */
  readonly round: RoundInput;
  /** Client outcomes of this attempt not yet recorded (a client recorded twice: `ALREADY_EXISTS`). */
  readonly outcomes?: readonly ClientOutcomeFields[];
  /** Metric points for this round. */
  readonly metrics?: readonly RoundMetricInput[];
  /** The new global model; write its blob first, so the record never points at nothing. */
  readonly checkpoint?: RoundCheckpointInput;
}

/** What `commitRound` wrote. */
export interface CommitRoundResult {
  readonly run: RunRecord;
  readonly round: RoundRecord;
  readonly checkpoint: CheckpointRecord | undefined;
}

/** The coordinator's persistent state. All methods are atomic; see the file comment for errors. */
export interface RunStore {
  /** Creates a run with revision 0, round 0, no model version. Duplicate id: `ALREADY_EXISTS`. */
  createRun(input: CreateRunInput): Promise<RunRecord>;
  /** The run with this id; `NOT_FOUND` when there is none. */
  getRun(id: string): Promise<RunRecord>;
  /** Runs in creation order, optionally filtered by status and paged. */
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]>;
  /**
   * Applies `patch`, bumps `revision` and `updatedAt`. With `expectedRevision`, fails with
   * `CONFLICT` (changing nothing) if someone else updated the run first; with `fence`, if
   * the run has seen a higher epoch ({@link WriteFence}).
   */
  updateRun(id: string, patch: RunPatch, options?: UpdateRunOptions): Promise<RunRecord>;
  /**
   * Raises the run's fencing epoch to `fence.epoch` without writing anything else (equal:
   * nothing changes); `CONFLICT` when the run has seen a higher one. A new lease holder calls
   * it before it drives the run, so that the previous holder's writes are refused from then
   * on, not only from its own first write. Unknown run: `NOT_FOUND`.
   */
  raiseFence(runId: string, fence: WriteFence): Promise<void>;

  /** Records a new round attempt. Unknown run: `NOT_FOUND`; same key twice: `ALREADY_EXISTS`. */
  recordRound(input: RoundInput): Promise<RoundRecord>;
  /** Changes fields of an existing round attempt; `NOT_FOUND` when it does not exist. */
  updateRound(key: RoundKey, patch: RoundPatch): Promise<RoundRecord>;
  /** One round attempt; `NOT_FOUND` when it does not exist. */
  getRound(key: RoundKey): Promise<RoundRecord>;
  /** A run's round attempts ordered by round, then attempt. */
  listRounds(runId: string): Promise<RoundRecord[]>;

  /**
   * Records client outcomes atomically (all or none). The round attempt must exist
   * (`NOT_FOUND`); one outcome per client per attempt (`ALREADY_EXISTS`). A client with a
   * session gets `contributions` +1 for 'completed' and `failures` +1 for anything else.
   */
  recordClientOutcomes(outcomes: readonly ClientOutcomeInput[]): Promise<ClientOutcomeRecord[]>;
  /** Records one client outcome; see {@link RunStore.recordClientOutcomes}. */
  recordClientOutcome(outcome: ClientOutcomeInput): Promise<ClientOutcomeRecord>;
  /** A run's client outcomes in the order they were recorded, optionally filtered. */
  listClientOutcomes(runId: string, options?: ListClientOutcomesOptions): Promise<ClientOutcomeRecord[]>;

  /** Appends metric points atomically (all or none); the run must exist. */
  appendMetrics(points: readonly MetricInput[]): Promise<MetricPoint[]>;
  /** A run's metric points ordered by round, then by the order they were appended. */
  listMetrics(runId: string, options?: ListMetricsOptions): Promise<MetricPoint[]>;

  /**
   * Links a checkpoint blob to a run. `version` must exceed every earlier version of the
   * run (`CONFLICT` otherwise), and a `fence` must not be stale ({@link WriteFence}). Does
   * not check that the blob exists: write it first.
   */
  saveCheckpoint(input: CheckpointInput, options?: FenceOptions): Promise<CheckpointRecord>;
  /** The run's highest-version checkpoint, or `undefined` when it has none. */
  latestCheckpoint(runId: string): Promise<CheckpointRecord | undefined>;
  /** One checkpoint; `NOT_FOUND` when the run has no such version. */
  getCheckpoint(runId: string, version: number): Promise<CheckpointRecord>;
  /** A run's checkpoints in version order. */
  listCheckpoints(runId: string): Promise<CheckpointRecord[]>;

  /**
   * Creates a client session (first and last seen = `seenAt`, counters 0) or updates one
   * (token hash, capabilities, last seen; first seen and counters are kept).
   */
  upsertClientSession(input: ClientSessionInput): Promise<ClientSessionRecord>;
  /** The client's session, or `undefined` when the client is unknown. */
  getClientSession(clientId: string): Promise<ClientSessionRecord | undefined>;
  /**
   * The session whose current resume-token hash is `resumeTokenHash` (how a client that
   * resumes after a coordinator restart finds its old id), or `undefined` when none has it
   * (an old, rotated hash included). Should several hold it, the most recently seen wins
   * (ties: the smallest client id). `INVALID_ARGUMENT` for an empty or overlong hash.
   */
  findClientSessionByTokenHash(resumeTokenHash: string): Promise<ClientSessionRecord | undefined>;

  /**
   * In ONE transaction: checks the fence, updates the run, upserts the round attempt, records
   * outcomes, appends metrics and saves the checkpoint. Any failure (including `CONFLICT` on
   * the fencing epoch, the revision or the checkpoint version) leaves the store exactly as it
   * was, its fencing epoch included. Once the promise
   * resolves the round is durable (for the SQLite store: survives a process crash).
   */
  commitRound(input: CommitRoundInput): Promise<CommitRoundResult>;

  /**
   * Saves one round's evaluation report (confusion matrix, per-client results), replacing
   * an earlier one of the same run, round and kind. Unknown run: `NOT_FOUND`; a body that
   * is not a JSON object: `INVALID_ARGUMENT`; NaN/Infinity in it: `NON_FINITE`.
   */
  putEvaluationReport(input: EvaluationReportInput): Promise<EvaluationReportRecord>;
  /** A run's evaluation reports ordered by round, then kind (central first), optionally filtered. */
  listEvaluationReports(
    runId: string,
    options?: ListEvaluationReportsOptions,
  ): Promise<EvaluationReportRecord[]>;

  /** Releases resources. Idempotent; other calls afterwards throw `FAILED_PRECONDITION`. */
  close(): Promise<void>;
}

/**
 * The records a RunStore keeps, and the inputs that create or change them. Records are
 * plain data (JSON-compatible, timestamps as epoch milliseconds) so that both
 * implementations return identical values and callers can send them over the admin API.
 */
import type { ErrorCode } from '@edgefed/shared';
import type { JsonObject, JsonValue, MetricMap } from './json.js';

/** Lifecycle of a run. The store validates the value; transitions are the round runner's. */
export const RUN_STATUSES = ['created', 'running', 'paused', 'stopped', 'completed', 'failed'] as const;
/** One of {@link RUN_STATUSES}. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** State of one round attempt, as the round runner moves it along. */
export const ROUND_STATES = [
  'selecting',
  'training',
  'aggregating',
  'evaluating',
  'completed',
  'failed',
  'cancelled',
] as const;
/** One of {@link ROUND_STATES}. */
export type RoundState = (typeof ROUND_STATES)[number];

/** What became of one selected client in one round attempt. */
export const CLIENT_OUTCOMES = ['completed', 'failed', 'dropped', 'late', 'rejected'] as const;
/** One of {@link CLIENT_OUTCOMES}. */
export type ClientOutcomeKind = (typeof CLIENT_OUTCOMES)[number];

/** Where a metric was measured: client training, federated evaluation, or on the coordinator. */
export const METRIC_SCOPES = ['train', 'eval', 'central'] as const;
/** One of {@link METRIC_SCOPES}. */
export type MetricScope = (typeof METRIC_SCOPES)[number];

/** A federated-learning run. `revision` grows by one on every change (optimistic locking). */
export interface RunRecord {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  /** The run's configuration (model spec, strategy, rounds, fraction, deadlines, ...). */
  readonly config: JsonObject;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** 0 for a new run; +1 on every update. Pass it as `expectedRevision` to update safely. */
  readonly revision: number;
  /** The last round the runner started or finished; 0 before the first. */
  readonly currentRound: number;
  /** The version of the current global model, or null before the first checkpoint. */
  readonly currentModelVersion: number | null;
  /** Opaque strategy state (e.g. FedAdam moments' metadata), or null. */
  readonly strategyState: JsonValue | null;
  /** Best metrics seen so far (the runner decides what "best" means). */
  readonly bestMetrics: MetricMap;
}

/** Input of `createRun`. */
export interface CreateRunInput {
  /** Defaults to a random UUID. Must be 1-200 characters. */
  readonly id?: string;
  readonly name: string;
  readonly config: JsonObject;
  /** Defaults to `'created'`. */
  readonly status?: RunStatus;
}

/** Fields `updateRun` may change; absent fields stay as they are. */
export interface RunPatch {
  readonly name?: string;
  readonly status?: RunStatus;
  readonly config?: JsonObject;
  readonly currentRound?: number;
  readonly currentModelVersion?: number | null;
  readonly strategyState?: JsonValue | null;
  readonly bestMetrics?: MetricMap;
}

/** Filter of `listRuns`. */
export interface ListRunsOptions {
  readonly status?: RunStatus;
  /** At most this many runs (non-negative integer). */
  readonly limit?: number;
  /** Skip this many runs first (non-negative integer). */
  readonly offset?: number;
}

/** Identifies one round attempt. `round` and `attempt` are non-negative integers. */
export interface RoundKey {
  readonly runId: string;
  readonly round: number;
  readonly attempt: number;
}

/** One attempt of one round. */
export interface RoundRecord extends RoundKey {
  readonly state: RoundState;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly selectedCount: number;
  readonly completedCount: number;
  readonly failedCount: number;
  readonly droppedCount: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Aggregated training metrics reported by clients. */
  readonly trainMetrics: MetricMap;
  /** Aggregated evaluation metrics (federated or central). */
  readonly evalMetrics: MetricMap;
  readonly failureReason: string | null;
}

/** Fields `updateRound` may change. */
export type RoundPatch = Partial<Omit<RoundRecord, keyof RoundKey>>;

/** Input of `recordRound`: key, state and start time; counters default to 0, metrics to {}. */
export type RoundInput = RoundKey & Pick<RoundRecord, 'state' | 'startedAt'> & RoundPatch;

/** What became of one client in one round attempt. */
export interface ClientOutcomeRecord extends RoundKey {
  readonly clientId: string;
  readonly outcome: ClientOutcomeKind;
  /** The error code for failed/rejected outcomes, or null. */
  readonly code: ErrorCode | null;
  readonly exampleCount: number;
  readonly metrics: MetricMap;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly recordedAt: number;
}

/** A client outcome without its round key (commitRound takes the key from its round). */
export interface ClientOutcomeFields {
  readonly clientId: string;
  readonly outcome: ClientOutcomeKind;
  /** Defaults to null. */
  readonly code?: ErrorCode | null;
  /** Defaults to 0. */
  readonly exampleCount?: number;
  /** Defaults to {}. */
  readonly metrics?: MetricMap;
  /** Defaults to 0. */
  readonly bytesUp?: number;
  /** Defaults to 0. */
  readonly bytesDown?: number;
}

/** Input of `recordClientOutcomes`. */
export type ClientOutcomeInput = RoundKey & ClientOutcomeFields;

/** Filter of `listClientOutcomes`. */
export interface ListClientOutcomesOptions {
  readonly round?: number;
  readonly attempt?: number;
  readonly clientId?: string;
}

/** One point of a metric time series. */
export interface MetricPoint {
  readonly runId: string;
  readonly round: number;
  readonly name: string;
  readonly value: number;
  readonly scope: MetricScope;
  readonly recordedAt: number;
}

/** Input of `appendMetrics`. */
export type MetricInput = Omit<MetricPoint, 'recordedAt'>;

/** Filter of `listMetrics`; rounds are inclusive bounds. */
export interface ListMetricsOptions {
  readonly name?: string;
  readonly scope?: MetricScope;
  readonly fromRound?: number;
  readonly toRound?: number;
}

/** A saved global model: the blob with SHA-256 `hash` holds its bytes. */
export interface CheckpointRecord {
  readonly runId: string;
  /** Strictly increasing per run. */
  readonly version: number;
  readonly round: number;
  /** Lower-case hex SHA-256 of the blob. */
  readonly hash: string;
  readonly byteSize: number;
  readonly createdAt: number;
}

/** Input of `saveCheckpoint`. */
export type CheckpointInput = Omit<CheckpointRecord, 'createdAt'>;

/** A client known to the coordinator, kept across reconnects and restarts. */
export interface ClientSessionRecord {
  readonly clientId: string;
  /** A hash of the resume token (never the token itself). */
  readonly resumeTokenHash: string;
  readonly capabilities: JsonObject;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Outcomes recorded as 'completed' since the session was created. */
  readonly contributions: number;
  /** Outcomes recorded as anything else since the session was created. */
  readonly failures: number;
}

/** Input of `upsertClientSession`. */
export interface ClientSessionInput {
  readonly clientId: string;
  readonly resumeTokenHash: string;
  readonly capabilities: JsonObject;
  /** Defaults to the store's clock. */
  readonly seenAt?: number;
}

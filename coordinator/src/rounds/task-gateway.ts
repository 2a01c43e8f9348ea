/**
 * TaskGateway: how the round runner reaches participants. The runner hands it tasks and
 * reads back one outcome per task, as each arrives; the gateway owns the wire (socket.io
 * control plane, or an in-process transport in simulations) and every per-task check
 * (unknown task, stale round, duplicate or late result, upload integrity).
 */
import type {
  ClientCandidate,
  ClientMessageOf,
  CompressionSpec,
  ErrorCode,
  Metrics,
  ScalarRecord,
  SecureAggregationTask,
  ServerMessageInputOf,
} from '@edgefed/shared';
import type { FoldingGateway } from './cluster-fit-round.js';
import type { TaskStream } from './task-stream.js';

/** One task to send. `taskId` is unique for the coordinator's lifetime. */
export interface TaskSpec {
  readonly taskId: string;
  readonly clientId: string;
  readonly runId: string;
  readonly round: number;
  readonly kind: 'fit' | 'evaluate';
  readonly modelVersion: number;
  readonly modelHash: string;
  readonly modelUrl: string;
  readonly hyperParameters: ScalarRecord;
  /** The model spec as JSON text. */
  readonly modelSpec: string;
  /** Fit tasks: how the client compresses its update. */
  readonly compression?: CompressionSpec;
  /** Fit tasks: the run's seed. */
  readonly seed?: number;
  /** Fit tasks of a secure run: the participant runs the SecAgg+ phases. */
  readonly secureAggregation?: SecureAggregationTask;
  /** Strategy-specific settings only. */
  readonly config: ScalarRecord;
  /** Epoch ms after which a result is late. */
  readonly deadline: number;
}

/** A task that produced a result. `payload` is the uploaded update (fit) or absent (evaluate). */
export interface CompletedOutcome {
  readonly status: 'completed';
  readonly task: TaskSpec;
  readonly exampleCount: number;
  readonly metrics: Metrics;
  readonly payload: Uint8Array | undefined;
  readonly bytesUp: number;
}

/** A task that did not produce a usable result. */
export interface FailedOutcome {
  /** failed: the client reported an error; dropped: it vanished or missed the deadline. */
  readonly status: 'failed' | 'dropped';
  readonly task: TaskSpec;
  readonly code: ErrorCode;
  readonly message: string;
  readonly bytesUp: number;
}

/** What became of one task. */
export type TaskOutcome = CompletedOutcome | FailedOutcome;

/** Options of {@link TaskGateway.runTasks}. */
export interface RunTasksOptions {
  readonly tasks: readonly TaskSpec[];
  /**
   * Aborting closes the batch: tasks still open are cancelled on their clients and yielded
   * as `dropped` with the abort reason's code (`DEADLINE_EXCEEDED` by default).
   */
  readonly signal: AbortSignal;
}

/** A secure-aggregation message a participant sent about one of its tasks. */
export type SecAggInbound = ClientMessageOf<'secagg-advertise' | 'secagg-shares' | 'secagg-unmask'>;

/** A secure-aggregation message the coordinator sends. */
export type SecAggOutbound = ServerMessageInputOf<'secagg-roster' | 'secagg-inbox' | 'secagg-unmask-request'>;

/**
 * Handles the secure-aggregation messages of the tasks it was registered for. Throwing an
 * EdgefedError refuses the message (the participant gets it in the ack).
 */
export type SecAggHandler = (clientId: string, message: SecAggInbound) => void;

/** The phase messages of secure rounds, routed by task id (see secure-fit-round.ts). */
export interface SecAggRelay {
  /**
   * Routes the secure-aggregation messages about `taskIds` to `handler` until the returned
   * function is called. Messages about any other task are refused with `UNKNOWN_TASK`.
   */
  register(taskIds: readonly string[], handler: SecAggHandler): () => void;
  /** Sends a phase message to a connected client; false when it is not connected. */
  send(clientId: string, message: SecAggOutbound): boolean;
  /**
   * Optional: calls `listener` with the id of every client whose session ends for good
   * (disconnected and not back within the resume grace) until the returned function is
   * called. Lets the unmask phase stop waiting for answers that can no longer come.
   */
  onGone?(listener: (clientId: string) => void): () => void;
}

/** The runner's view of the participants. */
export interface TaskGateway {
  /** Connected, eligible clients admitted to `runId` that have no task in flight. */
  candidates(runId: string): ClientCandidate[];
  /**
   * Sends the tasks and yields one outcome per task in the order they finish. The iterator
   * ends when every task has an outcome. A task whose client is not connected is yielded
   * at once as `dropped` (`UNAVAILABLE`).
   */
  runTasks(options: RunTasksOptions): AsyncIterable<TaskOutcome>;
  /**
   * Optional: tells the client of a completed task that its update was refused after all
   * (undecodable, or rejected by the strategy with `error.code`) and counts it. Gateways
   * without a way back to the client may leave it out.
   */
  reportRejected?(task: TaskSpec, error: { readonly code: ErrorCode; readonly message: string }): void;
  /**
   * Optional: a stream for continuous (FedBuff) runs whose outcomes come in an order the
   * gateway decides (the simulator's virtual clock); without it one is built on `runTasks`.
   */
  openStream?(): TaskStream;
  /** Optional: the phase messages of secure rounds; a gateway without it cannot run them. */
  readonly secAgg?: SecAggRelay;
  /**
   * Optional (cluster mode): fit batches whose results are folded into partial aggregates
   * where they arrive; with it the runner runs rounds through cluster-fit-round.ts.
   */
  readonly folding?: FoldingGateway;
}

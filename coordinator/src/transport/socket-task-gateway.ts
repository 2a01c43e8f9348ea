/**
 * The TaskGateway over the control plane (any participant channels: socket.io or MessagePort;
 * it sees only validated messages and `send`). Tracks every task in flight, assembles
 * uploaded chunks per task (resumable across reconnects: chunks already received are
 * kept, and a retransmitted chunk is acknowledged as a duplicate), and turns `result`
 * messages into outcomes after checking them: unknown task (`UNKNOWN_TASK`), another run or
 * round (`STALE_ROUND`), after the deadline or after the round closed (`DEADLINE_EXCEEDED`),
 * a second result (`DUPLICATE_RESULT`), an incomplete or corrupt upload (`MISSING_CHUNK`,
 * `CHECKSUM_MISMATCH`, ...). Every rejection goes back to the client in the ack.
 *
 * Upload size: a chunk declaring a payload above `maxUpdateBytes` gets `PAYLOAD_TOO_LARGE`;
 * one above its task's own limit (the model's tensors at the task's compression,
 * upload-limit.ts) gets `UPLOAD_TOO_LARGE` and fails the task at once, so the round goes on
 * without that client. Both are refused before any buffer is allocated for the payload.
 */
import {
  ChunkAssembler,
  EdgefedError,
  messageToChunk,
  type ClientCandidate,
  type ClientMessageOf,
  type ErrorCode,
} from '@edgefed/shared';
import type { ClientRecord } from '../registry/client-registry.js';
import type { ControlPlane } from './control-plane-types.js';
import { ListenerSet, type Unsubscribe } from './listener-set.js';
import { AsyncQueue } from '../rounds/async-queue.js';
import { TaskUploadLimits } from './upload-limit.js';
import type { TaskProgressEvent } from '../rounds/run-events.js';
import type {
  RunTasksOptions,
  SecAggHandler,
  SecAggInbound,
  SecAggRelay,
  TaskGateway,
  TaskOutcome,
  TaskSpec,
} from '../rounds/task-gateway.js';

/** What a principal (the verified join token) must expose for run scoping. */
export interface RunScopedPrincipal {
  /** Run id the client was admitted to, or `*`. */
  readonly run: string;
}

/** Options of {@link SocketTaskGateway}. */
export interface SocketTaskGatewayOptions<P extends RunScopedPrincipal> {
  readonly plane: ControlPlane<P>;
  /** Looks up a connected client's record (the control plane's registry). */
  readonly clients: () => readonly ClientRecord<P>[];
  /** Largest upload accepted per task. */
  readonly maxUpdateBytes: number;
  /** Clock for deadlines (epoch ms). */
  readonly now?: () => number;
  /**
   * Called for each result rejected after its ack went out ({@link reportRejected}: the
   * strategy or the decoder refused the update), for metrics. Messages refused in their ack
   * are counted by the control plane, not here, so nothing is counted twice.
   */
  readonly onRejected?: (code: ErrorCode) => void;
  /** Called with the byte count of every accepted chunk. */
  readonly onBytesIn?: (bytes: number) => void;
  /** Called with the size of every buffer allocated to reassemble an upload. */
  readonly onUploadBuffer?: (bytes: number) => void;
  /**
   * Called for every `progress` message about the sender's own task in flight (progress
   * for an unknown, finished or another client's task is ignored), after `taskOf` shows it.
   */
  readonly onProgress?: (event: TaskProgressEvent) => void;
}

interface Flight {
  readonly task: TaskSpec;
  readonly report: (outcome: TaskOutcome) => void;
  assembler: ChunkAssembler | undefined;
  /** The task's upload limit, computed at its first chunk. */
  maxUploadBytes: number | undefined;
  /** The payload id `assembler` collects; a chunk of another payload starts over. */
  payloadId: string | undefined;
  bytesUp: number;
  done: boolean;
  progress: { step: number; totalSteps?: number; loss?: number } | undefined;
}

/** A client's task in flight, as the admin API shows it. */
export interface TaskInFlight {
  readonly taskId: string;
  readonly runId: string;
  readonly round: number;
  readonly kind: 'fit' | 'evaluate';
  readonly deadline: number;
  readonly bytesUp: number;
  readonly step?: number;
  readonly totalSteps?: number;
  readonly loss?: number;
}

/** Outcome of a closed task, remembered to answer late or duplicate results precisely. */
type ClosedReason = 'completed' | 'cancelled';

const MAX_CLOSED = 100_000;

export class SocketTaskGateway<P extends RunScopedPrincipal> implements TaskGateway {
  readonly #o: SocketTaskGatewayOptions<P>;
  readonly #flights = new Map<string, Flight>();
  readonly #busy = new Set<string>();
  readonly #closed = new Map<string, ClosedReason>();
  readonly #subs: Unsubscribe[] = [];
  readonly #idle = new ListenerSet<undefined>();
  /** Secure rounds' handlers by task id. */
  readonly #secure = new Map<string, SecAggHandler>();

  /** The phase messages of secure rounds (see {@link SecAggRelay}). */
  readonly secAgg: SecAggRelay = {
    register: (taskIds, handler) => {
      for (const id of taskIds) this.#secure.set(id, handler);
      return () => {
        for (const id of taskIds) if (this.#secure.get(id) === handler) this.#secure.delete(id);
      };
    },
    send: (clientId, message) => this.#o.plane.send(clientId, message),
    onGone: (listener) => this.#o.plane.onClientExpired(({ record }) => listener(record.clientId)),
  };
  readonly #limits: TaskUploadLimits;

  constructor(options: SocketTaskGatewayOptions<P>) {
    this.#o = options;
    this.#limits = new TaskUploadLimits(options.maxUpdateBytes);
    const { plane } = options;
    this.#subs.push(
      plane.onMessage('upload-chunk', ({ clientId, message }) => {
        this.#onChunk(clientId, message);
      }),
      plane.onMessage('result', ({ clientId, message }) => {
        this.#onResult(clientId, message);
      }),
      plane.onMessage('progress', ({ clientId, message }) => {
        this.#onProgress(clientId, message);
      }),
      plane.onMessage('error', ({ clientId, message }) => {
        this.#onClientError(clientId, message);
      }),
      plane.onMessage('secagg-advertise', ({ clientId, message }) => {
        this.#onSecAgg(clientId, message);
      }),
      plane.onMessage('secagg-shares', ({ clientId, message }) => {
        this.#onSecAgg(clientId, message);
      }),
      plane.onMessage('secagg-unmask', ({ clientId, message }) => {
        this.#onSecAgg(clientId, message);
      }),
      plane.onClientExpired(({ record }) => {
        this.#dropClient(record.clientId, 'UNAVAILABLE', 'client disconnected and did not come back');
      }),
    );
  }

  #onSecAgg(clientId: string, message: SecAggInbound): void {
    const handler = this.#secure.get(message.taskId);
    if (handler === undefined) {
      this.#reject('UNKNOWN_TASK', `No secure-aggregation round has task ${message.taskId}`);
    }
    handler(clientId, message);
  }

  #onProgress(clientId: string, message: ClientMessageOf<'progress'>): void {
    const flight = this.#flights.get(message.taskId);
    if (flight?.task.clientId !== clientId || flight.done) return;
    const progress = {
      step: message.step,
      ...(message.totalSteps === undefined ? {} : { totalSteps: message.totalSteps }),
      ...(message.loss === undefined ? {} : { loss: message.loss }),
    };
    flight.progress = progress;
    const { taskId, runId, round, kind } = flight.task;
    this.#o.onProgress?.({ type: 'task-progress', runId, round, clientId, taskId, kind, ...progress });
  }

  /** The task a client is working on, with its last reported progress, if any. */
  taskOf(clientId: string): TaskInFlight | undefined {
    for (const f of this.#flights.values()) {
      if (f.task.clientId !== clientId || f.done) continue;
      const { taskId, runId, round, kind, deadline } = f.task;
      return { taskId, runId, round, kind, deadline, bytesUp: f.bytesUp, ...f.progress };
    }
    return undefined;
  }

  /** Called whenever a client finishes a task and becomes a candidate again. */
  onIdle(listener: () => void): Unsubscribe {
    return this.#idle.add(listener);
  }

  candidates(runId: string): ClientCandidate[] {
    const connected = new Set(this.#o.plane.connectedClientIds());
    return this.#o
      .clients()
      .filter((c) => connected.has(c.clientId) && !this.#busy.has(c.clientId) && c.capabilities.eligible)
      .filter((c) => c.principal.run === '*' || c.principal.run === runId)
      .map((c) => ({ id: c.clientId, capabilities: { ...c.capabilities } }));
  }

  runTasks(options: RunTasksOptions): AsyncIterable<TaskOutcome> {
    const queue = new AsyncQueue<TaskOutcome>();
    const flights: Flight[] = [];
    let open = options.tasks.length;
    const onAbort = (): void => {
      const reason = options.signal.reason as unknown;
      const code: ErrorCode = reason instanceof EdgefedError ? reason.code : 'DEADLINE_EXCEEDED';
      const message = reason instanceof Error ? reason.message : 'round closed';
      for (const flight of flights) {
        if (flight.done) continue;
        this.#o.plane.send(flight.task.clientId, {
          type: 'cancel',
          taskId: flight.task.taskId,
          reason: message,
        });
        this.#close(flight, 'cancelled', { code, message });
      }
    };
    const report = (outcome: TaskOutcome): void => {
      queue.push(outcome);
      if (--open === 0) {
        queue.end();
        options.signal.removeEventListener('abort', onAbort);
      }
    };
    if (open === 0) queue.end();
    for (const task of options.tasks) {
      const flight: Flight = {
        task,
        report,
        assembler: undefined,
        maxUploadBytes: undefined,
        payloadId: undefined,
        bytesUp: 0,
        done: false,
        progress: undefined,
      };
      flights.push(flight);
      this.#flights.set(task.taskId, flight);
      this.#busy.add(task.clientId);
      const { clientId, ...fields } = task;
      if (!this.#o.plane.send(clientId, { type: 'task', ...fields })) {
        this.#close(flight, 'cancelled', { code: 'UNAVAILABLE', message: 'client is not connected' });
      }
    }
    if (options.signal.aborted) onAbort();
    else if (open > 0) options.signal.addEventListener('abort', onAbort, { once: true });
    return queue;
  }

  /**
   * Tells a client that its accepted result was refused later (the update did not decode,
   * or the strategy rejected it: NAME_MISMATCH, SHAPE_MISMATCH, NON_FINITE, ...): sends an
   * `error` with the task id as correlationId (when the client is still connected) and
   * counts the rejection.
   */
  reportRejected(task: TaskSpec, error: { readonly code: ErrorCode; readonly message: string }): void {
    this.#o.onRejected?.(error.code);
    this.#o.plane.send(task.clientId, {
      type: 'error',
      code: error.code,
      message: error.message.slice(0, 4000),
      correlationId: task.taskId,
    });
  }

  /** Stops listening; tasks still open are dropped with `UNAVAILABLE`. */
  close(): void {
    for (const unsub of this.#subs) unsub();
    for (const flight of [...this.#flights.values()]) {
      this.#close(flight, 'cancelled', { code: 'UNAVAILABLE', message: 'coordinator is shutting down' });
    }
  }

  #close(flight: Flight, reason: ClosedReason, failure?: { code: ErrorCode; message: string }): void {
    if (flight.done) return;
    flight.done = true;
    flight.assembler = undefined;
    this.#flights.delete(flight.task.taskId);
    this.#busy.delete(flight.task.clientId);
    void this.#idle.emit(undefined);
    this.#closed.set(flight.task.taskId, reason);
    if (this.#closed.size > MAX_CLOSED) {
      const oldest = this.#closed.keys().next();
      if (oldest.done !== true) this.#closed.delete(oldest.value);
    }
    if (failure !== undefined) {
      flight.report({ status: 'dropped', task: flight.task, bytesUp: flight.bytesUp, ...failure });
    }
  }

  #dropClient(clientId: string, code: ErrorCode, message: string): void {
    for (const flight of [...this.#flights.values()]) {
      if (flight.task.clientId === clientId) this.#close(flight, 'cancelled', { code, message });
    }
  }

  #reject(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
    throw new EdgefedError(code, message, details === undefined ? {} : { details });
  }

  /** The open flight for a client's message about `taskId`, or a precise rejection. */
  #flightFor(clientId: string, taskId: string): Flight {
    const flight = this.#flights.get(taskId);
    if (flight?.task.clientId === clientId) {
      if ((this.#o.now ?? Date.now)() > flight.task.deadline) {
        this.#o.plane.send(clientId, { type: 'cancel', taskId, reason: 'deadline passed' });
        this.#close(flight, 'cancelled', { code: 'DEADLINE_EXCEEDED', message: 'result after the deadline' });
        this.#reject('DEADLINE_EXCEEDED', `Task ${taskId} is past its deadline`);
      }
      return flight;
    }
    const closed = this.#closed.get(taskId);
    if (closed === 'completed') this.#reject('DUPLICATE_RESULT', `Task ${taskId} already has a result`);
    if (closed === 'cancelled')
      this.#reject('DEADLINE_EXCEEDED', `Task ${taskId} was closed before this arrived`);
    return this.#reject('UNKNOWN_TASK', `No task ${taskId} for this client`);
  }

  /** A participant reports that its task failed (correlationId = taskId): a clean failure. */
  #onClientError(clientId: string, m: ClientMessageOf<'error'>): void {
    const flight = m.correlationId === undefined ? undefined : this.#flights.get(m.correlationId);
    if (flight?.task.clientId !== clientId) return;
    this.#close(flight, 'cancelled');
    flight.report({
      status: 'failed',
      task: flight.task,
      code: m.code,
      message: m.message,
      bytesUp: flight.bytesUp,
    });
  }

  #onChunk(clientId: string, m: ClientMessageOf<'upload-chunk'>): void {
    const flight = this.#flightFor(clientId, m.taskId);
    if (flight.task.kind !== 'fit') this.#reject('INVALID_MESSAGE', 'Evaluate tasks take no upload');
    this.#checkUploadSize(flight, m.totalBytes);
    // A new payload id replaces an earlier, unfinished upload (e.g. one whose first chunk was
    // refused); resuming the same payload keeps every chunk already received.
    let assembler = flight.assembler;
    if (assembler === undefined || flight.payloadId !== m.payloadId) {
      assembler = new ChunkAssembler({ maxPayloadBytes: this.#o.maxUpdateBytes, payloadId: m.payloadId });
      flight.assembler = assembler;
      flight.payloadId = m.payloadId;
    }
    const allocated = assembler.allocatedBytes;
    try {
      assembler.add(messageToChunk(m));
    } catch (err) {
      if (err instanceof EdgefedError) this.#reject(err.code, err.message, err.details);
      throw err;
    }
    if (assembler.allocatedBytes > allocated) this.#o.onUploadBuffer?.(assembler.allocatedBytes - allocated);
    flight.bytesUp += m.data.byteLength;
    this.#o.onBytesIn?.(m.data.byteLength);
  }

  /**
   * Refuses a declared payload size above the task's limit with `UPLOAD_TOO_LARGE` and fails
   * the task (no honest client of this model can need more). Sizes above the coordinator's
   * `maxUpdateBytes` are left to the assembler, which answers `PAYLOAD_TOO_LARGE` as before.
   */
  #checkUploadSize(flight: Flight, totalBytes: number): void {
    const limit = (flight.maxUploadBytes ??= this.#limits.forTask(flight.task));
    if (totalBytes <= limit || totalBytes > this.#o.maxUpdateBytes) return;
    const message = `Upload of ${totalBytes} bytes exceeds this task's limit of ${limit} bytes`;
    this.#close(flight, 'cancelled');
    flight.report({
      status: 'failed',
      task: flight.task,
      code: 'UPLOAD_TOO_LARGE',
      message,
      bytesUp: flight.bytesUp,
    });
    this.#reject('UPLOAD_TOO_LARGE', message, { maxBytes: limit, totalBytes });
  }

  #onResult(clientId: string, m: ClientMessageOf<'result'>): void {
    const flight = this.#flightFor(clientId, m.taskId);
    const { task } = flight;
    if (m.runId !== task.runId || m.round !== task.round) {
      this.#reject('STALE_ROUND', `Task ${task.taskId} is for run ${task.runId} round ${task.round}`);
    }
    let payload: Uint8Array | undefined;
    if (task.kind === 'fit') {
      if (m.update === undefined) this.#reject('INVALID_MESSAGE', 'A fit result needs an update reference');
      const asm = flight.assembler;
      if (asm?.meta?.payloadId !== m.update.payloadId) {
        this.#reject('MISSING_CHUNK', `No chunks received for payload ${m.update.payloadId}`);
      }
      try {
        payload = asm.assemble();
      } catch (err) {
        if (err instanceof EdgefedError) this.#reject(err.code, err.message, err.details);
        throw err;
      }
      if (payload.byteLength !== m.update.byteLength) {
        this.#reject('CORRUPT_PAYLOAD', 'Update byteLength disagrees with the uploaded chunks');
      }
    }
    const bytesUp = flight.bytesUp;
    this.#close(flight, 'completed');
    flight.report({
      status: 'completed',
      task,
      exampleCount: m.exampleCount,
      metrics: m.metrics,
      payload,
      bytesUp,
    });
  }
}

/**
 * A cluster node's host side of task routing (issue #16): runs a batch of tasks for its own
 * connected clients through its local TaskGateway (so every per-task check of one
 * coordinator applies unchanged: deadlines, duplicates, upload limits and integrity), folds
 * each accepted fit result into a PartialFold as it arrives (admission, layout, finiteness,
 * duplicates: partial-fold.ts) and drops the upload, and reports one small outcome per task
 * through `sink`. `collect` closes the batch and encodes the partial. The run's leader uses
 * the same code in-process for its own clients; remote batches come from the node's tasks
 * stream (cluster-routing.ts).
 */
import { EdgefedError, type ErrorCode } from '@edgefed/shared';
import { getModel } from '../rounds/model-codec.js';
import { PartialFold } from '../rounds/partial-fold.js';
import type { UpdateDecoder } from '../rounds/run-services.js';
import type { TaskGateway, TaskOutcome, TaskSpec } from '../rounds/task-gateway.js';
import type { BlobStore } from '../store/blob-store.js';
import type { FoldParams, OutcomeEntry } from './route-messages.js';

/** What a host needs from its coordinator. */
export interface TaskHostOptions {
  readonly nodeId: string;
  /** The node's own gateway (the socket gateway over its control plane). */
  readonly local: TaskGateway;
  /** True while the client has a task in flight on this node. */
  readonly busy: (clientId: string) => boolean;
  /** Example counts the node's clients declared in `hello`. */
  readonly declared: (clientId: string) => number | undefined;
  readonly blobs: BlobStore;
  readonly decoder: UpdateDecoder;
  /** Called when tasks start or end (the client directory republishes). */
  readonly onChange: () => void;
}

/** One batch running on this node. */
export interface HostedBatch {
  /** Cancels the open tasks (their outcomes still go to the sink, as dropped). */
  close(code: ErrorCode, message: string): void;
  /** Closes, waits for every outcome, and returns the encoded partial (undefined: none folded). */
  collect(): Promise<Uint8Array | undefined>;
}

/** The sink's view of an outcome, without the batch and node fields. */
export type HostOutcome = Omit<OutcomeEntry, 'type' | 'batch' | 'node'>;

export class TaskHost {
  readonly #o: TaskHostOptions;
  #model: { hash: string; params: Promise<Awaited<ReturnType<typeof getModel>>> } | undefined;

  constructor(options: TaskHostOptions) {
    this.#o = options;
  }

  /** The round's global model by hash (kept while batches use the same one). */
  #global(hash: string): ReturnType<typeof getModel> {
    if (this.#model?.hash !== hash) this.#model = { hash, params: getModel(this.#o.blobs, hash) };
    return this.#model.params;
  }

  /** Starts a batch; `sink` gets one outcome per task, in the order they finish. */
  async run(o: {
    readonly round: number;
    readonly tasks: readonly TaskSpec[];
    readonly fold: FoldParams | null;
    readonly sink: (outcome: HostOutcome) => void;
  }): Promise<HostedBatch> {
    const fold =
      o.fold === null
        ? undefined
        : new PartialFold({
            round: o.round,
            global: await this.#global(o.fold.modelHash),
            maxExampleWeight: o.fold.maxExampleWeight,
            declared: new Map(
              o.tasks.flatMap((t) => {
                const n = this.#o.declared(t.clientId);
                return n === undefined ? [] : [[t.clientId, n] as const];
              }),
            ),
            decoder: this.#o.decoder,
            clipNorm: o.fold.clipNorm ?? undefined,
          });
    const runnable: TaskSpec[] = [];
    for (const task of o.tasks) {
      const refusal =
        task.kind === 'fit' && fold === undefined
          ? { code: 'UNSUPPORTED' as const, message: 'cluster nodes fold fit results; no fold given' }
          : this.#o.busy(task.clientId)
            ? { code: 'UNAVAILABLE' as const, message: 'client is busy with another task' }
            : undefined;
      if (refusal === undefined) runnable.push(task);
      else o.sink({ taskId: task.taskId, status: 'dropped', bytesUp: 0, ...refusal });
    }
    const control = new AbortController();
    const outcomes = this.#o.local.runTasks({ tasks: runnable, signal: control.signal });
    this.#o.onChange();
    const done = (async () => {
      for await (const outcome of outcomes) {
        o.sink(this.#report(outcome, fold));
      }
      this.#o.onChange();
    })();
    return {
      close: (code, message) => {
        control.abort(new EdgefedError(code, message));
      },
      collect: async () => {
        control.abort(new EdgefedError('CANCELLED', 'the leader closed the round'));
        await done;
        if (fold === undefined || fold.partial.contributors === 0) return undefined;
        return fold.encode();
      },
    };
  }

  /** Folds (fit) or relays (evaluate) one outcome; the payload goes no further. */
  #report(o: TaskOutcome, fold: PartialFold | undefined): HostOutcome {
    const taskId = o.task.taskId;
    if (o.status !== 'completed') {
      return { taskId, status: o.status, code: o.code, message: o.message, bytesUp: o.bytesUp };
    }
    if (fold === undefined || o.task.kind !== 'fit') {
      return {
        taskId,
        status: 'completed',
        exampleCount: o.exampleCount,
        metrics: o.metrics,
        bytesUp: o.bytesUp,
      };
    }
    const r = fold.accept(o);
    if (r.status === 'folded') {
      return {
        taskId,
        status: 'folded',
        exampleCount: r.weight,
        metrics: o.metrics,
        clamped: r.clamped,
        bytesUp: o.bytesUp,
      };
    }
    this.#o.local.reportRejected?.(o.task, r.failure);
    const { code, message } = r.failure;
    return { taskId, status: 'rejected', code, message, bytesUp: o.bytesUp };
  }
}

/**
 * TaskStream: tasks sent one at a time and outcomes taken one at a time, for runners that
 * keep clients busy continuously (FedBuff) rather than in rounds. A gateway may provide its
 * own (`TaskGateway.openStream`, e.g. the simulator's virtual clock, which hands outcomes
 * out in virtual-time order); otherwise {@link openTaskStream} builds one from `runTasks`
 * with a one-task batch per task.
 */
import { EdgefedError, type ErrorCode } from '@edgefed/shared';
import type { TaskGateway, TaskOutcome, TaskSpec } from './task-gateway.js';

/** A continuous stream of tasks and their outcomes. */
export interface TaskStream {
  /** Sends one task; its outcome comes out of `next`. */
  send(task: TaskSpec): void;
  /** Tasks sent whose outcome has not been taken yet. */
  readonly open: number;
  /**
   * The next outcome, in the order tasks finish. Rejects with `FAILED_PRECONDITION` when no
   * task is open, and with the signal's reason when it aborts first (the stream stays usable).
   */
  next(signal: AbortSignal): Promise<TaskOutcome>;
  /** Cancels every open task on its client; their outcomes are discarded. Idempotent. */
  close(code: ErrorCode, message: string): void;
}

/** The gateway's own stream when it has one, else one built from `runTasks`. */
export function openTaskStream(gateway: TaskGateway): TaskStream {
  return gateway.openStream?.() ?? new BatchTaskStream(gateway);
}

/** A TaskStream over `TaskGateway.runTasks`: one single-task batch per task. */
export class BatchTaskStream implements TaskStream {
  readonly #gateway: TaskGateway;
  readonly #controllers = new Map<string, AbortController>();
  readonly #ready: TaskOutcome[] = [];
  #waiter: ((o: TaskOutcome) => void) | undefined;
  #open = 0;

  constructor(gateway: TaskGateway) {
    this.#gateway = gateway;
  }

  get open(): number {
    return this.#open;
  }

  send(task: TaskSpec): void {
    const controller = new AbortController();
    this.#controllers.set(task.taskId, controller);
    this.#open++;
    void this.#consume(task, controller.signal);
  }

  async #consume(task: TaskSpec, signal: AbortSignal): Promise<void> {
    for await (const o of this.#gateway.runTasks({ tasks: [task], signal })) {
      if (!this.#controllers.delete(task.taskId)) continue; // closed: discarded
      const waiter = this.#waiter;
      this.#waiter = undefined;
      if (waiter === undefined) this.#ready.push(o);
      else waiter(o);
    }
  }

  next(signal: AbortSignal): Promise<TaskOutcome> {
    if (this.#open === 0) return Promise.reject(new EdgefedError('FAILED_PRECONDITION', 'No task is open'));
    const ready = this.#ready.shift();
    if (ready !== undefined) {
      this.#open--;
      return Promise.resolve(ready);
    }
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<TaskOutcome>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiter = undefined;
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = (o) => {
        signal.removeEventListener('abort', onAbort);
        this.#open--;
        resolve(o);
      };
    });
  }

  close(code: ErrorCode, message: string): void {
    const controllers = [...this.#controllers.values()];
    this.#controllers.clear();
    this.#ready.length = 0;
    this.#open = 0;
    for (const c of controllers) c.abort(new EdgefedError(code, message));
  }
}

/**
 * Coalesces `task-progress` run events for the `/admin` namespace: each participant sends
 * progress about once a second, so a fleet of thousands would flood every dashboard. Only
 * the latest event per task is kept and all of them are pushed together once per interval.
 */
import type { TaskProgressEvent } from '../rounds/run-events.js';

/** Options of {@link ProgressCoalescer}. */
export interface ProgressCoalescerOptions {
  /** Longest time an event waits before it is pushed (ms, > 0). */
  readonly intervalMs: number;
  /** Pushes one coalesced event. */
  readonly emit: (event: TaskProgressEvent) => void;
}

/** Latest-wins buffer of task progress, flushed by one timer (never more than one pending). */
export class ProgressCoalescer {
  readonly #o: ProgressCoalescerOptions;
  readonly #pending = new Map<string, TaskProgressEvent>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: ProgressCoalescerOptions) {
    this.#o = options;
  }

  /** Number of tasks with progress waiting to be pushed. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Keeps `event` as its task's latest progress and makes sure a flush is scheduled. Ignored after close. */
  add(event: TaskProgressEvent): void {
    if (this.#closed) return;
    this.#pending.delete(event.taskId); // re-insert: flush order follows the latest report
    this.#pending.set(event.taskId, event);
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.flush();
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  /**
   * Forgets progress a client has not seen pushed yet for `round` of `runId` (its task just
   * ended: a late progress event must not overwrite the outcome on the page).
   */
  dropTask(runId: string, round: number, clientId: string): void {
    for (const [taskId, e] of this.#pending) {
      if (e.clientId === clientId && e.runId === runId && e.round === round) this.#pending.delete(taskId);
    }
  }

  /** Pushes everything pending now (in the order the tasks last reported). */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const events = [...this.#pending.values()];
    this.#pending.clear();
    for (const e of events) this.#o.emit(e);
  }

  /** Drops what is pending and stops the timer. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }
}

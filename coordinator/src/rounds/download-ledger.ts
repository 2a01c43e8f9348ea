/**
 * DownloadLedger: counts model bytes served in the round attempt whose task asked for them.
 * Every task's model URL names its task (`/models/<hash>?task=<id>`); the rounds register
 * their tasks here before sending them, the model route reports each finished download
 * with the task id from its URL, and the runner reads an attempt's total when it records
 * the attempt. A download that ends after its round was recorded still counts for that
 * round (the runner settles it later). Downloads without a known task (an operator's
 * download, a task forgotten long ago) are counted in `unattributed` only.
 *
 * Memory stays bounded: registering tasks of round r of a run forgets that run's tasks of
 * rounds before r - 1 (their totals stay).
 */
import type { RoundKey } from '../store/records.js';

const keyOf = (k: RoundKey): string => `${k.runId}\u0000${String(k.round)}\u0000${String(k.attempt)}`;

export class DownloadLedger {
  readonly #tasks = new Map<string, RoundKey>();
  readonly #totals = new Map<string, number>();
  #unattributed = 0;

  /** Registers tasks of round attempt `key` (fit or evaluate tasks). */
  register(key: RoundKey, taskIds: readonly string[]): void {
    for (const [taskId, k] of this.#tasks) {
      if (k.runId === key.runId && k.round < key.round - 1) this.#tasks.delete(taskId);
    }
    for (const id of taskIds) this.#tasks.set(id, key);
  }

  /** Reports a finished download of `bytes` for `taskId` (undefined: no task named). */
  served(bytes: number, taskId: string | undefined): void {
    const key = taskId === undefined ? undefined : this.#tasks.get(taskId);
    if (key === undefined) {
      this.#unattributed += bytes;
      return;
    }
    const k = keyOf(key);
    this.#totals.set(k, (this.#totals.get(k) ?? 0) + bytes);
  }

  /** Model bytes served so far to tasks of round attempt `key`. */
  bytesFor(key: RoundKey): number {
    return this.#totals.get(keyOf(key)) ?? 0;
  }

  /** Bytes served to no known task. */
  get unattributed(): number {
    return this.#unattributed;
  }

  /** Forgets a run (its tasks and totals) once it has ended. */
  forget(runId: string): void {
    for (const [taskId, k] of this.#tasks) if (k.runId === runId) this.#tasks.delete(taskId);
    const prefix = `${runId}\u0000`;
    for (const k of this.#totals.keys()) if (k.startsWith(prefix)) this.#totals.delete(k);
  }
}

/**
 * PhaseGate: waits until a condition holds, a deadline passes or a signal aborts, whichever
 * comes first, re-checking the condition whenever {@link PhaseGate.poke} says something
 * changed. The secure round uses one per round to close each phase as soon as everyone
 * expected has answered (or dropped), and never later than the phase's deadline.
 */

/** Options of {@link PhaseGate.until}. */
export interface GateWait {
  /** True when the phase may close. */
  readonly done: () => boolean;
  /** Epoch ms; the wait ends then even when `done` is false. */
  readonly deadline: number;
  readonly signal: AbortSignal;
  readonly now: () => number;
}

export class PhaseGate {
  #wake: (() => void) | undefined;

  /** Something changed: a waiting `until` re-checks its condition. */
  poke(): void {
    this.#wake?.();
  }

  /** Resolves when `done()` holds, at the deadline, or on abort (never rejects). */
  async until(w: GateWait): Promise<void> {
    while (!w.done() && !w.signal.aborted && w.now() < w.deadline) {
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          w.signal.removeEventListener('abort', finish);
          this.#wake = undefined;
          resolve();
        };
        const timer = setTimeout(finish, Math.max(0, w.deadline - w.now()));
        w.signal.addEventListener('abort', finish, { once: true });
        this.#wake = finish;
      });
    }
  }
}

/**
 * Time as the registry (and other coordinator logic) sees it: `now()` plus one-shot timers.
 * Production code uses {@link systemClock}; tests and simulations use {@link ManualClock}
 * and move time forward explicitly, so nothing ever sleeps.
 */

/** A source of time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once after `delayMs` (negative counts as 0); returns its cancel function. */
  setTimer(callback: () => void, delayMs: number): () => void;
}

/** The real clock: `Date.now()` and unref'd `setTimeout` (timers never keep Node alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const handle = setTimeout(callback, Math.max(0, delayMs));
    handle.unref();
    return () => {
      clearTimeout(handle);
    };
  },
};

interface PendingTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A clock that only moves when told to. Timers fire inside {@link ManualClock.advance}, in
 * due-time order (ties in creation order), each seeing `now()` equal to its due time.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, PendingTimer>();

  /** Starts at `startMs` (default 1,700,000,000,000: a fixed, realistic epoch time). */
  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Number of timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  setTimer(callback: () => void, delayMs: number): () => void {
    const seq = this.#seq++;
    this.#timers.set(seq, { at: this.#now + Math.max(0, delayMs), seq, callback });
    return () => {
      this.#timers.delete(seq);
    };
  }

  /**
   * Moves time forward by `ms` (must be finite and >= 0), firing every timer that falls due,
   * including timers that fired timers schedule within the window.
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(${String(ms)}): need a finite ms >= 0`);
    const target = this.#now + ms;
    for (;;) {
      let next: PendingTimer | undefined;
      for (const t of this.#timers.values()) {
        if (
          t.at <= target &&
          (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))
        ) {
          next = t;
        }
      }
      if (next === undefined) break;
      this.#timers.delete(next.seq);
      this.#now = next.at;
      next.callback();
    }
    this.#now = target;
  }
}

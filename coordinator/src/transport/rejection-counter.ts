/**
 * Counting rejected inbound messages by error code. The control plane keeps its own
 * in-memory counts and also forwards every rejection to an optional external sink (the
 * Prometheus counter, once wired).
 */
import type { ErrorCode } from '@edgefed/shared';

/** Receives one call per rejected inbound message (or failed handshake). */
export interface RejectionCounter {
  increment(code: ErrorCode): void;
}

/** A {@link RejectionCounter} that keeps counts in memory. */
export class InMemoryRejectionCounter implements RejectionCounter {
  readonly #counts = new Map<ErrorCode, number>();

  increment(code: ErrorCode): void {
    this.#counts.set(code, (this.#counts.get(code) ?? 0) + 1);
  }

  /** Rejections with `code` so far (0 when none). */
  get(code: ErrorCode): number {
    return this.#counts.get(code) ?? 0;
  }

  /** All rejections so far. */
  get total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }

  /** Counts by code; codes never seen are absent. */
  snapshot(): Partial<Record<ErrorCode, number>> {
    return Object.fromEntries(this.#counts);
  }
}

/**
 * A token bucket for per-client message rate limits: `ratePerSecond` tokens refill
 * continuously up to `burst`; each message takes one. Pure logic over an injected clock.
 */
import { EdgefedError } from '@edgefed/shared';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained rate (tokens per second, > 0, may be fractional). */
  readonly ratePerSecond: number;
  /** Bucket size: how many messages may arrive at once (>= 1). */
  readonly burst: number;
  /** Current time in ms. */
  readonly now: () => number;
}

/** A token bucket that starts full. */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  /** @throws EdgefedError `INVALID_ARGUMENT` for a non-positive rate or a burst below 1. */
  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond) || !(options.burst >= 1)) {
      throw new EdgefedError('INVALID_ARGUMENT', 'A token bucket needs ratePerSecond > 0 and burst >= 1', {
        details: { ratePerSecond: options.ratePerSecond, burst: options.burst },
      });
    }
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#now = options.now;
    this.#tokens = options.burst;
    this.#at = options.now();
  }

  /**
   * Takes one token. Returns 0 when there was one, otherwise the ms until one will be
   * available (nothing is taken then). A clock that goes backwards refills nothing.
   */
  take(): number {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) * 1000) / this.#rate);
  }
}

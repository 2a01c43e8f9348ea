/**
 * Reconnect delays for the participant connection: exponential backoff with jitter, so a
 * fleet that lost the coordinator at the same moment does not reconnect in lockstep.
 */
import { EdgefedError } from '@edgefed/shared';

/** Backoff settings; every field has a default. */
export interface BackoffOptions {
  /** Delay before the first retry, ms (default 500). */
  readonly initialDelayMs?: number;
  /** Upper bound of any delay, ms (default 30,000). */
  readonly maxDelayMs?: number;
  /** Growth per attempt (default 2; must be >= 1). */
  readonly multiplier?: number;
  /** Relative jitter in [0, 1]: the delay varies by ±jitter (default 0.5). */
  readonly jitter?: number;
  /** Attempts in a row before giving up (default Infinity). */
  readonly maxAttempts?: number;
}

/** {@link BackoffOptions} with every default filled in. */
export type ResolvedBackoff = Required<BackoffOptions>;

/** Fills defaults and checks ranges. @throws EdgefedError `INVALID_ARGUMENT` for bad values. */
export function resolveBackoff(options: BackoffOptions = {}): ResolvedBackoff {
  const resolved: ResolvedBackoff = {
    initialDelayMs: options.initialDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    multiplier: options.multiplier ?? 2,
    jitter: options.jitter ?? 0.5,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
  };
  const bad =
    !(resolved.initialDelayMs >= 0) ||
    !(resolved.maxDelayMs >= resolved.initialDelayMs) ||
    !Number.isFinite(resolved.maxDelayMs) ||
    !(resolved.multiplier >= 1) ||
    !(resolved.jitter >= 0 && resolved.jitter <= 1) ||
    !(resolved.maxAttempts >= 1);
  if (bad) {
    throw new EdgefedError('INVALID_ARGUMENT', 'Invalid reconnect backoff options', {
      details: { ...resolved },
    });
  }
  return resolved;
}

/**
 * The delay before retry number `attempt` (0-based):
 * `min(max, initial * multiplier^attempt) * (1 ± jitter)`, clamped to `[0, maxDelayMs]`.
 * `random` returns values in [0, 1) (seed it in tests and simulations).
 */
export function backoffDelay(attempt: number, backoff: ResolvedBackoff, random: () => number): number {
  const exp = backoff.initialDelayMs * Math.pow(backoff.multiplier, Math.max(0, attempt));
  const base = Math.min(backoff.maxDelayMs, exp);
  const factor = 1 + backoff.jitter * (2 * random() - 1);
  return Math.round(Math.min(backoff.maxDelayMs, Math.max(0, base * factor)));
}

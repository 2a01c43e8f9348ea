/**
 * HeldLease: keeps one granted run lease renewed (every `ttlMs / 3`) and says at once when it
 * is lost, through `lost` (an AbortSignal whose reason is an EdgefedError `UNAVAILABLE`).
 * The lease counts as lost when a renewal is refused (someone else holds it now), when a
 * renewal fails (Redis down or unreachable), or when the local deadline passes: the last
 * renewal that succeeded, counted from the moment it was *sent*, plus the TTL, minus a
 * safety margin of `ttlMs / 10`. Redis counts from when it received the request, which is
 * later, so the holder always gives up before anybody else can take over. A lost lease is
 * never regained by this object: the node must acquire again (and gets a higher epoch).
 */
import { EdgefedError } from '@edgefed/shared';
import type { LeaseGrant, RunLeases } from './run-lease.js';

/** Reads `aborted` afresh (it changes while awaiting, which narrowing cannot see). */
const isAborted = (signal: AbortSignal): boolean => signal.aborted;

/** Options of {@link HeldLease}. */
export interface HeldLeaseOptions {
  readonly leases: RunLeases;
  readonly grant: LeaseGrant;
  readonly now?: () => number;
  /** Called (once) with the error when a renewal fails; the lease is lost then. */
  readonly onRenewError?: (err: unknown) => void;
}

export class HeldLease {
  readonly grant: LeaseGrant;
  readonly #leases: RunLeases;
  readonly #now: () => number;
  readonly #control = new AbortController();
  readonly #onRenewError: ((err: unknown) => void) | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #released = false;

  constructor(o: HeldLeaseOptions) {
    this.grant = o.grant;
    this.#leases = o.leases;
    this.#now = o.now ?? Date.now;
    this.#onRenewError = o.onRenewError;
    this.#armDeadline(o.grant.grantedAt);
    this.#renewTimer = setInterval(() => void this.renew(), Math.max(1, Math.floor(o.leases.ttlMs / 3)));
    this.#renewTimer.unref();
  }

  get epoch(): number {
    return this.grant.epoch;
  }

  /** Aborted once the lease is lost or released. */
  get lost(): AbortSignal {
    return this.#control.signal;
  }

  /** True while the lease is held (not lost, not released). */
  get held(): boolean {
    return !this.#control.signal.aborted;
  }

  /** Renews now (the timer calls this); false when the lease is gone (and then `lost` fires). */
  async renew(): Promise<boolean> {
    if (!this.held) return false;
    const sentAt = this.#now();
    let ok: boolean;
    try {
      ok = await this.#leases.renew(this.grant);
    } catch (err) {
      this.#onRenewError?.(err);
      this.#lose(`renewing the lease failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
    if (isAborted(this.#control.signal)) return false; // lost or released while renewing
    if (!ok) {
      this.#lose('the lease expired and was taken or removed');
      return false;
    }
    this.#armDeadline(sentAt);
    return true;
  }

  /** Stops renewing and deletes the lease if it is still this grant's. Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    const wasHeld = this.held;
    this.#stop(new EdgefedError('CANCELLED', `lease of run ${this.grant.runId} released`));
    if (wasHeld) await this.#leases.release(this.grant).catch(() => false);
  }

  #armDeadline(from: number): void {
    clearTimeout(this.#deadlineTimer);
    const ttl = this.#leases.ttlMs;
    const left = from + ttl - Math.ceil(ttl / 10) - this.#now();
    this.#deadlineTimer = setTimeout(
      () => this.#lose('no successful renewal within the TTL'),
      Math.max(0, left),
    );
    this.#deadlineTimer.unref();
  }

  #lose(why: string): void {
    const { runId, nodeId, epoch } = this.grant;
    this.#stop(
      new EdgefedError(
        'UNAVAILABLE',
        `node ${nodeId} lost the lease of run ${runId} (epoch ${epoch}): ${why}`,
        {
          details: { runId, nodeId, epoch },
        },
      ),
    );
  }

  #stop(reason: EdgefedError): void {
    clearInterval(this.#renewTimer);
    clearTimeout(this.#deadlineTimer);
    if (!this.#control.signal.aborted) this.#control.abort(reason);
  }
}

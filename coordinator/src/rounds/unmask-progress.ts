/**
 * UnmaskProgress: decides when the unmask phase of a secure round is over, before its
 * deadline where possible. Each secret the coordinator must rebuild (every survivor's
 * self-mask seed; the mask key of every client that shared keys, did not upload and has a
 * surviving neighbour) needs `t` shares from the neighbours that hold its shares. The phase
 * is decided as soon as
 *
 * - every secret has `t` shares in hand (success: the answers still missing change nothing,
 *   since any t shares rebuild the same secret), or
 * - some secret can no longer reach `t`: its shares in hand plus its holders that may still
 *   answer (survivors that neither answered nor are known to be gone) are below `t`
 *   (failure: `SecAggServer.finish` then reports `SECAGG_TOO_FEW_SURVIVORS`),
 *
 * and at the latest when every survivor has answered or is gone. Holders come from the
 * routed inboxes (who received whose shares), so nothing here needs the neighbour graph.
 * Pure bookkeeping: no timers, no crypto, no share contents.
 */
import type { EncryptedShare, UnmaskRequest } from '@edgefed/shared';

/** One survivor's answer: whose shares it sent. */
export interface UnmaskAnswer {
  readonly clientId: string;
  readonly of: readonly string[];
}

export class UnmaskProgress {
  readonly #holders = new Map<string, Set<string>>();
  readonly #got = new Map<string, Set<string>>();
  readonly #answered = new Set<string>();
  readonly #gone = new Set<string>();
  readonly #needed: string[];
  readonly #survivors: ReadonlySet<string>;
  readonly #threshold: number;

  /**
   * @param inboxes the routed shares (recipient → shares): a recipient holds a share of each
   *   sender's secrets
   * @param request the unmask request sent to the survivors
   * @param threshold t
   */
  constructor(
    inboxes: ReadonlyMap<string, readonly EncryptedShare[]>,
    request: UnmaskRequest,
    threshold: number,
  ) {
    for (const [to, shares] of inboxes) {
      for (const s of shares) {
        const set = this.#holders.get(s.from) ?? new Set<string>();
        set.add(to);
        this.#holders.set(s.from, set);
      }
    }
    this.#survivors = new Set(request.survivors);
    this.#threshold = threshold;
    const hasSurvivingHolder = (id: string): boolean =>
      [...(this.#holders.get(id) ?? [])].some((h) => this.#survivors.has(h));
    this.#needed = [...request.survivors, ...request.dropped.filter(hasSurvivingHolder)];
  }

  /** A survivor answered; only shares from clients that hold them count. */
  answer(a: UnmaskAnswer): void {
    this.#answered.add(a.clientId);
    for (const of of a.of) {
      if (this.#holders.get(of)?.has(a.clientId) !== true) continue;
      const set = this.#got.get(of) ?? new Set<string>();
      set.add(a.clientId);
      this.#got.set(of, set);
    }
  }

  /** A survivor will not answer (disconnected for good, or the request could not reach it). */
  gone(clientId: string): void {
    if (this.#survivors.has(clientId) && !this.#answered.has(clientId)) this.#gone.add(clientId);
  }

  /** Every survivor answered or is gone. */
  allHeard(): boolean {
    return [...this.#survivors].every((c) => this.#answered.has(c) || this.#gone.has(c));
  }

  /** Every secret to rebuild has `t` shares in hand. */
  suffices(): boolean {
    return this.#needed.every((id) => (this.#got.get(id)?.size ?? 0) >= this.#threshold);
  }

  /** Some secret can no longer get `t` shares, whatever the survivors still waited for do. */
  cannotSuffice(): boolean {
    return this.#needed.some((id) => {
      const got = this.#got.get(id)?.size ?? 0;
      const pending = [...(this.#holders.get(id) ?? [])].filter(
        (h) => this.#survivors.has(h) && !this.#answered.has(h) && !this.#gone.has(h),
      ).length;
      return got + pending < this.#threshold;
    });
  }

  /** The outcome of the phase is known: close it now. */
  decided(): boolean {
    return this.allHeard() || this.suffices() || this.cannotSuffice();
  }
}

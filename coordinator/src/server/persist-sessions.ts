/**
 * Persists client sessions: every join and resume on the control plane upserts the
 * client's session in the RunStore (resume-token hash, capabilities, last seen), so the
 * per-client contribution and failure counters that `commitRound` keeps survive restarts
 * and the dashboard can show them.
 */
import type { RunStore } from '../store/run-store.js';
import type { ControlPlane } from '../transport/control-plane-types.js';
import type { Unsubscribe } from '../transport/listener-set.js';

/** Options of {@link persistClientSessions}. */
export interface PersistSessionsOptions {
  readonly plane: Pick<ControlPlane<unknown>, 'onClientJoined' | 'onClientResumed'>;
  readonly store: Pick<RunStore, 'upsertClientSession'>;
  /** Sees store failures (the client stays admitted; only the record is missing). */
  readonly onError: (error: unknown, clientId: string) => void;
}

/**
 * Subscribes to joins and resumes; returns the unsubscribe function. A failing store call
 * is reported to `onError` and never affects the connection.
 */
export function persistClientSessions(o: PersistSessionsOptions): Unsubscribe {
  const save = async (e: {
    readonly clientId: string;
    readonly resumeTokenHash: string;
    readonly record: { readonly capabilities: object };
  }): Promise<void> => {
    try {
      await o.store.upsertClientSession({
        clientId: e.clientId,
        resumeTokenHash: e.resumeTokenHash,
        capabilities: { ...e.record.capabilities },
      });
    } catch (err) {
      o.onError(err, e.clientId);
    }
  };
  const subs = [o.plane.onClientJoined(save), o.plane.onClientResumed(save)];
  return () => {
    for (const unsub of subs) unsub();
  };
}

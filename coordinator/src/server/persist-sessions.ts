/**
 * Persists client sessions: every join and resume on the control plane upserts the
 * client's session in the RunStore (resume-token hash, capabilities, last seen), so the
 * per-client contribution and failure counters that `commitRound` keeps survive restarts
 * and the dashboard can show them. {@link withSessionRestore} reads them back: a client
 * that resumes with a token the (in-memory) registry does not know, because the coordinator
 * restarted, is found in the store by the token's hash and keeps its old id.
 */
import type { ClientRegistry } from '../registry/client-registry.js';
import { hashResumeToken } from '../registry/resume-token.js';
import type { RunStore } from '../store/run-store.js';
import type { Authenticate, ControlPlane } from '../transport/control-plane-types.js';
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

/** Options of {@link withSessionRestore}. */
export interface SessionRestoreOptions<P> {
  readonly registry: Pick<ClientRegistry<P>, 'knowsResumeToken' | 'restore'>;
  readonly store: Pick<RunStore, 'findClientSessionByTokenHash'>;
  /** Sees store failures (the client is then admitted under a new id). */
  readonly onError: (error: unknown) => void;
  /** Sees each identity brought back from the store. */
  readonly onRestored?: (clientId: string) => void;
}

/**
 * Wraps `authenticate` so that, once a hello is authenticated and carries a resume token the
 * registry does not know, the session holding that token's hash is restored into the
 * registry (as a client in grace); the control plane's usual `resume` then re-admits it
 * under its old id and rotates the token. Unknown tokens (never issued, or already rotated)
 * and store failures leave the registry alone: the client registers anew. A failed
 * authentication never reaches the store.
 */
export function withSessionRestore<P>(
  authenticate: Authenticate<P>,
  o: SessionRestoreOptions<P>,
): Authenticate<P> {
  return async (token, hello) => {
    const principal = await authenticate(token, hello);
    const resumeToken = hello.resumeToken;
    if (resumeToken === undefined || o.registry.knowsResumeToken(resumeToken)) return principal;
    const resumeTokenHash = hashResumeToken(resumeToken);
    try {
      const session = await o.store.findClientSessionByTokenHash(resumeTokenHash);
      if (session === undefined) return principal;
      const restored = o.registry.restore({
        clientId: session.clientId,
        resumeTokenHash,
        registeredAt: session.firstSeen,
        principal,
        capabilities: hello.capabilities,
      });
      if (restored) o.onRestored?.(session.clientId);
    } catch (err) {
      o.onError(err);
    }
    return principal;
  };
}

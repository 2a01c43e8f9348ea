/**
 * The `/admin` socket.io namespace: live run and client events for the dashboard. A
 * connection is accepted only with a live dashboard session cookie (and, when the browser
 * sends an Origin, a same-origin or allowed one); it is dropped when its session signs out
 * or expires. Events are pushed as they happen (task progress coalesced: the latest per
 * task, at most once per `progressIntervalMs`): the page never polls.
 */
import { EdgefedError } from '@edgefed/shared';
import type { Namespace, Socket } from 'socket.io';
import type { RunEvent } from '../rounds/run-events.js';
import type { Listener, Unsubscribe } from '../transport/listener-set.js';
import type { AdminClientEvent, AdminClientEvents, AdminServerEvents } from './admin-namespace-events.js';
import { ProgressCoalescer } from './admin-namespace-progress.js';
import type { SessionClaims } from './session-token.js';

/** Name of the dashboard's socket.io namespace. */
export const ADMIN_NAMESPACE = '/admin';

/** Where the namespace gets its events from (function properties of the coordinator). */
export interface AdminEventSources {
  readonly onRunEvent: (listener: Listener<RunEvent>) => Unsubscribe;
  readonly onClientJoined?: (listener: Listener<{ clientId: string }>) => Unsubscribe;
  readonly onClientResumed?: (listener: Listener<{ clientId: string }>) => Unsubscribe;
  readonly onClientLeft?: (listener: Listener<{ clientId: string; reason: string }>) => Unsubscribe;
}

/** Options of {@link attachAdminNamespace}. */
export interface AdminNamespaceOptions {
  /** The socket.io server (any event typing: the namespace has its own). */
  readonly io: { of(name: string): unknown };
  readonly sessions: {
    readonly claimsFromCookie: (cookieHeader: string | undefined) => SessionClaims | undefined;
    readonly onSignOut: (listener: Listener<SessionClaims>) => Unsubscribe;
  };
  readonly sources: AdminEventSources;
  /** Extra origins allowed besides the page's own (the server's CORS origins). */
  readonly allowedOrigins?: readonly string[];
  /** Clock in ms; defaults to Date.now. */
  readonly now?: () => number;
  /**
   * How long `task-progress` run events are coalesced before they are pushed (ms, default
   * 1000): only each task's latest progress goes out. Progress is dropped while no admin
   * socket is connected, and pending progress of a task whose outcome arrives is dropped.
   */
  readonly progressIntervalMs?: number;
}

/** The attached namespace. */
export interface AdminNamespace {
  /** Number of connected admin sockets. */
  readonly size: () => number;
  /** Unsubscribes from every source and disconnects every admin socket. Idempotent. */
  close(): void;
}

type AdminSocket = Socket<AdminClientEvents, AdminServerEvents, Record<string, never>, { sid: string }>;

/** True when a browser Origin header matches the request's own host or an allowed origin. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true; // not a browser cross-site request (e.g. a Node client)
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * Attaches `/admin` to a socket.io server; returns its handle.
 *
 * @throws EdgefedError `INVALID_ARGUMENT` when `progressIntervalMs` is not a positive number.
 */
export function attachAdminNamespace(o: AdminNamespaceOptions): AdminNamespace {
  const nsp = o.io.of(ADMIN_NAMESPACE) as Namespace<
    AdminClientEvents,
    AdminServerEvents,
    Record<string, never>,
    { sid: string }
  >;
  const intervalMs = o.progressIntervalMs ?? 1000;
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
    throw new EdgefedError('INVALID_ARGUMENT', 'progressIntervalMs must be a positive number', {
      details: { progressIntervalMs: intervalMs },
    });
  }
  const now = o.now ?? Date.now;
  const allowed = o.allowedOrigins ?? [];
  const bySid = new Map<string, Set<AdminSocket>>();
  nsp.use((socket, next) => {
    const { headers } = socket.handshake;
    if (!originAllowed(headers.origin, headers.host, allowed)) {
      next(Object.assign(new Error('Origin not allowed'), { data: { code: 'FORBIDDEN' } }));
      return;
    }
    const claims = o.sessions.claimsFromCookie(headers.cookie);
    if (claims === undefined) {
      next(Object.assign(new Error('Not signed in'), { data: { code: 'UNAUTHORIZED' } }));
      return;
    }
    socket.data.sid = claims.sid;
    next();
  });
  nsp.on('connection', (socket) => {
    const claims = o.sessions.claimsFromCookie(socket.handshake.headers.cookie);
    if (claims === undefined) {
      socket.disconnect(true);
      return;
    }
    const set = bySid.get(claims.sid) ?? new Set<AdminSocket>();
    set.add(socket);
    bySid.set(claims.sid, set);
    const expiry = setTimeout(() => end(socket, 'expired'), Math.max(0, claims.exp - now()));
    expiry.unref();
    socket.on('disconnect', () => {
      clearTimeout(expiry);
      set.delete(socket);
      if (set.size === 0) bySid.delete(claims.sid);
    });
    socket.emit('ready', { serverTime: now(), sessionExpiresAt: claims.exp });
  });
  const end = (socket: AdminSocket, reason: 'signed-out' | 'expired'): void => {
    socket.emit('session-ended', { reason });
    socket.disconnect(true);
  };
  const client = (type: AdminClientEvent['type']) => (e: { clientId: string; reason?: string }) => {
    nsp.emit('client-event', {
      type,
      clientId: e.clientId,
      ...(e.reason === undefined ? {} : { reason: e.reason }),
      at: now(),
    });
  };
  const progress = new ProgressCoalescer({
    intervalMs,
    emit: (e) => {
      nsp.emit('run-event', e);
    },
  });
  const subs: Unsubscribe[] = [
    o.sources.onRunEvent((e) => {
      if (e.type === 'task-progress') {
        if (nsp.sockets.size > 0) progress.add(e);
        return;
      }
      if (e.type === 'task-outcome') progress.dropTask(e.runId, e.round, e.clientId);
      nsp.emit('run-event', e);
    }),
    o.sessions.onSignOut((c) => {
      for (const s of [...(bySid.get(c.sid) ?? [])]) end(s, 'signed-out');
    }),
  ];
  if (o.sources.onClientJoined) subs.push(o.sources.onClientJoined(client('joined')));
  if (o.sources.onClientResumed) subs.push(o.sources.onClientResumed(client('resumed')));
  if (o.sources.onClientLeft) subs.push(o.sources.onClientLeft(client('left')));
  let closed = false;
  return {
    size: () => nsp.sockets.size,
    close() {
      if (closed) return;
      closed = true;
      for (const u of subs) u();
      progress.close();
      nsp.disconnectSockets(true);
    },
  };
}

import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../rounds/run-events.js';
import { ListenerSet } from '../transport/listener-set.js';
import { attachAdminNamespace, originAllowed, type AdminNamespace } from './admin-namespace.js';
import type { AdminClientEvent, AdminServerEvents } from './admin-namespace-events.js';
import { SESSION_COOKIE } from './session-cookie.js';
import {
  issueSessionToken,
  SessionRevocations,
  sessionKey,
  verifySessionToken,
  type SessionClaims,
} from './session-token.js';

const key = sessionKey('namespace-test-admin-token');

interface Rig {
  url: string;
  http: HttpServer;
  io: Server;
  nsp: AdminNamespace;
  runEvents: ListenerSet<RunEvent>;
  joined: ListenerSet<{ clientId: string }>;
  signOut: (claims: SessionClaims) => Promise<unknown>;
  revocations: SessionRevocations;
}

async function startRig(now: () => number = Date.now, progressIntervalMs = 20): Promise<Rig> {
  const http = createServer();
  const io = new Server(http);
  const runEvents = new ListenerSet<RunEvent>();
  const joined = new ListenerSet<{ clientId: string }>();
  const signOuts = new ListenerSet<SessionClaims>();
  const revocations = new SessionRevocations();
  const nsp = attachAdminNamespace({
    io,
    now,
    sessions: {
      claimsFromCookie: (header) => {
        const m = /edgefed_session=([^;]+)/.exec(header ?? '');
        const c = verifySessionToken(key, m?.[1], now());
        return c === undefined || revocations.isRevoked(c.sid) ? undefined : c;
      },
      onSignOut: (l) => signOuts.add(l),
    },
    sources: { onRunEvent: (l) => runEvents.add(l), onClientJoined: (l) => joined.add(l) },
    allowedOrigins: ['https://ops.example'],
    progressIntervalMs,
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${String((http.address() as AddressInfo).port)}`;
  const signOut = (c: SessionClaims): Promise<unknown> => {
    revocations.revoke(c, now());
    return signOuts.emit(c);
  };
  return { url, http, io, nsp, runEvents, joined, signOut, revocations };
}

type AdminSocket = Socket<AdminServerEvents, Record<string, never>>;

function open(url: string, headers: Record<string, string>): AdminSocket {
  return connect(`${url}/admin`, {
    transports: ['websocket'],
    extraHeaders: headers,
    reconnection: false,
    forceNew: true,
  });
}

function connectError(s: AdminSocket): Promise<{ message: string; code: string | undefined }> {
  return new Promise((resolve) => {
    s.once('connect_error', (e: Error & { data?: { code?: string } }) => {
      resolve({ message: e.message, code: e.data?.code });
    });
  });
}

function once<E extends keyof AdminServerEvents>(
  s: AdminSocket,
  event: E,
): Promise<Parameters<AdminServerEvents[E]>[0]> {
  return new Promise((resolve) => {
    s.once(event, ((v: Parameters<AdminServerEvents[E]>[0]) => {
      resolve(v);
    }) as never);
  });
}

describe('/admin namespace', () => {
  let rig: Rig;
  const sockets: AdminSocket[] = [];
  const session = (ttl = 60_000): { cookie: string; claims: SessionClaims } => {
    const { token, claims } = issueSessionToken(key, Date.now(), ttl);
    return { cookie: `${SESSION_COOKIE}=${token}`, claims };
  };
  const track = (s: AdminSocket): AdminSocket => {
    sockets.push(s);
    return s;
  };
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    rig.nsp.close();
    await new Promise<void>((r) => {
      void rig.io.close(() => r());
    });
  });

  it('refuses a connection without a session cookie', async () => {
    const err = await connectError(track(open(rig.url, {})));
    expect(err.code).toBe('UNAUTHORIZED');
  });

  it('refuses a forged or signed-out cookie', async () => {
    const forged = `${SESSION_COOKIE}=${issueSessionToken(sessionKey('other-token'), Date.now()).token}`;
    expect((await connectError(track(open(rig.url, { cookie: forged })))).code).toBe('UNAUTHORIZED');
    const s = session();
    rig.revocations.revoke(s.claims, Date.now());
    expect((await connectError(track(open(rig.url, { cookie: s.cookie })))).code).toBe('UNAUTHORIZED');
  });

  it('refuses a cross-site origin but accepts its own and allowed origins', async () => {
    const { cookie } = session();
    const evil = await connectError(track(open(rig.url, { cookie, origin: 'https://evil.example' })));
    expect(evil.code).toBe('FORBIDDEN');
    const own = track(open(rig.url, { cookie, origin: rig.url }));
    expect((await once(own, 'ready')).sessionExpiresAt).toBeGreaterThan(Date.now());
    const allowed = track(open(rig.url, { cookie, origin: 'https://ops.example' }));
    await once(allowed, 'ready');
    expect(rig.nsp.size()).toBe(2);
  });

  it('pushes run and client events to signed-in sockets', async () => {
    const s = track(open(rig.url, { cookie: session().cookie }));
    await once(s, 'ready');
    const got = once(s, 'run-event');
    const event: RunEvent = { type: 'phase', runId: 'r1', round: 3, phase: 'training' };
    await rig.runEvents.emit(event);
    expect(await got).toEqual(event);
    const client = once(s, 'client-event');
    await rig.joined.emit({ clientId: 'c-1' });
    const ce: AdminClientEvent = await client;
    expect(ce).toMatchObject({ type: 'joined', clientId: 'c-1' });
  });

  it('forwards task progress coalesced: the latest per task, none after the task ended', async () => {
    const s = track(open(rig.url, { cookie: session().cookie }));
    await once(s, 'ready');
    const got: RunEvent[] = [];
    const wake = new Set<() => void>();
    s.on('run-event', (e) => {
      got.push(e);
      for (const w of [...wake]) w();
    });
    const until = (n: number): Promise<void> =>
      new Promise((ok) => {
        const check = (): void => {
          if (got.length < n) return;
          wake.delete(check);
          ok();
        };
        wake.add(check);
        check();
      });
    const p = (clientId: string, step: number, extra: { loss?: number } = {}): RunEvent => ({
      type: 'task-progress',
      runId: 'r1',
      round: 4,
      clientId,
      taskId: `t-${clientId}`,
      kind: 'fit',
      step,
      totalSteps: 375,
      ...extra,
    });
    // Listeners run synchronously inside emit: all of these land before any flush.
    for (let step = 1; step <= 3; step++) void rig.runEvents.emit(p('a', step * 40));
    void rig.runEvents.emit(p('b', 7, { loss: 0.31 }));
    void rig.runEvents.emit(p('a', 120, { loss: 0.5 }));
    await until(2);
    expect(got).toEqual([p('b', 7, { loss: 0.31 }), p('a', 120, { loss: 0.5 })]);

    // A's outcome arrives before its pending progress is pushed: that progress is dropped.
    void rig.runEvents.emit(p('a', 200));
    const outcome: RunEvent = {
      type: 'task-outcome',
      runId: 'r1',
      round: 4,
      clientId: 'a',
      outcome: 'completed',
      code: null,
    };
    void rig.runEvents.emit(outcome);
    void rig.runEvents.emit(p('b', 8));
    await until(4);
    expect(got.slice(2)).toEqual([outcome, p('b', 8)]);
  });

  it('refuses a progress interval that is not a positive number', () => {
    for (const progressIntervalMs of [0, -1, Number.NaN]) {
      expect(() =>
        attachAdminNamespace({
          io: rig.io,
          sessions: { claimsFromCookie: () => undefined, onSignOut: () => () => undefined },
          sources: { onRunEvent: () => () => undefined },
          progressIntervalMs,
        }),
      ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('ends the sockets of a session that signs out, and only those', async () => {
    const a = session();
    const b = session();
    const sa = track(open(rig.url, { cookie: a.cookie }));
    const sb = track(open(rig.url, { cookie: b.cookie }));
    await Promise.all([once(sa, 'ready'), once(sb, 'ready')]);
    const ended = once(sa, 'session-ended');
    const gone = new Promise<string>((r) => sa.once('disconnect', r));
    await rig.signOut(a.claims);
    expect(await ended).toEqual({ reason: 'signed-out' });
    expect(await gone).toBe('io server disconnect');
    expect(sb.connected).toBe(true);
    expect(rig.nsp.size()).toBe(1);
  });

  it('ends a socket when its session expires', async () => {
    const s = track(open(rig.url, { cookie: session(300).cookie }));
    await once(s, 'ready');
    expect(await once(s, 'session-ended')).toEqual({ reason: 'expired' });
  });

  it('stops forwarding after close', async () => {
    const s = track(open(rig.url, { cookie: session().cookie }));
    await once(s, 'ready');
    const gone = new Promise<string>((r) => s.once('disconnect', r));
    rig.nsp.close();
    await gone;
    expect(rig.runEvents.size).toBe(0);
    expect(rig.joined.size).toBe(0);
    rig.nsp.close(); // idempotent
  });
});

describe('originAllowed', () => {
  it('allows no origin, the same host and listed origins only', () => {
    expect(originAllowed(undefined, 'h:1', [])).toBe(true);
    expect(originAllowed('http://h:1', 'h:1', [])).toBe(true);
    expect(originAllowed('http://h:2', 'h:1', [])).toBe(false);
    expect(originAllowed('http://x', 'h:1', ['http://x'])).toBe(true);
    expect(originAllowed('not a url', 'h:1', [])).toBe(false);
    expect(originAllowed('http://h:1', undefined, [])).toBe(false);
  });
});

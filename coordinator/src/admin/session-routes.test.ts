import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler, notFoundHandler } from '../http/errors.js';
import { createLogger } from '../observability/logger.js';
import { requireAdmin } from './require-admin.js';
import { createAdminSessions, CSRF_HEADER, type AdminSessions } from './session-routes.js';
import type { SessionClaims } from './session-token.js';

const ADMIN = 'admin-token-for-tests-0123456789';

/** A real express app on port 0 with the session routes in front of a guarded API. */
async function startApp(sessions: AdminSessions): Promise<{ url: string; server: Server }> {
  const app = express();
  const api = express.Router();
  api.use(express.json());
  api.use(sessions.router);
  api.use(requireAdmin(ADMIN, sessions.sessionCheck));
  api.get('/things', (_req, res) => {
    res.json({ things: [1, 2] });
  });
  api.post('/things', (req, res) => {
    res.status(201).json({ got: req.body as unknown });
  });
  api.use(notFoundHandler);
  app.use('/api', api);
  app.use(errorHandler(createLogger('silent')));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, server };
}

async function signIn(url: string, token = ADMIN): Promise<{ res: Response; cookie: string; csrf: string }> {
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = res.ok ? ((await res.json()) as { csrfToken: string }) : { csrfToken: '' };
  return { res, cookie: setCookie.split(';')[0] ?? '', csrf: body.csrfToken };
}

describe('dashboard sessions over HTTP', () => {
  let now = 1_700_000_000_000;
  const signedOut: SessionClaims[] = [];
  const sessions = createAdminSessions({ adminToken: ADMIN, ttlMs: 60_000, now: () => now });
  sessions.onSignOut((c) => {
    signedOut.push(c);
  });
  let url = '';
  let server: Server;
  beforeAll(async () => {
    ({ url, server } = await startApp(sessions));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('refuses data without a session or token', async () => {
    const res = await fetch(`${url}/api/things`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('refuses a wrong admin token and a malformed body', async () => {
    const wrong = await signIn(url, 'not-the-admin-token');
    expect(wrong.res.status).toBe(401);
    expect(wrong.res.headers.get('set-cookie')).toBeNull();
    const bad = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ tokn: ADMIN }),
    });
    expect(bad.status).toBe(400);
  });

  it('issues an HttpOnly SameSite=Strict cookie that reads data', async () => {
    const { res, cookie, csrf } = await signIn(url);
    expect(res.status).toBe(201);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Max-Age=60$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(csrf.length).toBeGreaterThan(20);
    const things = await fetch(`${url}/api/things`, { headers: { cookie } });
    expect(things.status).toBe(200);
    const again = await fetch(`${url}/api/session`, { headers: { cookie } });
    expect(((await again.json()) as { csrfToken: string }).csrfToken).toBe(csrf);
  });

  it('requires the CSRF header on state-changing cookie requests', async () => {
    const { cookie, csrf } = await signIn(url);
    const post = (headers: Record<string, string>): Promise<Response> =>
      fetch(`${url}/api/things`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', cookie, ...headers },
        body: '{"a":1}',
      });
    const none = await post({});
    expect(none.status).toBe(403);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    expect((await post({ [CSRF_HEADER]: `${csrf}x` })).status).toBe(403);
    const other = await signIn(url);
    expect((await post({ [CSRF_HEADER]: other.csrf })).status).toBe(403);
    const ok = await post({ [CSRF_HEADER]: csrf });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ got: { a: 1 } });
  });

  it('needs no CSRF header with the bearer token (scripts, CLI)', async () => {
    const res = await fetch(`${url}/api/things`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN}` },
      body: '{}',
    });
    expect(res.status).toBe(201);
  });

  it('does not let a wrong bearer token skip the CSRF check of a good cookie', async () => {
    const { cookie } = await signIn(url);
    const res = await fetch(`${url}/api/things`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer nope', cookie },
      body: '{}',
    });
    expect(res.status).toBe(403);
  });

  it('signs out: the cookie is cleared, revoked and announced', async () => {
    const { cookie, csrf } = await signIn(url);
    expect((await fetch(`${url}/api/session`, { method: 'DELETE', headers: { cookie } })).status).toBe(403);
    const out = await fetch(`${url}/api/session`, {
      method: 'DELETE',
      headers: { cookie, [CSRF_HEADER]: csrf },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^edgefed_session=; .*Max-Age=0/);
    expect(signedOut.at(-1)).toBeDefined();
    expect((await fetch(`${url}/api/things`, { headers: { cookie } })).status).toBe(401);
    expect((await fetch(`${url}/api/session`, { headers: { cookie } })).status).toBe(401);
  });

  it('expires sessions after their ttl', async () => {
    const { cookie } = await signIn(url);
    now += 60_000;
    expect((await fetch(`${url}/api/things`, { headers: { cookie } })).status).toBe(401);
  });

  it('survives a restart: a new process with the same admin token accepts the cookie', async () => {
    const { cookie } = await signIn(url);
    const restarted = createAdminSessions({ adminToken: ADMIN, now: () => now });
    expect(restarted.sessionCheck(cookie)).toBe(true);
    expect(createAdminSessions({ adminToken: `${ADMIN}-rotated` }).sessionCheck(cookie)).toBe(false);
  });

  it('rejects bad options', () => {
    expect(() => createAdminSessions({ adminToken: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => createAdminSessions({ adminToken: ADMIN, ttlMs: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

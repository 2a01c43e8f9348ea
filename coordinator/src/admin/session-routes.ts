/**
 * Dashboard sign-in: `POST /api/session` exchanges the admin token for an HttpOnly,
 * SameSite=Strict session cookie and returns the session's CSRF token; `GET /api/session`
 * says whether the cookie is still good (and repeats the CSRF token, so a reloaded page
 * needs no new sign-in); `DELETE /api/session` signs out. Every other non-GET request that
 * is authenticated by the cookie (not by a bearer token) must carry the CSRF token in the
 * `X-Edgefed-CSRF` header, or it is refused with `FORBIDDEN`.
 */
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { EdgefedError, toWireIssues } from '@edgefed/shared';
import { adminTokenMatches } from '../auth/join-token.js';
import { ListenerSet, type Listener, type Unsubscribe } from '../transport/listener-set.js';
import { bearerToken } from './require-admin.js';
import { readCookie, SESSION_COOKIE, sessionCookie } from './session-cookie.js';
import {
  csrfTokenFor,
  csrfTokenMatches,
  DEFAULT_SESSION_TTL_MS,
  issueSessionToken,
  SessionRevocations,
  sessionKey,
  verifySessionToken,
  type SessionClaims,
} from './session-token.js';

/** Header that carries the CSRF token on state-changing cookie-authenticated requests. */
export const CSRF_HEADER = 'x-edgefed-csrf';

/** Options of {@link createAdminSessions}. */
export interface AdminSessionsOptions {
  readonly adminToken: string;
  /** Session lifetime in ms (default 12 h). */
  readonly ttlMs?: number;
  /** Clock in ms (tests); defaults to Date.now. */
  readonly now?: () => number;
}

/** The dashboard's session machinery, mounted by the coordinator. */
export interface AdminSessions {
  /**
   * Router for `/session` plus the CSRF guard for every later route. Mount it on the API
   * router after the JSON body parser and before `requireAdmin`.
   */
  readonly router: Router;
  /** For `requireAdmin`: true when the `Cookie` header holds a live session. */
  readonly sessionCheck: (cookieHeader: string | undefined) => boolean;
  /** The live session of a `Cookie` header, or undefined (expired, forged, signed out). */
  readonly claimsFromCookie: (cookieHeader: string | undefined) => SessionClaims | undefined;
  /** Called with the claims of every session that signs out (to drop its sockets). */
  onSignOut(listener: Listener<SessionClaims>): Unsubscribe;
}

const signInSchema = z.strictObject({ token: z.string().min(1).max(4096) });
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Builds the session routes and checks. Throws `INVALID_ARGUMENT` for an empty admin token
 * or a non-positive ttl.
 */
export function createAdminSessions(o: AdminSessionsOptions): AdminSessions {
  const key = sessionKey(o.adminToken);
  const ttlMs = o.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new EdgefedError('INVALID_ARGUMENT', 'Session ttlMs must be positive');
  const now = o.now ?? Date.now;
  const revocations = new SessionRevocations();
  const signOuts = new ListenerSet<SessionClaims>();
  const claimsFromCookie = (cookieHeader: string | undefined): SessionClaims | undefined => {
    const claims = verifySessionToken(key, readCookie(cookieHeader, SESSION_COOKIE), now());
    return claims === undefined || revocations.isRevoked(claims.sid) ? undefined : claims;
  };
  const csrfGuard: RequestHandler = (req, _res, next) => {
    if (
      SAFE_METHODS.has(req.method) ||
      adminTokenMatches(bearerToken(req.headers.authorization), o.adminToken)
    ) {
      next();
      return;
    }
    const claims = claimsFromCookie(req.headers.cookie);
    if (claims !== undefined && !csrfTokenMatches(key, claims.sid, req.get(CSRF_HEADER))) {
      next(
        new EdgefedError(
          'FORBIDDEN',
          `Missing or wrong ${CSRF_HEADER} header for a cookie-authenticated request`,
        ),
      );
      return;
    }
    next();
  };
  const router = Router();
  router.use('/session', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.post('/session', (req, res) => {
    const { token } = parseSignIn(req);
    if (!adminTokenMatches(token, o.adminToken)) throw new EdgefedError('UNAUTHORIZED', 'Wrong admin token');
    const { token: value, claims } = issueSessionToken(key, now(), ttlMs);
    res.setHeader('Set-Cookie', sessionCookie({ value, maxAgeSeconds: ttlMs / 1000, secure: req.secure }));
    res.status(201).json({ csrfToken: csrfTokenFor(key, claims.sid), expiresAt: claims.exp });
  });
  router.get('/session', (req, res) => {
    const claims = claimsFromCookie(req.headers.cookie);
    if (claims === undefined) throw new EdgefedError('UNAUTHORIZED', 'Not signed in');
    res.json({ csrfToken: csrfTokenFor(key, claims.sid), expiresAt: claims.exp });
  });
  router.use(csrfGuard);
  router.delete('/session', (req, res) => {
    const claims = claimsFromCookie(req.headers.cookie);
    res.setHeader('Set-Cookie', sessionCookie({ value: '', maxAgeSeconds: 0, secure: req.secure }));
    if (claims !== undefined) {
      revocations.revoke(claims, now());
      void signOuts.emit(claims);
    }
    res.status(204).end();
  });
  return {
    router,
    sessionCheck: (cookieHeader) => claimsFromCookie(cookieHeader) !== undefined,
    claimsFromCookie,
    onSignOut: (listener) => signOuts.add(listener),
  };
}

function parseSignIn(req: Request): { token: string } {
  const parsed = signInSchema.safeParse(req.body);
  if (!parsed.success) {
    throw new EdgefedError('INVALID_ARGUMENT', `Invalid sign-in body: ${z.prettifyError(parsed.error)}`, {
      details: { issues: toWireIssues(parsed.error.issues) },
    });
  }
  return parsed.data;
}

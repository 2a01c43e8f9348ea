/**
 * Dashboard sessions as signed tokens: `efs1.<payload b64url>.<sig b64url>` with payload
 * `{ sid, iat, exp }` (milliseconds since the epoch), HMAC-SHA256 signed with a key derived
 * from the admin token. Stateless, so a session survives a coordinator restart (the page
 * reconnects by itself) and changing the admin token ends every session. The CSRF token of
 * a session is derived from its id, so it needs no storage either.
 *
 * Sign-out revokes the session id in this process ({@link SessionRevocations}); the browser
 * drops the cookie at the same time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EdgefedError } from '@edgefed/shared';

/** What a valid session token says. */
export interface SessionClaims {
  /** Random session id (128 bits, base64url). */
  readonly sid: string;
  /** Issued at, ms since the epoch. */
  readonly iat: number;
  /** Expiry, ms since the epoch. */
  readonly exp: number;
}

const PREFIX = 'efs1';
/** Default session lifetime: 12 hours. */
export const DEFAULT_SESSION_TTL_MS = 12 * 3600 * 1000;

/**
 * Derives the session signing key from the admin token. Throws `INVALID_ARGUMENT` for an
 * empty admin token.
 */
export function sessionKey(adminToken: string): Buffer {
  if (adminToken === '') throw new EdgefedError('INVALID_ARGUMENT', 'The admin token must not be empty');
  return createHmac('sha256', adminToken).update('edgefed-dashboard-session-v1').digest();
}

function mac(key: Buffer, label: string, data: string): string {
  return createHmac('sha256', key).update(`${label}.${data}`).digest('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Issues a new session token with a fresh random id. Throws `INVALID_ARGUMENT` when `ttlMs`
 * is not a positive finite number.
 */
export function issueSessionToken(
  key: Buffer,
  now: number,
  ttlMs: number = DEFAULT_SESSION_TTL_MS,
): { token: string; claims: SessionClaims } {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new EdgefedError('INVALID_ARGUMENT', 'Session ttlMs must be positive');
  const claims: SessionClaims = { sid: randomBytes(16).toString('base64url'), iat: now, exp: now + ttlMs };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { token: `${PREFIX}.${payload}.${mac(key, PREFIX, payload)}`, claims };
}

function parseClaims(payload: string): SessionClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { sid, iat, exp } = value as Record<string, unknown>;
  if (typeof sid !== 'string' || sid === '' || typeof iat !== 'number' || typeof exp !== 'number')
    return undefined;
  return { sid, iat, exp };
}

/**
 * Verifies a session token: returns its claims, or undefined for anything malformed,
 * forged (signature checked in constant time before the payload is read), or expired at
 * `now` (a token is valid while `now < exp`). Never throws.
 */
export function verifySessionToken(
  key: Buffer,
  token: string | undefined,
  now: number,
): SessionClaims | undefined {
  if (token === undefined) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return undefined;
  const [, payload = '', sig = ''] = parts;
  if (!safeEqual(sig, mac(key, PREFIX, payload))) return undefined;
  const claims = parseClaims(payload);
  if (claims === undefined || !(now < claims.exp)) return undefined;
  return claims;
}

/** The CSRF token of a session: an HMAC of its id (stable for the session's life). */
export function csrfTokenFor(key: Buffer, sid: string): string {
  return mac(key, 'csrf', sid);
}

/** Checks a presented CSRF token against a session, in constant time; false when absent. */
export function csrfTokenMatches(key: Buffer, sid: string, presented: string | undefined): boolean {
  return presented !== undefined && presented !== '' && safeEqual(presented, csrfTokenFor(key, sid));
}

/**
 * Session ids signed out in this process, kept until their token would have expired
 * anyway (so the set stays bounded by the sessions issued within one TTL).
 */
export class SessionRevocations {
  readonly #revoked = new Map<string, number>();

  /** Revokes `claims.sid` until `claims.exp`. */
  revoke(claims: SessionClaims, now: number): void {
    this.#prune(now);
    this.#revoked.set(claims.sid, claims.exp);
  }

  /** Whether `sid` was signed out. */
  isRevoked(sid: string): boolean {
    return this.#revoked.has(sid);
  }

  #prune(now: number): void {
    for (const [sid, exp] of this.#revoked) if (exp <= now) this.#revoked.delete(sid);
  }
}

/**
 * Join tokens: what a participant presents in `hello`. HMAC-SHA256 signed, scoped to a
 * run (or `*` for any run), with an expiry. Format: `ef1.<payload b64url>.<sig b64url>`,
 * payload `{ run, exp, iat, sub? }` (seconds since epoch).
 *
 * Verification is constant-time on the signature and never trusts the payload before
 * the signature checks out.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { EdgefedError } from '@edgefed/shared';

/** The claims a join token carries. */
export interface JoinClaims {
  /** Run id the token admits to, or `*` for any run. */
  readonly run: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** Issued at, seconds since the epoch. */
  readonly iat: number;
  /** Optional subject (an app's user or device label); never required. */
  readonly sub?: string;
}

/** Options for {@link createJoinToken}. */
export interface CreateJoinTokenOptions {
  readonly secret: string;
  readonly run: string;
  /** Lifetime in seconds (default 7 days). Must be positive. */
  readonly ttlSeconds?: number;
  readonly subject?: string;
  /** Current time in ms (for tests); defaults to Date.now(). */
  readonly now?: number;
}

const PREFIX = 'ef1';

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`${PREFIX}.${payload}`).digest('base64url');
}

/** Creates a signed join token. Throws `INVALID_ARGUMENT` for an empty run or a bad ttl. */
export function createJoinToken(options: CreateJoinTokenOptions): string {
  const ttl = options.ttlSeconds ?? 7 * 24 * 3600;
  if (options.run === '') throw new EdgefedError('INVALID_ARGUMENT', 'A join token needs a run id (or "*")');
  if (!Number.isFinite(ttl) || ttl <= 0)
    throw new EdgefedError('INVALID_ARGUMENT', 'ttlSeconds must be positive');
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: JoinClaims =
    options.subject === undefined
      ? { run: options.run, iat, exp: iat + Math.ceil(ttl) }
      : { run: options.run, iat, exp: iat + Math.ceil(ttl), sub: options.subject };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${PREFIX}.${payload}.${sign(options.secret, payload)}`;
}

/**
 * Verifies a join token and returns its claims. Throws `UNAUTHORIZED` for a malformed,
 * forged or expired token, or one scoped to another run than `run` (when given).
 */
export function verifyJoinToken(
  token: string,
  secret: string,
  opts: { run?: string; now?: number } = {},
): JoinClaims {
  const parts = token.split('.');
  const [prefix, payload, sig] = parts;
  if (parts.length !== 3 || prefix !== PREFIX || !payload || !sig) {
    throw new EdgefedError('UNAUTHORIZED', 'Malformed join token');
  }
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new EdgefedError('UNAUTHORIZED', 'Join token signature is invalid');
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new EdgefedError('UNAUTHORIZED', 'Join token payload is not JSON');
  }
  const c = claims as Partial<JoinClaims>;
  if (typeof c.run !== 'string' || typeof c.exp !== 'number' || typeof c.iat !== 'number') {
    throw new EdgefedError('UNAUTHORIZED', 'Join token payload is incomplete');
  }
  const nowS = (opts.now ?? Date.now()) / 1000;
  if (c.exp <= nowS)
    throw new EdgefedError('UNAUTHORIZED', 'Join token has expired', { details: { exp: c.exp } });
  if (opts.run !== undefined && c.run !== '*' && c.run !== opts.run) {
    throw new EdgefedError('UNAUTHORIZED', `Join token is for run ${c.run}, not ${opts.run}`);
  }
  return c as JoinClaims;
}

/** Constant-time comparison of a presented admin token with the configured one. */
export function adminTokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

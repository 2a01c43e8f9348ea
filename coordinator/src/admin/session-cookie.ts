/**
 * The dashboard's session cookie: parsing a `Cookie` header and writing the `Set-Cookie`
 * value (HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS).
 */

/** Name of the dashboard session cookie. */
export const SESSION_COOKIE = 'edgefed_session';

/**
 * Reads one cookie from a `Cookie` header. Returns undefined when the header or the cookie
 * is absent, or its value is not valid percent-encoding. The first occurrence wins.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header === '') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Options of {@link sessionCookie}. */
export interface SessionCookieOptions {
  /** Cookie value; an empty string with `maxAgeSeconds: 0` clears the cookie. */
  readonly value: string;
  /** Lifetime in whole seconds (0 deletes the cookie). */
  readonly maxAgeSeconds: number;
  /** Adds `Secure` (the request came over HTTPS). */
  readonly secure: boolean;
}

/** The `Set-Cookie` header value for the session cookie. */
export function sessionCookie(o: SessionCookieOptions): string {
  const parts = [
    `${SESSION_COOKIE}=${encodeURIComponent(o.value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`,
  ];
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}

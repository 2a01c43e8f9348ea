/**
 * Redis URLs for the cluster configuration: the check the config schema and the connection
 * share (`redis://` or `rediss://`, a host, an optional numeric database index), and the
 * redaction that keeps passwords out of logs and error messages. No ioredis import here, so
 * the config schema can use it cheaply.
 */
import { EdgefedError } from '@edgefed/shared';

/** The URL without its password, for logs and error details. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Checks a Redis URL: `redis://[user:password@]host[:port][/db]` or `rediss://` (TLS).
 *
 * @throws EdgefedError `INVALID_CONFIG` for anything else (no host, another scheme, a db index
 *   that is not an integer).
 */
export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new EdgefedError('INVALID_CONFIG', `Redis URL "${redactRedisUrl(url)}" is not a URL`, {
      details: { field: 'cluster.redis' },
    });
  }
  const db = u.pathname.replace(/^\//, '');
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || u.hostname === '' || !/^\d*$/.test(db)) {
    throw new EdgefedError(
      'INVALID_CONFIG',
      `Redis URL must look like redis://host:6379 (or rediss:// for TLS), got "${redactRedisUrl(url)}"`,
      { details: { field: 'cluster.redis' } },
    );
  }
  return u;
}

/** True when `url` passes {@link parseRedisUrl}. */
export function isRedisUrl(url: string): boolean {
  try {
    parseRedisUrl(url);
    return true;
  } catch {
    return false;
  }
}

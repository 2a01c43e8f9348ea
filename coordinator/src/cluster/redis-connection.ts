/**
 * The cluster's Redis connection (ioredis) from a URL. Start-up fails fast and clearly
 * instead of hanging: a URL that is not `redis://` or `rediss://` is `INVALID_CONFIG`, and a
 * server that does not answer PING within `connectTimeoutMs` is `UNAVAILABLE` (with the URL,
 * password removed, in the details). After start-up the client reconnects on its own (the
 * socket.io adapter survives short Redis outages); commands issued while it is down fail
 * after one retry instead of queueing forever, so lease renewals notice the outage.
 */
import { EdgefedError } from '@edgefed/shared';
import { Redis } from 'ioredis';
import { parseRedisUrl, redactRedisUrl } from './redis-url.js';

/** Options of {@link connectRedis}. */
export interface RedisConnectOptions {
  readonly url: string;
  /** Connection name shown by `CLIENT LIST` (e.g. the node id). */
  readonly name?: string;
  /** How long start-up waits for the first PING (default 5000 ms). */
  readonly connectTimeoutMs?: number;
}

/**
 * Connects to Redis and waits for PING.
 *
 * @throws EdgefedError `INVALID_CONFIG` (bad URL) or `UNAVAILABLE` (no answer in time;
 *   the client is closed before throwing).
 */
export async function connectRedis(o: RedisConnectOptions): Promise<Redis> {
  parseRedisUrl(o.url);
  const timeoutMs = o.connectTimeoutMs ?? 5000;
  const redis = new Redis(o.url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    ...(o.name === undefined ? {} : { connectionName: o.name }),
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
  let lastError: unknown;
  redis.on('error', (err: unknown) => {
    lastError = err; // reported by whoever uses the connection; never an unhandled 'error'
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return redis;
  } catch (err) {
    redis.disconnect();
    const cause = lastError ?? err;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new EdgefedError('UNAVAILABLE', `Cannot reach Redis at ${redactRedisUrl(o.url)}: ${why}`, {
      cause,
      details: { url: redactRedisUrl(o.url) },
    });
  } finally {
    clearTimeout(timer);
  }
}

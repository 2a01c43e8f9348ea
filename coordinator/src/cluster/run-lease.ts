/**
 * Leader leases in Redis, one per run, with fencing epochs. A lease is a key
 * `<prefix>lease:<runId>` holding `<nodeId> <epoch>`, set only when absent, with a TTL
 * (`SET NX PX` semantics, done in a Lua script together with `INCR` of the run's epoch key
 * so both happen atomically). The epoch never decreases: every acquisition, by any node,
 * gets a higher one, so anything the holder writes can carry it as a fencing token.
 * Renew and release are Lua scripts that act only when the key still holds the caller's own
 * `<nodeId> <epoch>`: a holder that was paused past its TTL, whose lease someone else then
 * took, is refused (renew returns false) and its release deletes nothing.
 *
 * These are the primitives; {@link HeldLease} (held-lease.ts) keeps one renewed.
 */
import { EdgefedError } from '@edgefed/shared';
import type { Redis } from 'ioredis';

const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local epoch = redis.call('INCR', KEYS[2])
local floor = tonumber(ARGV[3])
if epoch < floor then
  epoch = floor
  redis.call('SET', KEYS[2], epoch)
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. epoch, 'PX', ARGV[2])
return epoch`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

/** One acquisition of a run's lease. */
export interface LeaseGrant {
  readonly runId: string;
  readonly nodeId: string;
  /** The fencing epoch: higher than every earlier grant of this run's lease. */
  readonly epoch: number;
  /** When the grant's TTL started (local clock, before the request was sent). */
  readonly grantedAt: number;
}

/** Who holds a run's lease now. */
export interface LeaseHolder {
  readonly runId: string;
  readonly nodeId: string;
  readonly epoch: number;
}

/** Options of {@link RunLeases}. */
export interface RunLeasesOptions {
  readonly redis: Redis;
  /** Key prefix shared by the cluster (default `edgefed:`). */
  readonly prefix?: string;
  /** Lease time to live in ms. */
  readonly ttlMs: number;
  readonly now?: () => number;
}

function token(g: { nodeId: string; epoch: number }): string {
  return `${g.nodeId} ${g.epoch}`;
}

/** Acquire / renew / release / inspect run leases. */
export class RunLeases {
  readonly ttlMs: number;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => number;

  /** @throws EdgefedError `INVALID_CONFIG` when `ttlMs` is not a positive integer. */
  constructor(o: RunLeasesOptions) {
    if (!Number.isInteger(o.ttlMs) || o.ttlMs <= 0)
      throw new EdgefedError('INVALID_CONFIG', `lease ttlMs must be a positive integer, got ${o.ttlMs}`);
    this.#redis = o.redis;
    this.#prefix = o.prefix ?? 'edgefed:';
    this.ttlMs = o.ttlMs;
    this.#now = o.now ?? Date.now;
  }

  #key(runId: string): string {
    return `${this.#prefix}lease:${runId}`;
  }

  #epochKey(runId: string): string {
    return `${this.#prefix}lease-epoch:${runId}`;
  }

  /**
   * Takes the lease when nobody holds it; undefined when another holder (or this node) has it.
   * `minEpoch`: the grant's epoch is at least this (the epoch key is raised to it), for when
   * the store has seen a higher epoch than Redis remembers (epoch keys lost with a Redis
   * restart without persistence).
   */
  async acquire(runId: string, nodeId: string, minEpoch = 0): Promise<LeaseGrant | undefined> {
    if (nodeId.includes(' ')) throw new EdgefedError('INVALID_ARGUMENT', 'node id must not contain spaces');
    if (!Number.isSafeInteger(minEpoch) || minEpoch < 0)
      throw new EdgefedError('INVALID_ARGUMENT', `minEpoch must be a non-negative integer, got ${minEpoch}`);
    const grantedAt = this.#now();
    const keys = [this.#key(runId), this.#epochKey(runId)];
    const args = [nodeId, String(this.ttlMs), String(minEpoch)];
    const epoch = (await this.#redis.eval(ACQUIRE, 2, ...keys, ...args)) as number | null;
    return epoch === null ? undefined : { runId, nodeId, epoch, grantedAt };
  }

  /** Extends the grant's TTL; false when the lease is no longer this grant's (expired, taken). */
  async renew(grant: LeaseGrant): Promise<boolean> {
    const r = await this.#redis.eval(RENEW, 1, this.#key(grant.runId), token(grant), String(this.ttlMs));
    return r === 1;
  }

  /** Gives the lease up; false when it was no longer this grant's (nothing is deleted then). */
  async release(grant: LeaseGrant): Promise<boolean> {
    return (await this.#redis.eval(RELEASE, 1, this.#key(grant.runId), token(grant))) === 1;
  }

  /** The current holder of a run's lease, if any. */
  async holder(runId: string): Promise<LeaseHolder | undefined> {
    return parseHolder(runId, await this.#redis.get(this.#key(runId)));
  }

  /** Every held lease (SCAN over the lease keys; for the cluster view and metrics). */
  async holders(): Promise<LeaseHolder[]> {
    const match = `${this.#prefix}lease:*`;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.#redis.scan(cursor, 'MATCH', match, 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.#redis.mget(...keys);
    const start = `${this.#prefix}lease:`.length;
    return keys
      .map((k, i) => parseHolder(k.slice(start), values[i] ?? null))
      .filter((h): h is LeaseHolder => h !== undefined)
      .sort((a, b) => a.runId.localeCompare(b.runId));
  }
}

function parseHolder(runId: string, value: string | null): LeaseHolder | undefined {
  if (value === null) return undefined;
  const space = value.lastIndexOf(' ');
  const epoch = Number(value.slice(space + 1));
  if (space <= 0 || !Number.isInteger(epoch)) return undefined;
  return { runId, nodeId: value.slice(0, space), epoch };
}

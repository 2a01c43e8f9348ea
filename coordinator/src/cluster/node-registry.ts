/**
 * The cluster's node registry in Redis. Each coordinator node writes its entry
 * (`<prefix>node:<nodeId>`: id, URL, connected participants, start and heartbeat times) with
 * a TTL, refreshes it every `ttlMs / 3` with its current participant count, and adds its id to
 * the set `<prefix>nodes`. `list()` reads the set and the entries; an id whose entry expired
 * (a node that died without deregistering) is dropped from the set then, so a dead node
 * disappears from the view at most `ttlMs` after its last heartbeat. `stop()` deregisters
 * at once.
 */
import { EdgefedError } from '@edgefed/shared';
import type { Redis } from 'ioredis';

/** One node as the registry shows it. */
export interface ClusterNode {
  readonly nodeId: string;
  /** The node's own base URL (where its REST API and /metrics answer). */
  readonly url: string;
  /** Participants connected to this node (past hello) at its last heartbeat. */
  readonly clients: number;
  readonly startedAt: number;
  readonly heartbeatAt: number;
}

/** Options of {@link NodeRegistry}. */
export interface NodeRegistryOptions {
  readonly redis: Redis;
  readonly nodeId: string;
  readonly prefix?: string;
  /** Entry time to live in ms; the heartbeat refreshes it every third of that. */
  readonly ttlMs: number;
  readonly now?: () => number;
  /** Called when a heartbeat fails (Redis down); the next one tries again. */
  readonly onError?: (err: unknown) => void;
}

export class NodeRegistry {
  readonly nodeId: string;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #entry: { url: string; clients: () => number; startedAt: number } | undefined;

  /** @throws EdgefedError `INVALID_CONFIG` when `ttlMs` is not a positive integer. */
  constructor(o: NodeRegistryOptions) {
    if (!Number.isInteger(o.ttlMs) || o.ttlMs <= 0)
      throw new EdgefedError('INVALID_CONFIG', `node ttlMs must be a positive integer, got ${o.ttlMs}`);
    this.nodeId = o.nodeId;
    this.#redis = o.redis;
    this.#prefix = o.prefix ?? 'edgefed:';
    this.#ttlMs = o.ttlMs;
    this.#now = o.now ?? Date.now;
    this.#onError = o.onError ?? (() => undefined);
  }

  get #setKey(): string {
    return `${this.#prefix}nodes`;
  }

  #key(nodeId: string): string {
    return `${this.#prefix}node:${nodeId}`;
  }

  /** Registers this node and starts the heartbeat; `clients` is read at every heartbeat. */
  async start(url: string, clients: () => number): Promise<void> {
    this.#entry = { url, clients, startedAt: this.#now() };
    await this.heartbeat();
    clearInterval(this.#timer);
    this.#timer = setInterval(
      () => {
        this.heartbeat().catch(this.#onError);
      },
      Math.max(1, Math.floor(this.#ttlMs / 3)),
    );
    this.#timer.unref();
  }

  /** Writes this node's entry now (the timer calls this). */
  async heartbeat(): Promise<void> {
    const e = this.#entry;
    if (e === undefined) return;
    const node: ClusterNode = {
      nodeId: this.nodeId,
      url: e.url,
      clients: e.clients(),
      startedAt: e.startedAt,
      heartbeatAt: this.#now(),
    };
    await this.#redis
      .multi()
      .set(this.#key(this.nodeId), JSON.stringify(node), 'PX', this.#ttlMs)
      .sadd(this.#setKey, this.nodeId)
      .exec();
  }

  /** Live nodes, sorted by id. Drops ids whose entries expired. */
  async list(): Promise<ClusterNode[]> {
    const ids = await this.#redis.smembers(this.#setKey);
    if (ids.length === 0) return [];
    const values = await this.#redis.mget(...ids.map((id) => this.#key(id)));
    const dead = ids.filter((_, i) => values[i] === null || values[i] === undefined);
    if (dead.length > 0) await this.#redis.srem(this.#setKey, ...dead);
    return values
      .filter((v): v is string => typeof v === 'string')
      .map((v) => JSON.parse(v) as ClusterNode)
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  /** Stops the heartbeat and deregisters (best effort: Redis may be gone). Idempotent. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#entry === undefined) return;
    this.#entry = undefined;
    await this.#redis
      .multi()
      .del(this.#key(this.nodeId))
      .srem(this.#setKey, this.nodeId)
      .exec()
      .catch(this.#onError);
  }
}

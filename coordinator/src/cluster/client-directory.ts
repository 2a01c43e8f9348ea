/**
 * Who is where (issue #16): each node publishes its idle, connected, eligible participants in
 * the Redis hash `<prefix>clients:<nodeId>` (client id -> `{ run, capabilities }`, `run` being
 * the run the join token admits, or `*`), updated when a client joins, resumes, leaves, or
 * starts or ends a task (coalesced), and with every heartbeat: only the changed fields (HSET /
 * HDEL; the whole hash on the first write and when it was found missing); the hash expires
 * with the node's TTL. After each write that changed something the node adds its id to the stream
 * `<prefix>clients-changed`, which every node reads (cluster-routing.ts) to refresh its copy
 * of that node's hash (an entry with `gone 1`: the node left, forget it). Each node also re-reads every live node's hash with the heartbeat and
 * forgets nodes that left the registry, reporting them through `onNodeGone` so a leader can
 * drop their open tasks at once. `remote(runId)` is synchronous (the round's selection is).
 */
import type { ClientCandidate } from '@edgefed/shared';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { NodeRegistry } from './node-registry.js';

/** One published participant. */
export interface PublishedClient {
  readonly id: string;
  /** The run its join token admits, or `*`. */
  readonly run: string;
  readonly capabilities: Readonly<Record<string, unknown>>;
}

/** Options of {@link ClientDirectory}. */
export interface ClientDirectoryOptions {
  readonly redis: Redis;
  readonly prefix: string;
  readonly nodeId: string;
  readonly nodes: NodeRegistry;
  readonly ttlMs: number;
  /** This node's publishable participants (idle, connected, eligible). */
  readonly local: () => PublishedClient[];
  readonly logger: Logger;
}

/** The stream of directory changes (entries: `node <id>`). */
export const changesKey = (prefix: string): string => `${prefix}clients-changed`;
const hashKey = (prefix: string, nodeId: string): string => `${prefix}clients:${nodeId}`;

export class ClientDirectory {
  readonly #o: ClientDirectoryOptions;
  /** Remote nodes' published clients. */
  readonly #remote = new Map<string, Map<string, PublishedClient>>();
  readonly #changed = new Set<() => void>();
  readonly #gone = new Set<(nodeId: string) => void>();
  #timer: NodeJS.Timeout | undefined;
  /** What this node's hash holds (client id -> JSON), as last written; undefined: rewrite whole. */
  #published: Map<string, string> | undefined;
  #pending: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: ClientDirectoryOptions) {
    this.#o = options;
  }

  /** Publishes now and every ttl/3 (with a full refresh of the other nodes). */
  async start(): Promise<void> {
    await this.#write();
    await this.refreshAll();
    this.#timer = setInterval(
      () => {
        this.#write()
          .then(() => this.refreshAll())
          .catch((err: unknown) => this.#o.logger.warn({ err }, 'client directory refresh failed'));
      },
      Math.max(1, Math.floor(this.#o.ttlMs / 3)),
    );
    this.#timer.unref();
  }

  /** Stops publishing and removes this node's hash (best effort). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#pending;
    await this.#o.redis
      .del(hashKey(this.#o.prefix, this.#o.nodeId))
      .then(() =>
        this.#o.redis.xadd(
          changesKey(this.#o.prefix),
          'MAXLEN',
          '~',
          '1000',
          '*',
          'node',
          this.#o.nodeId,
          'gone',
          '1',
        ),
      )
      .catch(() => undefined);
  }

  /** Something local changed: republish soon (calls coalesce). */
  changed(): void {
    if (this.#stopped) return;
    if (this.#pending !== undefined) {
      this.#again = true;
      return;
    }
    this.#pending = new Promise<void>((r) => setImmediate(r))
      .then(() => this.#write())
      .catch((err: unknown) => this.#o.logger.warn({ err }, 'client directory publish failed'))
      .finally(() => {
        this.#pending = undefined;
        if (this.#again) {
          this.#again = false;
          this.changed();
        }
      });
  }

  /**
   * Publishes this node's clients. The first write (and the one after the hash was found
   * missing: Redis restarted, or the node stalled past the TTL) replaces the hash whole;
   * later ones send only the fields that changed (HSET / HDEL) and renew the TTL, and
   * announce a change on the stream only when something changed.
   */
  async #write(): Promise<void> {
    if (this.#stopped) return;
    const key = hashKey(this.#o.prefix, this.#o.nodeId);
    const next = new Map<string, string>();
    for (const c of this.#o.local())
      next.set(c.id, JSON.stringify({ run: c.run, capabilities: c.capabilities }));
    const last = this.#published;
    // PEXPIRE first answers 0 when the hash is missing (Redis restarted, or this node stalled
    // past the TTL): a delta written then would leave a partial hash, so the next write is whole
    const multi = this.#o.redis.multi().pexpire(key, this.#o.ttlMs);
    let changed = last === undefined;
    if (last === undefined) {
      multi.del(key);
      if (next.size > 0) multi.hset(key, ...[...next].flat());
    } else {
      const gone = [...last.keys()].filter((id) => !next.has(id));
      const set = [...next].filter(([id, json]) => last.get(id) !== json);
      if (gone.length > 0) multi.hdel(key, ...gone);
      if (set.length > 0) multi.hset(key, ...set.flat());
      changed = gone.length > 0 || set.length > 0;
    }
    multi.pexpire(key, this.#o.ttlMs);
    if (changed) multi.xadd(changesKey(this.#o.prefix), 'MAXLEN', '~', '1000', '*', 'node', this.#o.nodeId);
    const existed = (await multi.exec())?.[0]?.[1] === 1;
    const lost = last !== undefined && last.size > 0 && !existed;
    this.#published = lost ? undefined : next;
    if (lost) this.changed();
  }

  /** Re-reads one node's hash (a change entry named it). */
  async refresh(nodeId: string): Promise<void> {
    if (nodeId === this.#o.nodeId) return;
    const raw = await this.#o.redis.hgetall(hashKey(this.#o.prefix, nodeId));
    const clients = new Map<string, PublishedClient>();
    for (const [id, json] of Object.entries(raw)) {
      try {
        const v = JSON.parse(json) as { run?: unknown; capabilities?: unknown };
        if (typeof v.run !== 'string' || typeof v.capabilities !== 'object' || v.capabilities === null)
          continue;
        clients.set(id, { id, run: v.run, capabilities: v.capabilities as Record<string, unknown> });
      } catch {
        this.#o.logger.warn(
          { code: 'INVALID_MESSAGE', nodeId, clientId: id },
          'malformed directory entry dropped',
        );
      }
    }
    this.#remote.set(nodeId, clients);
    this.#emitChanged();
  }

  /** Re-reads every live node's hash; forgets (and reports) nodes that left the registry. */
  async refreshAll(): Promise<void> {
    const live = new Set((await this.#o.nodes.list()).map((n) => n.nodeId));
    for (const nodeId of [...this.#remote.keys()]) {
      if (live.has(nodeId)) continue;
      this.#remote.delete(nodeId);
      for (const l of this.#gone) l(nodeId);
    }
    for (const nodeId of live) if (nodeId !== this.#o.nodeId) await this.refresh(nodeId);
  }

  /** True while `nodeId` is known live (its hash was read since it last joined). */
  isLive(nodeId: string): boolean {
    return this.#remote.has(nodeId);
  }

  /** A node is known gone (deregistered): forget it now. */
  forget(nodeId: string): void {
    if (!this.#remote.delete(nodeId)) return;
    for (const l of this.#gone) l(nodeId);
  }

  /** Remote candidates admitted to `runId`, each with its node; `exclude`: ids to skip. */
  remote(runId: string, exclude: ReadonlySet<string>): { nodeId: string; candidate: ClientCandidate }[] {
    const out: { nodeId: string; candidate: ClientCandidate }[] = [];
    for (const [nodeId, clients] of this.#remote) {
      for (const c of clients.values()) {
        if (exclude.has(c.id) || (c.run !== '*' && c.run !== runId)) continue;
        out.push({ nodeId, candidate: { id: c.id, capabilities: { ...c.capabilities } } });
      }
    }
    return out;
  }

  /** The node that published `clientId`, if any. */
  nodeOf(clientId: string): string | undefined {
    for (const [nodeId, clients] of this.#remote) if (clients.has(clientId)) return nodeId;
    return undefined;
  }

  /** Calls `listener` after every refresh (remote candidates may have changed). */
  onChanged(listener: () => void): () => void {
    this.#changed.add(listener);
    return () => this.#changed.delete(listener);
  }

  /** Calls `listener` with the id of every node that left the cluster. */
  onNodeGone(listener: (nodeId: string) => void): () => void {
    this.#gone.add(listener);
    return () => this.#gone.delete(listener);
  }

  #emitChanged(): void {
    for (const l of this.#changed) l();
  }
}

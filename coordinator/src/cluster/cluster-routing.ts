/**
 * Cross-node task routing of a cluster node (issue #16), in both roles:
 *
 * - **as a run's leader**, the ClusterTaskGateway (cluster-gateway.ts, over the node's own gateway)
 *   offers the round runner every participant of the cluster: its candidates are the local
 *   ones plus those the other live nodes publish (client-directory.ts), and its batches
 *   (routed-batch.ts) send remote tasks to the hosting node's stream and fold locally;
 * - **as a host**, the node reads its stream `<prefix>tasks:<nodeId>`, drops batches whose
 *   lease epoch is below the run's current one (a deposed leader's: `CONFLICT`) or whose run
 *   has no lease epoch at all (`NOT_FOUND`), runs the rest on its TaskHost and answers on the
 *   leader's stream `<prefix>results:<leaderId>`.
 *
 * One blocking XREAD on a dedicated connection reads the node's two streams and the
 * directory's change stream, from the ids current at start (entries written before the
 * node started are not its business). A malformed or unknown entry is logged with its code
 * and dropped; nothing a stream holds can crash the node.
 */
import { toEdgefedError, type ErrorCode } from '@edgefed/shared';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { FoldSpec } from '../rounds/cluster-fit-round.js';
import type { TaskGateway, TaskSpec } from '../rounds/task-gateway.js';
import { ClientDirectory, changesKey, type PublishedClient } from './client-directory.js';
import { ClusterTaskGateway } from './cluster-gateway.js';
import type { NodeRegistry } from './node-registry.js';
import {
  entryArgs,
  parseToHost,
  parseToLeader,
  resultsKey,
  tasksKey,
  type BatchEntry,
  type ToLeaderEntry,
} from './route-messages.js';
import { RoutedBatch } from './routed-batch.js';
import { TaskHost, type HostedBatch, type TaskHostOptions } from './task-host.js';

/** The node's own gateway, as the routing needs it. */
export type LocalGateway = TaskGateway & { onIdle(listener: () => void): () => void };

/** Options of {@link ClusterRouting}. */
export interface ClusterRoutingOptions extends Omit<TaskHostOptions, 'onChange' | 'nodeId' | 'local'> {
  readonly nodeId: string;
  readonly prefix: string;
  readonly redis: Redis;
  readonly nodes: NodeRegistry;
  /** Node TTL: directory refresh period x 3, and the wait for a node's partial. */
  readonly ttlMs: number;
  readonly local: LocalGateway;
  /** This node's publishable participants (idle, connected, eligible). */
  readonly published: () => PublishedClient[];
  /** Subscribes `changed` to whatever changes the published clients; returns the unsubscribes. */
  readonly watch: (changed: () => void) => (() => void)[];
  /** True when `clientId` is connected to this node. */
  readonly isLocal: (clientId: string) => boolean;
  /** The lease epoch this node holds for `runId` (0 when none). */
  readonly epochOf: (runId: string) => number;
  readonly logger: Logger;
}

const isStopped = (r: ClusterRouting): boolean => r.stopped;

export class ClusterRouting {
  readonly gateway: ClusterTaskGateway;
  readonly directory: ClientDirectory;
  readonly #o: ClusterRoutingOptions;
  readonly #host: TaskHost;
  readonly #batches = new Map<string, RoutedBatch>();
  readonly #hosted = new Map<
    string,
    { leader: string; relay: boolean; hosted: Promise<HostedBatch | undefined>; timer: NodeJS.Timeout }
  >();
  #reader: Redis | undefined;
  #unwatch: (() => void)[] = [];
  #loop: Promise<void> | undefined;
  stopped = false;

  constructor(o: ClusterRoutingOptions) {
    this.#o = o;
    this.directory = new ClientDirectory({
      redis: o.redis,
      prefix: o.prefix,
      nodeId: o.nodeId,
      nodes: o.nodes,
      ttlMs: o.ttlMs,
      local: o.published,
      logger: o.logger,
    });
    this.#host = new TaskHost({ ...o, onChange: () => this.directory.changed() });
    this.gateway = new ClusterTaskGateway(this, o.local);
    this.directory.onNodeGone((nodeId) => {
      for (const b of this.#batches.values()) b.nodeGone(nodeId);
    });
  }

  /** Starts publishing and reading (after the node registered). */
  async start(): Promise<void> {
    const reader = this.#o.redis.duplicate();
    reader.on('error', () => undefined); // the loop reports failures
    this.#reader = reader;
    const keys = [
      tasksKey(this.#o.prefix, this.#o.nodeId),
      resultsKey(this.#o.prefix, this.#o.nodeId),
      changesKey(this.#o.prefix),
    ];
    const ids = await Promise.all(
      keys.map(async (k) => {
        const last = await this.#o.redis.xrevrange(k, '+', '-', 'COUNT', 1);
        return last[0]?.[0] ?? '0-0';
      }),
    );
    await this.directory.start();
    this.#unwatch = this.#o.watch(() => this.directory.changed());
    this.#loop = this.#read(reader, keys, ids);
    // the main connection going away (a node cut off) stops the routing too
    this.#o.redis.once('end', () => void this.stop());
  }

  /** Stops reading and publishing; hosted batches are cancelled (their tasks dropped). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const unsub of this.#unwatch) unsub();
    this.#reader?.disconnect();
    await this.#loop;
    await this.directory.stop();
    for (const h of this.#hosted.values()) {
      clearTimeout(h.timer);
      void h.hosted.then((b) => b?.close('UNAVAILABLE', 'node is shutting down'));
    }
    this.#hosted.clear();
  }

  async #read(reader: Redis, keys: string[], ids: string[]): Promise<void> {
    while (!isStopped(this)) {
      let res: [string, [string, string[]][]][] | null;
      try {
        res = await reader.xread('BLOCK', 1000, 'STREAMS', ...keys, ...ids);
      } catch (err) {
        if (isStopped(this)) return;
        this.#o.logger.warn({ err }, 'cluster stream read failed');
        await new Promise<void>((r) => setTimeout(r, 200));
        continue;
      }
      for (const [key, entries] of res ?? []) {
        const i = keys.indexOf(key);
        for (const [id, fields] of entries) {
          ids[i] = id;
          this.#dispatch(i, fields);
        }
      }
    }
  }

  #dispatch(stream: number, fields: string[]): void {
    try {
      if (stream === 0) this.#onHostEntry(fields);
      else if (stream === 1) this.#onLeaderEntry(parseToLeader(fields));
      else this.#onDirectoryEntry(fields);
    } catch (err) {
      const e = toEdgefedError(err);
      this.#o.logger.warn({ code: e.code, err: e }, 'cluster stream entry dropped');
    }
  }

  #onDirectoryEntry(fields: string[]): void {
    const node = fields[fields.indexOf('node') + 1];
    if (fields.indexOf('node') < 0 || node === undefined) return;
    if (fields.includes('gone')) {
      this.directory.forget(node);
      return;
    }
    this.directory.refresh(node).catch((err: unknown) => {
      this.#o.logger.warn({ err, node }, 'client directory read failed');
    });
  }

  #onLeaderEntry(entry: ToLeaderEntry): void {
    const batch = this.#batches.get(entry.batch);
    if (batch === undefined) {
      this.#o.logger.warn(
        { code: 'UNKNOWN_TASK', batch: entry.batch, node: entry.node },
        'entry for an unknown batch dropped',
      );
      return;
    }
    batch.handle(entry);
  }

  #onHostEntry(fields: string[]): void {
    const entry = parseToHost(fields);
    if (entry.type === 'batch') {
      void this.#hostBatch(entry);
      return;
    }
    const h = this.#hosted.get(entry.batch);
    if (h === undefined) {
      // a collect for a batch this node refused or never got: answer so the leader need not wait
      if (entry.type === 'collect')
        this.#o.logger.warn({ code: 'UNKNOWN_TASK', batch: entry.batch }, 'collect for an unknown batch');
      return;
    }
    if (entry.type === 'close') {
      void h.hosted.then((b) => b?.close(entry.code, entry.message));
      if (h.relay) {
        // a relayed (evaluate) batch has no partial: the close is its end
        this.#hosted.delete(entry.batch);
        clearTimeout(h.timer);
      }
      return;
    }
    this.#hosted.delete(entry.batch);
    clearTimeout(h.timer);
    void this.#answerCollect(entry.batch, h.leader, h.hosted);
  }

  async #answerCollect(
    batch: string,
    leader: string,
    hosted: Promise<HostedBatch | undefined>,
  ): Promise<void> {
    try {
      const b = await hosted;
      const bytes = await b?.collect();
      const hash = bytes === undefined ? null : (await this.#o.blobs.put(bytes)).hash;
      await this.#toLeader(leader, { type: 'partial', batch, node: this.#o.nodeId, hash });
    } catch (err) {
      const e = toEdgefedError(err);
      this.#o.logger.warn({ code: e.code, err: e, batch }, 'could not send the partial');
      await this.#refuse(leader, batch, e.code, e.message);
    }
  }

  async #hostBatch(entry: BatchEntry): Promise<void> {
    const { batch, leader, runId, epoch } = entry;
    const current = Number(
      (await this.#o.redis.get(`${this.#o.prefix}lease-epoch:${runId}`).catch(() => null)) ?? NaN,
    );
    const refusal: [ErrorCode, string] | undefined = Number.isNaN(current)
      ? ['NOT_FOUND', `run ${runId} has no lease epoch`]
      : epoch < current
        ? ['CONFLICT', `stale lease epoch ${epoch} (current ${current}) for run ${runId}`]
        : undefined;
    if (refusal !== undefined) {
      this.#o.logger.warn({ code: refusal[0], batch, leader, runId, epoch }, `batch dropped: ${refusal[1]}`);
      await this.#refuse(leader, batch, ...refusal);
      return;
    }
    const hosted = this.#host
      .run({
        round: entry.round,
        tasks: entry.tasks,
        fold: entry.fold,
        sink: (o) => {
          this.#toLeader(leader, { type: 'outcome', batch, node: this.#o.nodeId, ...o }).catch(
            (err: unknown) => {
              this.#o.logger.warn({ err, batch }, 'could not send a task outcome');
            },
          );
        },
      })
      .catch(async (err: unknown) => {
        const e = toEdgefedError(err);
        await this.#refuse(leader, batch, e.code, e.message);
        return undefined;
      });
    // forget a batch its leader never collects (the leader died): cancel after its deadline
    const deadline = Math.max(...entry.tasks.map((t) => t.deadline));
    const timer = setTimeout(
      () => {
        this.#hosted.delete(batch);
        void hosted.then((b) => b?.close('DEADLINE_EXCEEDED', 'the leader never collected the batch'));
      },
      Math.max(0, deadline - Date.now()) + 2 * this.#o.ttlMs,
    );
    timer.unref();
    this.#hosted.set(batch, { leader, relay: entry.fold === null, hosted, timer });
  }

  #refuse(leader: string, batch: string, code: ErrorCode, message: string): Promise<void> {
    return this.#toLeader(leader, { type: 'refused', batch, node: this.#o.nodeId, code, message }).catch(
      () => undefined,
    );
  }

  async #toLeader(leader: string, entry: ToLeaderEntry): Promise<void> {
    await this.#o.redis.xadd(resultsKey(this.#o.prefix, leader), ...(entryArgs(entry) as ['*', ...string[]]));
  }

  /** A new batch led by this node (the gateway calls this). */
  newBatch(o: { tasks: readonly TaskSpec[]; signal: AbortSignal; fold?: FoldSpec }): RoutedBatch {
    const batch = new RoutedBatch(
      {
        nodeId: this.#o.nodeId,
        prefix: this.#o.prefix,
        redis: this.#o.redis,
        host: this.#host,
        blobs: this.#o.blobs,
        logger: this.#o.logger,
        partialTimeoutMs: this.#o.ttlMs,
        whereIs: (id) => (this.#o.isLocal(id) ? this.#o.nodeId : this.directory.nodeOf(id)),
        epochOf: this.#o.epochOf,
        done: (b) => this.#batches.delete(b.id),
      },
      o,
    );
    this.#batches.set(batch.id, batch);
    return batch;
  }

  /** Client ids with a task in flight in a batch this node leads. */
  inFlight(): Set<string> {
    const out = new Set<string>();
    for (const b of this.#batches.values()) for (const id of b.openClients()) out.add(id);
    return out;
  }
}

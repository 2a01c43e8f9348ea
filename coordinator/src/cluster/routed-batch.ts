/**
 * One batch of tasks as a run's leader routes it across the cluster (issue #16). Tasks for
 * clients connected to the leader run on its own TaskHost in-process; tasks for clients on
 * other nodes go to that node's tasks stream as one `batch` entry (ids, round, lease epoch,
 * task specs, fold parameters: never weights). Outcomes come back as they happen (the host's
 * `outcome` entries, or the local sink) and are yielded in arrival order; the first outcome
 * of each task counts for the closing rules. Closing (abort) drops every open task at once
 * and tells the hosts. A node that leaves the cluster (or refuses the batch) drops its open
 * tasks and loses its partial.
 *
 * `finish` collects the partials (the local one directly, remote ones by blob hash, waiting
 * at most `partialTimeoutMs` per node) and reconciles: a node's partial is authoritative for
 * its clients. A client reported as folded that is in its node's partial counts (even when
 * its outcome arrived after the close); one that is not, or whose node's partial was lost,
 * is dropped; a partial that does not decode, or names a client its node never reported, is
 * refused whole (its node's clients dropped). No update
 * is counted twice, and no client is recorded as completed without its update in the sum.
 * Once read, a remote partial's blob is deleted from the blob store (whether the round then
 * commits or fails), but only when its bytes decode as a partial aggregate, so a node naming
 * a checkpoint's hash cannot make the leader delete a model.
 */
import { randomUUID } from 'node:crypto';
import { EdgefedError, decodePartialAggregate, toEdgefedError, type ErrorCode } from '@edgefed/shared';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import { AsyncQueue } from '../rounds/async-queue.js';
import type { FoldOutcome, FoldSpec } from '../rounds/cluster-fit-round.js';
import type { CompletedOutcome, TaskSpec } from '../rounds/task-gateway.js';
import type { BlobStore } from '../store/blob-store.js';
import { entryArgs, tasksKey, type ToHostEntry, type ToLeaderEntry } from './route-messages.js';
import type { HostedBatch, HostOutcome, TaskHost } from './task-host.js';

/** An outcome of a routed batch: folded (fit) or relayed (evaluate), or a failure. */
export type RoutedOutcome = FoldOutcome | CompletedOutcome;

/** What a batch needs from the leader's routing. */
export interface BatchContext {
  readonly nodeId: string;
  readonly prefix: string;
  readonly redis: Redis;
  readonly host: TaskHost;
  readonly blobs: BlobStore;
  readonly logger: Logger;
  readonly partialTimeoutMs: number;
  /** The node hosting `clientId`: this node's id, another live node's, or undefined. */
  readonly whereIs: (clientId: string) => string | undefined;
  readonly epochOf: (runId: string) => number;
  /** Called once the batch is finished (the routing forgets it). */
  readonly done: (batch: RoutedBatch) => void;
}

interface Source {
  readonly tasks: TaskSpec[];
  dead: boolean;
  hosted: Promise<HostedBatch | undefined> | undefined;
  partial: ((hash: string | null | undefined) => void) | undefined;
  /** The blob hash this node sent as its partial (deleted once read and decoded). */
  blob?: string;
}

const LOCAL = '';

export class RoutedBatch {
  readonly id = randomUUID();
  readonly #c: BatchContext;
  readonly #tasks = new Map<string, { task: TaskSpec; source: string }>();
  readonly #open = new Set<string>();
  readonly #final = new Map<string, RoutedOutcome>();
  readonly #sources = new Map<string, Source>();
  readonly #queue = new AsyncQueue<RoutedOutcome>();
  readonly #fold: FoldSpec | undefined;

  constructor(c: BatchContext, o: { tasks: readonly TaskSpec[]; signal: AbortSignal; fold?: FoldSpec }) {
    this.#c = c;
    this.#fold = o.fold;
    for (const task of o.tasks) {
      const source = c.whereIs(task.clientId);
      const key = source === c.nodeId || source === undefined ? LOCAL : source;
      this.#tasks.set(task.taskId, { task, source: key });
      this.#open.add(task.taskId);
      let s = this.#sources.get(key);
      if (s === undefined) {
        s = { tasks: [], dead: false, hosted: undefined, partial: undefined };
        this.#sources.set(key, s);
      }
      s.tasks.push(task);
    }
    if (this.#open.size === 0) this.#queue.end();
    for (const [key, s] of this.#sources) this.#start(key, s, o.tasks[0]);
    if (o.signal.aborted) this.#abort(o.signal.reason);
    else o.signal.addEventListener('abort', () => this.#abort(o.signal.reason), { once: true });
  }

  /** The outcomes, one per task, in the order they arrive. */
  get outcomes(): AsyncIterable<RoutedOutcome> {
    return this.#queue;
  }

  #start(key: string, s: Source, first: TaskSpec | undefined): void {
    if (first === undefined) return;
    const fold =
      this.#fold === undefined
        ? null
        : {
            modelHash: this.#fold.modelHash,
            maxExampleWeight: this.#fold.maxExampleWeight,
            clipNorm: this.#fold.clipNorm ?? null,
          };
    if (key === LOCAL) {
      s.hosted = this.#c.host
        .run({ round: first.round, tasks: s.tasks, fold, sink: (h) => this.#onOutcome(LOCAL, h) })
        .catch((err: unknown) => {
          this.#lose(LOCAL, toEdgefedError(err).code, `local fold failed: ${toEdgefedError(err).message}`);
          return undefined;
        });
      return;
    }
    const entry: ToHostEntry = {
      type: 'batch',
      batch: this.id,
      leader: this.#c.nodeId,
      runId: first.runId,
      round: first.round,
      epoch: this.#c.epochOf(first.runId),
      fold,
      tasks: s.tasks,
    };
    this.#send(key, entry).catch((err: unknown) => {
      this.#lose(key, 'UNAVAILABLE', `cannot reach node ${key}: ${toEdgefedError(err).message}`);
    });
  }

  #send(nodeId: string, entry: ToHostEntry): Promise<unknown> {
    return this.#c.redis.xadd(tasksKey(this.#c.prefix, nodeId), ...(entryArgs(entry) as ['*', ...string[]]));
  }

  /** An entry from a host about this batch (the routing dispatches by batch id). */
  handle(entry: ToLeaderEntry): void {
    const s = this.#sources.get(entry.node);
    if (s === undefined) {
      this.#c.logger.warn(
        { code: 'UNKNOWN_TASK', batch: this.id, node: entry.node },
        'entry from a node without tasks in the batch dropped',
      );
      return;
    }
    if (entry.type === 'outcome') this.#onOutcome(entry.node, entry);
    else if (entry.type === 'partial') s.partial?.(entry.hash);
    else this.#lose(entry.node, entry.code, `node ${entry.node} refused the batch: ${entry.message}`);
  }

  #onOutcome(source: string, h: HostOutcome): void {
    const t = this.#tasks.get(h.taskId);
    if (t?.source !== source) {
      this.#c.logger.warn(
        { code: 'UNKNOWN_TASK', batch: this.id, taskId: h.taskId },
        'outcome for a task not sent there dropped',
      );
      return;
    }
    const o = this.#convert(t.task, h);
    if (this.#open.delete(h.taskId)) {
      this.#final.set(h.taskId, o);
      this.#queue.push(o);
      if (this.#open.size === 0) this.#queue.end();
    } else if (o.status === 'folded') {
      this.#final.set(h.taskId, o); // folded just before the close reached the node: its partial decides
    }
  }

  #convert(task: TaskSpec, h: HostOutcome): RoutedOutcome {
    const bytesUp = h.bytesUp;
    const exampleCount = h.exampleCount ?? 0;
    const metrics = h.metrics ?? {};
    if (h.status === 'folded') {
      return { status: 'folded', task, exampleCount, metrics, bytesUp, clamped: h.clamped === true };
    }
    if (h.status === 'completed')
      return { status: 'completed', task, exampleCount, metrics, payload: undefined, bytesUp };
    const code = h.code ?? 'INTERNAL';
    const message = h.message ?? '';
    return h.status === 'rejected'
      ? { status: 'rejected', task, code, message, bytesUp }
      : { status: h.status, task, code, message, bytesUp };
  }

  /** Drops the open tasks of `source` with `code`; the source's partial is lost. */
  #lose(source: string, code: ErrorCode, message: string): void {
    const s = this.#sources.get(source);
    if (s === undefined || s.dead) return;
    s.dead = true;
    s.partial?.(undefined);
    this.#c.logger.warn({ code, batch: this.id, node: source || this.#c.nodeId }, message);
    for (const task of s.tasks) this.#dropOpen(task, code, message);
  }

  /** Clients whose tasks are still open. */
  openClients(): string[] {
    return [...this.#open].map((id) => this.#tasks.get(id)?.task.clientId ?? '');
  }

  /** A node left the cluster. */
  nodeGone(nodeId: string): void {
    this.#lose(nodeId, 'UNAVAILABLE', `node ${nodeId} left the cluster`);
  }

  #dropOpen(task: TaskSpec, code: ErrorCode, message: string): void {
    if (!this.#open.delete(task.taskId)) return;
    const o: RoutedOutcome = { status: 'dropped', task, code, message, bytesUp: 0 };
    this.#final.set(task.taskId, o);
    this.#queue.push(o);
    if (this.#open.size === 0) this.#queue.end();
  }

  #abort(reason: unknown): void {
    const code: ErrorCode = reason instanceof EdgefedError ? reason.code : 'DEADLINE_EXCEEDED';
    const message = reason instanceof Error ? reason.message : 'round closed';
    for (const [key, s] of this.#sources) {
      const hadOpen = s.tasks.some((t) => this.#open.has(t.taskId));
      for (const task of s.tasks) this.#dropOpen(task, code, message);
      if (!hadOpen || s.dead) continue;
      if (key === LOCAL) void s.hosted?.then((h) => h?.close(code, message));
      else this.#send(key, { type: 'close', batch: this.id, code, message }).catch(() => undefined);
    }
  }

  /** Relay batches (evaluate): tells the hosts to forget the batch once its outcomes are in. */
  release(): void {
    for (const [key, s] of this.#sources) {
      if (key === LOCAL) void s.hosted?.then((h) => h?.collect());
      else if (!s.dead) {
        const entry = { type: 'close', batch: this.id, code: 'CANCELLED', message: 'batch done' } as const;
        this.#send(key, entry).catch(() => undefined);
      }
    }
    this.#c.done(this);
  }

  /** Collects the partials and reconciles the outcomes (see the file comment). */
  async finish(): Promise<{ partials: Uint8Array[]; outcomes: FoldOutcome[] }> {
    const read: string[] = [];
    try {
      const collected = await Promise.all([...this.#sources].map(([key, s]) => this.#collect(key, s)));
      const partials: Uint8Array[] = [];
      for (const [i, [key, s]] of [...this.#sources].entries()) {
        const bytes = collected[i];
        const folded = s.tasks.filter((t) => this.#final.get(t.taskId)?.status === 'folded');
        let inPartial = new Set<string>();
        let lost = bytes === null;
        if (bytes !== null && bytes !== undefined) {
          const ids = this.#clientIds(bytes, key);
          inPartial = new Set(ids ?? []);
          if (ids !== undefined && s.blob !== undefined) read.push(s.blob);
          const reported = new Set(folded.map((t) => t.clientId));
          if (ids === undefined) lost = true;
          else if (ids.some((id) => !reported.has(id))) {
            this.#c.logger.warn(
              { code: 'DUPLICATE_RESULT', batch: this.id, node: key || this.#c.nodeId },
              'partial names clients its node never reported; refused',
            );
            lost = true;
          } else partials.push(bytes);
        }
        for (const task of folded) {
          if (!lost && inPartial.has(task.clientId)) continue;
          const message = lost
            ? `the partial of node ${key || this.#c.nodeId} was lost`
            : 'not in its node’s partial';
          this.#final.set(task.taskId, { status: 'dropped', task, code: 'UNAVAILABLE', message, bytesUp: 0 });
        }
      }
      const outcomes = [...this.#tasks.values()].map(({ task }) => {
        const o = this.#final.get(task.taskId);
        if (o === undefined || o.status === 'completed') {
          return {
            status: 'dropped' as const,
            task,
            code: 'INTERNAL' as const,
            message: 'no outcome',
            bytesUp: 0,
          };
        }
        return o;
      });
      return { partials, outcomes };
    } finally {
      await this.#deletePartials(read);
      this.#c.done(this);
    }
  }

  /** Deletes the partial blobs read (never the round's model); a failure is logged, not thrown. */
  async #deletePartials(hashes: string[]): Promise<void> {
    const model = this.#fold?.modelHash;
    const doomed = hashes.filter((h) => h !== model);
    await Promise.all(
      doomed.map((hash) =>
        this.#c.blobs.delete(hash).catch((err: unknown) => {
          const code = toEdgefedError(err).code;
          this.#c.logger.warn({ code, batch: this.id, hash }, 'partial blob not deleted');
        }),
      ),
    );
  }

  /** The client ids of a partial, or undefined (logged) when its bytes do not decode. */
  #clientIds(bytes: Uint8Array, key: string): string[] | undefined {
    try {
      return decodePartialAggregate(bytes).clientIds;
    } catch (err) {
      const code = toEdgefedError(err).code;
      this.#c.logger.warn(
        { code, batch: this.id, node: key || this.#c.nodeId },
        'undecodable partial refused',
      );
      return undefined;
    }
  }

  /** One source's partial bytes; undefined: nothing folded there; null: lost. */
  async #collect(key: string, s: Source): Promise<Uint8Array | undefined | null> {
    if (s.dead) return null;
    if (key === LOCAL) {
      const hosted = await s.hosted;
      if (hosted === undefined) return null;
      return hosted.collect().catch(() => null);
    }
    const hash = await new Promise<string | null | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.#c.partialTimeoutMs);
      s.partial = (h) => {
        clearTimeout(timer);
        resolve(h);
      };
      this.#send(key, { type: 'collect', batch: this.id }).catch(() => s.partial?.(undefined));
    });
    if (hash === undefined) {
      this.#lose(key, 'UNAVAILABLE', `node ${key} sent no partial within ${this.#c.partialTimeoutMs} ms`);
      return null;
    }
    if (hash === null) return undefined;
    s.blob = hash;
    return this.#c.blobs.get(hash).catch((err: unknown) => {
      this.#c.logger.warn(
        { code: toEdgefedError(err).code, batch: this.id, node: key },
        'partial blob unreadable',
      );
      return null;
    });
  }
}

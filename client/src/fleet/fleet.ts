/**
 * startFleet: many virtual participants on a few worker threads (Node only). The dataset
 * and partition are put in shared memory once; each worker runs an equal share of the
 * participants, all connected to the coordinator over the real protocol, and trains the
 * selected ones one at a time. Memory: O(dataset + partition index lists + workers x model
 * + per-participant connection state).
 *
 * Determinism: the coordinator assigns random client ids and selects by sorted id, so the
 * fleet binds partition client k to the participant with the k-th smallest id once all have
 * connected; with the same seed the same partition clients are selected in the same rounds.
 */
import type { MessagePort } from 'node:worker_threads';
import { EdgefedError, type Dataset, type Partition } from '@edgefed/shared';
import { shareDataset, sharePartition } from './shared-dataset.js';
import type { AttackSpec } from './attack.js';
import type { SecAggDropSpec, WorkerStats } from './fleet-messages.js';
import { spawnModuleWorker } from './spawn-worker.js';
import { WorkerHandle } from './worker-handle.js';

/**
 * How virtual clients reach the coordinator's control plane: `socketio` (a real socket.io
 * connection each, 2 file descriptors per client in one process) or `in-process` (the
 * coordinator runs in this process; each worker gets one MessagePort, handed to `attach`,
 * over which all its clients' channels are multiplexed: serve it with shared's
 * `createPortListener(port, plane.accept)`).
 */
export type FleetTransport =
  | { readonly kind: 'socketio' }
  | { readonly kind: 'in-process'; readonly attach: (port: MessagePort) => void };

/** Options of {@link startFleet}. */
export interface FleetOptions {
  /** Coordinator base URL (the model data plane, and the control plane over socket.io). */
  readonly url: string;
  /** Control-plane transport (default socket.io). */
  readonly transport?: FleetTransport;
  /** Optimizer steps per graph run in local training (default 8; 1 = one step per run). */
  readonly stepsPerRun?: number;
  /** Simulated attack applied by the attacking virtual clients (see attack.ts). */
  readonly attack?: AttackSpec;
  /** Seeded dropouts at one phase of secure rounds (see {@link SecAggDropSpec}). */
  readonly secAggDrop?: SecAggDropSpec;
  /**
   * Fraction of each client's examples held out for federated evaluation (default 0: the
   * client trains and evaluates on all of them). See `splitLocalHoldout`.
   */
  readonly localTestFraction?: number;
  /** A join token valid for the run(s) the fleet should serve. */
  readonly token: string;
  readonly dataset: Dataset;
  /** One virtual client per partition client (`partition.numClients`, at least 1). */
  readonly partition: Partition;
  /** Worker threads (default: the machine's available parallelism, at most one per client). */
  readonly workers?: number;
  /** Participants connecting at once per worker (default 32). */
  readonly connectConcurrency?: number;
  /** onnxruntime-node intra-op threads per worker (default 1). */
  readonly intraOpThreads?: number;
  /** Time allowed for all participants to connect (default 10 minutes). */
  readonly connectTimeoutMs?: number;
  /** Worker module (tests); default: this package's `fleet-worker` module. */
  readonly workerUrl?: URL;
}

/** Counters summed over the fleet's workers. */
export interface FleetStats extends WorkerStats {
  readonly workers: number;
}

/** A running fleet. */
export interface Fleet {
  /** Coordinator client ids; index k is partition client k. */
  readonly clientIds: readonly string[];
  readonly workers: number;
  stats(): Promise<FleetStats>;
  /** Stops every participant and worker (idempotent). */
  close(): Promise<void>;
}

/** Default optimizer steps per graph run: 2nn at B=10 trains ~2x faster than with 1. */
export const DEFAULT_STEPS_PER_RUN = 8;

/** This worker's end of an in-process link (the other end goes to `transport.attach`). */
async function linkPort(t: FleetTransport | undefined): Promise<MessagePort | undefined> {
  if (t?.kind !== 'in-process') return undefined;
  const { MessageChannel } = await import('node:worker_threads');
  const channel = new MessageChannel();
  t.attach(channel.port1);
  return channel.port2;
}

function defaultWorkerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./fleet-worker.${ext}`, import.meta.url);
}

async function checkOptions(o: FleetOptions): Promise<number> {
  const clients = o.partition.numClients;
  if (!Number.isInteger(clients) || clients < 1)
    throw new EdgefedError('INVALID_ARGUMENT', 'A fleet needs at least one virtual client');
  const workers = o.workers ?? (await import('node:os')).availableParallelism();
  if (!Number.isInteger(workers) || workers < 1)
    throw new EdgefedError('INVALID_ARGUMENT', `workers must be a positive integer, got ${workers}`);
  const k = o.stepsPerRun ?? DEFAULT_STEPS_PER_RUN;
  if (!Number.isInteger(k) || k < 1)
    throw new EdgefedError('INVALID_ARGUMENT', `stepsPerRun must be a positive integer, got ${k}`);
  const f = o.localTestFraction ?? 0;
  if (!(f >= 0 && f < 1))
    throw new EdgefedError('INVALID_ARGUMENT', `localTestFraction must be in [0, 1), got ${f}`);
  return Math.min(workers, clients);
}

/** Slot counts per worker: as equal as possible, earlier workers take the remainder. */
function shares(clients: number, workers: number): number[] {
  return Array.from(
    { length: workers },
    (_, w) => Math.floor(clients / workers) + (w < clients % workers ? 1 : 0),
  );
}

/**
 * Starts the workers, connects every virtual client (over `transport`) and binds them to
 * partition clients. Resolves once all are connected and bound. Throws `INVALID_ARGUMENT`
 * for bad options (workers, stepsPerRun);
 * a worker's failure (e.g. `UNAUTHORIZED` for a bad token) or `DEADLINE_EXCEEDED` when
 * connecting takes longer than `connectTimeoutMs`; workers started so far are stopped.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const workers = await checkOptions(options);
  const dataset = shareDataset(options.dataset);
  const partition = sharePartition(options.partition);
  const url = options.workerUrl ?? defaultWorkerUrl();
  const handles = await Promise.all(
    Array.from({ length: workers }, async () => new WorkerHandle(await spawnModuleWorker(url))),
  );
  const terminateAll = async (): Promise<void> => {
    await Promise.all(handles.map((h) => h.terminate()));
  };
  const timeout = options.connectTimeoutMs ?? 600_000;
  try {
    const counts = shares(partition.numClients, workers);
    const ports = await Promise.all(handles.map(() => linkPort(options.transport)));
    const connected = await Promise.all(
      handles.map((h, w) =>
        h.request(
          {
            type: 'init',
            workerIndex: w,
            url: options.url,
            ...(ports[w] === undefined ? {} : { port: ports[w] }),
            stepsPerRun: options.stepsPerRun ?? DEFAULT_STEPS_PER_RUN,
            ...(options.attack === undefined ? {} : { attack: options.attack }),
            ...(options.secAggDrop === undefined ? {} : { secAggDrop: options.secAggDrop }),
            localTestFraction: options.localTestFraction ?? 0,
            token: options.token,
            dataset,
            partition,
            slots: counts[w] ?? 0,
            connectConcurrency: options.connectConcurrency ?? 32,
            intraOpThreads: options.intraOpThreads ?? 1,
          },
          'connected',
          timeout,
        ),
      ),
    );
    const clientIds = connected.flatMap((c) => c.clientIds).sort();
    const rank = new Map(clientIds.map((id, k) => [id, k]));
    await Promise.all(
      handles.map((h, w) =>
        h.request(
          { type: 'bind', clients: (connected[w]?.clientIds ?? []).map((id) => rank.get(id) ?? -1) },
          'bound',
          30_000,
        ),
      ),
    );
    return fleetOf(handles, clientIds, terminateAll);
  } catch (err) {
    await terminateAll();
    throw err;
  }
}

function fleetOf(handles: WorkerHandle[], clientIds: string[], terminateAll: () => Promise<void>): Fleet {
  let closing: Promise<void> | undefined;
  return {
    clientIds,
    workers: handles.length,
    async stats() {
      const all = await Promise.all(handles.map((h) => h.request({ type: 'stats' }, 'stats', 30_000)));
      const sum = (f: (s: WorkerStats) => number): number => all.reduce((a, m) => a + f(m.stats), 0);
      return {
        workers: handles.length,
        connected: sum((s) => s.connected),
        fits: sum((s) => s.fits),
        fitFailures: sum((s) => s.fitFailures),
        trainSeconds: sum((s) => s.trainSeconds),
        steps: sum((s) => s.steps),
        heapUsedBytes: sum((s) => s.heapUsedBytes),
      };
    },
    close() {
      closing ??= Promise.all(handles.map((h) => h.request({ type: 'close' }, 'closed', 60_000)))
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(terminateAll);
      return closing;
    },
  };
}

/**
 * Messages between a fleet's main thread and its worker threads (structured-cloned; the
 * dataset and partition arrays are SharedArrayBuffer views, so they are shared, not copied).
 */
import type { MessagePort } from 'node:worker_threads';
import type { AttackSpec } from './attack.js';
import type { SharedDataset, SharedPartition } from './shared-dataset.js';

/** First message to a worker: what to connect and with which data. */
export interface WorkerInitMessage {
  readonly type: 'init';
  readonly workerIndex: number;
  /** Coordinator base URL (socket.io, and the HTTP model data plane in both transports). */
  readonly url: string;
  /** In-process transport: this worker's end of its link (transferred); absent: socket.io. */
  readonly port?: MessagePort;
  readonly token: string;
  readonly dataset: SharedDataset;
  readonly partition: SharedPartition;
  /** Virtual clients (participants) this worker runs. */
  readonly slots: number;
  /** Participants connecting at the same time (per worker). */
  readonly connectConcurrency: number;
  /** onnxruntime-node intra-op threads per worker. */
  readonly intraOpThreads: number;
  /** Optimizer steps per graph run (see `compileOptionsFor`). */
  readonly stepsPerRun: number;
  /** Simulated attack (`edgefed simulate --attack`); absent: every client is honest. */
  readonly attack?: AttackSpec;
  /** Fraction of each client's examples held out for evaluate tasks (0: none). */
  readonly localTestFraction: number;
  /** Secure runs: seeded dropouts at one SecAgg+ phase; absent: nobody drops on purpose. */
  readonly secAggDrop?: SecAggDropSpec;
}

/**
 * Simulated dropouts in secure rounds (`edgefed simulate --secagg-drop-phase P
 * --secagg-drop-rate R`): each secure task's client drops at `phase` with probability `rate`,
 * drawn from `seed`, the round and the partition client, so a run repeats exactly.
 */
export interface SecAggDropSpec {
  readonly phase: 'advertise' | 'share' | 'upload' | 'unmask';
  readonly rate: number;
  readonly seed: number;
}

/** Binds slot `i` to partition client `clients[i]`. */
export interface WorkerBindMessage {
  readonly type: 'bind';
  readonly clients: readonly number[];
}

/** Main -> worker. */
export type ToWorkerMessage =
  WorkerInitMessage | WorkerBindMessage | { readonly type: 'stats' } | { readonly type: 'close' };

/** Counters a worker reports. */
export interface WorkerStats {
  readonly connected: number;
  readonly fits: number;
  readonly fitFailures: number;
  readonly trainSeconds: number;
  /** Optimizer steps of all fits. */
  readonly steps: number;
  /** V8 heap used by the worker isolate. */
  readonly heapUsedBytes: number;
}

/** Worker -> main. */
export type FromWorkerMessage =
  | { readonly type: 'connected'; readonly clientIds: readonly string[] }
  | { readonly type: 'bound' }
  | { readonly type: 'stats'; readonly stats: WorkerStats }
  | { readonly type: 'closed' }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

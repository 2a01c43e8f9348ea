/**
 * Wire types the page reads from the REST API and the `/admin` namespace. The record types
 * come from the coordinator's own sources (type-only imports, erased at build time).
 */
export type {
  CheckpointRecord,
  ClientOutcomeRecord,
  MetricPoint,
  RoundRecord,
  RunRecord,
} from '../../src/store/records.js';
export type { ModelEntry } from '../../src/store/model-entry.js';
export type { RunEvent, RunPhase } from '../../src/rounds/run-events.js';
export type { AdminClientEvent, AdminServerEvents } from '../../src/admin/admin-namespace-events.js';
import type { RunRecord } from '../../src/store/records.js';
import type { RunPhase } from '../../src/rounds/run-events.js';

/** A run as the API returns it: the record plus the live phase. */
export type ApiRun = RunRecord & { readonly phase: RunPhase };

/** A client as `GET /api/clients` returns it. */
export interface ApiClient {
  readonly clientId: string;
  readonly run: string;
  readonly connected: boolean;
  readonly capabilities: {
    readonly runtime?: string;
    readonly backend?: string;
    readonly deviceClass?: string;
    readonly exampleCount?: number;
  };
  readonly registeredAt: number;
  readonly lastSeen: number;
  readonly resumeCount: number;
  /** The task in flight with its latest reported progress (when the list was loaded), or null. */
  readonly task: ApiTask | null;
}

/** A client's task in flight as `GET /api/clients` returns it. */
export interface ApiTask {
  readonly taskId: string;
  readonly runId: string;
  readonly round: number;
  readonly kind: 'fit' | 'evaluate';
  readonly deadline: number;
  readonly bytesUp: number;
  readonly step?: number;
  readonly totalSteps?: number;
  readonly loss?: number;
}

/** The JSON error form of every failed API call. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

// The cluster's wire types are spelled out here rather than imported: the lint rule that keeps
// Node built-ins out of the page also matches the path `src/cluster/` (Node has a `cluster`
// module). They mirror `ClusterNode` (node-registry.ts), `LeaseHolder` (run-lease.ts) and
// `ClusterView` (cluster.ts).

/** One live node of the cluster as `GET /api/cluster` lists it. */
export interface ClusterNode {
  readonly nodeId: string;
  /** Where the other nodes reach it (its REST API and /metrics). */
  readonly url: string;
  /** Participants connected to it at its last heartbeat. */
  readonly clients: number;
  readonly startedAt: number;
  /** Epoch ms of its last heartbeat, by its own clock. */
  readonly heartbeatAt: number;
}

/** Who holds a run's lease (leads it) and the lease's epoch. */
export interface LeaseHolder {
  readonly runId: string;
  readonly nodeId: string;
  readonly epoch: number;
}

/** `GET /api/cluster` in cluster mode, without its `cluster: true`. */
export interface ClusterView {
  /** The node that answered (the one this page is connected to). */
  readonly nodeId: string;
  readonly nodes: readonly ClusterNode[];
  readonly leaders: readonly LeaseHolder[];
}

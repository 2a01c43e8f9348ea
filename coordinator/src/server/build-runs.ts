/**
 * The runs part of a coordinator: the task gateway over the control plane, the run
 * services (storage, participants, model catalog, update decoder, telemetry, clock,
 * download ledger) and the RunManager, plus the run-event fan-out the dashboard and
 * simulations subscribe to.
 */
import { randomUUID } from 'node:crypto';
import type { JoinClaims } from '../auth/join-token.js';
import type { CoordinatorConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { CoordinatorMetrics } from '../observability/metrics.js';
import type { ClientRegistry } from '../registry/client-registry.js';
import { DownloadLedger } from '../rounds/download-ledger.js';
import { RunManager } from '../rounds/run-manager.js';
import type { RunEvent } from '../rounds/run-events.js';
import type { CentralEvaluator, RunServices, UpdateDecoder } from '../rounds/run-services.js';
import type { RunGate } from '../rounds/run-gate.js';
import { createUpdateDecoder } from '../rounds/update-decoder.js';
import type { TaskGateway } from '../rounds/task-gateway.js';
import type { ControlPlane } from '../transport/control-plane-types.js';
import { ListenerSet, type Listener, type Unsubscribe } from '../transport/listener-set.js';
import { SocketTaskGateway } from '../transport/socket-task-gateway.js';
import { createModelCatalog } from './model-catalog.js';
import { validateModelFresh } from './model-support.js';
import type { Stores } from './open-stores.js';
import { waitForCandidates } from './wait-for-clients.js';

/** Options of {@link buildRuns}. */
export interface RunsOptions {
  readonly config: Pick<CoordinatorConfig, 'limits'>;
  readonly stores: Pick<Stores, 'runs' | 'blobs' | 'models'>;
  readonly plane: ControlPlane<JoinClaims>;
  readonly registry: ClientRegistry<JoinClaims>;
  readonly logger: Logger;
  readonly metrics: CoordinatorMetrics;
  /** The coordinator's base URL (known after `listen`), read for every task's model URL. */
  readonly baseUrl: () => string;
  readonly centralEvaluator?: CentralEvaluator;
  /** Wraps the task gateway the runs use (the simulator's virtual clock); default: as is. */
  readonly wrapGateway?: (gateway: TaskGateway) => TaskGateway;
  /** Cluster mode: runs are driven only while this node holds their lease. */
  readonly gate?: RunGate;
  /**
   * Cluster mode: wraps the node's own gateway in one that reaches every node's participants
   * (cluster/cluster-routing.ts); the runs and their wait for clients use it.
   */
  readonly route?: (
    local: SocketTaskGateway<JoinClaims>,
    decoder: UpdateDecoder,
  ) => TaskGateway & { onIdle(listener: () => void): () => void };
}

/** Runs, their gateway to participants, and their events. */
export interface Runs {
  readonly runs: RunManager;
  readonly gateway: SocketTaskGateway<JoinClaims>;
  readonly services: RunServices;
  /** Subscribes to run events (round completed, phase changes, ...). */
  readonly onRunEvent: (listener: Listener<RunEvent>) => Unsubscribe;
  /** The model data plane reports each finished download here (metrics and round accounting). */
  readonly modelServed: (bytes: number, taskId: string | undefined) => void;
  /** Detaches the runners (statuses unchanged) and closes the gateway. */
  close(): Promise<void>;
}

/** Builds the runs part over a control plane. */
export function buildRuns(o: RunsOptions): Runs {
  const { plane, metrics, logger } = o;
  const events = new ListenerSet<RunEvent>((err) => logger.warn({ err }, 'run event listener failed'));
  const emit = (e: RunEvent): void => {
    void events.emit(e);
  };
  const gateway = new SocketTaskGateway<JoinClaims>({
    plane,
    clients: () => o.registry.list(),
    maxUpdateBytes: o.config.limits.maxUpdateBytes,
    onRejected: (code) => metrics.rejectedMessages.inc({ code }),
    onBytesIn: (n) => metrics.bytesIn.inc(n),
    onUploadBuffer: (n) => metrics.uploadBufferBytes.inc(n),
    onProgress: emit,
  });
  const downloads = new DownloadLedger();
  const updates = createUpdateDecoder();
  const routed = o.route?.(gateway, updates) ?? gateway;
  const services: RunServices = {
    storage: { store: o.stores.runs, blobs: o.stores.blobs },
    participants: {
      gateway: o.wrapGateway?.(routed) ?? routed,
      waitForClients: (request, signal) => waitForCandidates({ plane, gateway: routed, ...request, signal }),
    },
    models: createModelCatalog(o.baseUrl, o.stores.models),
    updates,
    telemetry: { logger: logger.child({ component: 'runs' }), metrics, emit },
    clock: { now: () => Date.now(), newId: () => randomUUID() },
    downloads,
    ...(o.centralEvaluator === undefined ? {} : { centralEvaluator: o.centralEvaluator }),
  };
  const runs = new RunManager(services, (c) => validateModelFresh(c, o.stores.models), o.gate);
  return {
    runs,
    gateway,
    services,
    onRunEvent: (l) => events.add(l),
    modelServed: (bytes, taskId) => {
      metrics.bytesOut.inc(bytes);
      downloads.served(bytes, taskId);
    },
    async close() {
      await runs.close();
      gateway.close();
    },
  };
}

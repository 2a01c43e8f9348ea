/**
 * createCoordinator: composes a coordinator from its parts on one HTTP server: the stores,
 * the transport (socket.io control plane with join-token authentication), the runs (task
 * gateway, run services, RunManager), the participant-facing HTTP routes (health, metrics,
 * model data plane) and the admin part (REST API, dashboard, live namespace). Each part has
 * its own builder and test (build-*.ts); this file only wires them and owns listen/close.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { JoinClaims } from '../auth/join-token.js';
import { resolveSecrets } from '../auth/secrets.js';
import type { CoordinatorConfig } from '../config/schema.js';
import { errorHandler } from '../http/errors.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createMetrics, type CoordinatorMetrics } from '../observability/metrics.js';
import type { RunManager } from '../rounds/run-manager.js';
import type { CentralEvaluator } from '../rounds/run-services.js';
import type { RunEvent } from '../rounds/run-events.js';
import type { TaskGateway } from '../rounds/task-gateway.js';
import type { Listener, Unsubscribe } from '../transport/listener-set.js';
import type { SaliencySampler } from '../simulation/saliency-sampler.js';
import type { ControlPlane, ControlPlaneServer } from '../transport/control-plane-types.js';
import { clusterApi } from '../cluster/cluster-api.js';
import { joinCluster, type ClusterConfig, type ClusterNodeHandle } from '../cluster/cluster.js';
import type { ClusterRouting } from '../cluster/cluster-routing.js';
import { createNodeRouting } from '../cluster/node-routing.js';
import { buildAdmin } from './build-admin.js';
import { buildHttp } from './build-http.js';
import { buildRuns, type Runs } from './build-runs.js';
import { buildTransport } from './build-transport.js';
import { openStores, type Stores } from './open-stores.js';

/** Options of {@link createCoordinator}. */
export interface CoordinatorOptions {
  readonly config: CoordinatorConfig;
  readonly logger?: Logger;
  /** Evaluates each new global model on the coordinator (simulations). */
  readonly centralEvaluator?: CentralEvaluator;
  /** Wraps the task gateway the runs use (the simulator's virtual clock); default: as is. */
  readonly wrapGateway?: (gateway: TaskGateway) => TaskGateway;
  /** Saliency maps of the coordinator's own test images for the dashboard (optional). */
  readonly saliencySampler?: SaliencySampler;
}

/** A running coordinator. */
export interface Coordinator {
  /** Base URL, e.g. `http://127.0.0.1:8080` (known after `listen`). */
  readonly url: string;
  readonly adminToken: string;
  readonly tokenSecret: string;
  readonly runs: RunManager;
  readonly stores: Stores;
  readonly metrics: CoordinatorMetrics;
  readonly plane: ControlPlane<JoinClaims>;
  readonly http: HttpServer;
  /**
   * The socket.io server the control plane serves (its main namespace). Other transports
   * hand their channels to `plane.accept` (the simulation's MessagePort channels).
   */
  readonly io: ControlPlaneServer;
  /** Cluster mode (config `cluster`): this node's connection to the cluster; else undefined. */
  readonly cluster: ClusterNodeHandle | undefined;
  /** Subscribes to run events (round completed, phase changes, ...). */
  onRunEvent(listener: Listener<RunEvent>): Unsubscribe;
  /** Listens, then resumes runs left `running` by a previous process. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Builds a coordinator (not yet listening). */
export async function createCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.log.level);
  const dataDir = config.store.kind === 'memory' ? undefined : config.store.dataDir;
  const secrets = resolveSecrets(config.auth, dataDir);
  const metrics = createMetrics({ processMetrics: true });
  // Cluster mode connects to Redis first: a bad URL or an unreachable Redis fails here.
  const cluster =
    config.cluster === undefined
      ? undefined
      : await joinCluster({ config: config.cluster, logger, metrics: metrics.registry });
  const stores = await openStores(config.store).catch(async (err: unknown) => {
    await cluster?.close();
    throw err;
  });
  const app = express();
  app.disable('x-powered-by');
  const http = createServer(app);
  // Keep idle HTTP connections open longer than clients do (undici's fetch keeps them 4 s,
  // browsers and load balancers up to 60 s). With Node's 5 s default, a busy event loop
  // can close a connection just as a client reuses it, and the client's request fails
  // with ECONNRESET; the connection owner should be the one to close it.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  const transport = buildTransport({
    http,
    config,
    tokenSecret: secrets.tokenSecret,
    store: stores.runs,
    logger,
    metrics,
    ...(cluster === undefined ? {} : { adapter: cluster.adapter }),
  });
  const { io, registry, plane } = transport;
  let baseUrl = config.server.publicUrl ?? '';
  // cluster mode: the runs reach every node's participants (task routing over Redis streams)
  let routing: ClusterRouting | undefined;
  const runs: Runs = buildRuns({
    config,
    stores,
    plane,
    registry,
    logger,
    metrics,
    baseUrl: () => baseUrl,
    ...(options.centralEvaluator === undefined ? {} : { centralEvaluator: options.centralEvaluator }),
    ...(options.wrapGateway === undefined ? {} : { wrapGateway: options.wrapGateway }),
    ...(cluster === undefined || config.cluster === undefined
      ? {}
      : {
          gate: cluster.gate,
          route: (local, decoder) => {
            routing = createNodeRouting({
              cluster,
              config: config.cluster as ClusterConfig,
              plane,
              registry,
              local,
              blobs: stores.blobs,
              decoder,
              epochOf: (id) => runs.runs.leases().find((l) => l.runId === id)?.epoch ?? 0,
              logger,
            });
            return routing.gateway;
          },
        }),
  });
  const keys = { adminToken: secrets.adminToken, tokenSecret: secrets.tokenSecret };
  app.use(buildHttp({ ...keys, blobs: stores.blobs, metrics, onModelServed: runs.modelServed }));
  const admin = buildAdmin({
    ...keys,
    ...(options.saliencySampler === undefined ? {} : { saliencySampler: options.saliencySampler }),
    io,
    corsOrigins: config.server.corsOrigins,
    stores,
    runs: runs.runs,
    registry,
    plane,
    taskOf: (id) => runs.gateway.taskOf(id),
    onRunEvent: runs.onRunEvent,
    ...(cluster === undefined
      ? {}
      : {
          forwarding: {
            nodeId: cluster.nodeId,
            nodeUrl: async (id: string) => (await cluster.registry.list()).find((n) => n.nodeId === id)?.url,
          },
        }),
    extraApi: clusterApi(cluster === undefined ? undefined : () => cluster.view()),
  });
  app.use(admin.router);
  app.use(errorHandler(logger));

  let closed = false;
  const coordinator: Coordinator = {
    get url() {
      return baseUrl;
    },
    ...keys,
    runs: runs.runs,
    stores,
    metrics,
    plane,
    http,
    io,
    cluster,
    onRunEvent: runs.onRunEvent,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.server.port, config.server.host, () => {
          http.off('error', reject);
          resolve();
        });
      });
      const addr = http.address() as AddressInfo;
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      const ownUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`;
      if (config.server.publicUrl === undefined) baseUrl = ownUrl;
      const resumed = await runs.runs.resumeAll();
      await cluster?.start({
        url: config.cluster?.nodeUrl ?? ownUrl, // this node itself, not the load balancer
        clients: () => plane.connectedClientIds().length,
        resumeAll: () => runs.runs.resumeAll(),
      });
      await routing?.start();
      logger.info(
        {
          url: baseUrl,
          resumed,
          store: config.store.kind,
          dataDir: dataDir ?? null,
          ...(cluster === undefined ? {} : { nodeId: cluster.nodeId }),
        },
        'coordinator listening',
      );
      return baseUrl;
    },
    async close() {
      if (closed) return;
      closed = true;
      await cluster?.leave();
      await routing?.stop(); // hosted batches end; this node's clients leave the directory
      await runs.close(); // releases this node's run leases (cluster mode)
      admin.close();
      // Stop the transport (socket.io closes the HTTP server, which then waits for every
      // open connection), and end the HTTP connections at once rather than letting idle
      // keep-alive ones run out their 65 s.
      const transportClosed = transport.close();
      http.closeAllConnections();
      await transportClosed;
      http.closeAllConnections();
      await cluster?.close();
      await stores.close();
    },
  };
  if (dataDir !== undefined) logger.debug({ dir: dataDir }, 'data directory');
  if (secrets.generated.length > 0)
    logger.info({ generated: secrets.generated }, 'generated secrets saved in the data directory');
  return coordinator;
}

/**
 * createCoordinator: wires the coordinator together — store and blobs, the socket.io
 * control plane with join-token authentication, the task gateway, the run manager, the
 * REST API, the model data plane, metrics and health — on one HTTP server.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { Server as IoServer } from 'socket.io';
import { PROTOCOL_VERSION, decodeTensorMap, decompressUpdate, type TensorMap } from '@edgefed/shared';
import { clientsApi } from '../admin/clients-api.js';
import { requireAdmin } from '../admin/require-admin.js';
import { attachAdminNamespace } from '../admin/admin-namespace.js';
import { dashboardStatic } from '../admin/dashboard-static.js';
import { createAdminSessions } from '../admin/session-routes.js';
import { runsApi } from '../admin/runs-api.js';
import { verifyJoinToken, type JoinClaims } from '../auth/join-token.js';
import { resolveSecrets } from '../auth/secrets.js';
import type { CoordinatorConfig } from '../config/schema.js';
import { errorHandler, notFoundHandler } from '../http/errors.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createMetrics, type CoordinatorMetrics } from '../observability/metrics.js';
import { ClientRegistry } from '../registry/client-registry.js';
import { RunManager } from '../rounds/run-manager.js';
import type { CentralEvaluator, RunServices } from '../rounds/run-services.js';
import type { RunEvent } from '../rounds/run-events.js';
import { SocketTaskGateway } from '../rounds/socket-task-gateway.js';
import { ListenerSet, type Listener, type Unsubscribe } from '../transport/listener-set.js';
import { createControlPlane } from '../transport/control-plane.js';
import type { ControlPlane, ControlPlaneServer } from '../transport/control-plane-types.js';
import { openStores, type Stores } from './open-stores.js';
import { exportModel, initialParameters, modelSpecJson, validateModel } from './model-support.js';
import { waitForCandidates } from './wait-for-clients.js';
import { persistClientSessions, withSessionRestore } from './persist-sessions.js';

/** Options of {@link createCoordinator}. */
export interface CoordinatorOptions {
  readonly config: CoordinatorConfig;
  readonly logger?: Logger;
  /** Evaluates each new global model on the coordinator (simulations). */
  readonly centralEvaluator?: CentralEvaluator;
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
   * The socket.io server the control plane serves (its main namespace). The simulation's
   * in-process transport (`createInProcessHub`) hands its sockets to its `connection` listeners.
   */
  readonly io: ControlPlaneServer;
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
  const dataDir = config.store.kind === 'sqlite' ? config.store.dataDir : undefined;
  const secrets = resolveSecrets(config.auth, dataDir);
  const stores = await openStores(config.store);
  const metrics = createMetrics({ processMetrics: true });
  const app = express();
  app.disable('x-powered-by');
  const http = createServer(app);
  const io: ControlPlaneServer = new IoServer(http, {
    maxHttpBufferSize: config.limits.maxMessageBytes,
    cors: { origin: config.server.corsOrigins.length > 0 ? config.server.corsOrigins : false },
  });
  const registry = new ClientRegistry<JoinClaims>({ resumeGraceMs: config.clients.resumeGraceMs });
  const plane = createControlPlane<JoinClaims>({
    io,
    registry,
    authenticate: withSessionRestore((token) => verifyJoinToken(token, secrets.tokenSecret), {
      registry,
      store: stores.runs,
      onError: (err) => logger.warn({ err }, 'could not look up a persisted client session'),
      onRestored: (clientId) => logger.info({ clientId }, 'client session restored from the store'),
    }),
    limits: {
      maxMessageBytes: config.limits.maxMessageBytes,
      maxChunkBytes: config.limits.maxChunkBytes,
      heartbeatIntervalMs: config.clients.heartbeatIntervalMs,
      helloTimeoutMs: config.clients.helloTimeoutMs,
      messagesPerSecond: config.limits.messagesPerSecond,
    },
    logger: logger.child({ component: 'control-plane' }),
    rejectionCounter: { increment: (code: string) => metrics.rejectedMessages.inc({ code }) },
  });
  const updateConnected = (): void => metrics.connectedClients.set(plane.connectedClientIds().length);
  plane.onClientJoined(updateConnected);
  plane.onClientResumed(updateConnected);
  plane.onClientLeft(updateConnected);
  persistClientSessions({
    plane,
    store: stores.runs,
    onError: (err, clientId) => logger.warn({ err, clientId }, 'could not persist the client session'),
  });
  const events = new ListenerSet<RunEvent>((err) => logger.warn({ err }, 'run event listener failed'));
  const gateway = new SocketTaskGateway<JoinClaims>({
    plane,
    clients: () => registry.list(),
    maxUpdateBytes: config.limits.maxUpdateBytes,
    onRejected: (code) => metrics.rejectedMessages.inc({ code }),
    onBytesIn: (n) => metrics.bytesIn.inc(n),
    onProgress: (e) => {
      void events.emit(e);
    },
  });
  let baseUrl = config.server.publicUrl ?? '';
  const services: RunServices = {
    storage: { store: stores.runs, blobs: stores.blobs },
    participants: {
      gateway,
      waitForClients: (runId, count, signal) => waitForCandidates({ plane, gateway, runId, count, signal }),
    },
    models: { initialParameters, specJson: modelSpecJson, url: (hash) => `${baseUrl}/models/${hash}` },
    updates: { decode: (payload): TensorMap => decompressUpdate(decodeTensorMap(payload)) },
    telemetry: {
      logger: logger.child({ component: 'runs' }),
      metrics,
      emit: (e) => {
        void events.emit(e);
      },
    },
    clock: { now: () => Date.now(), newId: () => randomUUID() },
    ...(options.centralEvaluator === undefined ? {} : { centralEvaluator: options.centralEvaluator }),
  };
  const runs = new RunManager(services, validateModel);

  app.get('/healthz', (_req, res) => {
    res.json({
      status: 'ok',
      protocolVersion: PROTOCOL_VERSION,
      uptimeSeconds: Math.round(process.uptime()),
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.use(
    (await import('./model-route.js')).modelRoute({
      blobs: stores.blobs,
      adminToken: secrets.adminToken,
      tokenSecret: secrets.tokenSecret,
      onBytesServed: (n) => {
        metrics.bytesOut.inc(n);
        gateway.addBytesDown(n);
      },
    }),
  );
  const api = express.Router();
  api.use(express.json({ limit: '2mb' }));
  const sessions = createAdminSessions({ adminToken: secrets.adminToken }); // dashboard sign-in + CSRF
  api.use(sessions.router);
  api.use(requireAdmin(secrets.adminToken, sessions.sessionCheck));
  api.use(runsApi({ runs, store: stores.runs, exportModel: (id, v, f) => exportModel(stores, id, v, f) }));
  api.use(
    clientsApi({
      clients: () => registry.list(),
      isConnected: (id) => plane.isConnected(id),
      taskOf: (id) => gateway.taskOf(id),
      tokenSecret: secrets.tokenSecret,
    }),
  );
  api.use(notFoundHandler);
  app.use('/api', api);
  app.use(dashboardStatic()); // the dashboard page at /
  const adminNamespace = attachAdminNamespace({
    io,
    sessions,
    sources: {
      onRunEvent: (l) => events.add(l),
      onClientJoined: plane.onClientJoined,
      onClientResumed: plane.onClientResumed,
      onClientLeft: plane.onClientLeft,
    },
    allowedOrigins: config.server.corsOrigins,
  });
  app.use(errorHandler(logger));

  let closed = false;
  const coordinator: Coordinator = {
    get url() {
      return baseUrl;
    },
    adminToken: secrets.adminToken,
    tokenSecret: secrets.tokenSecret,
    runs,
    stores,
    metrics,
    plane,
    http,
    io,
    onRunEvent: (l) => events.add(l),
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
      if (config.server.publicUrl === undefined)
        baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`;
      const resumed = await runs.resumeAll();
      logger.info(
        { url: baseUrl, resumed, store: config.store.kind, dataDir: dataDir ?? null },
        'coordinator listening',
      );
      return baseUrl;
    },
    async close() {
      if (closed) return;
      closed = true;
      await runs.close();
      gateway.close();
      plane.close();
      adminNamespace.close();
      registry.close();
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      http.closeAllConnections();
      await stores.close();
    },
  };
  if (dataDir !== undefined) logger.debug({ dir: join(dataDir) }, 'data directory');
  if (secrets.generated.length > 0)
    logger.info({ generated: secrets.generated }, 'generated secrets saved in the data directory');
  return coordinator;
}

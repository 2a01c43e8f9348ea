/**
 * The transport part of a coordinator: the socket.io server on the HTTP server, the client
 * registry, and the control plane with join-token authentication (and session restore from
 * the store). Keeps the connected-clients gauge and the persisted client sessions current.
 */
import type { Server as HttpServer } from 'node:http';
import { Server as IoServer, type ServerOptions } from 'socket.io';
import { verifyJoinToken, type JoinClaims } from '../auth/join-token.js';
import type { CoordinatorConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { CoordinatorMetrics } from '../observability/metrics.js';
import { ClientRegistry } from '../registry/client-registry.js';
import type { RunStore } from '../store/run-store.js';
import { createControlPlane } from '../transport/control-plane.js';
import type { ControlPlane, ControlPlaneServer } from '../transport/control-plane-types.js';
import { persistClientSessions, withSessionRestore } from './persist-sessions.js';
import { socketIoParser } from '../transport/socket-io-parser.js';

/** Options of {@link buildTransport}. */
export interface TransportOptions {
  readonly http: HttpServer;
  readonly config: Pick<CoordinatorConfig, 'limits' | 'clients' | 'server'>;
  readonly tokenSecret: string;
  /** Where client sessions persist (resume after a coordinator restart). */
  readonly store: RunStore;
  readonly logger: Logger;
  readonly metrics: CoordinatorMetrics;
  /** socket.io adapter (cluster mode: Redis streams); default: socket.io's in-memory one. */
  readonly adapter?: ServerOptions['adapter'];
}

/** The coordinator's control plane and what it runs on. */
export interface Transport {
  readonly io: ControlPlaneServer;
  readonly registry: ClientRegistry<JoinClaims>;
  readonly plane: ControlPlane<JoinClaims>;
  /** Closes the plane, the registry and the socket.io server (not the HTTP server). */
  close(): Promise<void>;
}

/** Builds the transport on `http` (which need not listen yet). */
export function buildTransport(o: TransportOptions): Transport {
  const { config, logger, metrics } = o;
  const io: ControlPlaneServer = new IoServer(o.http, {
    maxHttpBufferSize: config.limits.maxMessageBytes,
    parser: socketIoParser, // room for a secure round's roster (2 keys per client)
    cors: { origin: config.server.corsOrigins.length > 0 ? config.server.corsOrigins : false },
    ...(o.adapter === undefined ? {} : { adapter: o.adapter }),
  });
  const registry = new ClientRegistry<JoinClaims>({ resumeGraceMs: config.clients.resumeGraceMs });
  const plane = createControlPlane<JoinClaims>({
    io,
    registry,
    authenticate: withSessionRestore((token) => verifyJoinToken(token, o.tokenSecret), {
      registry,
      store: o.store,
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
    store: o.store,
    onError: (err, clientId) => logger.warn({ err, clientId }, 'could not persist the client session'),
  });
  return {
    io,
    registry,
    plane,
    async close() {
      plane.close();
      registry.close();
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
    },
  };
}

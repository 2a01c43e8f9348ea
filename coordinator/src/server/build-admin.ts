/**
 * The admin part of a coordinator: the REST API under `/api` (sign-in, uploaded models, runs,
 * evaluation reports, saliency, clients; admin
 * token or dashboard session), the dashboard page at `/`, and the live `/admin` socket.io
 * namespace fed by run and client events.
 */
import express, { Router } from 'express';
import { attachAdminNamespace } from '../admin/admin-namespace.js';
import { clientsApi } from '../admin/clients-api.js';
import { evaluationsApi } from '../admin/evaluations-api.js';
import { modelsApi } from '../admin/models-api.js';
import { saliencyApi } from '../admin/saliency-api.js';
import { dashboardStatic } from '../admin/dashboard-static.js';
import { requireAdmin } from '../admin/require-admin.js';
import { runsApi } from '../admin/runs-api.js';
import type { LeaderForwarding } from '../admin/forward-to-leader.js';
import { createAdminSessions } from '../admin/session-routes.js';
import type { JoinClaims } from '../auth/join-token.js';
import { notFoundHandler } from '../http/errors.js';
import type { ClientRegistry } from '../registry/client-registry.js';
import type { RunEvent } from '../rounds/run-events.js';
import type { RunManager } from '../rounds/run-manager.js';
import type { SaliencySampler } from '../simulation/saliency-sampler.js';
import type { ControlPlane, ControlPlaneServer } from '../transport/control-plane-types.js';
import type { Listener, Unsubscribe } from '../transport/listener-set.js';
import { exportModel } from './model-support.js';
import type { Stores } from './open-stores.js';

/** Options of {@link buildAdmin}. */
export interface AdminOptions {
  readonly io: ControlPlaneServer;
  readonly adminToken: string;
  readonly tokenSecret: string;
  readonly corsOrigins: readonly string[];
  readonly stores: Stores;
  readonly runs: RunManager;
  readonly registry: ClientRegistry<JoinClaims>;
  readonly plane: ControlPlane<JoinClaims>;
  /** A client's task in flight (the gateway's view), for the clients table. */
  readonly taskOf: (clientId: string) => object | undefined;
  readonly onRunEvent: (listener: Listener<RunEvent>) => Unsubscribe;
  /** Saliency maps of the coordinator's own test images for the dashboard (optional). */
  readonly saliencySampler?: SaliencySampler;
  /** Cluster mode: run control for a run another node leads is forwarded to it. */
  readonly forwarding?: LeaderForwarding;
  /** More admin-only API routes under `/api` (the cluster view). */
  readonly extraApi?: Router;
}

/** The admin router (mount at the root) and the live namespace. */
export interface Admin {
  readonly router: Router;
  close(): void;
}

/** Builds the admin API, dashboard and live namespace. */
export function buildAdmin(o: AdminOptions): Admin {
  const { stores, plane } = o;
  const api = Router();
  api.use(express.json({ limit: '2mb' }));
  const sessions = createAdminSessions({ adminToken: o.adminToken }); // dashboard sign-in + CSRF
  api.use(sessions.router);
  api.use(requireAdmin(o.adminToken, sessions.sessionCheck));
  api.use(modelsApi({ models: stores.models }));
  api.use(
    runsApi({
      runs: o.runs,
      store: stores.runs,
      exportModel: (id, v, f) => exportModel(stores, id, v, f),
      ...(o.forwarding === undefined ? {} : { forwarding: o.forwarding }),
    }),
  );
  api.use(evaluationsApi({ store: stores.runs }));
  api.use(saliencyApi({ store: stores.runs, blobs: stores.blobs, sampler: o.saliencySampler }));
  api.use(
    clientsApi({
      clients: () => o.registry.list(),
      isConnected: (id) => plane.isConnected(id),
      taskOf: o.taskOf,
      tokenSecret: o.tokenSecret,
    }),
  );
  if (o.extraApi !== undefined) api.use(o.extraApi);
  api.use(notFoundHandler);
  const router = Router();
  router.use('/api', api);
  router.use(dashboardStatic()); // the dashboard page at /
  const namespace = attachAdminNamespace({
    io: o.io,
    sessions,
    sources: {
      onRunEvent: o.onRunEvent,
      onClientJoined: plane.onClientJoined,
      onClientResumed: plane.onClientResumed,
      onClientLeft: plane.onClientLeft,
    },
    allowedOrigins: o.corsOrigins,
  });
  return { router, close: () => namespace.close() };
}

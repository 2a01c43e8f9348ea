/**
 * The HTTP part of a coordinator that participants and monitoring use: `/healthz`,
 * Prometheus `/metrics`, and the model data plane `/models/:hash`.
 */
import { Router } from 'express';
import { PROTOCOL_VERSION } from '@edgefed/shared';
import type { CoordinatorMetrics } from '../observability/metrics.js';
import type { BlobStore } from '../store/blob-store.js';
import { modelRoute } from './model-route.js';

/** Options of {@link buildHttp}. */
export interface HttpOptions {
  readonly blobs: BlobStore;
  readonly adminToken: string;
  readonly tokenSecret: string;
  readonly metrics: CoordinatorMetrics;
  /** Each finished model download, with the task its URL names. */
  readonly onModelServed: (bytes: number, taskId: string | undefined) => void;
}

/** Router for the health, metrics and model routes. */
export function buildHttp(o: HttpOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({
      status: 'ok',
      protocolVersion: PROTOCOL_VERSION,
      uptimeSeconds: Math.round(process.uptime()),
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', o.metrics.registry.contentType);
    res.send(await o.metrics.registry.metrics());
  });
  router.use(
    modelRoute({
      blobs: o.blobs,
      adminToken: o.adminToken,
      tokenSecret: o.tokenSecret,
      onBytesServed: o.onModelServed,
    }),
  );
  return router;
}

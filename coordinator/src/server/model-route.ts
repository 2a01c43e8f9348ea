/**
 * The HTTP data plane for models: `GET /models/:hash` serves the immutable, content-addressed
 * global model (the tensor codec's bytes) with a strong ETag and a year-long immutable cache.
 * Participants authenticate with their join token (or the admin token). A task's model URL
 * carries `?task=<task id>`: the route reports each finished download with it, so the bytes
 * count in the round whose task asked (a missing or malformed task id counts for none).
 */
import { Router } from 'express';
import { EdgefedError } from '@edgefed/shared';
import { adminTokenMatches, verifyJoinToken } from '../auth/join-token.js';
import { bearerToken } from '../admin/require-admin.js';
import type { BlobStore } from '../store/blob-store.js';

/** Options of {@link modelRoute}. */
export interface ModelRouteOptions {
  readonly blobs: BlobStore;
  readonly adminToken: string;
  readonly tokenSecret: string;
  /** Called when a download finished: its bytes and the task named in the URL (metrics, rounds). */
  readonly onBytesServed?: (bytes: number, taskId: string | undefined) => void;
}

/** A task id as the coordinator makes them (UUIDs), or any short token-like id. */
const TASK_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Router for `/models/:hash`. */
export function modelRoute(o: ModelRouteOptions): Router {
  const router = Router();
  router.get('/models/:hash', async (req, res, next) => {
    try {
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) throw new EdgefedError('UNAUTHORIZED', 'A join token is required');
      if (!adminTokenMatches(token, o.adminToken)) verifyJoinToken(token, o.tokenSecret);
      const hash = req.params.hash;
      if (!/^[0-9a-f]{64}$/.test(hash))
        throw new EdgefedError('INVALID_ARGUMENT', 'Model hash must be 64 hex characters');
      if (!(await o.blobs.has(hash))) throw new EdgefedError('NOT_FOUND', `No model ${hash}`);
      const etag = `"sha256:${hash}"`;
      res.setHeader('ETag', etag);
      res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
      if (req.headers['if-none-match'] === etag) {
        res.status(304).end();
        return;
      }
      const size = await o.blobs.size(hash);
      res.setHeader('Content-Type', 'application/vnd.edgefed.tensors');
      res.setHeader('Content-Length', String(size));
      const stream = await o.blobs.createReadStream(hash);
      stream.on('error', next);
      const task = req.query.task;
      const taskId = typeof task === 'string' && TASK_ID.test(task) ? task : undefined;
      stream.on('end', () => o.onBytesServed?.(size, taskId));
      stream.pipe(res);
    } catch (err) {
      next(err);
    }
  });
  return router;
}

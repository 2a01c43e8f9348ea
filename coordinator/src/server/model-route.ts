/**
 * The HTTP data plane for models: `GET /models/:hash` serves the immutable, content-addressed
 * global model (the tensor codec's bytes) with a strong ETag and a year-long immutable cache.
 * Participants authenticate with their join token (or the admin token). A task's model URL
 * carries `?task=<task id>`: the route reports each finished download with it, so the bytes
 * count in the round whose task asked (a missing or malformed task id counts for none).
 *
 * Ranges (byte-range.ts): `Accept-Ranges: bytes`; one `Range: bytes=a-b` (or `a-`, `-n`) gets
 * `206` with `Content-Range` and only those bytes, streamed from the BlobStore's ranged
 * read (every store reads only the range); a range past the end gets `416` (`INVALID_ARGUMENT`
 * in the body, `Content-Range: bytes *` + `/<size>`); `If-Range` with
 * the ETag (anything else: the whole model, `200`). A client whose download broke off resumes
 * it this way. Each response sent to its end reports the bytes it sent (a broken-off one
 * reports none).
 */
import { pipeline } from 'node:stream';
import { Router } from 'express';
import { EdgefedError } from '@edgefed/shared';
import { adminTokenMatches, verifyJoinToken } from '../auth/join-token.js';
import { bearerToken } from '../admin/require-admin.js';
import type { BlobStore } from '../store/blob-store.js';
import { parseRange, rangeApplies, type RangeDecision } from './byte-range.js';

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
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Content-Type', 'application/vnd.edgefed.tensors');
      const range: RangeDecision = rangeApplies(req.get('if-range'), etag)
        ? parseRange(req.get('range'), size)
        : { kind: 'full' };
      if (range.kind === 'unsatisfiable') {
        const e = new EdgefedError('INVALID_ARGUMENT', `Range "${req.get('range') ?? ''}" selects no byte`, {
          details: { size },
        });
        res.status(416).setHeader('Content-Range', `bytes */${size}`).json({ error: e.toWire() });
        return;
      }
      const { start, end } = range.kind === 'partial' ? range : { start: 0, end: size - 1 };
      const length = end - start + 1;
      if (range.kind === 'partial') {
        res.status(206);
        res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
      }
      res.setHeader('Content-Length', String(length));
      const stream = await o.blobs.createReadStream(hash, length === 0 ? undefined : { start, end });
      const task = req.query.task;
      const taskId = typeof task === 'string' && TASK_ID.test(task) ? task : undefined;
      // pipeline, not pipe: a client that goes away mid-body also closes the store's stream
      pipeline(stream, res, (err?: Error | null) => {
        // Node passes undefined on success (the typings say null)
        if (err === undefined || err === null) o.onBytesServed?.(length, taskId);
        else if (!res.headersSent) next(err);
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}

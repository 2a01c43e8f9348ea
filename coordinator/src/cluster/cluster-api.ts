/**
 * `GET /api/cluster` (admin): the cluster as this node sees it in Redis: its own node id,
 * the live nodes (URL, connected participants, last heartbeat) and the leader of every run
 * with a lease (node and epoch). A coordinator without a `cluster` config answers
 * `{ "cluster": false }`. Redis unreachable: `UNAVAILABLE` (503).
 */
import { Router } from 'express';
import { EdgefedError } from '@edgefed/shared';
import type { ClusterView } from './cluster.js';

/** The route; `view` is undefined on a single coordinator. */
export function clusterApi(view: (() => Promise<ClusterView>) | undefined): Router {
  const r = Router();
  r.get('/cluster', async (_req, res) => {
    if (view === undefined) {
      res.json({ cluster: false });
      return;
    }
    let v: ClusterView;
    try {
      v = await view();
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new EdgefedError('UNAVAILABLE', `Cannot read the cluster view from Redis: ${why}`, { cause });
    }
    res.json({ cluster: true, ...v });
  });
  return r;
}

/**
 * The cluster as the dashboard reads it: `GET /api/cluster` (this node, the live nodes, each
 * run's lease holder) with the coordinator's clock at the answer, and the helpers the cluster
 * page and the run view share. A single coordinator answers `{ cluster: false }`; a node whose
 * Redis is unreachable answers 503 `UNAVAILABLE` (it is in cluster mode all the same).
 */
import { ApiError, apiGetTimed } from './api.js';
import type { ClusterView } from './types.js';

/** How often the cluster view is read again while a page shows it (ms). */
export const CLUSTER_POLL_MS = 3000;

/** `GET /api/cluster` plus when the coordinator answered. */
export interface ClusterSnapshot {
  readonly view: ClusterView;
  /** The answering coordinator's clock (epoch ms, whole seconds), or the browser's. */
  readonly at: number;
}

/** Reads the cluster view; undefined on a single coordinator. Rejects with ApiError (503). */
export async function loadCluster(): Promise<ClusterSnapshot | undefined> {
  const answer = await apiGetTimed('/api/cluster');
  const body = answer.body as ({ cluster: true } & ClusterView) | { cluster: false };
  if (!body.cluster) return undefined;
  const { cluster: _, ...view } = body;
  return { view, at: answer.serverTime ?? Date.now() };
}

/**
 * Whether this coordinator runs in cluster mode: true when `/api/cluster` answers with a view
 * or with 503 (Redis down, but a single coordinator never asks Redis), false on a single
 * coordinator, undefined when it could not be told (network, signed out).
 */
export async function isClusterMode(): Promise<boolean | undefined> {
  try {
    return (await loadCluster()) !== undefined;
  } catch (e) {
    return e instanceof ApiError && e.status === 503 ? true : undefined;
  }
}

/**
 * Whole seconds from `heartbeatAt` to `at` (both the coordinators' clocks), never negative;
 * `at` has whole-second resolution, so this may read up to a second low.
 */
export function heartbeatAge(heartbeatAt: number, at: number): number {
  return Math.max(0, Math.round((at - heartbeatAt) / 1000));
}

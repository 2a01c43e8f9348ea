/**
 * A coordinator node's cluster part (config `cluster: { redis }`): one Redis connection
 * (fail fast at start-up), the socket.io adapter over Redis streams (admin events and
 * broadcasts reach every node's sockets; model weights never go through Redis), the node
 * registry with its heartbeat, the run-lease gate the RunManager drives runs through, the
 * cluster gauges, and a takeover loop that calls `resumeAll` every half lease TTL so a run
 * whose leader died is resumed here from the store once its lease expires.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { CoordinatorConfig } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { RunGate } from '../rounds/run-gate.js';
import { registerClusterMetrics } from './cluster-metrics.js';
import { createLeaseGate } from './lease-gate.js';
import { NodeRegistry, type ClusterNode } from './node-registry.js';
import { connectRedis } from './redis-connection.js';
import { RunLeases, type LeaseHolder } from './run-lease.js';

/** The cluster settings (the config's `cluster` block, defaults applied). */
export type ClusterConfig = NonNullable<CoordinatorConfig['cluster']>;

/** What the cluster view (`GET /api/cluster`) shows. */
export interface ClusterView {
  readonly nodeId: string;
  readonly nodes: ClusterNode[];
  readonly leaders: LeaseHolder[];
}

/** A node's connection to its cluster. */
export interface ClusterNodeHandle {
  readonly nodeId: string;
  readonly redis: Redis;
  /** socket.io adapter factory for `new Server(http, { adapter })`. */
  readonly adapter: ReturnType<typeof createAdapter>;
  readonly gate: RunGate;
  readonly registry: NodeRegistry;
  readonly leases: RunLeases;
  view(): Promise<ClusterView>;
  /** Registers the node (its URL and participant count) and starts the takeover loop. */
  start(o: { url: string; clients: () => number; resumeAll: () => Promise<string[]> }): Promise<void>;
  /** Stops the heartbeat and the takeover loop, deregisters (call before the runs close). */
  leave(): Promise<void>;
  /** Closes the Redis connection (after the runs released their leases). */
  close(): Promise<void>;
}

/** A default node id: `<hostname>-<pid>-<4 random hex>`. */
export function defaultNodeId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._:-]/g, '-')
      .slice(0, 60) || 'node';
  return `${host}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

/**
 * Connects a node to its cluster.
 *
 * @throws EdgefedError `INVALID_CONFIG` (bad Redis URL) or `UNAVAILABLE` (Redis unreachable).
 */
export async function joinCluster(o: {
  config: ClusterConfig;
  logger: Logger;
  metrics: Registry;
}): Promise<ClusterNodeHandle> {
  const { config } = o;
  const logger = o.logger.child({ component: 'cluster' });
  const nodeId = config.nodeId ?? defaultNodeId();
  const redis = await connectRedis({ url: config.redis, name: `edgefed:${nodeId}` });
  const prefix = config.keyPrefix;
  const leases = new RunLeases({ redis, prefix, ttlMs: config.leaseTtlMs });
  const registry = new NodeRegistry({
    redis,
    nodeId,
    prefix,
    ttlMs: config.nodeTtlMs,
    onError: (err) => logger.warn({ err }, 'cluster heartbeat failed'),
  });
  registerClusterMetrics({
    registry: o.metrics,
    nodes: registry,
    leases,
    onError: (err) => logger.warn({ err }, 'could not read the cluster view for /metrics'),
  });
  const adapter = createAdapter(redis, { streamName: `${prefix}socket.io`, blockTimeInMs: 1000 });
  let takeover: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  return {
    nodeId,
    redis,
    adapter,
    gate: createLeaseGate({ leases, nodeId, logger }),
    registry,
    leases,
    async view() {
      const [nodes, leaders] = await Promise.all([registry.list(), leases.holders()]);
      return { nodeId, nodes, leaders };
    },
    async start(s) {
      await registry.start(s.url, s.clients);
      logger.info({ nodeId, url: s.url }, 'joined the cluster');
      const check = (): void => {
        inFlight ??= s
          .resumeAll()
          .then((ids) => {
            if (ids.length > 0) logger.info({ nodeId, runs: ids }, 'took over runs');
          })
          .catch((err: unknown) => logger.warn({ err }, 'run takeover check failed'))
          .finally(() => (inFlight = undefined));
      };
      takeover = setInterval(check, Math.max(1, Math.floor(config.leaseTtlMs / 2)));
      takeover.unref();
    },
    async leave() {
      clearInterval(takeover);
      await inFlight; // a takeover in progress finishes before the runs close (and release)
      await registry.stop();
    },
    async close() {
      clearInterval(takeover);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

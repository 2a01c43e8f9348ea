/**
 * Builds a cluster node's task routing (cluster-routing.ts) from the coordinator's parts: the
 * node's own socket task gateway, its control plane and client registry (what it publishes in
 * the client directory, and when: joins, resumes, departures, task ends), the blob store
 * (partials by hash, round models by hash) and the update decoder (the host's fold).
 */
import type { JoinClaims } from '../auth/join-token.js';
import type { Logger } from '../observability/logger.js';
import type { ClientRegistry } from '../registry/client-registry.js';
import type { UpdateDecoder } from '../rounds/run-services.js';
import type { BlobStore } from '../store/blob-store.js';
import type { ControlPlane } from '../transport/control-plane-types.js';
import type { SocketTaskGateway } from '../transport/socket-task-gateway.js';
import type { ClusterConfig, ClusterNodeHandle } from './cluster.js';
import { ClusterRouting } from './cluster-routing.js';

/** Options of {@link createNodeRouting}. */
export interface NodeRoutingOptions {
  readonly cluster: ClusterNodeHandle;
  readonly config: ClusterConfig;
  readonly plane: ControlPlane<JoinClaims>;
  readonly registry: ClientRegistry<JoinClaims>;
  readonly local: SocketTaskGateway<JoinClaims>;
  readonly blobs: BlobStore;
  readonly decoder: UpdateDecoder;
  /** The lease epoch this node holds for a run (0 when none). */
  readonly epochOf: (runId: string) => number;
  readonly logger: Logger;
}

/** The routing of one node, with its directory kept current by the plane's events. */
export function createNodeRouting(o: NodeRoutingOptions): ClusterRouting {
  const { plane, registry, local } = o;
  return new ClusterRouting({
    nodeId: o.cluster.nodeId,
    prefix: o.config.keyPrefix,
    redis: o.cluster.redis,
    nodes: o.cluster.registry,
    ttlMs: o.config.nodeTtlMs,
    local,
    blobs: o.blobs,
    decoder: o.decoder,
    logger: o.logger.child({ component: 'cluster-routing' }),
    epochOf: o.epochOf,
    busy: (id) => local.taskOf(id) !== undefined,
    declared: (id) => {
      const n = registry.get(id)?.capabilities.exampleCount;
      return typeof n === 'number' ? n : undefined;
    },
    isLocal: (id) => registry.get(id)?.connectionId !== undefined,
    watch: (changed) => [
      plane.onClientJoined(changed),
      plane.onClientResumed(changed),
      plane.onClientLeft(changed),
      plane.onClientExpired(changed),
      local.onIdle(changed),
    ],
    published: () => {
      const connected = new Set(plane.connectedClientIds());
      return registry
        .list()
        .filter(
          (c) =>
            connected.has(c.clientId) && c.capabilities.eligible && local.taskOf(c.clientId) === undefined,
        )
        .map((c) => ({ id: c.clientId, run: c.principal.run, capabilities: { ...c.capabilities } }));
    },
  });
}

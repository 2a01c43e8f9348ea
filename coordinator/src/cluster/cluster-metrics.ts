/**
 * The cluster gauges on every node's `/metrics`, read from Redis at scrape time (so every
 * node shows the same cluster view): live nodes, the leader of each run (value: its lease
 * epoch), connected participants per node, and whether this node reached Redis for the
 * scrape. When Redis does not answer, `edgefed_cluster_redis_up` is 0 and the other cluster
 * gauges are left empty rather than stale; the node's own metrics are unaffected.
 */
import { Gauge, type Registry } from 'prom-client';
import type { NodeRegistry, ClusterNode } from './node-registry.js';
import type { LeaseHolder, RunLeases } from './run-lease.js';

/** Registers the cluster gauges on `registry`. */
export function registerClusterMetrics(o: {
  registry: Registry;
  nodes: NodeRegistry;
  leases: RunLeases;
  /** Called when reading the cluster view failed (the scrape still succeeds). */
  onError?: (err: unknown) => void;
}): void {
  const registers = [o.registry];
  let view: { nodes: ClusterNode[]; leaders: LeaseHolder[] } | undefined;
  let pending: Promise<void> | undefined;
  // One Redis read per scrape, shared by the four gauges' collect callbacks.
  const read = (): Promise<void> => {
    pending ??= Promise.all([o.nodes.list(), o.leases.holders()])
      .then(([nodes, leaders]) => {
        view = { nodes, leaders };
      })
      .catch((err: unknown) => {
        view = undefined;
        o.onError?.(err);
      })
      .finally(() => {
        setImmediate(() => (pending = undefined));
      });
    return pending;
  };
  new Gauge({
    name: 'edgefed_cluster_redis_up',
    help: 'Whether this node read the cluster view from Redis for this scrape (1) or not (0)',
    registers,
    async collect() {
      await read();
      this.set(view === undefined ? 0 : 1);
    },
  });
  new Gauge({
    name: 'edgefed_cluster_nodes',
    help: 'Coordinator nodes alive in the cluster registry',
    registers,
    async collect() {
      await read();
      this.reset();
      if (view !== undefined) this.set(view.nodes.length);
    },
  });
  new Gauge({
    name: 'edgefed_cluster_node_clients',
    help: 'Participants connected to each node (at its last heartbeat)',
    labelNames: ['node'],
    registers,
    async collect() {
      await read();
      this.reset();
      for (const n of view?.nodes ?? []) this.set({ node: n.nodeId }, n.clients);
    },
  });
  new Gauge({
    name: 'edgefed_cluster_run_leader',
    help: 'The node holding each run lease (value: the lease epoch)',
    labelNames: ['run', 'node'],
    registers,
    async collect() {
      await read();
      this.reset();
      for (const l of view?.leaders ?? []) this.set({ run: l.runId, node: l.nodeId }, l.epoch);
    },
  });
}

/**
 * Set-up shared by the cluster tests: a coordinator node in this process on the test's
 * PostgreSQL database (its own data directory) and, in cluster mode, on the test's Redis with
 * the tests' lease and node TTL.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCoordinator,
  loadConfig,
  type Coordinator,
  type CoordinatorConfigInput,
} from '@edgefed/coordinator';

/**
 * Lease and registry-entry TTL of the test nodes: long enough that a loaded 2-core CI machine
 * (several test files and onnxruntime sessions in one process) never stalls a renewal past it
 * by accident; at 2 s, loaded runs lost leases mid-run.
 */
export const CLUSTER_TTL_MS = 5000;

/** Options of {@link startTestNode}. */
export interface TestNodeOptions {
  readonly databaseUrl: string;
  readonly adminToken: string;
  readonly tokenSecret: string;
  /** Data directories made here are added, for the test to remove. */
  readonly dataDirs: string[];
  /** Cluster mode on this Redis with this node id (TTLs {@link CLUSTER_TTL_MS}); none: one coordinator. */
  readonly cluster?: { readonly redis: string; readonly nodeId: string };
  readonly server?: CoordinatorConfigInput['server'];
  /** The memory store instead of PostgreSQL (a plain single coordinator to compare with). */
  readonly memoryStore?: boolean;
}

/** Starts a node listening on a free port. */
export async function startTestNode(o: TestNodeOptions): Promise<Coordinator> {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgefed-cluster-'));
  o.dataDirs.push(dataDir);
  const config = loadConfig({
    overrides: {
      server: { port: 0, ...o.server },
      store: o.memoryStore === true ? { kind: 'memory' } : { kind: 'postgres', url: o.databaseUrl, dataDir },
      auth: { adminToken: o.adminToken, tokenSecret: o.tokenSecret },
      log: { level: 'silent' },
      ...(o.cluster === undefined
        ? {}
        : { cluster: { ...o.cluster, nodeTtlMs: CLUSTER_TTL_MS, leaseTtlMs: CLUSTER_TTL_MS } }),
    },
  });
  const c = await createCoordinator({ config });
  await c.listen();
  return c;
}

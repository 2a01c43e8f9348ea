/**
 * `edgefed serve`: runs the coordinator (express + socket.io on one port) until SIGINT or
 * SIGTERM. Configuration from `--config FILE` (JSON or YAML), EDGEFED_* environment
 * variables and flags, in increasing precedence.
 */
import { loadConfig } from '../config/load.js';
import type { CoordinatorConfig } from '../config/schema.js';
import { createCoordinator, type Coordinator } from '../server/coordinator.js';
import { intFlag, parseFlags, strFlag } from './args.js';
import { ensureDashboardBuilt } from './dashboard-build.js';

export const SERVE_HELP = `Usage: edgefed serve [options]

Runs the coordinator: REST API, socket.io control plane, model downloads, metrics.

Options:
  --config FILE      JSON or YAML configuration file
  --host HOST        interface to listen on (default 127.0.0.1; EDGEFED_HOST)
  --port N           port (default 8080; 0 picks a free one; EDGEFED_PORT)
  --store KIND       sqlite (default), postgres or memory (EDGEFED_STORE)
  --postgres URL     keep runs and model blobs in PostgreSQL (implies --store postgres;
                     postgres://user:password@host:5432/db; EDGEFED_POSTGRES_URL); several
                     coordinator processes may share one database
  --blob-dir DIR     with --postgres: keep model blobs in this shared directory instead
  --data-dir DIR     SQLite file, model blobs and secrets (default ./data; EDGEFED_DATA_DIR);
                     with --postgres only secrets and uploaded-model entries
  --log-level LEVEL  trace|debug|info|warn|error|silent (default info; EDGEFED_LOG_LEVEL)
  --redis URL        run as one node of a cluster sharing this Redis (redis://host:6379;
                     EDGEFED_REDIS_URL): socket.io across nodes, node registry, run leases
  --node-id ID       this node's id in the cluster (default <hostname>-<pid>-<random>;
                     EDGEFED_NODE_ID)
  -h, --help         this help

The admin token is EDGEFED_ADMIN_TOKEN, or generated once and kept in DIR/secrets.json.
In a cluster every node needs the same admin token and token secret, and one shared store
(see docs/deploy.md).`;

const FLAGS = {
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  store: { type: 'string' },
  'data-dir': { type: 'string' },
  postgres: { type: 'string' },
  'blob-dir': { type: 'string' },
  'log-level': { type: 'string' },
  redis: { type: 'string' },
  'node-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses serve flags into a validated config (throws INVALID_CONFIG / INVALID_ARGUMENT). */
export function serveConfig(
  argv: string[],
  env: Record<string, string | undefined>,
): CoordinatorConfig | 'help' {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help === true) return 'help';
  const port = intFlag(values, 'port');
  const overrides = {
    server: { host: strFlag(values, 'host'), port },
    store: storeFlags(values),
    log: { level: strFlag(values, 'log-level') },
    ...clusterOverrides(values),
  };
  const file = strFlag(values, 'config');
  return loadConfig({ ...(file === undefined ? {} : { file }), env, overrides });
}

/** The `store` part of the flags: `--postgres URL` selects PostgreSQL unless `--store` says otherwise. */
function storeFlags(values: Record<string, unknown>): Record<string, unknown> {
  const url = strFlag(values, 'postgres');
  const blobDir = strFlag(values, 'blob-dir');
  return {
    kind: strFlag(values, 'store') ?? (url === undefined ? undefined : 'postgres'),
    dataDir: strFlag(values, 'data-dir'),
    url,
    blobs: blobDir === undefined ? undefined : { dir: blobDir },
  };
}

/** The `cluster` block from `--redis` / `--node-id` (none when neither is given). */
function clusterOverrides(values: Record<string, unknown>): { cluster?: Record<string, string | undefined> } {
  const redis = strFlag(values, 'redis');
  const nodeId = strFlag(values, 'node-id');
  if (redis === undefined && nodeId === undefined) return {};
  return { cluster: { redis, nodeId } };
}

/** Stops the coordinator on SIGINT/SIGTERM; resolves when closed. */
export function closeOnSignals(coordinator: Coordinator): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void coordinator.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `edgefed serve`. */
export async function runServeCommand(argv: string[]): Promise<number> {
  const config = serveConfig(argv, process.env);
  if (config === 'help') {
    console.log(SERVE_HELP);
    return 0;
  }
  ensureDashboardBuilt();
  const coordinator = await createCoordinator({ config });
  const url = await coordinator.listen();
  const node = coordinator.cluster === undefined ? '' : `, cluster node ${coordinator.cluster.nodeId}`;
  console.error(
    `edgefed coordinator at ${url} (admin token: ${config.auth.adminToken === undefined ? 'see data dir secrets.json' : 'from config'}${node})`,
  );
  await closeOnSignals(coordinator);
  return 0;
}

/**
 * `npm run bench -- cluster-failover [--nodes 3] [--ttl-ms 10000,2000] [--repeats 2]
 * [--store sqlite|postgres]`: real `edgefed serve --redis` processes (the CLI) on one real
 * redis-server, sharing their store: with `--store sqlite` (the default) one SQLite data
 * directory stands in for it; with `--store postgres` the bench starts a real PostgreSQL
 * server (tests/support/postgres.ts), each repeat gets a fresh database, and every node runs
 * with `--postgres URL` and its own data directory, the deployment shape of docs/deploy.md.
 * For each lease TTL: start the nodes,
 * create a run on the first one (it takes the run's lease and drives it), SIGKILL whichever
 * node leads it, and time (a) until another node holds the lease and drives the run
 * (`GET /api/cluster` shows it as leader with a higher epoch) and (b) until the dead node has
 * left the registry. The baseline is the configured TTL: takeover cannot be faster than the
 * dead leader's lease running out, and should not be much slower (the takeover check runs
 * every TTL/2). Each figure also carries the epochs seen.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PostgresServer } from '../tests/support/postgres.js';
import { startRedis } from '../tests/support/redis.js';
import type { Benchmark, FigureInput } from './harness.js';
import { ROOT, adminApi, freePort, poll } from './cluster-lib/processes.js';

const ADMIN = 'bench-cluster-admin-token-0123456789';
const SECRET = 'bench-cluster-token-secret-0123456789abcdef';

interface View {
  nodes: { nodeId: string; url: string }[];
  leaders: { runId: string; nodeId: string; epoch: number }[];
}

const api = adminApi(ADMIN);

interface Node {
  readonly id: string;
  readonly url: string;
  readonly child: ChildProcess;
}

async function startNode(
  id: string,
  o: { dataDir: string; configFile: string; postgres: string | undefined },
): Promise<Node> {
  const port = await freePort();
  const args = ['--conditions=@edgefed/source', '--import', 'tsx', 'coordinator/src/cli/main.ts', 'serve'];
  args.push('--config', o.configFile, '--port', String(port), '--node-id', id);
  // PostgreSQL: each node its own data directory (secrets come from the environment)
  const dataDir = o.postgres === undefined ? o.dataDir : mkdtempSync(join(o.dataDir, `${id}-`));
  args.push('--data-dir', dataDir, ...(o.postgres === undefined ? [] : ['--postgres', o.postgres]));
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'ignore'],
    env: {
      ...process.env,
      EDGEFED_ADMIN_TOKEN: ADMIN,
      EDGEFED_TOKEN_SECRET: SECRET,
      EDGEFED_LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await poll(`node ${id} up`, async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined));
  return { id, url, child };
}

async function once(o: {
  nodes: number;
  ttlMs: number;
  redisUrl: string;
  postgres: PostgresServer | undefined;
}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgefed-bench-cluster-'));
  const configFile = join(dataDir, 'cluster.json');
  const prefix = `bench${o.ttlMs}-${Date.now()}:`;
  const cluster = { redis: o.redisUrl, leaseTtlMs: o.ttlMs, nodeTtlMs: o.ttlMs, keyPrefix: prefix };
  writeFileSync(configFile, JSON.stringify({ cluster }));
  const nodes: Node[] = [];
  const postgres = await o.postgres?.createDatabase();
  try {
    for (let i = 0; i < o.nodes; i++)
      nodes.push(await startNode(`node-${i}`, { dataDir, configFile, postgres }));
    const first = nodes[0] as Node;
    const config = {
      model: '2nn',
      rounds: 3,
      strategy: { name: 'fedavg', minFitClients: 2, minAvailableClients: 2 },
    };
    const run = await api<{ id: string }>(first.url, '/api/runs', { config });
    const before = (await api<View>(first.url, '/api/cluster')).leaders.find((l) => l.runId === run.id);
    if (before === undefined) throw new Error('no leader after create');
    const leader = nodes.find((n) => n.id === before.nodeId) as Node;
    const other = nodes.find((n) => n !== leader) as Node;
    const killedAt = performance.now();
    leader.child.kill('SIGKILL');
    const after = await poll('takeover', async () => {
      const v = await api<View>(other.url, '/api/cluster');
      const l = v.leaders.find((x) => x.runId === run.id);
      return l !== undefined && l.nodeId !== leader.id ? l : undefined;
    });
    const takeoverMs = performance.now() - killedAt;
    await poll('registry expiry', async () => {
      const v = await api<View>(other.url, '/api/cluster');
      return v.nodes.some((n) => n.nodeId === leader.id) ? undefined : true;
    });
    const goneMs = performance.now() - killedAt;
    const status = await api<{ status: string }>(other.url, `/api/runs/${run.id}`);
    return {
      takeoverMs,
      goneMs,
      epochs: [before.epoch, after.epoch],
      newLeader: after.nodeId,
      status: status.status,
    };
  } finally {
    for (const n of nodes) n.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  description:
    'cluster failover: SIGKILL a run leader among N `edgefed serve --redis` nodes, time the takeover',
  async run(ctx) {
    const { args } = ctx;
    const report = (f: FigureInput): void => ctx.report(f);
    const nodes = Number(args.nodes ?? 3);
    const ttls = (args['ttl-ms'] ?? '10000,2000').split(',').map(Number);
    const repeats = Number(args.repeats ?? 2);
    const store = args.store ?? 'sqlite';
    if (store !== 'sqlite' && store !== 'postgres')
      throw new Error(`--store must be sqlite or postgres, got ${store}`);
    const redis = await startRedis();
    const postgres = store === 'postgres' ? await startPostgres() : undefined;
    try {
      for (const ttlMs of ttls) {
        report({ name: `lease_ttl_${ttlMs}ms`, value: ttlMs, unit: 'ms' });
        for (let r = 0; r < repeats; r++) {
          const m = await once({ nodes, ttlMs, redisUrl: redis.url, postgres });
          const extra = {
            nodes,
            store,
            repeat: r,
            epochs: m.epochs,
            newLeader: m.newLeader,
            runStatus: m.status,
          };
          report({
            name: `takeover_ttl_${ttlMs}ms`,
            value: Math.round(m.takeoverMs),
            unit: 'ms',
            baseline: `lease_ttl_${ttlMs}ms`,
            ...extra,
          });
          report({
            name: `registry_gone_ttl_${ttlMs}ms`,
            value: Math.round(m.goneMs),
            unit: 'ms',
            baseline: `lease_ttl_${ttlMs}ms`,
            nodes,
            store,
            repeat: r,
          });
        }
      }
    } finally {
      await Promise.all([redis.stop(), postgres?.stop()]);
    }
  },
};

export default bench;

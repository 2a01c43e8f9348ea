/**
 * `npm run bench -- cluster-rounds [--clients 1000,10000] [--topologies single,cluster3]
 * [--select 100] [--rounds 5] [--quiet 10] [--fd-limit 32768] [--per-generator 2500]
 * [--ttl-ms 10000] [--label TEXT] [--out results/cluster/rounds.jsonl]`: coordination overhead
 * of a round.
 *
 * For each client count and topology it starts `edgefed serve` processes (the CLI):
 * `single` is one plain node (memory store, no Redis); `clusterK` is K nodes with
 * `--redis URL --postgres URL` on one real redis-server and a fresh database of one real
 * PostgreSQL (tests/support). It creates a FedAvg run on the first node (so that node leads
 * it) selecting `--select` clients a round out of everyone connected, connects that many real
 * participants (bench/cluster-lib/participant-gen.ts: `createParticipant`, websocket, tiny-cnn
 * model, a training step that only scales the parameters) spread round-robin over the nodes,
 * measures every node's CPU over `--quiet` idle seconds, starts the run and waits for it.
 *
 * Figures per scenario: ms per round (median and mean of the store's round records,
 * startedAt to endedAt), leader CPU ms per round (CPU over the run less the same node's idle
 * rate over the quiet window, divided by rounds) and the same for all nodes, idle CPU per
 * node, and Redis's own figures for the client directory's commands (calls and microseconds
 * of HSET/HGETALL/DEL over the scenario). Descriptor limits are raised for the bench's own
 * children only (`sh -c 'ulimit -n N; exec ...'`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { createJoinToken } from '../coordinator/src/auth/join-token.js';
import { startPostgres, type PostgresServer } from '../tests/support/postgres.js';
import { startRedis, type TestRedis } from '../tests/support/redis.js';
import type { Benchmark, FigureInput } from './harness.js';
import {
  ROOT,
  adminApi,
  coordinatorUrl,
  cpuSeconds,
  sleep,
  spawnLimited,
  stop,
} from './cluster-lib/processes.js';

const SECRET = 'bench-rounds-token-secret-0123456789abcdef';
const ADMIN = 'bench-rounds-admin-token-0123456789';
const NODE_ARGS = [process.execPath, '--conditions=@edgefed/source', '--import', 'tsx'];

interface Node {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
}

function startNode(limit: number, id: string, extra: readonly string[]): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), 'edgefed-bench-rounds-'));
  const args = [...NODE_ARGS, 'coordinator/src/cli/main.ts', 'serve', '--port', '0'];
  if (id !== 'single') args.push('--node-id', id);
  const proc = spawnLimited(limit, [...args, '--data-dir', dir, '--log-level', 'error', ...extra], {
    ...process.env,
    EDGEFED_TOKEN_SECRET: SECRET,
    EDGEFED_ADMIN_TOKEN: ADMIN,
  });
  return coordinatorUrl(proc).then(({ url, pid }) => ({ proc, url, pid, dir }));
}

interface GenDone {
  readonly connected: number;
  readonly failed: number;
  readonly seconds: number;
  readonly firstError?: string;
}

function startGenerator(limit: number, options: object): { proc: ChildProcess; done: Promise<GenDone> } {
  const args = [...NODE_ARGS, 'bench/cluster-lib/participant-gen.ts', JSON.stringify(options)];
  const proc = spawnLimited(limit, args, process.env);
  const done = new Promise<GenDone>((ok, fail) => {
    let err = '';
    proc.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const msg = JSON.parse(line) as GenDone & { type: string };
      if (msg.type === 'done') ok(msg);
    });
    proc.once('exit', (code) => fail(new Error(`participant generator exited with ${String(code)}: ${err}`)));
  });
  return { proc, done };
}

const api = adminApi(ADMIN);

/** Redis's per-command counters (`INFO commandstats`): command -> { calls, usec }. */
async function commandStats(redis: Redis): Promise<Record<string, { calls: number; usec: number }>> {
  const out: Record<string, { calls: number; usec: number }> = {};
  for (const m of (await redis.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+)/g))
    out[m[1] ?? ''] = { calls: Number(m[2]), usec: Number(m[3]) };
  return out;
}

interface Scenario {
  readonly clients: number;
  readonly topology: string;
  readonly select: number;
  readonly rounds: number;
  readonly quietS: number;
  readonly limit: number;
  readonly perGenerator: number;
  readonly ttlMs: number;
  readonly redis: TestRedis | undefined;
  readonly postgres: PostgresServer | undefined;
  /** Free text recorded with every figure (`--label`), e.g. which code was measured. */
  readonly label: string | undefined;
  readonly report: (f: FigureInput) => void;
}

async function nodesFor(s: Scenario): Promise<Node[]> {
  const m = /^cluster(\d+)$/.exec(s.topology);
  if (s.topology === 'single') return [await startNode(s.limit, 'single', ['--store', 'memory'])];
  if (m === null || s.redis === undefined || s.postgres === undefined)
    throw new Error(`--topologies: single or clusterK, got ${s.topology}`);
  const database = await s.postgres.createDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'edgefed-bench-rounds-cfg-'));
  const configFile = join(dir, 'cluster.json');
  const prefix = `rounds-${s.clients}-${s.topology}-${Date.now()}:`;
  const cluster = { redis: s.redis.url, leaseTtlMs: s.ttlMs, nodeTtlMs: s.ttlMs, keyPrefix: prefix };
  writeFileSync(configFile, JSON.stringify({ cluster }));
  const nodes: Node[] = [];
  for (let i = 0; i < Number(m[1]); i++)
    nodes.push(await startNode(s.limit, `node-${i}`, ['--config', configFile, '--postgres', database]));
  return nodes;
}

interface RoundRecord {
  round: number;
  state: string;
  startedAt: number;
  endedAt: number | null;
  selectedCount: number;
  completedCount: number;
}

async function scenario(s: Scenario): Promise<void> {
  const nodes: Node[] = [];
  const gens: ChildProcess[] = [];
  const tag = {
    clients: s.clients,
    topology: s.topology,
    select: s.select,
    rounds: s.rounds,
    ...(s.label !== undefined && { label: s.label }),
  };
  const redis = s.redis === undefined || s.topology === 'single' ? undefined : new Redis(s.redis.url);
  try {
    nodes.push(...(await nodesFor(s)));
    const leader = nodes[0] as Node;
    const config = {
      model: 'tiny-cnn',
      rounds: s.rounds,
      evaluateEvery: 0,
      seed: 3,
      roundDeadlineMs: 120_000,
      strategy: {
        name: 'fedavg',
        minFitClients: s.select,
        minAvailableClients: s.select,
        fractionFit: s.select / s.clients,
      },
      training: { batchSize: 16, learningRate: 0.05, maxSteps: 1 },
    };
    const run = await api<{ id: string }>(leader.url, '/api/runs', { config, start: false });
    const token = createJoinToken({ secret: SECRET, run: run.id });
    const started = performance.now();
    const results: Promise<GenDone>[] = [];
    for (let g = 0; g * s.perGenerator < s.clients; g++) {
      const n = Math.min(s.perGenerator, s.clients - g * s.perGenerator);
      const gen = startGenerator(Math.min(s.limit, Math.max(4096, 3 * n + 1024)), {
        urls: nodes.map((x) => x.url),
        count: n,
        token,
        concurrency: 32,
        offset: g * s.perGenerator,
      });
      gens.push(gen.proc);
      results.push(gen.done);
    }
    const done = await Promise.all(results);
    const connected = done.reduce((a, d) => a + d.connected, 0);
    const firstError = done.find((d) => d.firstError !== undefined)?.firstError;
    s.report({
      name: 'connected',
      value: connected,
      unit: 'participants',
      ...tag,
      failed: s.clients - connected,
      connectSeconds: (performance.now() - started) / 1000,
      ...(firstError !== undefined && { firstError }),
    });
    await sleep(5_000); // the connect burst drains
    const q0 = nodes.map((n) => cpuSeconds(n.pid));
    const tq = performance.now();
    await sleep(s.quietS * 1000);
    const quietSeconds = (performance.now() - tq) / 1000;
    const idleRate = nodes.map((n, i) => (cpuSeconds(n.pid) - (q0[i] ?? 0)) / quietSeconds);
    const stats0 = redis === undefined ? undefined : await commandStats(redis);
    const load0 = loadavg()[0];
    const c0 = nodes.map((n) => cpuSeconds(n.pid));
    const t0 = performance.now();
    await api(leader.url, `/api/runs/${run.id}/start`, {});
    let status = '';
    while (!['completed', 'failed', 'stopped'].includes(status)) {
      await sleep(100);
      status = (await api<{ status: string }>(leader.url, `/api/runs/${run.id}`)).status;
    }
    const wall = (performance.now() - t0) / 1000;
    const cpu = nodes.map((n, i) => cpuSeconds(n.pid) - (c0[i] ?? 0));
    const stats1 = redis === undefined ? undefined : await commandStats(redis);
    const { rounds } = await api<{ rounds: RoundRecord[] }>(leader.url, `/api/runs/${run.id}/rounds`);
    const ok = rounds.filter((r) => r.state === 'completed' && r.endedAt !== null);
    const ms = ok.map((r) => (r.endedAt ?? 0) - r.startedAt).sort((a, b) => a - b);
    const mean = ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length);
    const extra = { ...tag, status, loadavgStart: load0, loadavgEnd: loadavg()[0], runSeconds: wall };
    s.report({
      name: 'round-ms',
      value: ms[Math.floor(ms.length / 2)] ?? Number.NaN,
      unit: 'ms per round (median)',
      ...extra,
      mean,
      perRound: ms,
      completedRounds: ok.length,
      failedAttempts: rounds.length - ok.length,
      selected: ok.map((r) => r.selectedCount),
      completedClients: ok.map((r) => r.completedCount),
      ...(s.topology !== 'single' && { baseline: 'round-ms (single)' }),
    });
    const perRound = (i: number): number =>
      (((cpu[i] ?? 0) - (idleRate[i] ?? 0) * wall) * 1000) / Math.max(1, ok.length);
    s.report({
      name: 'leader-cpu-per-round',
      value: perRound(0),
      unit: 'CPU ms per round (idle rate subtracted)',
      ...extra,
      rawCpuMsPerRound: ((cpu[0] ?? 0) * 1000) / Math.max(1, ok.length),
    });
    s.report({
      name: 'all-nodes-cpu-per-round',
      value: nodes.reduce((a, _, i) => a + perRound(i), 0),
      unit: 'CPU ms per round (all nodes, idle rate subtracted)',
      ...extra,
      perNode: nodes.map((_, i) => perRound(i)),
    });
    s.report({
      name: 'idle-cpu',
      value: idleRate.reduce((a, b) => a + b, 0) * 100,
      unit: '% of one core (all nodes, connected and idle)',
      ...tag,
      perNode: idleRate.map((r) => r * 100),
      quietSeconds,
    });
    if (stats0 !== undefined && stats1 !== undefined) {
      const diff = (c: string) => ({
        calls: (stats1[c]?.calls ?? 0) - (stats0[c]?.calls ?? 0),
        usec: (stats1[c]?.usec ?? 0) - (stats0[c]?.usec ?? 0),
      });
      const dir = { hset: diff('hset'), hgetall: diff('hgetall'), del: diff('del'), hdel: diff('hdel') };
      s.report({
        name: 'redis-directory-usec',
        value: Object.values(dir).reduce((a, d) => a + d.usec, 0),
        unit: 'µs of Redis CPU in directory commands over the run',
        ...extra,
        ...dir,
      });
    }
  } finally {
    await Promise.all(gens.map((g) => stop(g)));
    await Promise.all(nodes.map((n) => stop(n.proc)));
    for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
    redis?.disconnect();
  }
}

function hardLimit(): Promise<number> {
  return new Promise((ok) => {
    const p = spawn('sh', ['-c', 'ulimit -Hn'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.once('exit', () => ok(out.trim() === 'unlimited' ? Number.POSITIVE_INFINITY : Number(out.trim())));
  });
}

const bench: Benchmark = {
  description:
    'round overhead: 100 selected out of 1,000 / 10,000 connected participants, 1 node vs a cluster',
  async run(ctx) {
    const { args } = ctx;
    const clients = (args.clients ?? '1000,10000').split(',').map(Number);
    const topologies = (args.topologies ?? 'single,cluster3').split(',');
    const limit = Math.min(Number(args['fd-limit'] ?? 32768), await hardLimit());
    const out = resolve(ROOT, args.out ?? 'results/cluster/rounds.jsonl');
    mkdirSync(dirname(out), { recursive: true });
    const report = (f: FigureInput): void => {
      ctx.report(f);
      appendFileSync(
        out,
        `${JSON.stringify({ bench: 'cluster-rounds', at: new Date().toISOString(), ...f })}\n`,
      );
    };
    const clustered = topologies.some((t) => t.startsWith('cluster'));
    const redis = clustered ? await startRedis() : undefined;
    const postgres = clustered ? await startPostgres() : undefined;
    try {
      for (const n of clients)
        for (const topology of topologies)
          await scenario({
            clients: n,
            topology,
            select: Number(args.select ?? 100),
            rounds: Number(args.rounds ?? 5),
            quietS: Number(args.quiet ?? 10),
            limit,
            perGenerator: Number(args['per-generator'] ?? 2500),
            ttlMs: Number(args['ttl-ms'] ?? 10_000),
            redis,
            postgres,
            label: args.label,
            report,
          });
    } finally {
      await Promise.all([redis?.stop(), postgres?.stop()]);
    }
  },
};

export default bench;

/**
 * `npm run bench -- cluster`: how many idle socket.io participants coordinator processes hold
 * on this machine, and what their heartbeats cost. For each client count (default 1,000 and
 * 10,000) it runs one coordinator process (`edgefed serve`, memory store) and then `--nodes`
 * separate ones (default 3; independent processes on one machine, no Redis: this measures the
 * per-process socket load a cluster spreads), connects that many real participants (the client
 * library's `connect`: websocket, `hello` with a join token, `welcome`, a heartbeat every 10 s)
 * from load-generator child processes, spread round-robin over the nodes, waits until they are
 * idle, and measures each coordinator's CPU time (utime + stime from /proc) over a quiet window.
 *
 * Figures: participants connected per node (the node's own `edgefed_connected_clients`
 * gauge), heartbeat CPU per 1,000 idle clients (percent of one core, summed over the nodes,
 * less the CPU of a coordinator holding no client, measured first over the same window),
 * resident memory per node, connect time; plus one run at a low descriptor limit
 * (`--low-limit`, default 1024, the usual Linux soft default) that shows what happens at it.
 * Descriptor limits are raised (or lowered) for the bench's own children only, through
 * `sh -c 'ulimit -n N; exec ...'`; nothing system-wide. The load average at the start and end
 * of every window is reported with it: other work on the machine inflates the CPU figures.
 *
 * Options: --clients 1000,10000  --nodes 3  --topologies 1,3 (node counts to run; default 1
 *          and --nodes)  --window 60 (s)  --fd-limit 32768 (capped at the hard limit)
 *          --low-limit 1024 (0 skips)  --per-generator 2500  --attempts 1 (connection attempts
 *          per participant)  --out results/cluster/idle.jsonl
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createJoinToken } from '../coordinator/src/auth/join-token.js';
import type { Benchmark, FigureInput } from './harness.js';
import { ROOT, coordinatorUrl, cpuSeconds, sleep, spawnLimited, stop } from './cluster-lib/processes.js';

const TOKEN_SECRET = 'bench-cluster-token-secret-0123456789abcdef';
const ADMIN_TOKEN = 'bench-cluster-admin-token';

interface Node {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
}

const NODE_ARGS = [process.execPath, '--conditions=@edgefed/source', '--import', 'tsx'];

function startNode(limit: number): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), 'edgefed-bench-cluster-'));
  const proc = spawnLimited(
    limit,
    [
      ...NODE_ARGS,
      'coordinator/src/cli/main.ts',
      'serve',
      '--port',
      '0',
      '--store',
      'memory',
      '--data-dir',
      dir,
      '--log-level',
      'error',
    ],
    { ...process.env, EDGEFED_TOKEN_SECRET: TOKEN_SECRET, EDGEFED_ADMIN_TOKEN: ADMIN_TOKEN },
  );
  return coordinatorUrl(proc).then(({ url, pid }) => ({ proc, url, pid, dir }));
}

interface GenDone {
  readonly connected: number;
  readonly failed: number;
  readonly codes: Record<string, number>;
  readonly seconds: number;
  readonly firstError?: string;
}

function startGenerator(
  limit: number,
  options: Record<string, unknown>,
): { proc: ChildProcess; done: Promise<GenDone> } {
  const proc = spawnLimited(
    limit,
    [...NODE_ARGS, 'bench/cluster-lib/load-gen.ts', JSON.stringify(options)],
    process.env,
  );
  const done = new Promise<GenDone>((resolve, reject) => {
    let err = '';
    proc.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as GenDone & { type: string };
      if (msg.type === 'done') resolve(msg);
    });
    proc.once('exit', (code) => reject(new Error(`load generator exited with ${String(code)}: ${err}`)));
  });
  return { proc, done };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

async function connectedGauge(url: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const m = /^edgefed_connected_clients (\d+)/m.exec(await res.text());
  return Number(m?.[1] ?? Number.NaN);
}

interface Scenario {
  readonly clients: number;
  readonly nodes: number;
  readonly limit: number;
  readonly windowS: number;
  readonly perGenerator: number;
  readonly cap: (limit: number) => number;
  /** Connection attempts per participant (1: none retries). */
  readonly attempts: number;
  /** CPU of one coordinator with no client over the same window (% of one core), subtracted. */
  readonly emptyNodePct: number;
  readonly report: (f: FigureInput) => void;
}

async function scenario(s: Scenario): Promise<void> {
  const nodes: Node[] = [];
  const gens: ChildProcess[] = [];
  const tag = { clients: s.clients, nodes: s.nodes, fdLimit: s.limit };
  try {
    for (let i = 0; i < s.nodes; i++) nodes.push(await startNode(s.limit));
    const token = createJoinToken({ secret: TOKEN_SECRET, run: '*' });
    const urls = nodes.map((n) => n.url);
    const count = Math.max(1, Math.ceil(s.clients / s.perGenerator));
    const started = performance.now();
    const results: Promise<GenDone>[] = [];
    for (let g = 0; g < count; g++) {
      const n = Math.min(s.perGenerator, s.clients - g * s.perGenerator);
      const gen = startGenerator(s.cap(Math.max(4096, 2 * n + 1024)), {
        urls,
        count: n,
        token,
        concurrency: 64,
        attempts: s.attempts,
        offset: g * s.perGenerator,
        timeoutMs: 60_000,
      });
      gens.push(gen.proc);
      results.push(gen.done);
    }
    const done = await Promise.all(results);
    const connectS = (performance.now() - started) / 1000;
    const connected = done.reduce((a, d) => a + d.connected, 0);
    const codes: Record<string, number> = {};
    const firstError = done.find((d) => d.firstError !== undefined)?.firstError;
    for (const d of done) for (const [k, v] of Object.entries(d.codes)) codes[k] = (codes[k] ?? 0) + v;
    s.report({
      name: 'connected',
      value: connected,
      unit: 'clients',
      ...tag,
      failed: s.clients - connected,
      codes,
      ...(firstError !== undefined && { firstError }),
      connectSeconds: connectS,
    });
    await sleep(5_000); // let the connect burst drain
    const load0 = loadavg();
    const cpu0 = nodes.map((n) => cpuSeconds(n.pid));
    const t0 = performance.now();
    await sleep(s.windowS * 1000);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = nodes.map((n, i) => cpuSeconds(n.pid) - (cpu0[i] ?? 0));
    const load1 = loadavg();
    const gauges = await Promise.all(nodes.map((n) => connectedGauge(n.url).catch(() => Number.NaN)));
    const rss = nodes.map((n) => rssMb(n.pid));
    // a node out of descriptors cannot answer /metrics: count what the generators hold then
    const unreachable = gauges.some((g) => Number.isNaN(g));
    const idle = unreachable ? connected : gauges.reduce((a, b) => a + b, 0);
    const cpuPct = (cpu.reduce((a, b) => a + b, 0) / seconds) * 100;
    const extra = { ...tag, windowSeconds: seconds, loadavgStart: load0[0], loadavgEnd: load1[0] };
    s.report({
      name: 'held',
      value: idle,
      unit: 'clients',
      ...extra,
      perNode: gauges,
      ...(unreachable && { source: 'load generators (a node did not answer /metrics)' }),
    });
    s.report({
      name: 'idle-cpu',
      value: cpuPct,
      unit: '% of one core (all nodes)',
      ...extra,
      perNode: cpu.map((c) => (c / seconds) * 100),
    });
    s.report({
      name: 'heartbeat-cpu-per-1000',
      value: idle > 0 ? Math.max(0, cpuPct - s.nodes * s.emptyNodePct) / (idle / 1000) : Number.NaN,
      emptyNodePct: s.emptyNodePct,
      unit: '% of one core per 1,000 idle clients',
      ...extra,
      ...(s.nodes > 1 && { baseline: 'heartbeat-cpu-per-1000 (nodes 1)' }),
    });
    s.report({ name: 'rss', value: Math.max(...rss), unit: 'MB (largest node)', ...extra, perNode: rss });
  } finally {
    await Promise.all(gens.map((g) => stop(g)));
    await Promise.all(nodes.map((n) => stop(n.proc)));
    for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
  }
}

/** CPU of one coordinator process holding no client, over `windowS` (% of one core). */
async function emptyNodeCpu(limit: number, windowS: number): Promise<number> {
  const node = await startNode(limit);
  try {
    await sleep(5_000);
    const c0 = cpuSeconds(node.pid);
    const t0 = performance.now();
    await sleep(windowS * 1000);
    return ((cpuSeconds(node.pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
  } finally {
    await stop(node.proc);
    rmSync(node.dir, { recursive: true, force: true });
  }
}

function defaultSoftLimit(): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.once('exit', () => resolve(out.trim().replace('\n', ' / ')));
  });
}

const bench: Benchmark = {
  description: 'idle socket.io participants per coordinator process and heartbeat CPU, 1 node vs N nodes',
  async run(ctx) {
    const { args } = ctx;
    const report = (f: FigureInput): void => {
      ctx.report(f);
    };
    const clients = (args.clients ?? '1000,10000').split(',').map(Number);
    const nodes = Number(args.nodes ?? 3);
    const topologies = (args.topologies ?? (nodes > 1 ? `1,${nodes}` : '1')).split(',').map(Number);
    const attempts = Number(args.attempts ?? 1);
    const windowS = Number(args.window ?? 60);
    const [soft, hard] = (await defaultSoftLimit()).split(' / ').map(Number) as [number, number];
    // an unprivileged process (root in a container, too) cannot raise its soft limit past the hard one
    const cap = (n: number): number => (Number.isFinite(hard) ? Math.min(n, hard) : n);
    const limit = cap(Number(args['fd-limit'] ?? 32768));
    const low = Number(args['low-limit'] ?? 1024);
    const perGenerator = Number(args['per-generator'] ?? 2500);
    const out = resolve(ROOT, args.out ?? 'results/cluster/idle.jsonl');
    mkdirSync(dirname(out), { recursive: true });
    const record = (f: FigureInput): void => {
      report(f);
      appendFileSync(out, `${JSON.stringify({ bench: 'cluster', at: new Date().toISOString(), ...f })}\n`);
    };
    record({ name: 'default-fd-limit', value: soft, unit: 'descriptors (soft)', hard, nodeLimit: limit });
    const load = loadavg()[0];
    const emptyNodePct = await emptyNodeCpu(limit, windowS);
    record({
      name: 'empty-node-cpu',
      value: emptyNodePct,
      unit: '% of one core',
      windowSeconds: windowS,
      loadavgStart: load,
      loadavgEnd: loadavg()[0],
    });
    for (const n of clients) {
      for (const k of topologies) {
        await scenario({
          clients: n,
          nodes: k,
          limit,
          windowS,
          perGenerator,
          cap,
          attempts,
          emptyNodePct,
          report: record,
        });
      }
    }
    if (low > 0) {
      // what happens at the limit: one node with a common default soft limit, more clients than it allows
      await scenario({
        clients: Math.round(low * 1.5),
        nodes: 1,
        limit: low,
        windowS: Math.min(windowS, 20),
        perGenerator,
        cap,
        attempts,
        emptyNodePct,
        report: record,
      });
    }
  },
};

export default bench;

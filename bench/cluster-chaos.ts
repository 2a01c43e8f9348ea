/**
 * `npm run bench -- cluster-chaos [--participants 300] [--per-round 45] [--rounds 10]
 * [--train-ms 1500] [--ttl-ms 2000] [--kill-follower-round 3] [--kill-leader-round 6]
 * [--out results/cluster/chaos.jsonl]`: the chaos run of issue #16.
 *
 * Three real `edgefed serve --redis URL --postgres URL` processes (the CLI; own data
 * directories; lease and node TTL `--ttl-ms`) on one real redis-server and one real PostgreSQL
 * database (tests/support), and `--participants` real participants (the client library's
 * `createParticipant`, socket.io websocket) in this process, spread evenly over the nodes.
 * Each participant reaches the cluster through one of three tiny TCP proxies in this process
 * (proxy k forwards a new connection to node k, or, when node k refuses it, to the next node
 * that accepts): the stand-in for the load balancer of docs/deploy.md, so a participant whose
 * node dies reconnects (with its resume token) to a surviving node. Training is a
 * deterministic engine (new parameters = 0.9 x global + a per-participant offset) that takes
 * `--train-ms`, on the `tiny-cnn` model: real participant code over real sockets, cheap math.
 *
 * A FedAvg run selects `--per-round` clients a round. When round `--kill-follower-round`
 * starts and a non-leader's clients are training, that node is SIGKILLed; when round
 * `--kill-leader-round` starts and clients train, the leader is SIGKILLed. Printed and
 * written to `--out`: whether the run finished; the takeover time (SIGKILL of the leader until
 * a survivor reports itself leader); the checkpoints (versions strictly increasing, every
 * checkpoint seen during the run still there with the same hash at the end, one per committed
 * round); per committed round, numResults against its completed outcomes and no client twice;
 * failed round attempts and their reasons.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createParticipant, type LocalTrainingEngine, type Participant } from '@edgefed/client';
import type { Tensor } from '@edgefed/shared';
import { createJoinToken } from '../coordinator/src/auth/join-token.js';
import { startPostgres } from '../tests/support/postgres.js';
import { startRedis } from '../tests/support/redis.js';
import type { Benchmark } from './harness.js';
import { ROOT, adminApi, freePort, poll, sleep } from './cluster-lib/processes.js';

const ADMIN = 'bench-chaos-admin-token-0123456789';
const SECRET = 'bench-chaos-token-secret-0123456789abcdef';

interface Node {
  readonly id: string;
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly log: string;
  killedAt?: number;
}

interface Round {
  runId: string;
  round: number;
  attempt: number;
  state: string;
  selectedCount: number;
  completedCount: number;
  droppedCount: number;
  failedCount: number;
  failureReason: string | null;
}
interface Outcome {
  round: number;
  attempt: number;
  clientId: string;
  outcome: string;
  code: string | null;
}
interface Checkpoint {
  version: number;
  round: number;
  hash: string;
}
interface Metric {
  round: number;
  name: string;
  value: number;
}
interface ClusterView {
  nodes: { nodeId: string }[];
  leaders: { runId: string; nodeId: string; epoch: number }[];
}

const api = adminApi(ADMIN);

async function startNode(id: string, dir: string, configFile: string, postgres: string): Promise<Node> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(dir, `${id}-`));
  const log = join(dir, `${id}.log`);
  const fd = openSync(log, 'a');
  const args = ['--conditions=@edgefed/source', '--import', 'tsx', 'coordinator/src/cli/main.ts', 'serve'];
  args.push('--config', configFile, '--port', String(port), '--node-id', id);
  args.push('--data-dir', dataDir, '--postgres', postgres);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      EDGEFED_ADMIN_TOKEN: ADMIN,
      EDGEFED_TOKEN_SECRET: SECRET,
      EDGEFED_LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await poll(`node ${id} up`, async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 120_000);
  return { id, url, port, child, log };
}

/** Proxy `k`: each new TCP connection goes to node k, or the next node that accepts it. */
function startProxy(k: number, ports: readonly number[]): Promise<{ server: Server; url: string }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    client.pause();
    const attempt = (i: number): void => {
      if (i >= ports.length) {
        client.destroy();
        return;
      }
      const upstream = tcpConnect(ports[(k + i) % ports.length] ?? 0, '127.0.0.1');
      upstream.once('error', () => attempt(i + 1));
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        sockets.add(upstream);
        sockets.add(client);
        const close = (): void => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        upstream.on('error', close).on('close', close);
        client.on('error', close).on('close', close);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      ok({ server, url: `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}` });
    }),
  );
}

/** Participant `i`'s engine: sleeps `trainMs`, then 0.9 x global + a fixed offset. */
function engine(i: number, trainMs: number): LocalTrainingEngine {
  return {
    backend: 'node',
    exampleCount: 20 + (i % 13),
    async fit({ global }) {
      await sleep(trainMs);
      const parameters = new Map<string, Tensor>();
      for (const [name, t] of global) {
        const src = t.data as Float32Array;
        const data = new Float32Array(src.length);
        for (let j = 0; j < src.length; j++) data[j] = 0.9 * (src[j] ?? 0) + 0.001 * Math.sin(0.37 * j + i);
        parameters.set(name, { dtype: 'float32', shape: t.shape, data });
      }
      return { parameters, exampleCount: 20 + (i % 13), metrics: { loss: 1 / (i + 1) } };
    },
    evaluate: () => Promise.resolve({ loss: 0.5, exampleCount: 10, metrics: {} }),
    async dispose() {},
  };
}

interface Options {
  participants: number;
  perRound: number;
  rounds: number;
  trainMs: number;
  ttlMs: number;
  killFollowerRound: number;
  killLeaderRound: number;
}

/** Checks the store's record of the run; returns the findings (problems listed in `violations`). */
function verify(
  o: Options,
  rounds: Round[],
  outcomes: Outcome[],
  checkpoints: Checkpoint[],
  metrics: Metric[],
  seen: Map<number, string>,
) {
  const violations: string[] = [];
  const versions = checkpoints.map((c) => c.version);
  for (let i = 1; i < versions.length; i++)
    if ((versions[i] ?? 0) <= (versions[i - 1] ?? 0))
      violations.push(`checkpoint versions not increasing: ${versions.join(',')}`);
  for (const [version, hash] of seen) {
    const now = checkpoints.find((c) => c.version === version);
    if (now === undefined) violations.push(`checkpoint v${version} seen during the run is gone`);
    else if (now.hash !== hash) violations.push(`checkpoint v${version} rewritten`);
  }
  const committed = rounds.filter((r) => r.state === 'completed');
  const committedRounds = committed.map((r) => r.round).sort((a, b) => a - b);
  const expected = Array.from({ length: o.rounds }, (_, i) => i + 1);
  if (committedRounds.join(',') !== expected.join(','))
    violations.push(`committed rounds ${committedRounds.join(',')} (expected 1..${o.rounds} once each)`);
  const perRound = committed.map((r) => {
    const mine = outcomes.filter((x) => x.round === r.round && x.attempt === r.attempt);
    const done = mine.filter((x) => x.outcome === 'completed');
    const ids = new Set(mine.map((x) => x.clientId));
    const numResults = metrics.find((m) => m.round === r.round && m.name === 'numResults')?.value;
    const cp = checkpoints.filter((c) => c.round === r.round).length;
    if (numResults !== done.length)
      violations.push(
        `round ${r.round}: numResults ${String(numResults)} != completed outcomes ${done.length}`,
      );
    if (ids.size !== mine.length) violations.push(`round ${r.round}: a client has two outcomes`);
    if (cp !== 1) violations.push(`round ${r.round}: ${cp} checkpoints`);
    const dropped = mine.filter((x) => x.outcome !== 'completed');
    return {
      round: r.round,
      attempt: r.attempt,
      selected: r.selectedCount,
      completed: done.length,
      numResults,
      notCompleted: dropped.length,
      codes: [...new Set(dropped.map((x) => `${x.outcome}:${String(x.code)}`))],
    };
  });
  const failed = rounds
    .filter((r) => r.state !== 'completed')
    .map((r) => ({ round: r.round, attempt: r.attempt, state: r.state, reason: r.failureReason }));
  return { violations, perRound, failed, checkpointVersions: versions };
}

async function chaos(o: Options, record: (name: string, value: number, unit: string, extra: object) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'edgefed-bench-chaos-'));
  const [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  const nodes: Node[] = [];
  const proxies: Server[] = [];
  const participants: Participant[] = [];
  const events: { t: number; what: string }[] = [];
  const t0 = performance.now();
  const note = (what: string): void => {
    const t = Math.round(performance.now() - t0);
    events.push({ t, what });
    console.error(`[chaos +${(t / 1000).toFixed(1)}s] ${what}`);
  };
  try {
    const database = await pg.createDatabase();
    const configFile = join(dir, 'cluster.json');
    const cluster = { redis: redis.url, leaseTtlMs: o.ttlMs, nodeTtlMs: o.ttlMs, keyPrefix: 'chaos:' };
    writeFileSync(configFile, JSON.stringify({ cluster }));
    for (let i = 0; i < 3; i++) nodes.push(await startNode(`node-${i}`, dir, configFile, database));
    note('3 nodes up');
    const ports = nodes.map((n) => n.port);
    const fronts = await Promise.all([0, 1, 2].map((k) => startProxy(k, ports)));
    proxies.push(...fronts.map((f) => f.server));
    const config = {
      model: 'tiny-cnn',
      rounds: o.rounds,
      evaluateEvery: 0,
      seed: 7,
      roundDeadlineMs: 30_000,
      strategy: {
        name: 'fedavg',
        minFitClients: o.perRound,
        minAvailableClients: o.perRound,
        fractionFit: o.perRound / o.participants,
      },
      training: { batchSize: 16, learningRate: 0.05, maxSteps: 1 },
    };
    const first = nodes[0] as Node;
    const run = await api<{ id: string }>(first.url, '/api/runs', { config, start: false });
    const token = createJoinToken({ secret: SECRET, run: run.id });
    const training = new Map<number, Set<number>>(); // round -> participant indices that started
    const firstIds: string[] = [];
    const reconnects = { resumed: 0, newId: 0 };
    for (let i = 0; i < o.participants; i++) {
      const p = await createParticipant({
        url: (fronts[i % 3] as { url: string }).url,
        token,
        engine: engine(i, o.trainMs),
        transports: ['websocket'],
        deviceClass: 'virtual',
        reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
      });
      p.on('connected', (c) => {
        if (c.resumed) reconnects.resumed++;
        else if (c.clientId !== firstIds[i]) reconnects.newId++;
      });
      firstIds[i] = p.clientId;
      p.on('task-started', (t) => {
        if (t.kind !== 'fit') return;
        const s = training.get(t.round) ?? new Set<number>();
        s.add(i);
        training.set(t.round, s);
      });
      participants.push(p);
    }
    note(`${o.participants} participants connected (through proxies 0,1,2 in turn)`);
    const leaderOf = async (url: string) =>
      (await api<ClusterView>(url, '/api/cluster')).leaders.find((l) => l.runId === run.id);
    await api(first.url, `/api/runs/${run.id}/start`, {});
    const seen = new Map<number, string>();
    const watching = new AbortController();
    const alive = (): Node[] => nodes.filter((n) => n.killedAt === undefined);
    const watch = (async () => {
      while (!watching.signal.aborted) {
        for (const n of alive()) {
          const cps = await api<{ checkpoints: Checkpoint[] }>(
            n.url,
            `/api/runs/${run.id}/checkpoints`,
          ).catch(() => undefined);
          if (cps === undefined) continue;
          for (const c of cps.checkpoints) seen.set(c.version, c.hash);
          break;
        }
        await sleep(300);
      }
    })();
    /** Waits until clients of node `victim` train in round >= `round`, then SIGKILLs it. */
    const killWhenTraining = async (round: number, pick: () => Promise<Node>): Promise<Node> => {
      const victim = await poll(
        `round ${round} training`,
        async () => {
          const v = await pick();
          const k = nodes.indexOf(v);
          for (const [r, s] of training) if (r >= round && [...s].some((i) => i % 3 === k)) return v;
          return undefined;
        },
        300_000,
      );
      await sleep(Math.min(300, o.trainMs / 3));
      victim.killedAt = performance.now();
      victim.child.kill('SIGKILL');
      return victim;
    };
    const follower = await killWhenTraining(o.killFollowerRound, async () => {
      const l = await leaderOf(first.url);
      if (l === undefined) throw new Error('no leader');
      return nodes.find((n) => n.id !== l.nodeId) as Node;
    });
    const rFollower = Math.max(...[...training.keys()]);
    note(`SIGKILL non-leader ${follower.id} in round ${rFollower}`);
    let before: { nodeId: string; epoch: number } | undefined;
    const leader = await killWhenTraining(o.killLeaderRound, async () => {
      const survivor = alive()[0] as Node;
      const l = await leaderOf(survivor.url);
      if (l === undefined) throw new Error('no leader');
      before = l;
      return nodes.find((n) => n.id === l.nodeId) as Node;
    });
    const rLeader = Math.max(...[...training.keys()]);
    note(`SIGKILL leader ${leader.id} (epoch ${String(before?.epoch)}) in round ${rLeader}`);
    const survivor = alive()[0] as Node;
    const after = await poll(
      'takeover',
      async () => {
        const l = await leaderOf(survivor.url);
        return l !== undefined && l.nodeId !== leader.id ? l : undefined;
      },
      120_000,
    );
    const takeoverMs = performance.now() - (leader.killedAt ?? 0);
    note(`${after.nodeId} leads (epoch ${after.epoch}) after ${Math.round(takeoverMs)} ms`);
    const firstRoundAfter = await poll(
      'a round completed after the takeover',
      async () => {
        const { rounds } = await api<{ rounds: Round[] }>(survivor.url, `/api/runs/${run.id}/rounds`);
        const done = rounds.filter((r) => r.state === 'completed' && r.round >= rLeader);
        return done.length > 0 ? Math.min(...done.map((r) => r.round)) : undefined;
      },
      300_000,
    );
    const resumeMs = performance.now() - (leader.killedAt ?? 0);
    note(`round ${firstRoundAfter} committed ${Math.round(resumeMs)} ms after the leader's SIGKILL`);
    const finalRun = await poll(
      'run finished',
      async () => {
        const r = await api<{ status: string }>(survivor.url, `/api/runs/${run.id}`);
        return ['completed', 'failed', 'stopped'].includes(r.status) ? r : undefined;
      },
      600_000,
    );
    note(`run ${finalRun.status}`);
    watching.abort();
    await watch;
    const get = <T>(path: string): Promise<T> => api<T>(survivor.url, `/api/runs/${run.id}/${path}`);
    const { rounds } = await get<{ rounds: Round[] }>('rounds');
    const { outcomes } = await get<{ outcomes: Outcome[] }>('outcomes');
    const { checkpoints } = await get<{ checkpoints: Checkpoint[] }>('checkpoints');
    const { metrics } = await get<{ metrics: Metric[] }>('metrics');
    const v = verify(o, rounds, outcomes, checkpoints, metrics, seen);
    record('takeover', Math.round(takeoverMs), 'ms', {
      leaseTtlMs: o.ttlMs,
      epochs: [before?.epoch, after.epoch],
      newLeader: after.nodeId,
    });
    record('first-round-after-leader-kill', Math.round(resumeMs), 'ms', { round: firstRoundAfter });
    record('chaos', v.violations.length === 0 && finalRun.status === 'completed' ? 1 : 0, 'pass', {
      status: finalRun.status,
      options: o,
      killedFollower: { node: follower.id, round: rFollower },
      killedLeader: { node: leader.id, round: rLeader },
      violations: v.violations,
      failedAttempts: v.failed,
      perRound: v.perRound,
      checkpointVersions: v.checkpointVersions,
      checkpointsSeenDuringRun: seen.size,
      reconnects,
      events,
      seconds: Math.round((performance.now() - t0) / 1000),
    });
  } catch (err) {
    for (const n of nodes) {
      const tail = readFileSync(n.log, 'utf8').split('\n').slice(-15).join('\n');
      console.error(`--- ${n.id} log tail ---\n${tail}`);
    }
    throw err;
  } finally {
    for (const p of participants) await p.stop().catch(() => undefined);
    for (const s of proxies) s.close();
    for (const n of nodes) n.child.kill('SIGKILL');
    await Promise.all([redis.stop(), pg.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  description: 'cluster chaos: 3 nodes, 300 participants, SIGKILL a non-leader then the leader mid-round',
  async run(ctx) {
    const { args } = ctx;
    const o: Options = {
      participants: Number(args.participants ?? 300),
      perRound: Number(args['per-round'] ?? 45),
      rounds: Number(args.rounds ?? 10),
      trainMs: Number(args['train-ms'] ?? 1500),
      ttlMs: Number(args['ttl-ms'] ?? 2000),
      killFollowerRound: Number(args['kill-follower-round'] ?? 3),
      killLeaderRound: Number(args['kill-leader-round'] ?? 6),
    };
    const out = resolve(ROOT, args.out ?? 'results/cluster/chaos.jsonl');
    mkdirSync(dirname(out), { recursive: true });
    await chaos(o, (name, value, unit, extra) => {
      const f = { name, value, unit, ...extra };
      ctx.report(f);
      appendFileSync(
        out,
        `${JSON.stringify({ bench: 'cluster-chaos', at: new Date().toISOString(), ...f })}\n`,
      );
    });
  },
};

export default bench;
